"""The explicit engine behind the Engine interface: explore every execution.

`explore` runs the Explorer (explorer.py) over a program and folds what it
finds into a Result. `nth` stops at the k-th complete execution, and
`candidates` lists executions built with the model switched off (for
explaining why an outcome is forbidden).
"""
from __future__ import annotations

from dataclasses import replace

from memorder.engines.explorer import Explorer, Limits
from memorder.engines.result import Result, Settings
from memorder.model import MODELS
from memorder.program.final import FinalStates
from memorder.program.sites import Site, race_key


class _Stop(Exception):
    """Raised by a consumer that has what it asked for."""


def _explorer(program, settings: Settings, check=True) -> Explorer:
    limits = Limits(settings.timeout, settings.max_executions)
    return Explorer(program, MODELS[settings.model], settings.unroll, limits, check=check)


def explore(program, settings: Settings = Settings(), witnesses=False) -> Result:
    """Every execution of one program (orderings already resolved)."""
    finals = FinalStates(program)
    result = Result()
    explorer = _explorer(program, settings)

    def consume(leaf):
        result.explored += 1
        if leaf.status != "complete":
            if leaf.status == "blocked":
                result.blocked += 1
            else:
                result.bounded += 1
            return
        ex = leaf.execution
        memory = ex.final_memory()
        state = (leaf.registers, memory)
        if finals.filter is not None and not finals.filter(state):
            result.filtered += 1
            return
        result.executions += 1
        outcome = finals.outcome(leaf.registers, memory)
        if outcome not in result.outcomes:
            result.outcomes[outcome] = ex.snapshot() if witnesses else None
        if finals.condition is not None:
            if finals.condition(state):
                result.positive += 1
            else:
                result.negative += 1
        for tid, node in leaf.failures:
            site = Site(tid, node)
            if site not in result.failures:
                result.failures[site] = (outcome, ex.snapshot() if witnesses else None)
        for a, b in leaf.races:
            key = race_key(ex.events[a], ex.events[b])
            if key not in result.races:  # one witness per racing pair: few, and explained
                result.races[key] = ex.snapshot()

    explorer.run(consume)
    result.incomplete = explorer.cut
    return result


def _counted_outcome(finals, leaf):
    """The outcome of a complete execution the filter keeps, else None."""
    if leaf.status != "complete":
        return None
    memory = leaf.execution.final_memory()
    if finals.filter is not None and not finals.filter((leaf.registers, memory)):
        return None
    return finals.outcome(leaf.registers, memory)


def nth(program, settings: Settings, k: int):
    """The k-th complete execution (counting from 1), or None; and how many there
    were when there are fewer, and why the search stopped early (or None)."""
    seen = []

    def consume(leaf):
        if leaf.status == "complete":
            seen.append(1)
            if len(seen) == k:
                seen[-1] = leaf.execution.snapshot()
                raise _Stop()

    explorer = _explorer(program, settings)
    try:
        explorer.run(consume)
    except _Stop:
        return seen[-1], k, None
    return None, len(seen), explorer.cut


def candidates(program, settings: Settings, accept, max_candidates=None):
    """Complete candidate executions, consistent or not, whose outcome `accept` takes:
    [(snapshot, names of the axioms it breaks)], and why the search stopped early.

    Candidates are still built in po ∪ rf order, so one that needs a po ∪ rf
    cycle (thin air) never appears."""
    finals = FinalStates(program)
    model = MODELS[settings.model]
    found = []
    explorer = _explorer(program, replace(settings, max_executions=max_candidates), check=False)

    def consume(leaf):
        outcome = _counted_outcome(finals, leaf)
        if outcome is None or not accept(outcome):
            return
        ex = leaf.execution
        d = model.derive(ex.base())
        failing = [name for name, ok in model.AXIOMS if not ok(d)]
        found.append((ex.snapshot(), failing))

    explorer.run(consume)
    return found, explorer.cut
