"""Checks and passes over a parsed program (AST from syntax.py).

`validate` rejects native programs the language does not allow, located at the
offending node; `param_uses` and `resolve_orders` handle `order` parameters.
"""
from __future__ import annotations

import dataclasses
import re

from memorder.base.errors import MemorderError
from memorder.base.orders import LEGAL, MemoryOrder, parse_order
from memorder.base.syntax import (
    Break, Cas, Condition, Eval, Fence, FinalLoc, FinalReg, If, Let, Load, OrderParam,
    PlainRead, PlainWrite, Program, Reg, Rmw, Span, Store, While,
)

# How each access kind is named in messages.
_KIND_TEXT = {"load": "a load", "store": "a store", "rmw": "a read-modify-write",
              "fence": "a fence", "cas_failure": "a compare_exchange failure ordering"}


def _error(message: str, span: Span | None, program: Program) -> MemorderError:
    if span is None or span.line == 0:
        return MemorderError(message, file=program.file)
    # A caret run only makes sense on one line; multi-line nodes get a single caret.
    end = span.end_column if span.end_line == span.line else None
    return MemorderError(message, span.line, span.column, end, file=program.file)


# ---------------------------------------------------------------- generic walks

def _children(node):
    """The AST nodes directly inside `node`, in source order."""
    if not dataclasses.is_dataclass(node) or isinstance(node, (Span, OrderParam)):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(item) and not isinstance(item, Span):
                yield item


def _walk(node):
    """`node` and every node inside it, pre-order (source order)."""
    yield node
    for child in _children(node):
        yield from _walk(child)


# Where each kind of access keeps its orderings (field -> access kind), in
# argument order: the orderings are always a call's trailing arguments.
_ORDER_FIELDS = {
    Load: {"order": "load"},
    Store: {"order": "store"},
    Rmw: {"order": "rmw"},
    Fence: {"order": "fence"},
    Cas: {"success": "rmw", "failure": "cas_failure"},
}


def _orders_of(n):
    """(kind, ordering, index_from_end) for each ordering written in access `n` itself.

    index_from_end says which trailing argument of the call holds the ordering
    (0 = last), which lets errors point at the ordering itself.
    """
    fields = _ORDER_FIELDS.get(type(n), {})
    for i, (name, kind) in enumerate(fields.items()):
        yield kind, getattr(n, name), len(fields) - 1 - i


def _map_orders(node, fn):
    """A copy of `node` with every OrderParam p replaced by fn(p, kind)."""
    if not dataclasses.is_dataclass(node) or isinstance(node, (Span, OrderParam)):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, OrderParam):
            changes[f.name] = fn(value, _ORDER_FIELDS[type(node)][f.name])
        elif isinstance(value, tuple):
            changes[f.name] = tuple(_map_orders(v, fn) for v in value)
        elif dataclasses.is_dataclass(value):
            changes[f.name] = _map_orders(value, fn)
    return dataclasses.replace(node, **changes)


# ---------------------------------------------------------------- ordering spans

_WORD = re.compile(r"[A-Za-z_]\w*(?:\s*::\s*[A-Za-z_]\w*)*")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def _order_span(program: Program, node, index_from_end: int) -> Span:
    """Where the ordering argument of `node` is written.

    A concrete MemoryOrder in the AST carries no span, so find it in the
    source: orderings are the trailing arguments of a call and are single
    words (`Acquire`, `Ordering::Acquire`), so the ordering is the
    index_from_end-th word from the end of the call's text. Falls back to
    the node's span when the source is not at hand.
    """
    span = node.span
    if not program.source or span.line == 0:
        return span
    starts = [0]
    for line in program.source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    if span.end_line >= len(starts):
        return span
    begin = starts[span.line - 1] + span.column - 1
    end = starts[span.end_line - 1] + span.end_column - 1
    text = _COMMENT.sub(lambda m: " " * len(m.group()), program.source[begin:end])
    words = list(_WORD.finditer(text))
    if len(words) <= index_from_end:
        return span

    def position(offset: int) -> tuple[int, int]:
        line = max(i for i, s in enumerate(starts) if s <= offset)  # 0-based line
        return line + 1, offset - starts[line] + 1

    word = words[-1 - index_from_end]
    (l1, c1), (l2, c2) = position(begin + word.start()), position(begin + word.end())
    return Span(l1, c1, l2, c2)


# ---------------------------------------------------------------- validation

def validate(program: Program) -> None:
    """Raise MemorderError at the first thing a native program may not do."""
    locations = {}
    for decl in program.locations:
        if decl.name in locations:
            raise _error(f"location '{decl.name}' is declared twice", decl.span, program)
        locations[decl.name] = decl
    params = {}
    for decl in program.params:
        if decl.name in params:
            raise _error(f"ordering parameter '{decl.name}' is declared twice", decl.span, program)
        if decl.name in locations:
            raise _error(f"'{decl.name}' is both a location and an ordering parameter",
                         decl.span, program)
        if parse_order(decl.name) is not None or decl.name.lower() == "consume":
            raise _error(f"'{decl.name}' is a memory order; an ordering parameter needs "
                         "another name", decl.span, program)
        params[decl.name] = decl
    threads = {}
    for thread in program.threads:
        if thread.name in threads:
            raise _error(f"thread '{thread.name}' is declared twice", thread.span, program)
        threads[thread.name] = thread

    for thread in program.threads:
        _check_thread(program, thread, locations, params)

    if program.condition is not None:
        _check_condition(program, program.condition, locations, threads)
    for expect in program.expects:
        if expect.kind in ("exists", "~exists", "holds", "fails") and program.condition is None:
            raise _error(f"`expect {expect.kind}` needs a final condition "
                         "(exists/~exists/forall (...))", expect.span, program)
        if expect.kind in ("exists", "~exists") and program.condition.kind == "forall":
            # reachability of a forall's body is not what a forall claims
            raise _error(f"`expect {expect.kind}` asks whether a state is reachable, but the "
                         f"condition is a forall: use `expect holds` or `expect fails` for its "
                         "verdict", expect.span, program)
        for name, order in expect.orderings:
            if name not in params:
                raise _error(f"unknown ordering parameter '{name}' in expect weakest",
                             expect.span, program)
            uses = param_uses(program)[name]
            bad = sorted(kind for kind in uses if order not in LEGAL[kind])
            if bad:
                raise _error(f"{name} = {order} is not valid for {_KIND_TEXT[bad[0]]}",
                             expect.span, program)


def _accesses_of(program: Program):
    """(kind, ordering) for every ordering written in the program's threads."""
    for thread in program.threads:
        for n in _walk(thread):
            for kind, order, _back in _orders_of(n):
                yield kind, order


def _check_thread(program, thread, locations, params) -> None:
    # Every register the thread declares anywhere, to tell "declared later" apart
    # from "never declared" in messages.
    all_lets = {t for n in _walk(thread) if isinstance(n, Let) and n.declare
                for t in n.targets if t is not None}
    declared: set[str] = set()

    def location(name: str, span: Span, atomic: bool) -> None:
        if name not in locations:
            # The name starts the node's span: point at just the name.
            narrow = Span(span.line, span.column, span.line, span.column + len(name))
            raise _error(f"unknown location '{name}'", narrow, program)
        decl = locations[name]
        if atomic and not decl.atomic:
            raise _error(f"'{name}' is a plain location: atomic operations need a location "
                         f"declared `atomic {name}`", span, program)
        if not atomic and decl.atomic:
            raise _error(f"'{name}' is an atomic location: access it with {name}.load(...) / "
                         f"{name}.store(..., ...)", span, program)

    def register(name: str, span: Span) -> None:
        if name in declared:
            return
        if name in all_lets:
            raise _error(f"register '{name}' is used before its `let`", span, program)
        raise _error(f"unknown name '{name}': not a declared location, nor a register "
                     f"declared with `let` in thread {thread.name}", span, program)

    def orders(node) -> None:
        for kind, order, back in _orders_of(node):
            if isinstance(order, OrderParam):
                if order.name not in params:
                    raise _error(f"unknown memory order '{order.name}' (expected Relaxed, "
                                 "Acquire, Release, AcqRel, SeqCst or a declared `order` "
                                 "parameter)", order.span, program)
                # The declared default must suit every use (sweep may try others).
                default = params[order.name].default
                if default not in LEGAL[kind]:
                    raise _error(f"ordering parameter {order.name} = {default} is not valid "
                                 f"for {_KIND_TEXT[kind]}", order.span, program)
            elif order not in LEGAL[kind]:
                raise _error(f"memory order {order} is not valid for {_KIND_TEXT[kind]}",
                             _order_span(program, node, back), program)

    def expr(node) -> None:
        for n in _walk(node):
            if isinstance(n, Reg):
                register(n.name, n.span)
            elif isinstance(n, PlainRead):
                location(n.loc, n.span, atomic=False)
            elif isinstance(n, (Load, Rmw, Cas)):
                location(n.loc, n.span, atomic=True)
                orders(n)
            elif isinstance(n, (FinalReg, FinalLoc)):  # the parser never puts these in threads
                raise _error("final-state names belong in the final condition", n.span, program)

    def stmts(body, loops: int) -> None:
        for s in body:
            if isinstance(s, Let):
                expr(s.value)  # the value is evaluated before the targets exist
                if len(s.targets) > 2:
                    raise _error(f"{len(s.targets)} targets: a compare_exchange yields "
                                 "a pair (ok, old)", s.span, program)
                if len(s.targets) == 2 and not isinstance(s.value, Cas):
                    raise _error("only a compare_exchange yields a pair (ok, old) to "
                                 "destructure", s.value.span, program)
                for t in s.targets:
                    if t is None:
                        continue
                    if t in locations:
                        raise _error(f"'{t}' is a location; a register cannot have its name",
                                     s.span, program)
                    if s.declare:
                        declared.add(t)
                    elif len(s.targets) == 1:  # `r = e`: the name starts the statement
                        register(t, Span(s.span.line, s.span.column, s.span.line,
                                         s.span.column + len(t)))
                    else:
                        register(t, s.span)
            elif isinstance(s, Store):
                location(s.loc, s.span, atomic=True)
                expr(s.value)
                orders(s)
            elif isinstance(s, PlainWrite):
                location(s.loc, s.span, atomic=False)
                expr(s.value)
            elif isinstance(s, If):
                expr(s.cond)
                stmts(s.then, loops)
                stmts(s.orelse, loops)
            elif isinstance(s, While):
                expr(s.cond)
                stmts(s.body, loops + 1)
            elif isinstance(s, Break):
                if loops == 0:
                    raise _error("`break` outside a loop", s.span, program)
            elif isinstance(s, Fence):
                orders(s)
            elif isinstance(s, Eval):
                expr(s.expr)
            else:  # Assume, Assert
                expr(s.cond)

    stmts(thread.body, 0)


def _check_condition(program, condition: Condition, locations, threads) -> None:
    for n in _walk(condition.expr):
        if isinstance(n, FinalLoc) and n.loc not in locations:
            raise _error(f"unknown location '{n.loc}' in the final condition (a register "
                         "is written thread.register)", n.span, program)
        if isinstance(n, FinalReg):
            if n.thread not in threads:
                raise _error(f"unknown thread '{n.thread}' in the final condition",
                             n.span, program)
            regs = {t for m in _walk(threads[n.thread]) if isinstance(m, Let) and m.declare
                    for t in m.targets if t is not None}
            if n.name not in regs:
                raise _error(f"thread {n.thread} has no register '{n.name}'", n.span, program)


# ---------------------------------------------------------------- ordering parameters

def param_uses(program: Program) -> dict[str, set[str]]:
    """Each declared ordering parameter -> the access kinds using it
    ("load", "store", "rmw", "fence", "cas_failure"); unused ones map to set()."""
    uses: dict[str, set[str]] = {decl.name: set() for decl in program.params}
    for kind, order in _accesses_of(program):
        if isinstance(order, OrderParam) and order.name in uses:
            uses[order.name].add(kind)
    return uses


def resolve_orders(program: Program, overrides: dict[str, MemoryOrder] | None = None) -> Program:
    """A copy of `program` with every OrderParam replaced by a concrete ordering:
    the override for its name if given, else the declared default. The copy's
    `params` record the orderings chosen (as their defaults)."""
    overrides = dict(overrides or {})
    declared = {decl.name: decl for decl in program.params}
    for name in overrides:
        if name not in declared:
            known = ", ".join(declared) or "none declared"
            raise MemorderError(f"unknown ordering parameter '{name}' (parameters: {known})",
                                file=program.file)
    chosen = {name: overrides.get(name, decl.default) for name, decl in declared.items()}

    def concrete(param: OrderParam, kind: str) -> MemoryOrder:
        if param.name not in chosen:
            raise _error(f"unknown ordering parameter '{param.name}'", param.span, program)
        order = chosen[param.name]
        if order not in LEGAL[kind]:
            raise _error(f"ordering parameter {param.name} = {order} is not valid for "
                         f"{_KIND_TEXT[kind]}", param.span, program)
        return order

    threads = tuple(_map_orders(t, concrete) for t in program.threads)
    params = tuple(dataclasses.replace(d, default=chosen[d.name]) for d in program.params)
    return dataclasses.replace(program, threads=threads, params=params)
