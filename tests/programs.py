"""Programs built directly as ASTs, and a hypothesis strategy for random small ones.

Independent of either front end, so engine tests do not depend on the parsers.
"""
from __future__ import annotations

import dataclasses

from hypothesis import strategies as st

from memorder.base import syntax as S
from memorder.base.orders import ACQ_REL, ACQUIRE, RELAXED, RELEASE, SEQ_CST, LEGAL


def program(threads, locs=("x", "y"), plain=(), condition=None, name="t"):
    decls = tuple(S.LocationDecl(l, True) for l in locs) + tuple(S.LocationDecl(l, False) for l in plain)
    return S.Program(name, decls, tuple(S.Thread(str(i), tuple(b)) for i, b in enumerate(threads)),
                     condition=condition)


def load(r, loc, o=RELAXED):
    return S.Let((r,), S.Load(loc, o))


def store(loc, v, o=RELAXED):
    return S.Store(loc, S.Const(v), o)


def fetch_add(loc, v=1, o=RELAXED, r=None):
    return S.Let((r,), S.Rmw("add", loc, S.Const(v), o)) if r else S.Eval(S.Rmw("add", loc, S.Const(v), o))


# ---------------------------------------------------------------- random programs

LOCS = ("x", "y")


@st.composite
def operations(draw, tid, plain_ok=True, sc_only=False):
    kind = draw(st.sampled_from(["load", "store", "rmw", "cas", "fence", "plain_r", "plain_w", "if"]
                                if plain_ok else ["load", "store", "rmw", "cas", "fence", "if"]))
    loc = draw(st.sampled_from(LOCS))
    reg = f"r{draw(st.integers(0, 2))}"
    val = draw(st.integers(1, 2))

    def order(k):
        return SEQ_CST if sc_only else draw(st.sampled_from(LEGAL[k]))

    if kind == "load":
        return S.Let((reg,), S.Load(loc, order("load")))
    if kind == "store":
        return S.Store(loc, S.Const(val), order("store"))
    if kind == "rmw":
        op = draw(st.sampled_from(["add", "swap", "xor", "max"]))
        return S.Let((reg,), S.Rmw(op, loc, S.Const(val), order("rmw")))
    if kind == "cas":
        fail = SEQ_CST if sc_only else draw(st.sampled_from(LEGAL["cas_failure"]))
        return S.Let((reg,), S.Cas(loc, S.Const(draw(st.integers(0, 1))), S.Const(val),
                                   order("rmw"), fail, draw(st.booleans())))
    if kind == "fence":
        return S.Fence(order("fence"))
    if kind == "plain_r":
        return S.Let((reg,), S.PlainRead("p"))
    if kind == "plain_w":
        return S.PlainWrite("p", S.Const(val))
    # a conditional store on a register value
    return S.If(S.Binary("==", S.Reg(reg), S.Const(1)), (S.Store(loc, S.Const(val), order("store")),))


def _at(node, line):
    """The node with a span on `line`, its memory-access child too."""
    span = S.Span(line, 1, line, 2)
    if isinstance(node, S.Let):
        return dataclasses.replace(node, value=dataclasses.replace(node.value, span=span), span=span)
    if isinstance(node, S.If):
        return dataclasses.replace(node, then=tuple(_at(s, line) for s in node.then), span=span)
    return dataclasses.replace(node, span=span)


@st.composite
def programs(draw, max_threads=3, max_ops=3, plain_ok=True, sc_only=False):
    n = draw(st.integers(2, max_threads))
    threads = []
    for tid in range(n):
        ops = draw(st.lists(operations(tid, plain_ok, sc_only), min_size=1, max_size=max_ops))
        # a distinct line per operation, so reports (races, failures) name each one
        ops = [_at(op, 10 * (tid + 1) + i) for i, op in enumerate(ops)]
        # registers are declared up front so any use is valid
        threads.append([S.Let((f"r{i}",), S.Const(0)) for i in range(3)] + ops)
    return program(threads, LOCS, ("p",) if plain_ok else ())
