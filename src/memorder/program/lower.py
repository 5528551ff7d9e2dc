"""Lower a thread's statements to a flat instruction list the explorer steps through.

Memory operations nested in expressions are hoisted into hidden registers
(names starting with "%", never shown in outcomes), left to right, keeping the
short-circuit of && and ||. Pure expressions become Python closures over the
register dict. Loops keep a hidden iteration counter: the body runs at most
`unroll` times, and reaching the loop head once more with the condition true
cuts the execution as "bounded".
"""
from __future__ import annotations

from dataclasses import dataclass

from memorder.base import syntax as S
from memorder.base.errors import MemorderError

# Opcodes. Memory instructions are the ones that add events to an execution.
LOCAL, JUMPF, JUMP, LOOP_INIT, LOOP_TICK, ASSUME, ASSERT = range(7)
READ, WRITE, RMW, CAS, FENCE, END = range(7, 13)
MEMORY_OPS = (READ, WRITE, RMW, CAS, FENCE)


@dataclass
class Instr:
    op: int
    dst: str | None = None       # LOCAL/READ/RMW: target register; CAS: ok register
    dst2: str | None = None      # CAS: old-value register
    fn: object = None            # value / condition / CAS expected
    fn2: object = None           # CAS new value
    loc: str | None = None
    order: object = None         # MemoryOrder, or None for a plain access
    order2: object = None        # CAS failure ordering
    rmw_op: str | None = None
    weak: bool = False
    target: int = -1
    node: object = None          # the AST node, for reports


def _trunc_div(a, b):
    if b == 0:
        raise MemorderError("division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _trunc_mod(a, b):
    return a - b * _trunc_div(a, b)


BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": _trunc_div, "%": _trunc_mod,
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b,
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b), "<=": lambda a, b: int(a <= b),
    ">": lambda a, b: int(a > b), ">=": lambda a, b: int(a >= b),
}
UNARY = {"-": lambda a: -a, "!": lambda a: int(not a), "~": lambda a: ~a}

RMW_APPLY = {
    "swap": lambda old, v: v, "add": lambda old, v: old + v, "sub": lambda old, v: old - v,
    "and": lambda old, v: old & v, "or": lambda old, v: old | v, "xor": lambda old, v: old ^ v,
    "max": max, "min": min,
}


def pure(expr, lookup=None):
    """A closure computing a memory-free expression from a register dict.

    `lookup(node)` resolves leaves other than Const/Reg (final conditions use it
    for FinalReg / FinalLoc).
    """
    if isinstance(expr, S.Const):
        v = expr.value
        return lambda r: v
    if isinstance(expr, S.Reg):
        name = expr.name
        return lambda r: r[name]
    if isinstance(expr, S.Unary):
        f, a = UNARY[expr.op], pure(expr.operand, lookup)
        return lambda r: f(a(r))
    if isinstance(expr, S.Binary):
        a, b = pure(expr.left, lookup), pure(expr.right, lookup)
        if expr.op == "&&":
            return lambda r: int(bool(a(r)) and bool(b(r)))
        if expr.op == "||":
            return lambda r: int(bool(a(r)) or bool(b(r)))
        f = BINARY[expr.op]
        return lambda r: f(a(r), b(r))
    if lookup is not None:
        return lookup(expr)
    raise MemorderError(f"unexpected {type(expr).__name__} in an expression").at(expr.span)


def has_memory(expr) -> bool:
    if isinstance(expr, S.MEMORY_EXPRS):
        return True
    if isinstance(expr, S.Unary):
        return has_memory(expr.operand)
    if isinstance(expr, S.Binary):
        return has_memory(expr.left) or has_memory(expr.right)
    return False


class ThreadCode:
    """The lowered code of one thread."""

    def __init__(self, thread: S.Thread):
        self.name = thread.name
        self.code: list[Instr] = []
        self.registers: list[str] = []  # user-visible, in order of first declaration
        self._temps = 0
        self._loops: list[list[int]] = []  # per enclosing loop: indices of break jumps
        self._block(thread.body)
        self.code.append(Instr(END))
        self.may_write = self._may_write()
        self.hidden = sorted({i.dst for i in self.code if i.dst and i.dst.startswith("%")}
                             | {i.dst2 for i in self.code if i.dst2 and i.dst2.startswith("%")})

    def _may_write(self) -> list[frozenset]:
        """Per pc, the locations some path from there may still write (a fixpoint over the CFG)."""
        code = self.code
        out = [frozenset()] * len(code)
        changed = True
        while changed:
            changed = False
            for pc in range(len(code) - 1, -1, -1):
                ins = code[pc]
                if ins.op == END:
                    continue
                succ = [ins.target] if ins.op == JUMP else [pc + 1]
                if ins.op == JUMPF:
                    succ.append(ins.target)
                acc = frozenset().union(*(out[s] for s in succ))
                if ins.op in (WRITE, RMW, CAS):
                    acc |= {ins.loc}
                if acc != out[pc]:
                    out[pc] = acc
                    changed = True
        return out

    # -- helpers
    def _emit(self, instr: Instr) -> int:
        self.code.append(instr)
        return len(self.code) - 1

    def _temp(self) -> str:
        self._temps += 1
        return f"%t{self._temps}"

    def _declare(self, name):
        if name is not None and not name.startswith("%") and name not in self.registers:
            self.registers.append(name)

    # -- expressions: emit memory operations, return a pure closure
    def _expr(self, e) -> object:
        if isinstance(e, S.MEMORY_EXPRS):
            t = self._temp()
            self._memory(e, (t,))
            return pure(S.Reg(t))
        if isinstance(e, S.Unary) and has_memory(e):
            f, a = UNARY[e.op], self._expr(e.operand)
            return lambda r: f(a(r))
        if isinstance(e, S.Binary) and has_memory(e):
            if e.op in ("&&", "||") and has_memory(e.right):
                # Short-circuit: the right operand's accesses happen only when needed.
                t = self._temp()
                left = self._expr(e.left)
                self._emit(Instr(LOCAL, dst=t, fn=lambda r, left=left: int(bool(left(r)))))
                skip_if = (lambda r, t=t: r[t]) if e.op == "&&" else (lambda r, t=t: 1 - r[t])
                j = self._emit(Instr(JUMPF, fn=skip_if))
                right = self._expr(e.right)
                self._emit(Instr(LOCAL, dst=t, fn=lambda r, right=right: int(bool(right(r)))))
                self.code[j].target = len(self.code)
                return lambda r: r[t]
            a = self._expr(e.left)
            # Evaluate the left side before the right side's accesses happen.
            if has_memory(e.right):
                t = self._temp()
                self._emit(Instr(LOCAL, dst=t, fn=a))
                a = pure(S.Reg(t))
            b = self._expr(e.right)
            if e.op == "&&":
                return lambda r: int(bool(a(r)) and bool(b(r)))
            if e.op == "||":
                return lambda r: int(bool(a(r)) or bool(b(r)))
            f = BINARY[e.op]
            return lambda r: f(a(r), b(r))
        return pure(e)

    def _memory(self, e, targets):
        """Emit the access `e`, storing its result(s) into targets (None = discard)."""
        dst = targets[0]
        if isinstance(e, S.Load):
            self._emit(Instr(READ, dst=dst, loc=e.loc, order=e.order, node=e))
        elif isinstance(e, S.PlainRead):
            self._emit(Instr(READ, dst=dst, loc=e.loc, order=None, node=e))
        elif isinstance(e, S.Rmw):
            v = self._expr(e.operand)
            self._emit(Instr(RMW, dst=dst, fn=v, loc=e.loc, order=e.order, rmw_op=e.op, node=e))
        elif isinstance(e, S.Cas):
            exp = self._expr(e.expected)
            if has_memory(e.new):  # keep left-to-right evaluation of the operands
                t = self._temp()
                self._emit(Instr(LOCAL, dst=t, fn=exp))
                exp = pure(S.Reg(t))
            new = self._expr(e.new)
            old = targets[1] if len(targets) > 1 else None
            self._emit(Instr(CAS, dst=dst, dst2=old, fn=exp, fn2=new, loc=e.loc,
                             order=e.success, order2=e.failure, weak=e.weak, node=e))
        else:  # pragma: no cover - guarded by callers
            raise AssertionError(e)

    # -- statements
    def _block(self, stmts):
        for s in stmts:
            self._stmt(s)

    def _stmt(self, s):
        if isinstance(s, S.Let):
            for name in s.targets:
                self._declare(name)
            if isinstance(s.value, S.MEMORY_EXPRS):
                self._memory(s.value, s.targets)
            else:
                f = self._expr(s.value)
                if s.targets[0] is not None:
                    self._emit(Instr(LOCAL, dst=s.targets[0], fn=f))
        elif isinstance(s, S.Store):
            self._emit(Instr(WRITE, fn=self._expr(s.value), loc=s.loc, order=s.order, node=s))
        elif isinstance(s, S.PlainWrite):
            self._emit(Instr(WRITE, fn=self._expr(s.value), loc=s.loc, order=None, node=s))
        elif isinstance(s, S.Fence):
            self._emit(Instr(FENCE, order=s.order, node=s))
        elif isinstance(s, S.Eval):
            if isinstance(s.expr, S.MEMORY_EXPRS):
                self._memory(s.expr, (None,))
            else:
                self._expr(s.expr)
        elif isinstance(s, S.If):
            c = self._expr(s.cond)
            j = self._emit(Instr(JUMPF, fn=c))
            self._block(s.then)
            if s.orelse:
                k = self._emit(Instr(JUMP))
                self.code[j].target = len(self.code)
                self._block(s.orelse)
                self.code[k].target = len(self.code)
            else:
                self.code[j].target = len(self.code)
        elif isinstance(s, S.While):
            counter = f"%loop{len(self.code)}"
            self._emit(Instr(LOOP_INIT, dst=counter))
            head = len(self.code)
            c = self._expr(s.cond)
            j = self._emit(Instr(JUMPF, fn=c))
            self._emit(Instr(LOOP_TICK, dst=counter, node=s))
            self._loops.append([])
            self._block(s.body)
            self._emit(Instr(JUMP, target=head))
            end = len(self.code)
            self.code[j].target = end
            for b in self._loops.pop():
                self.code[b].target = end
        elif isinstance(s, S.Break):
            if not self._loops:
                raise MemorderError("`break` outside a loop").at(s.span)
            self._loops[-1].append(self._emit(Instr(JUMP)))
        elif isinstance(s, S.Assume):
            self._emit(Instr(ASSUME, fn=self._expr(s.cond), node=s))
        elif isinstance(s, S.Assert):
            self._emit(Instr(ASSERT, fn=self._expr(s.cond), node=s))
        else:  # pragma: no cover
            raise MemorderError(f"unsupported statement {type(s).__name__}").at(s.span)


def racy_locations(codes) -> set:
    """Locations a thread accesses non-atomically and another thread accesses at all:
    the only places a data race can be (statically, over every path)."""
    users, plain_users = {}, {}
    for tid, code in enumerate(codes):
        for ins in code.code:
            if ins.op in MEMORY_OPS and ins.loc is not None:
                users.setdefault(ins.loc, set()).add(tid)
                if ins.order is None:
                    plain_users.setdefault(ins.loc, set()).add(tid)
    return {loc for loc, ts in plain_users.items() if len(users[loc] | ts) > 1}
