"""herd7's text output format, so users can diff memorder against herd7 line by line."""
from __future__ import annotations

import re

KIND = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}
_REG = re.compile(r"^(\d+):(.+)$")


def _herd_key(key: str) -> str:
    return key if _REG.match(key) else f"[{key}]"


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
