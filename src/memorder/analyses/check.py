"""Run one program through an engine and summarise it as DESIGN.md's JSON contract."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from memorder.program import lower as C
from memorder.base import syntax as S
from memorder.engines.explicit import Explorer, Limits
from memorder.base.errors import MemorderError
from memorder.output.herd import herd_condition
from memorder.model import MODELS

def source_text(program, span) -> str:
    """The source text of a span (first line only), for reports."""
    if span is None or not span.line or not program.source:
        return ""
    lines = program.source.splitlines()
    if span.line > len(lines):
        return ""
    line = lines[span.line - 1]
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    return line[span.column - 1:end].strip()


def access_info(program, thread_index, node) -> dict:
    span = getattr(node, "span", None)
    return {"thread": program.threads[thread_index].name,
            "line": span.line if span else None,
            "access": source_text(program, span)}


@dataclass
class Summary:
    """What an engine found, before it becomes JSON. Witnesses are Execution snapshots."""
    executions: int = 0
    explored: int = 0
    blocked: int = 0
    bounded: int = 0
    filtered: int = 0
    outcomes: dict = field(default_factory=dict)      # outcome tuple -> witness (or None)
    positive: int = 0      # complete executions where the condition's proposition holds
    negative: int = 0      # ... and where it does not (summarise() applies ~exists' flip)
    races: dict = field(default_factory=dict)         # (loc, (t,node), (t,node)) -> witness
    failures: dict = field(default_factory=dict)      # (t, node) -> (outcome, witness)
    incomplete: str | None = None
    counted: bool = True                              # False: engine cannot count executions


class Judge:
    """Evaluates final states of complete executions: outcome, condition, filter."""

    def __init__(self, program):
        self.program = program
        self.keys = []
        self.reg_keys = []
        for t in program.threads:
            for r in C.ThreadCode(t).registers:
                self.keys.append(f"{t.name}:{r}")
                self.reg_keys.append((t.name, r))
        self.loc_names = [l.name for l in program.locations]
        self.keys += self.loc_names
        self.thread_index = {t.name: i for i, t in enumerate(program.threads)}
        self.condition = self._compile(program.condition.expr) if program.condition else None
        self.filter = self._compile(program.filter) if program.filter is not None else None

    def _compile(self, expr):
        def lookup(node):
            if isinstance(node, S.FinalReg):
                tid, name = self.thread_index[node.thread], node.name
                return lambda st: st[0][tid].get(name, 0)
            if isinstance(node, S.FinalLoc):
                loc = node.loc
                return lambda st: st[1][loc]
            raise MemorderError(f"unexpected {type(node).__name__} in a condition").at(node.span)
        return C.pure(expr, lookup)

    def outcome(self, registers, memory) -> tuple:
        vals = [registers[self.thread_index[t]].get(r, 0) for t, r in self.reg_keys]
        return tuple(vals) + tuple(memory[l] for l in self.loc_names)

    def as_dict(self, outcome) -> dict:
        return dict(zip(self.keys, outcome))


def explore(program, model="rc11", unroll=2, timeout=None, max_executions=None,
            witnesses=False) -> Summary:
    """The explicit engine over one program (orderings already resolved)."""
    judge = Judge(program)
    summary = Summary()
    model_mod = MODELS[model]
    explorer = Explorer(program, model_mod, unroll, Limits(timeout, max_executions))

    def consume(leaf):
        summary.explored += 1
        if leaf.status != "complete":
            if leaf.status == "blocked":
                summary.blocked += 1
            else:
                summary.bounded += 1
            return
        ex = leaf.execution
        memory = ex.final_memory()
        state = (leaf.registers, memory)
        if judge.filter is not None and not judge.filter(state):
            summary.filtered += 1
            return
        summary.executions += 1
        outcome = judge.outcome(leaf.registers, memory)
        if outcome not in summary.outcomes:
            summary.outcomes[outcome] = ex.snapshot() if witnesses else None
        if judge.condition is not None:
            if judge.condition(state):
                summary.positive += 1
            else:
                summary.negative += 1
        for tid, node in leaf.failures:
            if (tid, node) not in summary.failures:
                summary.failures[(tid, node)] = (outcome, ex.snapshot() if witnesses else None)
        for a, b in leaf.races:
            key = race_key(ex.events[a], ex.events[b])
            if key not in summary.races:  # one witness per racing pair: few, and explained
                summary.races[key] = ex.snapshot()

    explorer.run(consume)
    summary.incomplete = explorer.cut
    return summary


def _shown_order(key):
    thread, sep, reg = key.partition(":")
    return (0, int(thread) if thread.isdigit() else thread, reg) if sep else (1, 0, key)


def race_key(a, b):
    """The pair of source accesses two racing events (of either engine) come from:
    (location, (thread, node), (thread, node)), in source order."""
    first, second = sorted([(a.tid, a.node), (b.tid, b.node)], key=_site_key)
    return (a.loc, first, second)


def _site_key(site):
    tid, node = site
    span = getattr(node, "span", None)
    return (tid, span.line if span else 0, span.column if span else 0)


def check_program(program, model="rc11", engine="enumerate", unroll=2, timeout=None,
                  max_executions=None, file=None) -> dict:
    """Check a resolved program; returns the JSON-contract dict."""
    start = time.monotonic()
    if model not in MODELS:
        raise MemorderError(f"unknown model {model!r} (choose from {', '.join(MODELS)})")
    if engine == "enumerate":
        summary = explore(program, model, unroll, timeout, max_executions)
    else:
        from memorder.engines.smt import check_smt  # z3 is imported only there
        summary = check_smt(program, model=model, unroll=unroll, timeout=timeout,
                            cross_check=(engine == "both"))
    explanations = {}
    if summary.races and model == "rc11":
        from memorder.analyses.explain import explain_races
        explanations = explain_races(program, summary)
    result = summarise(program, summary, model, engine, file, explanations)
    result["seconds"] = round(time.monotonic() - start, 3)
    return result


def check_file(path, model="rc11", engine="enumerate", unroll=2, timeout=None,
               max_executions=None, fmt=None, overrides=None) -> dict:
    """Parse, validate, resolve orderings and check one file. Bad input is a result
    with status "error" (and a compiler-style "rendered" message), not an exception."""
    from memorder.frontend.native import load_program
    from memorder.frontend.validate import resolve_orders
    source = None
    try:
        source = Path(path).read_text()
        program = resolve_orders(load_program(path, text=source, fmt=fmt), overrides or {})
        return check_program(program, model=model, engine=engine, unroll=unroll, timeout=timeout,
                             max_executions=max_executions, file=path)
    except MemorderError as exc:
        return error_result(path, exc, source)
    except (OSError, UnicodeDecodeError) as exc:
        return error_result(path, MemorderError(f"cannot read: {exc}"))


def error_result(path, exc: MemorderError, source=None) -> dict:
    if exc.file is None:
        exc.file = path
    return {"file": path, "test": None, "status": "error", "error": exc.to_json(),
            "verdict": "error", "rendered": exc.render(source)}


def summarise(program, summary: Summary, model, engine, file=None, explanations=None) -> dict:
    judge = Judge(program)
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
    for key in sorted(summary.races, key=lambda k: (k[0], _site_key(k[1]), _site_key(k[2]))):
        loc, (t1, n1), (t2, n2) = key
        race = {"location": loc, "first": access_info(program, t1, n1),
                "second": access_info(program, t2, n2)}
        if explanations and key in explanations:
            race["explanation"] = explanations[key]
        races.append(race)
    failures = []
    for (tid, node), (outcome, _) in sorted(summary.failures.items(), key=lambda kv: _site_key(kv[0])):
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
