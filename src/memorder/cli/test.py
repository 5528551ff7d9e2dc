"""`memorder test PATH...`: check every file's `expect` lines, for CI.

One line per file: PASS, FAIL, BOUNDED (executions cut by the loop bound
might decide an expectation), INCOMPLETE (--timeout or --max-executions stopped
the search first), INCONCLUSIVE (the solver or the sweep could not decide),
VACUOUS (no execution completed), ERROR (the file is wrong), each with its
reason; then a summary `N passed, N failed[, ...]`. Exit code: 0 when
every file passed (BOUNDED counts as passed only with --allow-bounded), 2 when
a file had an error, 1 otherwise.

`expect weakest A=Acquire,B=Release` lines are checked with the sweep
(sweep.py): the pinned assignment must be one of the minimal sufficient ones.

Files run in worker processes (`--jobs`); `run_file` is the unit of work, also
used by the pytest plugin. Results come back in input order, so the output
does not depend on --jobs.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from memorder.base.errors import MemorderError
from memorder.cli.options import add_run_options

STATUSES = ("pass", "fail", "bounded", "incomplete", "inconclusive", "vacuous", "error")
LABEL = {s: s.upper() for s in STATUSES}

# The options of `add_run_options` that a worker needs, with their defaults.
RUN_OPTIONS = {"model": "rc11", "engine": "enumerate", "unroll": 2, "timeout": None,
               "max_executions": None, "set": [], "fmt": None}


def run_options(args) -> dict:
    """The picklable subset of parsed arguments `run_file` needs."""
    return {k: getattr(args, k, default) for k, default in RUN_OPTIONS.items()}


# ---------------------------------------------------------------- one file


def run_file(path: str, options: dict | None = None) -> dict:
    """Check one file's expectations; a JSON-ready dict with status and reason."""
    from memorder.cli import options as cli
    start = time.monotonic()
    opts = {**RUN_OPTIONS, **(options or {})}
    args = argparse.Namespace(**opts)
    try:
        result = cli.run_check(path, args)
    except Exception as exc:  # one broken file must not hide the others' results
        return {"file": path, "test": None, "status": "error", "expectations": [],
                "reason": f"internal error: {type(exc).__name__}: {exc}", "details": "",
                "result": None, "seconds": round(time.monotonic() - start, 3)}
    public = {k: v for k, v in result.items() if k != "rendered"}
    entry = {"file": path, "test": result.get("test"), "status": None, "reason": "",
             "expectations": [], "details": "", "result": public}
    if result["status"] == "error":
        err = result["error"] or {}
        where = f"{err.get('line')}:{err.get('column')}: " if err.get("line") else ""
        entry.update(status="error", reason=where + (err.get("message") or "error"),
                     details=result.get("rendered") or "")
        entry["seconds"] = round(time.monotonic() - start, 3)
        return entry
    expectations = [dict(e) for e in result["expectations"]]
    sweep_note = None
    if any(e["text"].split()[1:2] == ["weakest"] for e in expectations):
        try:
            sweep_note = _check_weakest(path, opts, expectations)
        except MemorderError as exc:
            if exc.file is None:
                exc.file = path
            entry.update(status="error", reason=f"sweep: {exc.message}", details=exc.render())
            entry["seconds"] = round(time.monotonic() - start, 3)
            return entry
    entry["expectations"] = expectations
    status, reason = _status(result, expectations, sweep_note)
    entry["status"], entry["reason"] = status, reason
    if status != "pass":
        entry["details"] = details_text(path, opts, result, expectations)
    entry["seconds"] = round(time.monotonic() - start, 3)
    return entry


def _check_weakest(path, opts, expectations):
    """Fill in `met` of the `expect weakest` lines from a sweep; a note on the minimal sets."""
    from memorder.analyses.sweep import Job, sweep
    sets = tuple((n, o.value) for n, o in _assignments(opts["set"]).items())
    job = Job(path=path, text=Path(path).read_text(encoding="utf-8"), fmt=opts["fmt"],
              sets=sets, model=opts["model"], engine=opts["engine"], unroll=opts["unroll"],
              timeout=opts["timeout"], max_executions=opts["max_executions"])
    r = sweep(job, jobs=1)  # already inside a worker: no nested pool
    verdicts = {w["text"]: w["met"] for w in r["weakest"]}
    undecided = r["undecided"] or r["monotonicity_violations"]
    for e in expectations:
        if e["text"] in verdicts:
            e["met"] = None if undecided else verdicts[e["text"]]
            e["minimal"] = r["minimal"]
    minimal = "; ".join(", ".join(f"{k}={v}" for k, v in m.items()) for m in r["minimal"])
    return f"the sweep's weakest sufficient orderings: {minimal or 'none'}"


def _assignments(texts):
    from memorder.cli.options import parse_assignments
    return parse_assignments(texts)


def _status(result, expectations, sweep_note):
    verdict = result["verdict"]
    unmet = [e for e in expectations if e["met"] is False]
    undecided = [e for e in expectations if e["met"] is None]
    if verdict == "vacuous":
        return "vacuous", ("no verdict: no execution completed (every one was blocked by "
                           "assume/await or cut by the loop bound)")
    if unmet or (verdict == "fail"):
        reasons = [_why_unmet(result, e, sweep_note) for e in unmet]
        if not expectations:  # no expect lines: any race or assertion failure fails
            reasons = [_unexpected(result)]
        return "fail", "; ".join(reasons) or "verdict fail"
    open_ = [e for e in undecided if "undecided" in e]
    if verdict in ("incomplete", "inconclusive"):
        why = result.get("incomplete") or "the solver answered unknown"
        what = ("could not decide " + ", ".join(e["text"] for e in open_) + ": ") if open_ else ""
        return verdict, f"no verdict: {what}exploration stopped ({why})"
    if verdict == "bounded":
        what = ", ".join(e["text"] for e in open_) or "the file's claims"
        return "bounded", (f"no verdict: {result['bounded']} execution(s) were cut by the loop "
                           f"bound, and they might decide {what}; raise --unroll")
    if undecided:  # `expect weakest` lines the sweep could not decide
        return "inconclusive", ("could not decide " + ", ".join(e["text"] for e in undecided)
                                + (f" ({sweep_note})" if sweep_note else ""))
    n, runs = len(expectations), result["executions"]
    what = f"{n} expectation{'s' if n != 1 else ''} met" if n else "no race, no assertion failure"
    if runs is None:
        return "pass", what
    return "pass", f"{what} ({runs} execution{'s' if runs != 1 else ''})"


def _site(a) -> str:
    return f"{a['thread']} line {a['line']} `{a['access']}`"


def _why_unmet(result, e, sweep_note) -> str:
    kind = e["text"].split()[1] if len(e["text"].split()) > 1 else e["text"]
    races, failures, cond = result["races"], result["assertion_failures"], result["condition"]
    if kind == "race-free" and races:
        r = races[0]
        more = f" (and {len(races) - 1} more)" if len(races) > 1 else ""
        return (f"{e['text']} NOT met: data race on {r['location']}: {_site(r['first'])} vs "
                f"{_site(r['second'])}{more}")
    if kind == "race":
        return f"{e['text']} NOT met: no execution has a data race"
    if kind == "assertions-hold" and failures:
        f = failures[0]
        return f"{e['text']} NOT met: {f['thread']} line {f['line']} `{f['assertion']}` fails"
    if kind in ("exists", "~exists"):
        if cond is None:
            return f"{e['text']} NOT met: the file has no final condition"
        if kind == "exists":
            return f"{e['text']} NOT met: {cond['text']} is not reachable"
        return (f"{e['text']} NOT met: {cond['text']} is reachable ({cond['positive']} of "
                f"{cond['positive'] + cond['negative']} executions)")
    if kind == "weakest":
        return f"{e['text']} NOT met: {sweep_note}"
    return f"{e['text']} NOT met"


def _unexpected(result) -> str:
    parts = []
    if result["races"]:
        r = result["races"][0]
        parts.append(f"data race on {r['location']}: {_site(r['first'])} vs {_site(r['second'])}")
    if result["assertion_failures"]:
        f = result["assertion_failures"][0]
        parts.append(f"assertion {f['thread']} line {f['line']} `{f['assertion']}` fails")
    return "no expect lines, but " + "; ".join(parts)


# ---------------------------------------------------------------- witnesses


class _Found(Exception):
    """Stops an exploration at the first execution a search wanted."""


def details_text(path, opts, result, expectations) -> str:
    """The text report and, for what failed, a witness execution with explanations."""
    from memorder.output.text import text_report
    parts = [text_report(result)]
    try:
        parts += _witnesses(path, opts, result, expectations)
    except MemorderError as exc:  # a witness is a courtesy: never hide the verdict behind it
        parts.append(f"(no witness: {exc.message})")
    return "\n\n".join(parts)


def _witnesses(path, opts, result, expectations) -> list[str]:
    from memorder.cli import options as cli
    from memorder.engines.explicit import explore
    from memorder.program.final import FinalStates as Judge
    from memorder.program.sites import race_sort_key, site_key
    from memorder.engines.explorer import Explorer, Limits
    from memorder.analyses.explain import explain_race, race_events
    from memorder.model import MODELS
    from memorder.output.graph import text_listing
    if opts["engine"] != "enumerate":
        return []
    args = argparse.Namespace(**opts)
    program = cli.load_file(path, args)
    failed = {e["text"].split()[1] for e in expectations if e["met"] is False
              if len(e["text"].split()) > 1}
    if not expectations:
        failed = {"race-free", "assertions-hold"}
    out = []
    if failed & {"race-free", "assertions-hold"}:
        summary = explore(program, cli.settings(args), witnesses=True)
        if "race-free" in failed and summary.races:
            key = min(summary.races, key=race_sort_key)
            ex = summary.races[key]
            x, y, _ = race_events(ex, key)
            out.append("Witness: a racy execution\nwhy: " + explain_race(program, ex, key) + "\n"
                       + text_listing(program, ex, race=(x.id, y.id), indent="  "))
        if "assertions-hold" in failed and summary.failures:
            (tid, node), (_, ex) = min(summary.failures.items(), key=lambda kv: site_key(kv[0]))
            out.append(f"Witness: an execution where the assertion at line {node.span.line} "
                       f"fails\n" + text_listing(program, ex, indent="  "))
    if "~exists" in failed and program.condition is not None:
        judge = Judge(program)
        found = []

        def consume(leaf):
            if leaf.status == "complete":
                state = (leaf.registers, leaf.execution.final_memory())
                if (judge.filter is None or judge.filter(state)) and judge.condition(state):
                    found.append(leaf.execution.snapshot())
                    raise _Found()

        try:
            Explorer(program, MODELS[opts["model"]], opts["unroll"],
                     Limits(opts["timeout"], opts["max_executions"])).run(consume)
        except _Found:
            pass
        if found:
            out.append(f"Witness: an execution satisfying {program.condition.text}\n"
                       + text_listing(program, found[0], indent="  "))
    if "exists" in failed and program.condition is not None:
        out.append(f"(to see why {program.condition.text} is unreachable: "
                   f"memorder why {path} --outcome '...')")
    return out


# ---------------------------------------------------------------- many files


def run_files(paths, options, jobs=1) -> list[dict]:
    """run_file over paths, in worker processes when jobs > 1; results in input order."""
    if jobs <= 1 or len(paths) <= 1:
        return [run_file(p, options) for p in paths]
    with ProcessPoolExecutor(min(jobs, len(paths))) as pool:
        return list(pool.map(run_file, paths, [options] * len(paths)))


def counts(results, allow_bounded=False) -> dict:
    c = {s: 0 for s in STATUSES}
    for r in results:
        c[r["status"]] += 1
    c["passed"] = c["pass"] + (c["bounded"] if allow_bounded else 0)
    return c


def summary_line(results, allow_bounded=False) -> str:
    c = counts(results, allow_bounded)
    line = f"{c['passed']} passed, {c['fail']} failed"
    if c["bounded"]:
        line += f", {c['bounded']} bounded" + (" (counted as passed)" if allow_bounded else "")
    for status in ("incomplete", "inconclusive", "vacuous"):
        if c[status]:
            line += f", {c[status]} {status}"
    if c["error"]:
        line += f", {c['error']} error{'s' if c['error'] != 1 else ''}"
    return line


def passed(r, allow_bounded=False) -> bool:
    return r["status"] == "pass" or (allow_bounded and r["status"] == "bounded")


def exit_code(results, allow_bounded=False) -> int:
    if any(r["status"] == "error" for r in results):
        return 2
    return 0 if all(passed(r, allow_bounded) for r in results) else 1


def junit_xml(results, allow_bounded=False, name="memorder") -> str:
    """JUnit XML via the junit-xml package: one test case per file."""
    from junit_xml import TestCase, TestSuite, to_xml_report_string
    cases = []
    for r in results:
        stem = Path(r["file"]).with_suffix("")
        case = TestCase(name=r.get("test") or stem.name,
                        classname=".".join(["memorder"] + list(stem.parts)).replace(" ", "_"),
                        file=r["file"], elapsed_sec=r.get("seconds"),
                        stdout=f"{LABEL[r['status']]}: {r['reason']}")
        if r["status"] == "error":
            case.add_error_info(message=r["reason"], output=r["details"], error_type="error")
        elif r["status"] == "fail":
            case.add_failure_info(message=r["reason"], output=r["details"],
                                  failure_type="expectation")
        elif r["status"] in ("incomplete", "inconclusive", "vacuous"):
            case.add_failure_info(message=r["reason"], output=r["details"],
                                  failure_type=r["status"])
        elif r["status"] == "bounded" and not allow_bounded:
            case.add_failure_info(message=r["reason"], output=r["details"],
                                  failure_type="bounded")
        cases.append(case)
    return to_xml_report_string([TestSuite(name, cases)], prettyprint=True, encoding="utf-8")


def cmd_test(args, out, err) -> int:
    from memorder.cli import options as cli
    files = cli.litmus_files(args.paths)
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise cli.UsageError("--jobs needs a positive number")
    results = run_files(files, run_options(args), jobs)
    allow = args.allow_bounded
    if args.junit:
        Path(args.junit).write_text(junit_xml(results, allow), encoding="utf-8")
    if args.json:
        c = counts(results, allow)
        doc = {"results": results, "summary": {
            "passed": c["passed"], "failed": c["fail"], "bounded": c["bounded"],
            "incomplete": c["incomplete"], "inconclusive": c["inconclusive"],
            "vacuous": c["vacuous"], "errors": c["error"],
            "text": summary_line(results, allow)}, "exit_code": exit_code(results, allow)}
        out.write(json.dumps(doc, indent=2) + "\n")
        return exit_code(results, allow)
    width = max(len(f) for f in files)
    for r in results:
        out.write(f"{LABEL[r['status']]:<12} {r['file']:<{width}}  {r['reason']}\n")
        if r["status"] == "error" and r["details"] and args.verbose:
            out.write(_indent(r["details"]) + "\n")
        elif not passed(r, allow) and r["details"]:
            text = r["details"] if args.verbose else _brief(r["details"])
            if text:
                out.write(_indent(text) + "\n")
    out.write(summary_line(results, allow) + "\n")
    return exit_code(results, allow)


def _brief(details: str) -> str:
    """The `why:` lines of the details: enough for a CI log without -v."""
    lines = [l.strip() for l in details.splitlines() if l.strip().startswith(("why:", "(to see"))]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + l if l else l for l in text.splitlines())


def register(sub):
    p = sub.add_parser("test", help="check every file's `expect` lines (CI regression runs)")
    p.add_argument("paths", nargs="+")
    add_run_options(p)
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    p.add_argument("--json", action="store_true", help="per-file results as JSON")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: the number of cores)")
    p.add_argument("--allow-bounded", action="store_true",
                   help="count BOUNDED files (met only up to --unroll) as passed")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the full report and witness of every file that did not pass")
    p.set_defaults(func=cmd_test)
