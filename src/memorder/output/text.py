"""Human-readable reports of check results (the JSON dicts of check.py)."""
from __future__ import annotations

VERDICT_TEXT = {
    "pass": "PASS",
    "fail": "FAIL",
    "bounded": "PASS up to the loop bound (some executions were cut by --unroll; raise it to be sure)",
    "incomplete": "INCOMPLETE (exploration was stopped: {why}); no verdict",
    "inconclusive": "INCONCLUSIVE (the solver answered unknown); no verdict",
    "error": "ERROR",
}


def format_state(state: dict) -> str:
    return " ".join(f"{k}={v};" for k, v in state.items())


def text_report(r: dict) -> str:
    if r["status"] == "error":
        return r.get("rendered") or f"{r['file']}: error: {r['error']['message']}"
    lines = [f"Test {r['test']} ({r['file']}, model {r['model']}, engine {r['engine']})"]
    for w in r.get("warnings", []):
        lines.append(f"{r['file']}:{w['line']}:{w['column']}: warning: {w['message']}")
    lines.append(f"States {len(r['outcomes'])}")
    lines += [f"  {format_state(o)}" for o in r["outcomes"]]
    execs = r["executions"] if r["executions"] is not None else "not counted"
    lines.append(f"Executions {execs} (explored {r['explored']}, blocked by assume {r['blocked']}, "
                 f"cut by the loop bound {r['bounded']})")
    if r.get("filtered"):
        lines.append(f"  {r['filtered']} complete executions excluded by the filter")
    if r["races"]:
        lines.append(f"Data races: {len(r['races'])}")
        for race in r["races"]:
            a, b = race["first"], race["second"]
            lines.append(f"  on {race['location']}: {a['thread']} line {a['line']} `{a['access']}`"
                         f"  vs  {b['thread']} line {b['line']} `{b['access']}`")
            if race.get("explanation"):
                lines.append(f"    why: {race['explanation']}")
    else:
        lines.append("Data races: none")
    if r["assertion_failures"]:
        lines.append(f"Assertion failures: {len(r['assertion_failures'])}")
        for f in r["assertion_failures"]:
            lines.append(f"  {f['thread']} line {f['line']} `{f['assertion']}` fails, e.g. in {format_state(f['outcome'])}")
    c = r["condition"]
    if c is not None:
        reach = "reachable" if c["reachable"] else "not reachable"
        lines.append(f"Condition {c['text']}: {'holds' if c['holds'] else 'does not hold'} "
                     f"({reach}; positive {c['positive']}, negative {c['negative']})")
    for e in r["expectations"]:
        mark = {True: "met", False: "NOT met", None: "checked by `memorder test`"}[e["met"]]
        if e.get("up_to_bound"):
            where = "up to the loop bound" if r["bounded"] else "as far as explored"
            mark = f"met {where}" if e["met"] else f"not witnessed {where}"
        lines.append(f"  {e['text']}: {mark}")
    lines.append("Verdict: " + VERDICT_TEXT[r["verdict"]].format(why=r.get("incomplete")))
    return "\n".join(lines)
