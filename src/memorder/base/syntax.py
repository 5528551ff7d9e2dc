"""The abstract syntax shared by both front ends (native `.litmus` and herd7's C).

Frozen dataclasses, each carrying the source span it came from. Both front ends
produce exactly these nodes; the engines never see text.

Orderings in the AST are `OrderRef`s: either a concrete `MemoryOrder` or the
name of an `order` parameter. `program.resolve_orders` replaces parameters with
concrete orderings before exploration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

from memorder.base.orders import MemoryOrder


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


NOSPAN = Span(0, 0, 0, 0)


@dataclass(frozen=True)
class OrderParam:
    """A use of an `order NAME = ...` parameter where an ordering goes."""
    name: str
    span: Span = field(default=NOSPAN, compare=False)


OrderRef = Union[MemoryOrder, OrderParam]


# ---------------------------------------------------------------- expressions

@dataclass(frozen=True)
class Const:
    value: int
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Reg:
    """A thread-local register read."""
    name: str
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Unary:
    op: str  # "-" "!" "~"
    operand: "Expr"
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Binary:
    # "+ - * / % & | ^ << >> == != < <= > >= && ||"; && and || short-circuit.
    op: str
    left: "Expr"
    right: "Expr"
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Load:
    """An atomic load `x.load(o)`; herd files may carry any ordering here."""
    loc: str
    order: OrderRef
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class PlainRead:
    """A non-atomic read of a location."""
    loc: str
    span: Span = field(default=NOSPAN, compare=False)


RMW_OPS = ("swap", "add", "sub", "and", "or", "xor", "max", "min")


@dataclass(frozen=True)
class Rmw:
    """`x.fetch_add(e, o)` and friends, `x.swap(e, o)`; evaluates to the old value."""
    op: str  # one of RMW_OPS
    loc: str
    operand: "Expr"
    order: OrderRef
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Cas:
    """`x.compare_exchange[_weak](expected, new, success, failure)`.

    Evaluates to a pair (ok, old): only `Let`/`Assign` with two targets may
    destructure it; used as a plain expression it means `ok` (1 or 0).
    A weak CAS may also fail spuriously after reading the expected value.
    """
    loc: str
    expected: "Expr"
    new: "Expr"
    success: OrderRef
    failure: OrderRef
    weak: bool
    span: Span = field(default=NOSPAN, compare=False)


# Final conditions only: a register of a thread after the run, a location's final value.
@dataclass(frozen=True)
class FinalReg:
    thread: str  # thread name (herd: its index, "0", "1", ...)
    name: str
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class FinalLoc:
    loc: str
    span: Span = field(default=NOSPAN, compare=False)


Expr = Union[Const, Reg, Unary, Binary, Load, PlainRead, Rmw, Cas, FinalReg, FinalLoc]
MEMORY_EXPRS = (Load, PlainRead, Rmw, Cas)


# ---------------------------------------------------------------- statements

@dataclass(frozen=True)
class Let:
    """`let r = e`, `let (ok, old) = cas` (declare=True); `r = e`, `(ok, old) = cas` (declare=False).

    `targets` holds one name, or two for a destructured CAS; `None` stands for `_`.
    """
    targets: tuple[Optional[str], ...]
    value: Expr
    declare: bool = True
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Store:
    """An atomic store `x.store(e, o)`."""
    loc: str
    value: Expr
    order: OrderRef
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class PlainWrite:
    """A non-atomic write `y = e`."""
    loc: str
    value: Expr
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Fence:
    order: OrderRef
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Eval:
    """An expression evaluated for its memory effect, e.g. `x.fetch_sub(1, Release)`."""
    expr: Expr
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple["Stmt", ...]
    orelse: tuple["Stmt", ...] = ()
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class While:
    """`while c { }`; `loop { }` is `While(Const(1), ...)`. Unrolled to --unroll N."""
    cond: Expr
    body: tuple["Stmt", ...]
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Break:
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Assume:
    """`assume(e)` / `await(e)`: an execution where e is false is blocked, not complete."""
    cond: Expr
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Assert:
    cond: Expr
    span: Span = field(default=NOSPAN, compare=False)


Stmt = Union[Let, Store, PlainWrite, Fence, Eval, If, While, Break, Assume, Assert]


# ---------------------------------------------------------------- top level

@dataclass(frozen=True)
class LocationDecl:
    name: str
    atomic: bool  # native: declared kind; herd: True (atomicity belongs to each access there)
    init: int = 0
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class OrderDecl:
    """`order NAME = Ordering`: a parameter `sweep` varies."""
    name: str
    default: MemoryOrder
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Thread:
    name: str
    body: tuple[Stmt, ...]
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Condition:
    """A final condition: kind is "exists", "~exists" or "forall"; `text` as written."""
    kind: str
    expr: Expr  # over FinalReg / FinalLoc / Const, with && || ! == != etc.
    text: str
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Expect:
    """An `expect` line. For kind "weakest", `orderings` pins the minimal assignment(s)."""
    kind: str
    text: str
    orderings: tuple[tuple[str, MemoryOrder], ...] = ()
    span: Span = field(default=NOSPAN, compare=False)


@dataclass(frozen=True)
class Program:
    name: str
    locations: tuple[LocationDecl, ...]
    threads: tuple[Thread, ...]
    params: tuple[OrderDecl, ...] = ()
    condition: Optional[Condition] = None
    expects: tuple[Expect, ...] = ()
    # herd: `filter (...)`: an execution whose final state fails it is not counted.
    filter: Optional[Expr] = None
    # herd: `locations [...]`: the keys ("1:r0", "x") the state listing shows.
    observed: Optional[tuple[str, ...]] = None
    file: str = "<input>"
    source: str = field(default="", compare=False, repr=False)
    format: str = "native"  # or "herd"
    # Warnings the front end noticed (e.g. `consume` read as `acquire`), as (span, text).
    warnings: tuple[tuple[Span, str], ...] = ()
