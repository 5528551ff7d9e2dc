"""Human-readable reports of check results (the JSON dicts of check.py)."""
from __future__ import annotations

VERDICT_TEXT = {
    "pass": "PASS",
    "fail": "FAIL",
    "bounded": ("BOUNDED (some executions were cut by the loop bound, and what they might "
                "show is unknown: raise --unroll); no verdict"),
    "incomplete": "INCOMPLETE (exploration was stopped: {why}); no verdict",
    "inconclusive": "INCONCLUSIVE (the solver answered unknown); no verdict",
    "vacuous": ("VACUOUS (no execution completed: every one was blocked by assume/await or cut "
                "by the loop bound); no verdict"),
    "error": "ERROR",
}


UNDECIDED = {
    "bounded": "executions cut by the loop bound might decide it",
    "incomplete": "the search was stopped before it could tell",
    "inconclusive": "the solver could not tell",
    "vacuous": "no execution completed",
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
    if r["executions"] is None:
        lines.append("Executions not counted (the SMT engine decided the questions without "
                     "enumerating every execution)")
    else:
        lines.append(f"Executions {r['executions']} (explored {r['explored']}, blocked by assume/await "
                     f"{r['blocked']}, cut by the loop bound {r['bounded']})")
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
    for f in r.get("findings", []):
        where = f" e.g. in {format_state(f['outcome'])}" if f.get("outcome") else ""
        lines.append(f"Finding {f['kind']}: {f['thread']} line {f['line']} `{f['access']}`{where}")
    c = r["condition"]
    if c is not None:
        reach = {True: "reachable", False: "not reachable",
                 None: "reachability unknown"}[c["reachable"]]
        holds = {True: "holds", False: "does not hold",
                 None: f"unknown ({UNDECIDED.get(c.get('undecided'), 'undecided')})"}[c["holds"]]
        lines.append(f"Condition {c['text']}: {holds} "
                     f"({reach}; positive {c['positive']}, negative {c['negative']})")
    for e in r["expectations"]:
        if e["met"] is None and "undecided" in e:
            mark = "undecided (" + UNDECIDED[e["undecided"]] + ")"
        else:
            mark = {True: "met", False: "NOT met", None: "checked by `memorder sweep`"}[e["met"]]
        lines.append(f"  {e['text']}: {mark}")
    lines.append("Verdict: " + VERDICT_TEXT[r["verdict"]].format(why=r.get("incomplete")))
    return "\n".join(lines)
