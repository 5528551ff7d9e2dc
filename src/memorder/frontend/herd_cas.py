"""compare_exchange, as herd7 models it
------------------------------------
herd's `atomic_compare_exchange_{strong,weak}[_explicit](obj, exp, des, succ,
fail)` takes `exp` as a *location*. herdtools7's herd/CSem.ml (case `C.ECas`)
builds, in order:
  1. `read_mem true no_mo loc_exp`: a read of `exp` with no memory order, which
     CAction.ml's `old_is_atomic` classifies as non-atomic (`AN []` -> NA):
     a plain read;
  2. a non-deterministic choice (`M.altT`) between
     - failure: a read of `obj` with the *failure* order (an atomic read; the
       strong CAS only when the value differs from the expected one, the weak
       CAS also when it is equal), then `write_mem true no_mo loc_exp v_obj`:
       a plain (NA) write of the value seen into `exp`; the CAS yields 0;
     - success: one RMW event on `obj` reading the expected value and writing
       `des`, with the *success* order; nothing is written to `exp`; yields 1.
  The non-explicit forms are `ECas(..., SC, SC, strong)` (lib/CParser.mly).
The oracle agrees: e.g. C16 (`atomic_compare_exchange_strong(y,z,2)` racing
with `y=1`) has exactly the final states [y]=1 with [z]=0 (success) or [z]=1
(failure copied 1 into z).
So the front end desugars a CAS into native AST nodes:
    let %eN = PlainRead(exp)                       -- plain read of exp
    let (%okN, %oldN) = Cas(obj, %eN, des, succ, fail, weak)
    if %okN == 0 { PlainWrite(exp, %oldN) }        -- plain write, failure only
and the CAS expression's value is %okN. Registers starting with "%" are hidden:
the engine leaves them out of outcomes.
One difference remains: herd does not order the events *inside* one C statement
by po (`>>|` / `>>*=` compose within one instruction), whereas memorder orders
them left to right; no test of the corpus can tell the two apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from memorder.base.errors import unsupported
from memorder.base.orders import MemoryOrder
from memorder.base.syntax import (
    NOSPAN, Binary, Cas, Const, If, Let, Load, PlainRead, PlainWrite, Reg, Rmw, Span, Unary,
)


@dataclass(frozen=True)
class CasCall:
    """A compare-exchange inside an expression, before it is desugared into statements."""
    loc: str
    expected_loc: str
    new: object
    success: MemoryOrder
    failure: MemoryOrder
    weak: bool
    span: Span = field(default=NOSPAN, compare=False)


def contains(expr, kind) -> bool:
    if isinstance(expr, kind):
        return True
    if isinstance(expr, Unary):
        return contains(expr.operand, kind)
    if isinstance(expr, Binary):
        return contains(expr.left, kind) or contains(expr.right, kind)
    if isinstance(expr, Rmw):
        return contains(expr.operand, kind)
    if isinstance(expr, CasCall):
        return contains(expr.new, kind)
    return False


class CasDesugaring:
    """The builder's compare-exchange half (mixed into herd's builder: it numbers
    hidden registers with the builder's `temps`)."""


    def temp(self, prefix: str) -> str:
        return f"%{prefix}{self.temps}"

    def hoisted(self, expr):
        """(statements, expr): the expression with every compare-exchange desugared.

        A CAS becomes statements (see the module docstring), so it must run
        before the rest of its expression; to keep the order of memory accesses,
        every access evaluated before it is moved out too, into a hidden register.
        The right operand of && / || runs conditionally: no CAS there."""
        if not contains(expr, CasCall):
            return [], expr
        pre: list = []

        def out(e):
            if isinstance(e, (Const, Reg)):
                return e
            if isinstance(e, Unary):
                return replace(e, operand=out(e.operand))
            if isinstance(e, Binary):
                if e.op in ("&&", "||"):
                    if contains(e.right, CasCall):
                        raise unsupported(f"a compare-exchange on the right of {e.op} is not "
                                          "supported; compute it in a statement first", e.span)
                    return replace(e, left=out(e.left))
                left = out(e.left)
                return replace(e, left=left, right=out(e.right))
            if isinstance(e, (Load, PlainRead, Rmw)):
                if isinstance(e, Rmw):
                    e = replace(e, operand=out(e.operand))
                self.temps += 1
                reg = self.temp("t")
                pre.append(Let((reg,), e, declare=True, span=e.span))
                return Reg(reg, e.span)
            if isinstance(e, CasCall):
                return self.cas(e, pre)
            raise AssertionError(f"unexpected {type(e).__name__} in an expression")

        return pre, out(expr)

    def cas(self, call: CasCall, pre: list) -> Reg:
        """herd7's ECas, as native statements: see the module docstring."""
        self.temps += 1
        n, span = self.temps, call.span
        seen, ok, old = f"%e{n}", f"%ok{n}", f"%old{n}"
        pre.append(Let((seen,), PlainRead(call.expected_loc, span), declare=True, span=span))
        pre.append(Let((ok, old), Cas(call.loc, Reg(seen, span), call.new, call.success,
                                      call.failure, call.weak, span), declare=True, span=span))
        failed = Binary("==", Reg(ok, span), Const(0, span), span)
        pre.append(If(failed, (PlainWrite(call.expected_loc, Reg(old, span), span),), (), span))
        return Reg(ok, span)
