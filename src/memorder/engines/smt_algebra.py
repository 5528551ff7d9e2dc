"""The relation algebra of relations.py, interpreted over Z3 terms.

The model files (models/rc11.py, models/sc.py) are written against the
interface of relations.py only; this module gives the same operators a second
meaning, so the SMT engine decides exactly the model text the explicit engine
runs. Events are numbered 0..n-1 as in the concrete algebra.

    ZSet   event i -> Bool term "i is in the set"   (absent key = statically false)
    ZRel   row i: dict j -> Bool term "(i, j) in r" (absent key = statically false)

Most pairs are statically false (different locations, different threads, ...),
so rows are sparse dicts; terms are folded at construction (True / False never
reach Z3 when they can be decided here).

Closures and axioms need care, because the solver chooses the base relations:

* `plus()` gives each possibly-true pair (a, b) a fresh Boolean T(a,b) with
  one-directional (Horn) definitions:  B(a,b) => T(a,b)  and
  T(a,k) & B(k,b) => T(a,b).  Every solution contains B+, and T = B+ itself
  is always a solution; the solver may make T larger. That is exact for the
  whole query as long as every closure term is used monotonically: positively
  (inside an axiom's forbidden pattern: irreflexive / acyclic / is_empty, where
  a larger T only forbids more, so the solver can always shrink T to B+) or
  negatively only in the goal (a race: "not hb(a,b)", where T >= B+ makes
  "not T(a,b)" imply "not B+(a,b)"). Both models use closures exactly that way
  (rb subtracts only the identity, races subtract hb). Unlike a fixpoint
  equation (T <=> B | T;B), this needs no acyclicity of B for uniqueness and
  has half the clauses (measured: borrow-flag race queries 1.5-4x faster).
  Consequence: a model's value of a race term may be False for a pair that
  does race in the model's execution (T chosen too large), never the other way
  round; callers only read race terms that are True.
* `acyclic()` is `irreflexive(plus())` on small supports and clocks (a
  bit-vector per event, increasing along every edge) on large ones: both
  exact when asserted, which is the only way the engine uses the axioms (it
  never asks for an inconsistent execution). `irreflexive()` and `is_empty()`
  are exact in both polarities.
"""
from __future__ import annotations

import z3

from memorder.model.relations import Rel as _CRel

# Statically decided terms are the Python constants True / False: folding them
# here, by identity, keeps them out of Z3 (and keeps z3py's slow coercions off
# the hot path: And/Or/Not are built with the C API directly).
TRUE = True
FALSE = False


# Acyclicity clocks are unsigned bit-vectors: the whole problem stays in
# QF_BV, which Z3 bit-blasts to SAT (measured faster here than Int clocks).
CLOCK_BITS = 16
# acyclic(): the largest cycle support encoded by transitive closure instead of
# clocks. Measured: on small programs (the random cross-check, herd tests) the
# closure is up to 300x faster: an UNSAT proof over clocks must rediscover the
# transitivity of bit-blasted comparisons; on the borrow-flag benchmark
# (50-90 events) clocks are up to 1.4x faster.
TC_ACYCLIC_MAX = 40


def clock_var(name, zctx):
    return z3.BitVec(name, CLOCK_BITS, zctx)


def clock_lt(a, b):
    return z3.ULT(a, b)


def z(t, zctx):
    """A term as a Z3 expression of context zctx (Python bools become BoolVal)."""
    return z3.BoolVal(t, zctx) if isinstance(t, bool) else t


def _app(fn, args):
    ctx = args[0].ctx
    arr = (z3.Ast * len(args))(*[a.as_ast() for a in args])
    return z3.BoolRef(fn(ctx.ref(), len(args), arr), ctx)


def and2(a, b):
    if a is True:
        return b
    if b is True:
        return a
    if a is False or b is False:
        return False
    return _app(z3.Z3_mk_and, [a, b])


def and_list(terms):
    out = []
    for t in terms:
        if t is False:
            return False
        if t is not True:
            out.append(t)
    if not out:
        return True
    if len(out) == 1:
        return out[0]
    return _app(z3.Z3_mk_and, out)


def or_list(terms):
    out = []
    for t in terms:
        if t is True:
            return True
        if t is not False:
            out.append(t)
    if not out:
        return False
    if len(out) == 1:
        return out[0]
    return _app(z3.Z3_mk_or, out)


def not1(a):
    if a is True:
        return False
    if a is False:
        return True
    return z3.BoolRef(z3.Z3_mk_not(a.ctx.ref(), a.as_ast()), a.ctx)


def iff(a, b):
    """a <=> b as an assertion (Python bool when decided)."""
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool):
            return a == b
        t, c = (b, a) if isinstance(a, bool) else (a, b)
        return t if c else not1(t)
    return z3.BoolRef(z3.Z3_mk_eq(a.ctx.ref(), a.as_ast(), b.as_ast()), a.ctx)


def implies(a, b):
    return or_list([not1(a), b])


class Context:
    """Collects the side constraints (closure definitions, clocks) of one encoding."""

    def __init__(self, n: int, zctx):
        self.n = n
        self.zctx = zctx  # the z3.Context terms are made in
        self.constraints = []
        self.counter = 0

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"


class ZSet:
    __slots__ = ("ctx", "members")

    def __init__(self, ctx: Context, members: dict):
        self.ctx = ctx
        self.members = {i: t for i, t in members.items() if t is not False}

    def __or__(self, other):
        m = dict(self.members)
        for i, t in other.members.items():
            m[i] = or_list([m[i], t]) if i in m else t
        return ZSet(self.ctx, m)

    def __and__(self, other):
        return ZSet(self.ctx, {i: and2(t, other.members[i])
                               for i, t in self.members.items() if i in other.members})

    def __sub__(self, other):
        return ZSet(self.ctx, {i: (and2(t, not1(other.members[i])) if i in other.members else t)
                               for i, t in self.members.items()})

    def __bool__(self):
        """'May be non-empty': models use `if S:` only to skip lines for empty sets."""
        return bool(self.members)

    def id(self):
        return ZRel(self.ctx, [({i: self.members[i]} if i in self.members else {})
                               for i in range(self.ctx.n)])

    def cross(self, other):
        rows = [{} for _ in range(self.ctx.n)]
        for i, t in self.members.items():
            rows[i] = {j: and2(t, u) for j, u in other.members.items()}
        return ZRel(self.ctx, rows)


class ZRel:
    __slots__ = ("ctx", "rows")

    def __init__(self, ctx: Context, rows: list):
        self.ctx = ctx
        self.rows = rows

    @property
    def n(self):
        return self.ctx.n

    def pairs(self):
        for i, row in enumerate(self.rows):
            for j, t in row.items():
                yield i, j, t

    def support(self) -> _CRel:
        """The statically possible pairs, as a concrete relation."""
        return _CRel(tuple(sum(1 << j for j in row) for row in self.rows), self.n)

    def __or__(self, other):
        rows = []
        for a, b in zip(self.rows, other.rows):
            r = dict(a)
            for j, t in b.items():
                r[j] = or_list([r[j], t]) if j in r else t
            rows.append(r)
        return ZRel(self.ctx, rows)

    def __and__(self, other):
        rows = []
        for a, b in zip(self.rows, other.rows):
            r = {}
            for j, t in a.items():
                if j in b:
                    u = and2(t, b[j])
                    if u is not False:
                        r[j] = u
            rows.append(r)
        return ZRel(self.ctx, rows)

    def __sub__(self, other):
        rows = []
        for a, b in zip(self.rows, other.rows):
            r = {}
            for j, t in a.items():
                u = and2(t, not1(b[j])) if j in b else t
                if u is not False:
                    r[j] = u
            rows.append(r)
        return ZRel(self.ctx, rows)

    def __matmul__(self, other):
        orows = other.rows
        rows = []
        for row in self.rows:
            acc = {}
            for k, t in row.items():
                for j, u in orows[k].items():
                    acc.setdefault(j, []).append(and2(t, u))
            r = {}
            for j, ts in acc.items():
                v = or_list(ts)
                if v is not False:
                    r[j] = v
            rows.append(r)
        return ZRel(self.ctx, rows)

    def inv(self):
        rows = [{} for _ in range(self.n)]
        for i, row in enumerate(self.rows):
            for j, t in row.items():
                rows[j][i] = t
        return ZRel(self.ctx, rows)

    def opt(self):
        # r | id, where id holds for existing events only: ctx.exists[i].
        rows = []
        for i, row in enumerate(self.rows):
            r = dict(row)
            e = self.ctx.exists[i]
            r[i] = or_list([r[i], e]) if i in r else e
            rows.append(r)
        return ZRel(self.ctx, rows)

    def star(self):
        return self.plus().opt()

    def plus(self):
        """Transitive closure by Horn definitions, a sound upper bound (see the module docstring)."""
        ctx, n = self.ctx, self.n
        sup = self.support().plus()
        preds = [[] for _ in range(n)]  # preds[b]: (k, B(k,b))
        for k, row in enumerate(self.rows):
            for b, t in row.items():
                preds[b].append((k, t))
        name = ctx.fresh("tc")
        var = [dict() for _ in range(n)]
        for a in range(n):
            for b in _bits(sup.rows[a]):
                var[a][b] = z3.Bool(f"{name}_e{a}_e{b}", ctx.zctx)
        # Clauses built with one C-API call each (the hot loop of encoding time):
        # not T(a,k) | not B(k,b) | T(a,b), negations computed once per literal.
        npreds = [[(k, not1(t)) for k, t in ps] for ps in preds]
        out = ctx.constraints
        for a in range(n):
            va = var[a]
            row = self.rows[a]
            nva = {k: not1(v) for k, v in va.items()}
            for b, tab in va.items():
                if b in row:
                    out.append(implies(row[b], tab))
                for k, nt in npreds[b]:
                    if k in va:
                        out.append(_app(z3.Z3_mk_or, [nva[k], tab] if nt is False else [nva[k], nt, tab]))
        return ZRel(ctx, var)

    # Axioms: Bool terms.
    def is_empty(self):
        return not1(or_list([t for _, _, t in self.pairs()]))

    def irreflexive(self):
        return not1(or_list([row[i] for i, row in enumerate(self.rows) if i in row]))

    def acyclic(self):
        """Exact when asserted. Only edges that lie on a cycle of the support
        matter. Up to TC_ACYCLIC_MAX events on such cycles: irreflexive(plus()),
        pure clauses; beyond: a clock per event, increasing along every edge
        (fewer clauses, but bit-blasted comparisons)."""
        reach = self.support().plus()
        rows = [{j: t for j, t in row.items() if reach.rows[j] >> i & 1} for i, row in enumerate(self.rows)]
        nodes = sum(1 for row in rows if row)
        if nodes <= TC_ACYCLIC_MAX:
            return ZRel(self.ctx, rows).plus().irreflexive()
        name = self.ctx.fresh("ac")
        clock = {}
        out = []
        for i, row in enumerate(rows):
            for j, t in row.items():
                if i == j:
                    out.append(not1(t))
                    continue
                for e in (i, j):
                    if e not in clock:
                        clock[e] = clock_var(f"{name}_clk_e{e}", self.ctx.zctx)
                out.append(implies(t, clock_lt(clock[i], clock[j])))
        return and_list(out)


def _bits(mask):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
