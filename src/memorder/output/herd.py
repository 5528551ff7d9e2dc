"""herd7's text output format, so users can diff memorder against herd7 line by line."""
from __future__ import annotations

import re

from memorder.base import syntax as S

KIND = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}
_REG = re.compile(r"^(\d+):(.+)$")


def _herd_key(key: str) -> str:
    return key if _REG.match(key) else f"[{key}]"


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
    return _prop(e)


def herd_report(r: dict) -> str:
    """r: a check result dict (its "shown" keys are the ones herd7 lists)."""
    name, keys = r["test"], r["shown"]
    cond = r["condition"] or {"kind": "forall", "text": "forall (true)", "holds": True, "reachable": True,
                              "positive": r["executions"] or 0, "negative": 0}
    states = sorted({tuple((k, o.get(k, 0)) for k in keys) for o in r["outcomes"]},
                    key=lambda st: [v for _, v in st])
    lines = [f"Test {name} {KIND[cond['kind']]}", f"States {len(states)}"]
    for st in states:
        lines.append(" ".join(f"{_herd_key(k)}={v};" for k, v in st))
    lines.append("Undef" if r["races"] else ("Ok" if cond["holds"] else "No"))
    lines.append("Witnesses")
    lines.append(f"Positive: {cond['positive']} Negative: {cond['negative']}")
    if r["races"]:
        lines.append("Flag *undef*")
    lines.append(f"Condition {cond.get('herd_text', cond['text'])}")
    p, n = cond["positive"], cond["negative"]
    obs = "Never" if p == 0 else ("Always" if n == 0 else "Sometimes")
    lines.append(f"Observation {name} {obs} {p} {n}")
    lines.append(f"Time {name} {r['seconds']:.2f}")
    return "\n".join(lines) + "\n"
