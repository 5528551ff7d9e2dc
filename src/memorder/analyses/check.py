"""Run one program through an engine and report it as DESIGN.md's JSON contract:
outcomes, the condition, races, assertion failures, expectations and the verdict."""
from __future__ import annotations

import time
from pathlib import Path

from memorder import engines
from memorder.base.errors import MemorderError
from memorder.engines.result import Result, Settings
from memorder.frontend.load import load
from memorder.program.conditions import condition_keys, herd_condition
from memorder.program.final import FinalStates
from memorder.program.sites import access_info, race_sort_key, site_key


def check_program(program, settings: Settings = Settings(), file=None) -> dict:
    """Check a resolved program; returns the JSON-contract dict."""
    start = time.monotonic()
    summary = engines.run(program, settings)
    explanations = {}
    if summary.races and settings.model == "rc11":
        from memorder.analyses.explain import explain_races
        explanations = explain_races(program, summary)
    result = summarise(program, summary, settings.model, settings.engine, file, explanations)
    result["seconds"] = round(time.monotonic() - start, 3)
    return result


def check_file(path, settings: Settings = Settings(), fmt=None, overrides=None) -> dict:
    """Parse, validate, resolve orderings and check one file. Bad input is a result
    with status "error" (and a compiler-style "rendered" message), not an exception."""
    source = None
    try:
        source = Path(path).read_text()
        program = load(path, fmt=fmt, overrides=overrides, text=source)
        return check_program(program, settings, file=path)
    except MemorderError as exc:
        return error_result(path, exc, source)
    except (OSError, UnicodeDecodeError) as exc:
        return error_result(path, MemorderError(f"cannot read: {exc}"))


def error_result(path, exc: MemorderError, source=None) -> dict:
    if exc.file is None:
        exc.file = path
    return {"file": path, "test": None, "status": "error", "error": exc.to_json(),
            "verdict": "error", "rendered": exc.render(source)}


def summarise(program, summary: Result, model, engine, file=None, explanations=None) -> dict:
    judge = FinalStates(program)
    outcomes = [judge.as_dict(o) for o in sorted(summary.outcomes)]
    cond = None
    if program.condition is not None:
        c = program.condition
        reachable = summary.positive > 0
        holds = {"exists": reachable, "~exists": not reachable,
                 "forall": summary.negative == 0}[c.kind]
        # As herd7's Witnesses: `~exists p` counts the executions satisfying ~p as positive.
        positive, negative = summary.positive, summary.negative
        if not summary.counted:  # the engine decided reachability without counting
            positive = negative = None
        elif c.kind == "~exists":
            positive, negative = negative, positive
        cond = {"kind": c.kind, "text": c.text, "holds": holds, "reachable": reachable,
                "positive": positive, "negative": negative,
                "herd_text": herd_condition(c.kind, c.expr)}
    races = []
    for key in sorted(summary.races, key=race_sort_key):
        loc, (t1, n1), (t2, n2) = key
        race = {"location": loc, "first": access_info(program, t1, n1),
                "second": access_info(program, t2, n2)}
        if explanations and key in explanations:
            race["explanation"] = explanations[key]
        races.append(race)
    failures = []
    for (tid, node), (outcome, _) in sorted(summary.failures.items(), key=lambda kv: site_key(kv[0])):
        info = access_info(program, tid, node)
        failures.append({"thread": info["thread"], "line": info["line"],
                         "assertion": info["access"], "outcome": judge.as_dict(outcome)})
    # With part of the executions unexplored (cut by the loop bound or a limit),
    # a universal claim found to hold, or an existential one not yet witnessed,
    # is only known up to what was explored.
    partial = summary.bounded > 0 or summary.incomplete is not None
    expectations = []
    for ex in program.expects:
        met = _expectation_met(ex, cond, races, failures)
        entry = {"text": ex.text, "met": met}
        universal = ex.kind in ("race-free", "~exists", "assertions-hold")
        if partial and met is not None and met == universal:
            entry["up_to_bound"] = True
        expectations.append(entry)
    verdict = _verdict(program, expectations, races, failures, partial, summary)
    return {
        "file": file or program.file, "test": program.name, "model": model, "engine": engine,
        "status": "ok", "error": None,
        "executions": summary.executions if summary.counted else None,
        "explored": summary.explored, "blocked": summary.blocked, "bounded": summary.bounded,
        "filtered": summary.filtered,
        "incomplete": summary.incomplete,
        "outcomes": outcomes, "condition": cond, "races": races,
        "assertion_failures": failures, "expectations": expectations, "verdict": verdict,
        # the keys herd7 lists: a `locations` clause's and the condition's, sorted
        "shown": sorted(set(program.observed or ()) | set(
            condition_keys(program.condition.expr) if program.condition else ()), key=_shown_order),
        "warnings": [{"line": s.line, "column": s.column, "message": m} for s, m in program.warnings],
        "seconds": 0.0,
    }


def _expectation_met(ex, cond, races, failures):
    if ex.kind == "race-free":
        return not races
    if ex.kind == "race":
        return bool(races)
    if ex.kind in ("exists", "~exists"):
        if cond is None:
            return False
        return cond["reachable"] if ex.kind == "exists" else not cond["reachable"]
    if ex.kind == "assertions-hold":
        return not failures
    return None  # "weakest" is a claim about a sweep, checked by `memorder test` / `sweep`


def _verdict(program, expectations, races, failures, partial, summary):
    checked = [e for e in expectations if e["met"] is not None]
    if program.expects:
        if any(e["met"] is False and not e.get("up_to_bound") for e in checked):
            return "fail"
    elif races or failures:
        return "fail"
    undecided = any(e.get("up_to_bound") for e in checked) or (not program.expects and partial)
    if not undecided:
        return "pass"
    if summary.incomplete is not None:
        # a solver `unknown` is "inconclusive"; a limit that stopped exploration, "incomplete"
        return "inconclusive" if summary.incomplete.startswith("inconclusive") else "incomplete"
    return "bounded"


def _shown_order(key):
    thread, sep, reg = key.partition(":")
    return (0, int(thread) if thread.isdigit() else thread, reg) if sep else (1, 0, key)
