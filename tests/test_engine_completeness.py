"""Completeness of the explicit engine: with checking on, it builds exactly the
consistent executions among all candidates, each once.

The reference is the engine's own candidate generator with checking off
(`Explorer(check=False)`: no model check, none of the coherence / atomicity
shortcuts), filtered by the model's full check on each whole execution: the
model's `derive` and every AXIOMS entry on `Execution.base()`, as
`Explorer._satisfies` does. Everything the checked search prunes early (partial
executions, local cycle checks, the shortcuts in `_floor`, `_read_by_rmw` and
the RMW placement) must lose no consistent execution and add none.

Executions are compared as multisets of canonical keys: per thread, its events
in po order (kind, location, value, ordering, source node, whether it is half
of an RMW, and for a read the (thread, index) of the write it reads from, or
the location's initial write); and mo per location in the same terms.
"""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, assume, given, settings

from memorder.engines.explorer import Explorer, Limits
from memorder.model import rc11, sc

from conftest import examples
from programs import programs

MODELS = (rc11, sc)
# A program with more candidates than this is discarded, not passed: a cut
# reference would make the comparison incomplete. (3 threads of up to 4
# operations; about 1 in 20 programs has more. Nightly allows 10 times more.)
MAX_CANDIDATES = examples(3_000)


def canonical(execution):
    """The execution as a hashable key, independent of the order events were added in."""
    where = {}
    threads = [[] for _ in range(execution.nthreads)]
    for e in sorted(execution.events, key=lambda e: e.id):  # ids grow along po
        if e.tid < 0:
            where[e.id] = ("init", e.loc)
        else:
            where[e.id] = (e.tid, len(threads[e.tid]))
            threads[e.tid].append(e)
    events = tuple(tuple((e.kind, e.loc, e.val, e.order, e.node, e.rmw is not None,
                          where[e.rf] if e.rf is not None else None) for e in mine)
                   for mine in threads)
    mo = tuple(sorted((loc, tuple(where[w] for w in ws)) for loc, ws in execution.mo.items()))
    return events, mo


def describe(key) -> str:
    """A key in a readable form, for failure messages."""
    status, (events, mo) = key
    lines = [f"  [{status}]"]
    for tid, mine in enumerate(events):
        parts = []
        for kind, loc, val, order, node, rmw, rf in mine:
            span = getattr(node, "span", None)
            at = f"@{span.line}" if span is not None else ""
            src = f" rf={rf}" if rf is not None else ""
            parts.append(f"{kind}{'(rmw)' if rmw else ''} {loc}={val} {order}{at}{src}")
        lines.append(f"    T{tid}: " + "; ".join(parts))
    lines.append("    mo: " + ", ".join(f"{loc}: {list(ws)}" for loc, ws in mo))
    return "\n".join(lines)


def satisfies(model, execution) -> bool:
    d = model.derive(execution.base())
    return all(check(d) for _, check in model.AXIOMS)


def checked_executions(program, model) -> Counter:
    explorer = Explorer(program, model, 2)
    got = Counter()
    explorer.run(lambda leaf: got.update([(leaf.status, canonical(leaf.execution))]))
    assert explorer.cut is None
    return got


def consistent_candidates(program, model) -> Counter | None:
    """The consistent candidates, or None if there are more than MAX_CANDIDATES."""
    explorer = Explorer(program, model, 2, limits=Limits(max_executions=MAX_CANDIDATES),
                        check=False)
    got = Counter()

    def consume(leaf):  # the execution is the explorer's live state: judge it now
        if satisfies(model, leaf.execution):
            got.update([(leaf.status, canonical(leaf.execution))])
    explorer.run(consume)
    return None if explorer.cut is not None else got


@settings(max_examples=examples(100), suppress_health_check=list(HealthCheck))
@given(programs(max_threads=3, max_ops=4))
def test_checked_executions_are_exactly_the_consistent_candidates(program):
    for model in MODELS:
        reference = consistent_candidates(program, model)
        assume(reference is not None)
        checked = checked_executions(program, model)
        name = model.__name__.rsplit(".", 1)[-1]
        twice = [k for k, n in checked.items() if n > 1]
        assert not twice, f"{name}: built more than once:\n" + "\n".join(map(describe, twice))
        twice = [k for k, n in reference.items() if n > 1]
        assert not twice, f"{name}: candidate built more than once:\n" + "\n".join(map(describe, twice))
        missing, extra = reference - checked, checked - reference
        assert not missing and not extra, (
            f"{name}: {len(checked)} checked executions, {len(reference)} consistent candidates\n"
            + "".join(f"consistent but not reported:\n{describe(k)}\n" for k in missing)
            + "".join(f"reported but not a consistent candidate:\n{describe(k)}\n" for k in extra))
