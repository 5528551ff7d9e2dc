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
    """The JSON-contract dict of one engine run (DESIGN.md, "Results")."""
    finals = FinalStates(program)
    cut = undecided_reason(summary)
    cond = _condition(program, summary, cut)
    races = _races(program, summary, explanations or {})
    failures = []
    for site, (outcome, _) in sorted(summary.failures.items(), key=lambda kv: site_key(kv[0])):
        info = access_info(program, *site)
        failures.append({"thread": info["thread"], "line": info["line"],
                         "assertion": info["access"], "outcome": finals.as_dict(outcome)})
    findings = _findings(program, summary, finals)
    expectations = [expectation(e, cond, races, failures, findings, cut) for e in program.expects]
    return {
        "file": file or program.file, "test": program.name, "model": model, "engine": engine,
        "status": "ok", "error": None,
        "executions": summary.executions if summary.counted else None,
        "explored": summary.explored if summary.counted else None,
        "blocked": summary.blocked if summary.counted else None,
        "bounded": summary.bounded if summary.counted else None,
        "filtered": summary.filtered if summary.counted else None,
        "counted": summary.counted,
        "incomplete": summary.incomplete,
        "vacuous": summary.vacuous,
        "outcomes": [finals.as_dict(o) for o in sorted(summary.outcomes)],
        "condition": cond, "races": races,
        "assertion_failures": failures, "findings": findings,
        "expectations": expectations,
        "verdict": verdict(program, summary, expectations, races, failures, findings, cut),
        # the keys herd7 lists: a `locations` clause's and the condition's, sorted
        "shown": sorted(set(program.observed or ()) | set(
            condition_keys(program.condition.expr) if program.condition else ()), key=_shown_order),
        "warnings": [{"line": s.line, "column": s.column, "message": m} for s, m in program.warnings],
        "seconds": 0.0,
    }


def undecided_reason(summary: Result) -> str | None:
    """Why what was not found may still exist: "vacuous" (nothing completed),
    "inconclusive" (the solver), "incomplete" (a limit), "bounded" (the loop
    bound), or None when the search covered every execution."""
    if summary.vacuous:
        return "vacuous"
    if summary.incomplete is not None:
        return "inconclusive" if summary.incomplete.startswith("inconclusive") else "incomplete"
    if summary.bounded:  # None (uncounted) or 0: nothing was cut
        return "bounded"
    return None


def _condition(program, summary: Result, cut) -> dict | None:
    """The final condition's figures. `reachable` is whether some counted execution
    satisfies the proposition; `holds` is the condition's own verdict (herd's Ok).
    Each is None where a cut search leaves it unknown."""
    c = program.condition
    if c is None:
        return None
    some_pos, some_neg = bool(summary.positive), bool(summary.negative)
    reachable = True if some_pos else (None if cut else False)
    if c.kind == "exists":
        holds = reachable
    elif c.kind == "~exists":
        holds = None if reachable is None else not reachable
    else:  # forall: every execution satisfies the proposition
        holds = False if some_neg else (None if cut else True)
    if cut == "vacuous":
        reachable = holds = None  # no complete execution: nothing to judge
    # As herd7's Witnesses: `~exists p` counts the executions satisfying ~p as positive.
    positive, negative = summary.positive, summary.negative
    if not summary.counted:  # the engine decided reachability without counting
        positive = negative = None
    elif c.kind == "~exists":
        positive, negative = negative, positive
    cond = {"kind": c.kind, "text": c.text, "holds": holds, "reachable": reachable,
            "positive": positive, "negative": negative,
            "herd_text": herd_condition(c.kind, c.expr)}
    if holds is None:
        cond["undecided"] = cut
    return cond


def _races(program, summary: Result, explanations) -> list:
    races = []
    for key in sorted(summary.races, key=race_sort_key):
        loc, first, second = key
        race = {"location": loc, "first": access_info(program, *first),
                "second": access_info(program, *second)}
        if key in explanations:
            race["explanation"] = explanations[key]
        races.append(race)
    return races


def _findings(program, summary: Result, finals) -> list:
    """Every run-time finding but assertions (JSON `findings`, DESIGN.md): panics and the like."""
    out = []
    for (kind, site), (outcome, _) in sorted(summary.findings.items(),
                                             key=lambda kv: (kv[0][0], site_key(kv[0][1]))):
        info = access_info(program, *site)
        out.append({"kind": kind, "thread": info["thread"], "line": info["line"],
                    "access": info["access"],
                    "outcome": finals.as_dict(outcome) if outcome is not None else None})
    return out


PANICS = ("out-of-bounds", "division-by-zero", "shift-overflow")


def expectation(ex, cond, races, failures, findings, cut) -> dict:
    """{"text", "met"}: met is True/False where the run decides it, None where a cut
    (or vacuous) search leaves it open, with "undecided" saying why; `weakest` is a
    claim about a sweep, checked by `memorder sweep` / `memorder test`."""
    if ex.kind == "weakest":
        return {"text": ex.text, "met": None}
    panics = [f for f in findings if f["kind"] in PANICS]
    if ex.kind in ("race-free", "race", "assertions-hold", "assertion-fails", "panics"):
        found = {"race-free": races, "race": races, "assertions-hold": failures,
                 "assertion-fails": failures, "panics": panics}[ex.kind]
        present = True if found else (None if cut else False)
        wants = ex.kind in ("race", "assertion-fails", "panics")
    elif ex.kind in ("exists", "~exists"):
        present, wants = cond["reachable"], ex.kind == "exists"
    else:  # holds / fails: the condition's own verdict
        present, wants = cond["holds"], ex.kind == "holds"
    if cut == "vacuous":
        present = None
    if present is None:
        return {"text": ex.text, "met": None, "undecided": cut}
    return {"text": ex.text, "met": present == wants}


def verdict(program, summary, expectations, races, failures, findings, cut) -> str:
    """pass / fail / bounded / incomplete / inconclusive / vacuous (see CONTRACT: a cut
    or vacuous search is never a pass)."""
    if cut == "vacuous":
        return "vacuous"
    if program.expects:
        if any(e["met"] is False for e in expectations):
            return "fail"
        open_ = any(e["met"] is None and "undecided" in e for e in expectations)
    else:
        if races or failures or findings:
            return "fail"
        open_ = cut is not None
    return cut if open_ else "pass"


def _shown_order(key):
    thread, sep, reg = key.partition(":")
    return (0, int(thread) if thread.isdigit() else thread, reg) if sep else (1, 0, key)
