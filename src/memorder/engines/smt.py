"""The SMT engine: a program's executions and a memory model as Z3 constraints.

The only module that imports z3 (with smt_algebra.py, its relation algebra).
In the style of Dartagnan:

* Threads are executed symbolically, once, up to the loop bound: every event
  any control-flow path can perform is created with a guard (the path
  condition under which it happens); `exec_e7` is the Boolean "event 7
  exists". Branches merge register values with if-then-else, so the encoding
  is linear in the unrolled program, not in its number of paths.
* Values are 64-bit bit-vectors (Python's integers, exact as long as nothing
  overflows 64 bits): bit operations and truncating division come for free.
  (Measured: Z3 integers were 2x slower on the borrow-flag benchmark.)
* Reads-from: one Boolean `rf_w3_r7` per (write, read) pair at the same
  location; an existing read reads exactly one existing write, with its value.
* Modification order: a Boolean `mo_w3_w7` per pair of writes to a location
  ("w3 is mo-before w7"), transitive by clauses over triples; init writes first.
* The model: the same models/*.py text the explicit engine runs, interpreted
  over smt_algebra (relations as sparse matrices of Bool terms).

Each encoding has a z3 context of its own, and its queries one incremental
solver: exact execution counts (and with them the outcomes) by blocking
clauses over (exec, rf, mo) -- the variables that determine an execution --
or, beyond MAX_COUNT executions, outcomes by blocking clauses over the final
state; races by one query per not-yet-seen pair of source accesses (each
asserting only that pair's race term), each racing pair's witness replayed
by the explicit engine (_witness).
"""
from __future__ import annotations

import itertools
import time
from types import SimpleNamespace

import z3

from memorder.base import syntax as S
from memorder.engines.result import Result, Settings
from memorder.program.final import FinalStates
from memorder.program.sites import Site, race_key, site_key
from memorder.base.errors import MemorderError, InternalError
from memorder.model import MODELS
from memorder.base.orders import ACQ_REL, ACQUIRE, RELAXED, RELEASE, SEQ_CST
from memorder.program.symmetry import thread_symmetry
from memorder.engines.smt_algebra import (FALSE, TRUE, Context, ZRel, ZSet, and2, and_list, iff, implies,
                          not1, or_list, z)

BITS = 64
ORDERS = (RELAXED, ACQUIRE, RELEASE, ACQ_REL, SEQ_CST)
# A counting run gives up (counted=False) beyond this many executions.
MAX_COUNT = 200_000


class EngineDisagreement(InternalError):
    """`--engine both`: the explicit and the SMT engine gave different answers (an internal error)."""


def bv(v, ctx):
    """A constant value."""
    return z3.BitVecVal(v, BITS, ctx)


def value_var(name, ctx):
    return z3.BitVec(name, BITS, ctx)


def truth(t):
    """C truth of a value (a BV term): non-zero."""
    return t != bv(0, t.ctx)


def as_int(t, ctx):
    """A Bool term (or Python bool) as the value 1 / 0."""
    if isinstance(t, bool):
        return bv(int(t), ctx)
    return z3.If(t, bv(1, ctx), bv(0, ctx))


class Event:
    """One event of the unrolled program (it exists iff its guard holds)."""
    __slots__ = ("id", "tid", "kind", "loc", "node", "guard", "val", "orders", "rmw", "sig")

    def __init__(self, id, tid, kind, loc, node, guard, val, orders, sig=()):
        self.id = id
        self.tid = tid          # thread index; -1 for an initial write
        self.kind = kind        # "R", "W", "F"
        self.loc = loc
        self.node = node
        self.guard = guard      # Bool term: the path condition
        self.val = val          # BV term: value read (a fresh variable) or written
        self.orders = orders    # MemoryOrder -> Bool term "tagged with it"; {} = plain access
        self.rmw = None         # the partner event id of an RMW / successful CAS
        self.sig = sig          # ((if id, branch), ...): events on different branches never coexist

    @property
    def name(self):
        return f"{self.kind.lower()}{self.id}"


class State:
    __slots__ = ("g", "regs")

    def __init__(self, g, regs):
        self.g = g        # Bool term: this point of the thread is reached
        self.regs = regs  # register -> BV term (missing = 0)


def _merge(states, ctx):
    """Join control-flow paths: guard is the disjunction, registers if-then-else."""
    states = [s for s in states if s.g is not False]
    if not states:
        return State(FALSE, {})
    if len(states) == 1:
        return states[0]
    g = or_list([s.g for s in states])
    names = set()
    for s in states:
        names |= set(s.regs)
    regs = {}
    for r in sorted(names):
        vals = [s.regs.get(r, bv(0, ctx)) for s in states]
        if all(v.eq(vals[0]) for v in vals[1:]):
            regs[r] = vals[0]
            continue
        acc = vals[-1]
        for s, v in zip(reversed(states[:-1]), reversed(vals[:-1])):
            acc = z3.If(z(s.g, ctx), v, acc)
        regs[r] = acc
    return State(g, regs)


class ThreadWalker:
    """Symbolic execution of one thread's AST, mirroring compile.py's lowering:
    operands left to right, && / || short-circuit their memory accesses, a loop
    body runs at most `unroll` times and reaching the head once more with the
    condition true cuts the thread ("bounded"), assume false blocks it."""

    def __init__(self, enc, tid, thread, unroll):
        self.enc = enc
        self.tid = tid
        self.unroll = unroll
        self.stops = []      # (kind "blocked"/"bounded", guard, node)
        self.failures = []   # (guard, Assert node)
        self.loops = []      # per enclosing loop: the states that `break` out of it
        self.sig = ()
        st = self.block(thread.body, State(TRUE, {}))
        self.end = st        # guard: the thread ran to its end; regs: final registers

    # -------------------------------------------------------- expressions
    def expr(self, e, st):
        """The value of e (a BV term), emitting its memory accesses under st.g."""
        if isinstance(e, S.Const):
            return bv(e.value, self.enc.zctx)
        if isinstance(e, S.Reg):
            return st.regs.get(e.name, bv(0, self.enc.zctx))
        if isinstance(e, S.MEMORY_EXPRS):
            return self.memory(e, st)[0]
        if isinstance(e, S.Unary):
            return unary(e.op, self.expr(e.operand, st))
        if isinstance(e, S.Binary):
            a = self.expr(e.left, st)
            if e.op in ("&&", "||"):
                la = truth(a)
                # The right operand's accesses happen only when the left does not decide.
                cond = la if e.op == "&&" else not1(la)
                b = self.expr(e.right, State(and2(st.g, cond), st.regs))
                res = and_list([la, truth(b)]) if e.op == "&&" else or_list([la, truth(b)])
                return as_int(res, self.enc.zctx)
            b = self.expr(e.right, st)
            return self.binary(e.op, a, b, st.g, e)
        raise MemorderError(f"unexpected {type(e).__name__} in an expression").at(e.span)

    def binary(self, op, a, b, g, node):
        if op in ("/", "%"):
            self.enc.errors.append((and2(g, b == bv(0, b.ctx)), "division by zero", node))
        return binary(op, a, b)

    def memory(self, e, st):
        """An access; returns (result, old) where result is what the expression evaluates to."""
        enc, g = self.enc, st.g
        if isinstance(e, S.Load):
            r = enc.read(self.tid, e.loc, e, g, {e.order: TRUE}, self.sig)
            return r.val, None
        if isinstance(e, S.PlainRead):
            r = enc.read(self.tid, e.loc, e, g, {}, self.sig)
            return r.val, None
        if isinstance(e, S.Rmw):
            v = self.expr(e.operand, st)
            r = enc.read(self.tid, e.loc, e, g, {e.order: TRUE}, self.sig)
            w = enc.write(self.tid, e.loc, e, g, rmw_apply(e.op, r.val, v), {e.order: TRUE}, self.sig)
            r.rmw, w.rmw = w.id, r.id
            return r.val, r.val
        if isinstance(e, S.Cas):
            exp = self.expr(e.expected, st)
            new = self.expr(e.new, st)
            # One read event; its ordering tag is the success ordering when the
            # CAS succeeds, the failure ordering when it fails.
            r = enc.read(self.tid, e.loc, e, g, None, self.sig)
            ok = r.val == exp
            if e.weak:  # a weak CAS may fail spuriously even when the value matches
                ok = and2(ok, z3.Bool(f"weak_ok_r{r.id}", enc.zctx))
            okv = z3.Bool(f"cas_ok_r{r.id}", enc.zctx)
            enc.constraints.append(iff(okv, ok))
            r.orders = {}
            for o in ORDERS:
                t = or_list([okv if e.success == o else FALSE,
                             not1(okv) if e.failure == o else FALSE])
                if t is not False:
                    r.orders[o] = t
            w = enc.write(self.tid, e.loc, e, and2(g, okv), new, {e.success: TRUE}, self.sig)
            r.rmw, w.rmw = w.id, r.id
            return as_int(okv, enc.zctx), r.val
        raise AssertionError(e)

    # -------------------------------------------------------- statements
    def block(self, stmts, st):
        for s in stmts:
            if st.g is False:
                break
            st = self.stmt(s, st)
        return st

    def assign(self, st, name, val):
        if name is None:
            return st
        regs = dict(st.regs)
        regs[name] = val
        return State(st.g, regs)

    def stmt(self, s, st):
        if isinstance(s, S.Let):
            if isinstance(s.value, S.MEMORY_EXPRS):
                res, old = self.memory(s.value, st)
                st = self.assign(st, s.targets[0], res)
                if len(s.targets) > 1:
                    st = self.assign(st, s.targets[1], old)
                return st
            return self.assign(st, s.targets[0], self.expr(s.value, st))
        if isinstance(s, S.Store):
            self.enc.write(self.tid, s.loc, s, st.g, self.expr(s.value, st), {s.order: TRUE}, self.sig)
            return st
        if isinstance(s, S.PlainWrite):
            self.enc.write(self.tid, s.loc, s, st.g, self.expr(s.value, st), {}, self.sig)
            return st
        if isinstance(s, S.Fence):
            self.enc.fence(self.tid, s, st.g, {s.order: TRUE}, self.sig)
            return st
        if isinstance(s, S.Eval):
            if isinstance(s.expr, S.MEMORY_EXPRS):
                self.memory(s.expr, st)
            else:
                self.expr(s.expr, st)
            return st
        if isinstance(s, S.If):
            c = truth(self.expr(s.cond, st))
            ifid = self.enc.new_branch_id()
            outer = self.sig
            self.sig = outer + ((ifid, 0),)
            t = self.block(s.then, State(and2(st.g, c), st.regs))
            self.sig = outer + ((ifid, 1),)
            f = self.block(s.orelse, State(and2(st.g, not1(c)), st.regs))
            self.sig = outer
            return _merge([t, f], self.enc.zctx)
        if isinstance(s, S.While):
            exits = []
            for i in range(self.unroll + 1):
                c = truth(self.expr(s.cond, st))
                exits.append(State(and2(st.g, not1(c)), st.regs))
                enter = and2(st.g, c)
                if i == self.unroll:
                    self.stops.append(("bounded", enter, s))
                    break
                self.loops.append([])
                st = self.block(s.body, State(enter, st.regs))
                exits.extend(self.loops.pop())
                if st.g is False:
                    break
            return _merge(exits, self.enc.zctx)
        if isinstance(s, S.Break):
            self.loops[-1].append(st)
            return State(FALSE, st.regs)
        if isinstance(s, S.Assume):
            c = truth(self.expr(s.cond, st))
            self.stops.append(("blocked", and2(st.g, not1(c)), s))
            return State(and2(st.g, c), st.regs)
        if isinstance(s, S.Assert):
            c = truth(self.expr(s.cond, st))
            self.failures.append((and2(st.g, not1(c)), s))
            return st
        raise MemorderError(f"unsupported statement {type(s).__name__}").at(s.span)


def unary(op, a):
    if op == "-":
        return -a
    if op == "!":
        return as_int(a == bv(0, a.ctx), a.ctx)
    if op == "~":
        return ~a
    raise MemorderError(f"unknown operator {op}")


def binary(op, a, b):
    """compile.BINARY over bit-vectors: signed comparisons, division truncating toward zero."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b            # bvsdiv: truncates toward zero, like compile._trunc_div
    if op == "%":
        return z3.SRem(a, b)    # sign of the dividend, like compile._trunc_mod
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "<<":
        return a << b
    if op == ">>":
        return a >> b           # arithmetic shift, like Python's >>
    if op == "&&":
        return as_int(and_list([truth(a), truth(b)]), a.ctx)
    if op == "||":
        return as_int(or_list([truth(a), truth(b)]), a.ctx)
    cmp = {"==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b,
           "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b}
    if op in cmp:
        return as_int(cmp[op](), a.ctx)
    raise MemorderError(f"unknown operator {op}")


def rmw_apply(op, old, v):
    """compile.RMW_APPLY over bit-vectors."""
    if op == "swap":
        return v
    if op == "add":
        return old + v
    if op == "sub":
        return old - v
    if op == "and":
        return old & v
    if op == "or":
        return old | v
    if op == "xor":
        return old ^ v
    if op == "max":
        return z3.If(old >= v, old, v)
    if op == "min":
        return z3.If(old <= v, old, v)
    raise MemorderError(f"unknown read-modify-write {op}")


class Encoding:
    """Every execution of `program` up to the loop bound, and `model`'s axioms, as Z3 terms."""

    def __init__(self, program, model="rc11", unroll=2):
        self.program = program
        self.model = MODELS[model] if isinstance(model, str) else model
        self.unroll = unroll
        self.events: list[Event] = []
        self.constraints = []
        self.errors = []        # (guard, message, node): runtime errors (division by zero)
        self._branches = 0
        # A context of its own: terms, and so the solver's heuristics, do not
        # depend on what was encoded before in the process.
        self.zctx = z3.Context()
        self.locs = [d.name for d in program.locations]
        for d in program.locations:
            self.events.append(Event(len(self.events), -1, "W", d.name, None, TRUE, bv(d.init, self.zctx), {}))
        self.walkers = [ThreadWalker(self, tid, t, unroll) for tid, t in enumerate(program.threads)]
        self._build()

    # -------------------------------------------------------- event creation
    def new_branch_id(self):
        self._branches += 1
        return self._branches

    def _check_loc(self, loc, node):
        if loc not in self.locs:
            raise MemorderError(f"unknown location {loc!r}").at(getattr(node, "span", None))

    def read(self, tid, loc, node, guard, orders, sig):
        self._check_loc(loc, node)
        e = Event(len(self.events), tid, "R", loc, node, guard, None, orders or {}, sig)
        e.val = value_var(f"val_r{e.id}", self.zctx)
        self.events.append(e)
        return e

    def write(self, tid, loc, node, guard, val, orders, sig):
        self._check_loc(loc, node)
        e = Event(len(self.events), tid, "W", loc, node, guard, val, orders, sig)
        self.events.append(e)
        return e

    def fence(self, tid, node, guard, orders, sig):
        e = Event(len(self.events), tid, "F", None, node, guard, None, orders, sig)
        self.events.append(e)
        return e

    # -------------------------------------------------------- the encoding
    def _build(self):
        ev = self.events
        n = len(ev)
        C = self.constraints
        # exec_e<i>: event i exists.
        self.x = []
        for e in ev:
            if isinstance(e.guard, bool):
                self.x.append(e.guard)
            else:
                v = z3.Bool(f"exec_{e.name}", self.zctx)
                C.append(iff(v, e.guard))
                self.x.append(v)
        x = self.x
        writes = {l: [e for e in ev if e.kind == "W" and e.loc == l] for l in self.locs}

        # Reads-from: an existing read reads exactly one existing write, same value.
        self.rf = {}  # (w, r) -> Bool
        self.rf_of = {}  # r -> [(w, var)]
        for r in ev:
            if r.kind != "R":
                continue
            cands = []
            for w in writes[r.loc]:
                # A read never reads a po-later write of its own thread (a po;rf
                # cycle, which both models forbid), nor one on another branch.
                if w.tid == r.tid and (w.id > r.id or self.exclusive(w, r)):
                    continue
                if x[w.id] is False:
                    continue
                # Nor a write overwritten, before the read, by a po-later write of the
                # read's thread (w po w' po r, or w initial): coherence (w mo w', so
                # r rb w' with w' hb r) forbids it in both models. Implied by the
                # axioms, so not needed for exactness; it spares the solver the
                # detour through hb and eco for thread-local data (measured: a
                # small gain, ~10% on borrowflag-4).
                over = [x[o.id] for o in writes[r.loc]
                        if o.tid == r.tid and o.id < r.id and not self.exclusive(o, r)
                        and (w.tid < 0 or (w.tid == r.tid and w.id < o.id and not self.exclusive(w, o)))]
                if any(t is True for t in over):
                    continue
                v = z3.Bool(f"rf_{w.name}_{r.name}", self.zctx)
                C.append(implies(v, and_list([x[w.id], x[r.id], r.val == w.val] + [not1(t) for t in over])))
                self.rf[(w.id, r.id)] = v
                cands.append((w.id, v))
            self.rf_of[r.id] = cands
            vs = [v for _, v in cands]
            C.append(implies(x[r.id], or_list(vs)))
            if len(vs) > 1:
                C.append(z3.AtMost(*vs, 1))

        # Modification order: per location, one Boolean per unordered pair of
        # (non-exclusive) writes, "the lower id is mo-first"; the initial write
        # first; transitivity as two clauses per triple (no 3-cycle in either
        # direction; with totality that makes a strict total order). Measured
        # faster than 16-bit clocks with pairwise distinctness: the solver
        # reasons on order literals directly instead of bit-blasted comparisons.
        self._mo = {}
        for l, ws in writes.items():
            live = [w for w in ws if w.tid >= 0 and x[w.id] is not False]
            for i, a in enumerate(live):
                for b in live[i + 1:]:
                    if not self.exclusive(a, b):
                        self._mo[(a.id, b.id)] = z3.Bool(f"mo_{a.name}_{b.name}", self.zctx)
            for i, a in enumerate(live):
                for j in range(i + 1, len(live)):
                    b = live[j]
                    if self.exclusive(a, b):
                        continue
                    for c in live[j + 1:]:
                        if self.exclusive(a, c) or self.exclusive(b, c):
                            continue
                        g = and_list([x[a.id], x[b.id], x[c.id]])
                        for p, q, r in ((a, b, c), (a, c, b)):
                            C.append(implies(g, not1(and_list([self.mo_lt(p.id, q.id), self.mo_lt(q.id, r.id),
                                                               self.mo_lt(r.id, p.id)]))))
        self.writes = writes

        # The base relations and sets, as models/*.py expect them (events.base_relations).
        ctx = Context(n, self.zctx)
        ctx.exists = x
        self.ctx = ctx

        def rel(pairs):
            rows = [{} for _ in range(n)]
            for a, b, t in pairs:
                if t is not False:
                    rows[a][b] = t
            return ZRel(ctx, rows)

        def both(a, b):
            return and2(x[a.id], x[b.id])

        po = rel((a.id, b.id, both(a, b)) for a in ev for b in ev
                 if a.tid >= 0 and a.tid == b.tid and a.id < b.id and not self.exclusive(a, b))
        rf = rel((w, r, v) for (w, r), v in self.rf.items())
        mo_pairs = []
        for ws in writes.values():
            for a in ws:
                for b in ws:
                    if a is b or b.tid < 0 or self.exclusive(a, b) or x[a.id] is False or x[b.id] is False:
                        continue
                    if a.tid < 0:
                        mo_pairs.append((a.id, b.id, x[b.id]))
                    else:
                        mo_pairs.append((a.id, b.id, and_list([x[a.id], x[b.id], self.mo_lt(a.id, b.id)])))
        mo = rel(mo_pairs)
        rmw = rel((e.id, e.rmw, x[e.rmw]) for e in ev if e.kind == "R" and e.rmw is not None)
        loc = rel((a.id, b.id, both(a, b)) for a in ev for b in ev
                  if a.loc is not None and a.loc == b.loc and not self.exclusive(a, b))
        ext = rel((a.id, b.id, both(a, b)) for a in ev for b in ev
                  if (a.id != b.id if a.tid < 0 else a.tid != b.tid))
        ident = rel((e.id, e.id, x[e.id]) for e in ev)

        def zset(pred):
            return ZSet(ctx, {e.id: x[e.id] for e in ev if pred(e)})

        def tagged(o):
            return ZSet(ctx, {e.id: and2(x[e.id], e.orders[o]) for e in ev if o in e.orders})

        self.base = SimpleNamespace(
            po=po, rf=rf, mo=mo, rmw=rmw, loc=loc, ext=ext, id=ident,
            W=zset(lambda e: e.kind == "W"), R=zset(lambda e: e.kind == "R"),
            F=zset(lambda e: e.kind == "F"), IW=zset(lambda e: e.tid < 0),
            A=zset(lambda e: e.kind != "F" and bool(e.orders)), ALL=zset(lambda e: True),
            RLX=tagged(RELAXED), ACQ=tagged(ACQUIRE), REL=tagged(RELEASE),
            ACQ_REL=tagged(ACQ_REL), SC=tagged(SEQ_CST))
        d = self.model.derive(self.base)
        self.axioms = []
        for name, fn in self.model.AXIOMS:
            t = fn(d)
            if isinstance(t, bool):
                t = TRUE if t else FALSE
            self.axioms.append((name, t))
        C.extend(ctx.constraints)
        self.consistent = and_list([t for _, t in self.axioms])

        # Race pairs, grouped by the pair of source accesses (explicit engine's key).
        self.race_terms = {}
        dr = self.model.races(d)
        if dr is not None:
            for a, b, t in dr.pairs():
                self.race_terms.setdefault(race_key(ev[a], ev[b]), []).append(t)
        self.race_terms = {k: or_list(ts) for k, ts in self.race_terms.items()}

        # Thread status: complete (every thread at its end), blocked, bounded.
        self.complete = and_list([w.end.g for w in self.walkers])
        self.blocked = or_list([g for w in self.walkers for k, g, _ in w.stops if k == "blocked"])
        self.bounded = or_list([g for w in self.walkers for k, g, _ in w.stops if k == "bounded"])
        self._final = None

    def mo_lt(self, a, b):
        """Term: write a is mo-before write b (same location; meaningful when both exist)."""
        if self.events[a].tid < 0:
            return TRUE
        if self.events[b].tid < 0:
            return FALSE
        if (a, b) in self._mo:
            return self._mo[(a, b)]
        return not1(self._mo[(b, a)])

    def exclusive(self, a, b):
        """a and b are on different branches of one `if`: they never both exist."""
        if a.tid != b.tid or a.tid < 0:
            return False
        da = dict(a.sig)
        return any(i in da and da[i] != side for i, side in b.sig)

    # -------------------------------------------------------- final state
    def final(self):
        """Terms of the final state: outcome tuple (FinalStates' layout), condition, filter."""
        if self._final is not None:
            return self._final
        x = self.x
        fin = {}
        for l, ws in self.writes.items():
            v = value_var(f"final_{l}", self.zctx)
            fin[l] = v
            for w in ws:
                if x[w.id] is False:
                    continue
                # w is mo-maximal among the existing writes of l.
                last = [or_list([not1(x[o.id]), self.mo_lt(o.id, w.id)])
                        for o in ws if o is not w and not self.exclusive(o, w) and x[o.id] is not False]
                self.constraints.append(implies(and_list([x[w.id]] + last), v == w.val))
        judge = FinalStates(self.program)
        regs = [w.end.regs for w in self.walkers]
        outcome = [regs[judge.thread_index[t]].get(r, bv(0, self.zctx)) for t, r in judge.reg_keys]
        outcome += [fin[l] for l in judge.loc_names]

        def lookup(e):
            if isinstance(e, S.FinalReg):
                return regs[judge.thread_index[e.thread]].get(e.name, bv(0, self.zctx))
            if isinstance(e, S.FinalLoc):
                return fin[e.loc]
            if isinstance(e, S.Const):
                return bv(e.value, self.zctx)
            if isinstance(e, S.Unary):
                return unary(e.op, lookup(e.operand))
            if isinstance(e, S.Binary):
                a, b = lookup(e.left), lookup(e.right)
                if e.op in ("/", "%"):
                    self.errors.append((b == bv(0, self.zctx), "division by zero", e))
                return binary(e.op, a, b)
            raise MemorderError(f"unexpected {type(e).__name__} in a condition").at(e.span)

        cond = truth(lookup(self.program.condition.expr)) if self.program.condition else None
        filt = truth(lookup(self.program.filter)) if self.program.filter is not None else TRUE
        self._final = SimpleNamespace(outcome=outcome, cond=cond, filter=filt, judge=judge)
        return self._final


class Inconclusive(Exception):
    pass


class Session:
    """An incremental solver over one encoding, with a deadline."""

    def __init__(self, enc: Encoding, timeout=None):
        z3.set_param("smt.random_seed", 0)
        z3.set_param("sat.random_seed", 0)
        self.enc = enc
        self.deadline = time.monotonic() + timeout if timeout else None
        self.solver = z3.SimpleSolver(ctx=enc.zctx)
        self.solver.set("random_seed", 0)
        # Asserted through the C API: z3py's add() coerces each of the (many)
        # constraints one by one (measured: seconds on borrowflag_rlx-10).
        ctx, sref = self.solver.ctx.ref(), self.solver.solver
        for c in enc.constraints:
            if c is not True:
                z3.Z3_solver_assert(ctx, sref, z(c, enc.zctx).as_ast())
        self.solver.add(z(enc.consistent, enc.zctx))
        self.queries = 0

    def check(self, *assumptions):
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Inconclusive("timeout")
            self.solver.set("timeout", max(1, int(left * 1000)))
        self.queries += 1
        r = self.solver.check(*[z(a, self.enc.zctx) for a in assumptions])
        if r == z3.unknown:
            raise Inconclusive(f"solver returned unknown ({self.solver.reason_unknown()})")
        return r == z3.sat

    def model(self):
        return self.solver.model()


class Reader:
    """Reads terms' values off one model through the C API: z3py's eval wraps
    every answer in Python objects (measured: half of a counting run's time)."""

    def __init__(self, m):
        self._m = m  # keeps the model alive: z3py frees it with its last reference
        self.ctx, self.model = m.ctx.ref(), m.model
        self._out = (z3.Ast * 1)()
        self._bools = {}

    def _eval(self, t):
        if not z3.Z3_model_eval(self.ctx, self.model, t.as_ast(), True, self._out):
            raise InternalError(f"SMT engine: the model cannot evaluate {t}")
        return self._out[0]

    def true(self, t):
        if isinstance(t, bool):
            return t
        key = t.get_id()
        v = self._bools.get(key)
        if v is None:
            v = self._bools[key] = z3.Z3_get_bool_value(self.ctx, self._eval(t)) == z3.Z3_L_TRUE
        return v

    def value(self, t):
        """A 64-bit value, signed."""
        a = self._eval(t)
        v = int(z3.Z3_get_numeral_string(self.ctx, a))
        return v - (1 << BITS) if v >> (BITS - 1) else v


def _check_errors(enc, sess, good):
    errs = enc.errors
    if errs:
        sess.solver.push()
        sess.solver.add(z(or_list([g for g, _, _ in errs]), enc.zctx))
        found = sess.check()
        if found:
            rd = Reader(sess.model())
            _, msg, node = next(e for e in errs if rd.true(e[0]))
            sess.solver.pop()
            raise MemorderError(msg).at(getattr(node, "span", None))
        sess.solver.pop()


def _enumerate_values(sess, base, terms):
    """Distinct values of `terms` (a list of BV terms) over models of `base`, by blocking clauses."""
    s = sess.solver
    s.push()
    s.add(z(base, sess.enc.zctx))
    found = []
    while sess.check():
        rd = Reader(sess.model())
        vals = tuple(rd.value(t) for t in terms)
        found.append(vals)
        s.add(z(or_list([t != bv(v, t.ctx) for t, v in zip(terms, vals)]), sess.enc.zctx))
    s.pop()
    return found


def _mo_orders(enc, rd):
    """Per location, the model's existing writes in mo order (the initial write first)."""
    x, orders = enc.x, {}
    for loc, ws in enc.writes.items():
        live = [w for w in ws if rd.true(x[w.id])]
        # rank: how many existing writes are mo-before
        rank = {w.id: (-1 if w.tid < 0 else 0) for w in live}
        for a, b in itertools.combinations([w.id for w in live if w.tid >= 0], 2):
            rank[b if rd.true(enc._mo[(a, b)]) else a] += 1  # ids ascend: _mo has (a, b)
        orders[loc] = sorted(live, key=lambda w: rank[w.id])
    return orders


def _execution_key(enc, rd):
    """The (exec, rf, mo) projection of a model (read by `rd`): it determines the execution."""
    lits = []
    x = enc.x
    for e in enc.events:
        t = x[e.id]
        if isinstance(t, bool):
            continue
        lits.append(t if rd.true(t) else not1(t))
    for r, cands in enc.rf_of.items():
        for w, v in cands:
            if rd.true(v):
                lits.append(v)
    for live in _mo_orders(enc, rd).values():
        for a, b in zip(live, live[1:]):
            if a.tid >= 0:
                lits.append(enc.mo_lt(a.id, b.id))
    return lits


def _witness(enc, rd, key=None):
    """The model's execution as an events.Execution, for explain.py and render.py:
    the explicit engine replays it, its exploration guided to the model's
    events, reads-from and mo. Events are matched by (thread, index among the
    thread's events) and source node; initial writes by location. A replay
    that finds no such execution (or one without the race) means the engines
    disagree: an internal error, never a silent witness-less answer."""
    from memorder.engines.explorer import Explorer

    target, ident, per_thread = {}, {}, [0] * len(enc.program.threads)
    for e in enc.events:
        if not rd.true(enc.x[e.id]):
            continue
        if e.tid < 0:
            ident[e.id] = ("init", e.loc)
            continue
        me = ident[e.id] = (e.tid, per_thread[e.tid])
        per_thread[e.tid] += 1
        target[me] = (e.kind, e.loc, e.node, e.rmw is not None and rd.true(enc.x[e.rmw]))
    source = {ident[r]: ident[w] for r, cands in enc.rf_of.items() if r in ident
              for w, v in cands if rd.true(v)}
    rank = {ident[w.id]: i for live in _mo_orders(enc, rd).values() for i, w in enumerate(live)}

    def name(ex, e):
        return ("init", e.loc) if e.tid < 0 else (e.tid, ex.thread_events[e.tid].index(e.id))

    def guide(ex, new):
        for e in ex.events[len(ex.events) - new:]:
            me = name(ex, e)
            if target.get(me) != (e.kind, e.loc, e.node, e.rmw is not None):
                return False
            if e.kind == "R" and source[me] != name(ex, ex.events[e.rf]):
                return False
            if e.kind == "W":
                ranks = [rank[name(ex, ex.events[w])] for w in ex.mo[e.loc]]
                if ranks != sorted(ranks):
                    return False
        return True

    found = []

    def consume(leaf):
        if leaf.status == "complete" and sum(map(len, explorer.thread_events)) == len(target):
            found.append((leaf.execution.snapshot(), list(leaf.races)))

    explorer = Explorer(enc.program, enc.model, enc.unroll, guide=guide)
    explorer.run(consume)
    if len(found) != 1:
        raise InternalError(f"SMT engine: the explicit engine finds {len(found)} executions "
                            f"for the solver's execution of {enc.program.file}")
    execution, races = found[0]
    events = execution.events
    if key is not None and key not in {race_key(events[a], events[b]) for a, b in races}:
        raise InternalError(f"SMT engine: the solver's execution of {enc.program.file} races "
                            f"on {key}, the explicit engine's replay of it does not")
    return execution


def check_smt(program, model="rc11", unroll=2, timeout=None, cross_check=False,
              max_count=MAX_COUNT) -> Result:
    """The SMT engine on one (resolved) program: a Result like the explicit engine's."""
    summary = Result()
    enc = Encoding(program, model, unroll)
    fin = enc.final()
    sess = Session(enc, timeout)
    s = sess.solver
    good = and2(enc.complete, fin.filter)
    try:
        _check_errors(enc, sess, good)
        # Exact counts: every execution once, projected on (exec, rf, mo); its
        # outcomes are the outcome set. Beyond max_count: blocking clauses over
        # the final state find the outcomes, and nothing is counted.
        counted = _count(enc, sess, fin, summary, max_count)
        if not counted:
            for vals in _enumerate_values(sess, good, fin.outcome):
                summary.outcomes[vals] = None
        # Races: one witness per pair of source accesses.
        s.push()
        s.add(z(good, enc.zctx))
        for key, rd in _racing_keys(enc, sess).items():
            if rd is None:  # a symmetric image: ask for a witness of its own
                if not sess.check(enc.race_terms[key]):
                    raise InternalError(f"SMT engine: no execution races on {key}, "
                                        f"the symmetric image of a racing pair")
                rd = Reader(sess.model())
            summary.races[key] = _witness(enc, rd, key)
        s.pop()
        # Assertion failures: one witness (and its outcome) per assert statement.
        sites = {}
        for w in enc.walkers:
            for g, node in w.failures:
                sites.setdefault(Site(w.tid, node), []).append(g)
        s.push()
        s.add(z(good, enc.zctx))
        for key, gs in sites.items():
            if sess.check(or_list(gs)):
                rd = Reader(sess.model())
                summary.failures[key] = (tuple(rd.value(t) for t in fin.outcome), None)
        s.pop()
        # Condition: reachable either way?
        pos_reach = neg_reach = False
        if fin.cond is not None:
            pos_reach = sess.check(good, fin.cond)
            neg_reach = sess.check(good, not1(fin.cond))
        if not counted:
            # Not counts: 0/1 flags for "some", which the report shows as not counted.
            summary.counted = False
            summary.complete_reached = sess.check(good)
            summary.positive, summary.negative = int(pos_reach), int(neg_reach)
            summary.bounded = int(sess.check(enc.bounded))
            summary.blocked = int(sess.check(and2(enc.blocked, not1(enc.bounded))))
            summary.explored = summary.filtered = 0
        elif fin.cond is not None:
            if (summary.positive > 0) != pos_reach or (summary.negative > 0) != neg_reach:
                raise InternalError("SMT engine: counting and reachability disagree")
    except Inconclusive as exc:
        summary.incomplete = f"inconclusive: {exc}"
        summary.counted = False
    if cross_check:
        _cross_check(program, model, unroll, timeout, summary)
    return summary


def _count(enc, sess, fin, summary, max_count):
    """Enumerate every execution; fill in the counts and the outcomes. False
    when there are more than max_count (the counts are then partial)."""
    s = sess.solver
    s.push()
    total = 0
    outcomes = {}
    try:
        while sess.check():
            rd = Reader(sess.model())
            total += 1
            if total > max_count:
                return False
            if rd.true(enc.bounded):
                summary.bounded += 1
            elif rd.true(enc.blocked):
                summary.blocked += 1
            elif not rd.true(fin.filter):
                summary.filtered += 1
            else:
                summary.executions += 1
                outcomes[tuple(rd.value(t) for t in fin.outcome)] = None
                if fin.cond is not None:
                    if rd.true(fin.cond):
                        summary.positive += 1
                    else:
                        summary.negative += 1
            s.add(z(not1(and_list(_execution_key(enc, rd))), enc.zctx))
    finally:
        s.pop()
    summary.explored = total
    summary.outcomes.update(outcomes)
    return True


def _cross_check(program, model, unroll, timeout, smt_summary):
    """`--engine both`: run the explicit engine and compare every answer."""
    from memorder.engines.explicit import explore
    ref = explore(program, Settings(model, "enumerate", unroll, timeout))
    if ref.incomplete is not None or smt_summary.incomplete is not None:
        return  # nothing to compare against; the caller reports `incomplete`
    diffs = compare(ref, smt_summary)
    if diffs:
        raise EngineDisagreement(
            f"internal error: the explicit and SMT engines disagree on {program.file} "
            f"(model {model}, unroll {unroll}):\n  " + "\n  ".join(diffs))


def compare(ref: Result, smt: Result, judge=None) -> list[str]:
    """Differences between the explicit engine's summary `ref` and the SMT one."""
    out = []

    def show(xs):
        return sorted(map(str, xs))

    if set(ref.outcomes) != set(smt.outcomes):
        out.append(f"outcomes: explicit {show(ref.outcomes)} vs smt {show(smt.outcomes)}")
    rk = {(l, (a[0], a[1]), (b[0], b[1])) for l, a, b in ref.races}
    sk = {(l, (a[0], a[1]), (b[0], b[1])) for l, a, b in smt.races}
    if rk != sk:
        out.append(f"races: explicit {_races_text(rk)} vs smt {_races_text(sk)}")
    if set(ref.failures) != set(smt.failures):
        out.append(f"assertion failures: explicit {_sites_text(ref.failures)} "
                   f"vs smt {_sites_text(smt.failures)}")
    if (ref.positive > 0) != (smt.positive > 0) or (ref.negative > 0) != (smt.negative > 0):
        out.append(f"condition: explicit positive={ref.positive} negative={ref.negative} "
                   f"vs smt positive={smt.positive} negative={smt.negative}")
    if smt.counted:
        if (ref.executions, ref.positive, ref.negative, ref.filtered) != \
                (smt.executions, smt.positive, smt.negative, smt.filtered):
            out.append(f"counts (executions, positive, negative, filtered): explicit "
                       f"{(ref.executions, ref.positive, ref.negative, ref.filtered)} vs smt "
                       f"{(smt.executions, smt.positive, smt.negative, smt.filtered)}")
    # Cut executions: the explicit engine stops a whole execution at the first
    # cut thread, so only "some execution is cut" is comparable, not counts.
    if (ref.blocked + ref.bounded > 0) != (smt.blocked + smt.bounded > 0):
        out.append(f"cut executions (blocked+bounded): explicit {ref.blocked}+{ref.bounded} "
                   f"vs smt {smt.blocked}+{smt.bounded}")
    return out


def _site_text(site):
    tid, node = site
    span = getattr(node, "span", None)
    return f"T{tid}:{type(node).__name__}@{span}" if span else f"T{tid}:{node}"


def _races_text(keys):
    return "{" + ", ".join(sorted(f"{l}: {_site_text(a)} / {_site_text(b)}" for l, a, b in keys)) + "}"


def _sites_text(sites):
    return "{" + ", ".join(sorted(_site_text(k) for k in sites)) + "}"


# ------------------------------------------------------------ yes/no questions

def _racing_keys(enc, sess, first_only=False):
    """The race keys (pairs of source accesses) some execution of the solver's
    current assertions races on: {key: a Reader of a model racing on it, or
    None for a key known only as the symmetric image of one}. One query per
    key not yet seen, each asserting only that key's race term (as an assumption, so the solver keeps what it
    learnt from one key for the next): measured faster than one query over the
    disjunction of all keys, whose UNSAT proof must refute every pair at once.
    A witness also marks every other key whose term it makes true.

    With interchangeable threads (symmetry.py), a key's answer is its whole
    orbit's: one query per orbit, and inside it the interchangeable threads
    the key does not name are put in a canonical order (_symmetry_breaker)."""
    sym = thread_symmetry(enc.program)
    firsts = _class_first_writes(enc, sym) if sym else None
    found, clear = {}, set()
    for key, term in enc.race_terms.items():
        if key in found or key in clear or term is False:
            continue
        breaker = _symmetry_breaker(enc, firsts, {key[1][0], key[2][0]}) if sym else TRUE
        if sess.check(term, *([] if breaker is True else [breaker])):
            rd = Reader(sess.model())
            for k, t in enc.race_terms.items():
                if rd.true(t):
                    for image in _orbit(sym, k):
                        if image not in enc.race_terms:
                            raise InternalError(f"SMT engine: race key {image} has no race term, "
                                                f"but its symmetric {k} has")
                        found.setdefault(image, None)
                    found[k] = found[k] or rd
            if first_only:
                break
        else:
            clear |= _orbit(sym, key)
    return found


def _orbit(sym, key):
    """The keys a permutation of interchangeable threads maps `key` to (itself included)."""
    loc, (ta, na), (tb, nb) = key
    if sym is None or ta < 0 or tb < 0:  # an initial write never races; nothing to share
        return {key}
    images = set()
    for a in sym.class_of(ta) or (ta,):
        for b in sym.class_of(tb) or (tb,):
            if a != b:
                # loc is accessed by two threads, so it is no thread's private location
                first, second = sorted([Site(a, sym.node(ta, a, na)), Site(b, sym.node(tb, b, nb))], key=site_key)
                images.add((loc, first, second))
    return images


def _class_first_writes(enc, sym):
    """Per class of interchangeable threads with a location they all may write:
    {thread: _first_writes on that location}. Computed once per set of queries."""
    out = []
    for cls in sym.classes:
        loc = _common_written_location(enc, cls)
        if loc is not None:
            out.append({t: _first_writes(enc, t, loc) for t in cls})
    return out


def _symmetry_breaker(enc, firsts, fixed):
    """Interchangeable threads outside `fixed`, each class ordered by where its
    threads' first writes to one shared location fall in mo (threads that never
    write it last). Every execution has a twin, by permuting those threads,
    that is so ordered and races on the same key: the query keeps its answer,
    and the solver no longer explores every permutation of identical threads."""
    terms = []
    for cls in firsts:
        free = [t for t in cls if t not in fixed]
        for a, b in zip(free, free[1:]):
            terms.append(implies(or_list([f for _, f in cls[b]]), or_list([f for _, f in cls[a]])))
            for wa, fa in cls[a]:
                for wb, fb in cls[b]:
                    terms.append(implies(and2(fa, fb), enc.mo_lt(wa.id, wb.id)))
    return and_list(terms)


def _common_written_location(enc, cls):
    """The first declared location every thread of the class may write, or None."""
    for loc, ws in enc.writes.items():
        writers = {w.tid for w in ws if enc.x[w.id] is not False}
        if all(t in writers for t in cls):
            return loc
    return None


def _first_writes(enc, tid, loc):
    """[(write, "it is the thread's first existing write to loc")] in po order."""
    x = enc.x
    mine = [w for w in enc.writes[loc] if w.tid == tid and x[w.id] is not False]
    return [(w, and_list([x[w.id]] + [not1(x[h.id]) for h in mine[:i] if not enc.exclusive(h, w)]))
            for i, w in enumerate(mine)]


def smt_has_race(program, model="rc11", unroll=2, timeout=None):
    """Does some complete consistent execution have a data race, decided without
    enumerating: one incremental query per candidate pair of source accesses
    (see _racing_keys). True / False, or None when the solver could not decide
    (unknown, timeout)."""
    enc = Encoding(program, model, unroll)
    if not enc.race_terms:
        return False
    fin = enc.final() if program.filter is not None else None
    sess = Session(enc, timeout)
    good = enc.complete if fin is None else and2(enc.complete, fin.filter)
    sess.solver.add(z(good, enc.zctx))
    try:
        return bool(_racing_keys(enc, sess, first_only=True))
    except Inconclusive:
        return None


def smt_reachable(program, model="rc11", unroll=2, timeout=None):
    """One query: can a complete consistent execution satisfy the final condition?
    True / False, or None when undecided."""
    if program.condition is None:
        raise MemorderError("the program has no final condition")
    enc = Encoding(program, model, unroll)
    fin = enc.final()
    sess = Session(enc, timeout)
    try:
        return sess.check(enc.complete, fin.filter, fin.cond)
    except Inconclusive:
        return None
