"""The relation algebra (relations.py) and its Z3 interpretation (smt_algebra.py)
agree, on random relations and random expressions over them.

The models are written once against the algebra's interface, and the SMT
engine decides them by evaluating the same text over Z3 terms; the two engines
agree only if every operator means the same in both. Here the base relations
and sets are given to the Z3 algebra as constant Boolean terms (Python
True/absent, as the engine folds them, or Z3 constants it cannot fold), so
every term of the result must come out a constant equal to the concrete value.

Closures (`plus`, and `star`, `acyclic` through it) are not constants: each
gets fresh Booleans T with Horn definitions (smt_algebra's docstring), whose
least solution is the closure, and the solver may choose a larger one. So:

* every pair and every predicate (irreflexive, acyclic, is_empty) of the
  result, under the least solution of the closure definitions (found closure
  by closure, innermost first: T(a,b) is in it iff the definitions entail it),
  simplifies to the constant the concrete algebra computes;
* when every closure is used positively (never on the right of `-`), as the
  models use them, asserting a predicate is satisfiable exactly when it holds
  concretely, which is how the engine uses the axioms; also for `acyclic` by
  clocks, the encoding for large supports.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from unittest import mock

import z3
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from memorder.engines import smt_algebra as A
from memorder.model.relations import Rel, Set

from conftest import examples

RELS, SETS = ("r", "s"), ("S", "T")
BINARY = {"|": operator.or_, "&": operator.and_, "-": operator.sub, "@": operator.matmul}
UNARY = ("inv", "plus", "star", "opt")
PREDICATES = ("irreflexive", "acyclic", "is_empty")


# ---------------------------------------------------------------- expressions

@st.composite
def set_exprs(draw, depth=1):
    if depth == 0 or draw(st.booleans()):
        return ("set", draw(st.sampled_from(SETS)))
    op = draw(st.sampled_from(["|", "&", "-"]))
    return (op, draw(set_exprs(depth - 1)), draw(set_exprs(depth - 1)))


@st.composite
def rel_exprs(draw, depth=3):
    kind = draw(st.sampled_from(["leaf"] + (["binary", "binary", "unary", "unary"] if depth else [])))
    if kind == "binary":
        return (draw(st.sampled_from(sorted(BINARY))), draw(rel_exprs(depth - 1)),
                draw(rel_exprs(depth - 1)))
    if kind == "unary":
        return (draw(st.sampled_from(UNARY)), draw(rel_exprs(depth - 1)))
    leaf = draw(st.sampled_from(["rel", "rel", "ident", "id", "cross"]))
    if leaf == "rel":
        return ("rel", draw(st.sampled_from(RELS)))
    if leaf == "ident":
        return ("ident",)
    if leaf == "id":
        return ("id", draw(set_exprs()))
    return ("cross", draw(set_exprs()), draw(set_exprs()))


def evaluate(expr, env):
    """expr in the algebra of env's values (concrete or Z3): the same operators."""
    op, args = expr[0], expr[1:]
    if op in ("rel", "set"):
        return env[args[0]]
    if op == "ident":
        return env["id"]
    if op in BINARY:
        return BINARY[op](evaluate(args[0], env), evaluate(args[1], env))
    if op == "id":
        return evaluate(args[0], env).id()
    if op == "cross":
        return evaluate(args[0], env).cross(evaluate(args[1], env))
    return getattr(evaluate(args[0], env), op)()


def closures_positive(expr, positive=True) -> bool:
    """Is every closure in expr used positively (an even number of `-` right sides above it)?"""
    op, args = expr[0], expr[1:]
    if op in ("plus", "star") and not positive:
        return False
    if op == "-":
        return closures_positive(args[0], positive) and closures_positive(args[1], not positive)
    return all(closures_positive(a, positive) for a in args if isinstance(a, tuple))


def show(expr) -> str:
    op, args = expr[0], expr[1:]
    if op in ("rel", "set"):
        return args[0]
    if op == "ident":
        return "id"
    if op in BINARY:
        return f"({show(args[0])} {op} {show(args[1])})"
    if op == "cross":
        return f"({show(args[0])} * {show(args[1])})"
    return f"{show(args[0])}.{op}()"


# ---------------------------------------------------------------- the two algebras

TRUE_TERMS = ("python", "z3", "z3-not")     # True, BoolVal(True), Not(BoolVal(False))
FALSE_TERMS = ("absent", "z3", "z3-not")    # absent, BoolVal(False), Not(BoolVal(True))


def term(value: bool, style: str, zctx):
    if style == "python":
        return True
    if style == "z3":
        return z3.BoolVal(value, zctx)
    return z3.Not(z3.BoolVal(not value, zctx))


@dataclass(frozen=True)
class Environment:
    """n events, the base relations (pairs) and sets (members), and how each
    constant is written for Z3: one style per pair, member and event."""
    n: int
    rels: dict
    sets: dict
    styles: dict
    exists: tuple

    def concrete(self) -> dict:
        n = self.n
        env = {name: Rel(tuple(sum(1 << b for b in range(n) if (a, b) in pairs) for a in range(n)), n)
               for name, pairs in self.rels.items()}
        env.update({name: Set(sum(1 << i for i in members), n) for name, members in self.sets.items()})
        env["id"] = Rel.identity(n)
        return env

    def symbolic(self, zctx) -> dict:
        n = self.n
        ctx = A.Context(n, zctx)
        ctx.exists = [term(True, style, zctx) for style in self.exists]
        env = {"ctx": ctx}
        for name, pairs in self.rels.items():
            rows = [{} for _ in range(n)]
            for a in range(n):
                for b in range(n):
                    style = self.styles[name, a, b]
                    if style != "absent":
                        rows[a][b] = term((a, b) in pairs, style, zctx)
            env[name] = A.ZRel(ctx, rows)
        for name, members in self.sets.items():
            terms = {}
            for i in range(n):
                style = self.styles[name, i]
                if style != "absent":
                    terms[i] = term(i in members, style, zctx)
            env[name] = A.ZSet(ctx, terms)
        env["id"] = A.ZRel(ctx, [{i: ctx.exists[i]} for i in range(n)])
        return env


@st.composite
def environments(draw):
    n = draw(st.integers(0, 5))
    everything = [(a, b) for a in range(n) for b in range(n)]
    # One bit per pair: empty, full, and dense random relations alike.
    rels = {}
    for name in RELS:
        mask = draw(st.integers(0, (1 << n * n) - 1))
        rels[name] = frozenset(pair for k, pair in enumerate(everything) if mask >> k & 1)
    sets = {}
    for name in SETS:
        mask = draw(st.integers(0, (1 << n) - 1))
        sets[name] = frozenset(i for i in range(n) if mask >> i & 1)
    styles = {(name, a, b): draw(st.sampled_from(TRUE_TERMS if (a, b) in rels[name] else FALSE_TERMS))
              for name in RELS for a, b in everything}
    styles.update({(name, i): draw(st.sampled_from(TRUE_TERMS if i in sets[name] else FALSE_TERMS))
                   for name in SETS for i in range(n)})
    exists = tuple(draw(st.sampled_from(TRUE_TERMS)) for _ in range(n))
    return Environment(n, rels, sets, styles, exists)


# ---------------------------------------------------------------- least solution

def least_solution(ctx) -> list:
    """(T, value) for every closure Boolean, in the least solution of the closure
    definitions. Closures are solved in the order they were made, so a closure's
    argument is fixed before it is (its definitions mention only earlier ones);
    given those, its definitions are Horn clauses, whose least model is what
    they entail; later closures' definitions hold when all their T are true,
    so they constrain nothing earlier."""
    zctx = ctx.zctx
    solver = z3.Solver(ctx=zctx)
    variables = {}
    for c in ctx.constraints:
        if c is True:
            continue
        assert c is not False, "a closure definition is statically false"
        solver.add(c)
        for v in z3.z3util.get_vars(c):
            match = re.fullmatch(r"tc(\d+)_e\d+_e\d+", str(v))
            if match:
                variables.setdefault(int(match.group(1)), set()).add(v)
    fixed = []
    for group in sorted(variables):
        decided = []
        for v in sorted(variables[group], key=str):
            solver.push()
            solver.add(z3.Not(v))
            verdict = solver.check()
            solver.pop()
            assert verdict in (z3.sat, z3.unsat), verdict
            decided.append((v, z3.BoolVal(verdict == z3.unsat, zctx)))
        for v, value in decided:
            solver.add(v == value)
        fixed.extend(decided)
    assert solver.check() == z3.sat, "the least solution violates the definitions"
    return fixed


def constant(t, fixed, zctx) -> bool:
    """The value of term t under the least solution; it must be a constant."""
    if isinstance(t, bool):
        return t
    value = z3.simplify(z3.substitute(t, *fixed) if fixed else t)
    assert z3.is_true(value) or z3.is_false(value), f"not a constant: {value}"
    return z3.is_true(value)


def pairs_under(zrel, fixed, zctx) -> set:
    got = set()
    for a, b, t in zrel.pairs():
        assert 0 <= a < zrel.n and 0 <= b < zrel.n
        if constant(t, fixed, zctx):
            got.add((a, b))
    return got


def satisfiable(ctx, assertion) -> bool:
    solver = z3.Solver(ctx=ctx.zctx)
    solver.add(*[c for c in ctx.constraints if c is not True])
    solver.add(A.z(assertion, ctx.zctx))
    verdict = solver.check()
    assert verdict in (z3.sat, z3.unsat), f"solver: {verdict} (inconclusive is not agreement)"
    return verdict == z3.sat


# ---------------------------------------------------------------- the laws

SETTINGS = settings(max_examples=examples(100))


@SETTINGS
@given(environments(), rel_exprs())
def test_z3_terms_are_the_concrete_relations(environment, expr):
    want = evaluate(expr, environment.concrete())
    zctx = z3.Context()
    env = environment.symbolic(zctx)
    got = evaluate(expr, env)
    # The Z3 side is built, predicates included, before the least solution is found.
    want_predicates = {p: getattr(want, p)() for p in PREDICATES}
    got_predicates = {p: getattr(got, p)() for p in PREDICATES}
    fixed = least_solution(env["ctx"])
    assert pairs_under(got, fixed, zctx) == set(want.pairs()), show(expr)
    # Pairs the Z3 side leaves out are statically false: the support bounds the relation.
    assert set(want.pairs()) <= set(got.support().pairs()), show(expr)
    for p in PREDICATES:
        assert constant(got_predicates[p], fixed, zctx) == want_predicates[p], f"{p} {show(expr)}"


@SETTINGS
@given(environments(), rel_exprs(), st.sampled_from(PREDICATES), st.booleans())
def test_asserted_axioms_hold_exactly_when_they_hold_concretely(environment, expr, predicate, clocks):
    # Only the models' use is exact: a closure on the right of `-` may be taken larger.
    assume(closures_positive(expr))
    want = getattr(evaluate(expr, environment.concrete()), predicate)()
    zctx = z3.Context()
    env = environment.symbolic(zctx)
    # clocks: acyclic() by a clock per event, as for supports over TC_ACYCLIC_MAX events.
    with mock.patch.object(A, "TC_ACYCLIC_MAX", -1 if clocks else A.TC_ACYCLIC_MAX):
        assertion = getattr(evaluate(expr, env), predicate)()
    assert satisfiable(env["ctx"], assertion) == want, f"{predicate} {show(expr)}"


@SETTINGS
@given(environments(), set_exprs(depth=3))
def test_z3_sets_are_the_concrete_sets(environment, expr):
    want = evaluate(expr, environment.concrete())
    zctx = z3.Context()
    got = evaluate(expr, environment.symbolic(zctx))
    members = {i for i, t in got.members.items() if constant(t, [], zctx)}
    assert members == {i for i in range(environment.n) if want.mask >> i & 1}, show(expr)
    # `if S:` in a model may skip a line only when S is empty.
    assert bool(got) or not want, show(expr)
