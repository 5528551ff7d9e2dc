"""Final conditions: the outcome keys they name, and their text as herd7 prints it."""
from __future__ import annotations

from memorder.base import syntax as S


def condition_keys(expr) -> list[str]:
    """The outcome keys a condition names, in order of appearance."""
    if isinstance(expr, S.FinalReg):
        return [f"{expr.thread}:{expr.name}"]
    if isinstance(expr, S.FinalLoc):
        return [expr.loc]
    if isinstance(expr, S.Unary):
        return condition_keys(expr.operand)
    if isinstance(expr, S.Binary):
        return condition_keys(expr.left) + condition_keys(expr.right)
    return []


def herd_condition(kind: str, expr) -> str:
    """A final condition as herd7 prints it: `exists (1:r0=1 /\\ [x]=0)`, `not (...)`."""
    return f"{kind} ({_prop(expr)})"


def _prop(e) -> str:
    if isinstance(e, S.Binary) and e.op in ("&&", "||"):
        sep = " /\\ " if e.op == "&&" else " \\/ "
        return sep.join(_operand(part, e.op) for part in _chain(e, e.op))
    if isinstance(e, S.Unary) and e.op == "!":
        return f"not ({_prop(e.operand)})"
    if isinstance(e, S.Binary) and e.op == "!=":
        return f"not ({_atom(e.left)}={_atom(e.right)})"
    if isinstance(e, S.Binary) and e.op == "==":
        return f"{_atom(e.left)}={_atom(e.right)}"
    if isinstance(e, S.Const):
        return "true" if e.value else "false"
    return _atom(e)


def _chain(e, op):
    if isinstance(e, S.Binary) and e.op == op:
        return _chain(e.left, op) + _chain(e.right, op)
    return [e]


def _operand(e, op) -> str:
    text = _prop(e)
    nested = isinstance(e, S.Binary) and e.op in ("&&", "||") and e.op != op
    return f"({text})" if nested else text


def _atom(e) -> str:
    if isinstance(e, S.FinalLoc):
        return f"[{e.loc}]"
    if isinstance(e, S.FinalReg):
        return f"{e.thread}:{e.name}"
    if isinstance(e, S.Const):
        return str(e.value)
    if isinstance(e, S.Unary) and e.op == "-":
        return f"-{_atom(e.operand)}"
    if isinstance(e, S.Unary):
        return f"{e.op}({_atom(e.operand)})"
    if isinstance(e, S.Binary) and e.op not in ("&&", "||", "==", "!="):
        # herd's conditions have no arithmetic or ordering tests: memorder's own
        # spelling, parenthesised, so the text still reads unambiguously
        return f"({_atom(e.left)} {e.op} {_atom(e.right)})"
    return _prop(e)
