"""The SMT engine on hand-built programs: counts, outcomes, races, cuts, queries."""
from __future__ import annotations

import pytest

from memorder.base import syntax as S
from memorder.analyses.check import check_program
from memorder.engines.explicit import explore
from memorder.engines.result import Settings
from memorder.base.errors import MemorderError
from memorder.base.orders import ACQUIRE, RELAXED, RELEASE, SEQ_CST
from memorder.engines.smt import (Encoding, EngineDisagreement, check_smt, compare, smt_has_race,
                          smt_reachable)


def prog(threads, locs=(("x", True), ("y", True)), cond=None):
    return S.Program("t", tuple(S.LocationDecl(l, a) for l, a in locs),
                     tuple(S.Thread(f"T{i}", tuple(b)) for i, b in enumerate(threads)),
                     condition=cond)


def let(r, e):
    return S.Let((r,), e)


def sb(o):
    return prog([[S.Store("x", S.Const(1), o), let("a", S.Load("y", o))],
                 [S.Store("y", S.Const(1), o), let("a", S.Load("x", o))]],
                cond=S.Condition("exists", S.Binary("&&",
                    S.Binary("==", S.FinalReg("T0", "a"), S.Const(0)),
                    S.Binary("==", S.FinalReg("T1", "a"), S.Const(0))), "sb"))


def mp(ow, orr, plain_data=False):
    data = S.PlainWrite("x", S.Const(1)) if plain_data else S.Store("x", S.Const(1), RELAXED)
    read = S.PlainRead("x") if plain_data else S.Load("x", RELAXED)
    return prog([[data, S.Store("y", S.Const(1), ow)],
                 [let("a", S.Load("y", orr)), S.If(S.Reg("a"), (let("b", read),))]],
                locs=(("x", not plain_data), ("y", True)),
                cond=S.Condition("exists", S.Binary("&&",
                    S.Binary("==", S.FinalReg("T1", "a"), S.Const(1)),
                    S.Binary("==", S.FinalReg("T1", "b"), S.Const(0))), "mp"))


@pytest.mark.parametrize("o,execs,pos", [(RELAXED, 4, 1), (SEQ_CST, 3, 0)])
def test_sb_counts(o, execs, pos):
    s = check_smt(sb(o))
    assert (s.executions, s.positive, s.counted) == (execs, pos, True)
    assert s.incomplete is None


def test_sb_sc_model_forbids_weak_outcome():
    s = check_smt(sb(RELAXED), model="sc")
    assert s.positive == 0 and s.executions == 3


def test_mp_race_and_fix():
    racy = mp(RELAXED, RELAXED, plain_data=True)
    fixed = mp(RELEASE, ACQUIRE, plain_data=True)
    assert len(check_smt(racy).races) == 1
    assert check_smt(fixed).races == {}
    assert smt_has_race(racy) is True
    assert smt_has_race(fixed) is False
    assert smt_reachable(mp(RELAXED, RELAXED)) is True
    assert smt_reachable(mp(RELEASE, ACQUIRE)) is False


def test_fetch_add_counts_and_atomicity():
    p = prog([[S.Eval(S.Rmw("add", "x", S.Const(1), RELAXED))]] * 4)
    s = check_smt(p)
    assert s.executions == 24          # 4! modification orders
    assert list(s.outcomes) == [(4, 0)]  # atomicity: no lost update


def test_weak_cas_fails_spuriously():
    cas = lambda weak: prog([[S.Let(("ok", "old"), S.Cas("x", S.Const(0), S.Const(1), RELAXED,
                                                       RELAXED, weak))]])
    strong, weak = check_smt(cas(False)), check_smt(cas(True))
    assert set(strong.outcomes) == {(1, 0, 1, 0)}
    assert set(weak.outcomes) == {(1, 0, 1, 0), (0, 0, 0, 0)}
    assert (strong.executions, weak.executions) == (1, 2)


def test_loop_bound_and_assume():
    # T0 spins until it sees x == 1; T1 sets it. Unroll 2: cut executions exist.
    spin = S.While(S.Binary("==", S.Load("x", ACQUIRE), S.Const(0)), ())
    p = prog([[spin], [S.Store("x", S.Const(1), RELEASE)]])
    s = check_smt(p, unroll=2)
    assert s.bounded >= 1 and s.executions == 3
    assert not compare(explore(p, Settings("rc11", unroll=2)), s)
    blocked = prog([[S.Assume(S.Binary("==", S.Load("x", ACQUIRE), S.Const(1)))],
                    [S.Store("x", S.Const(1), RELEASE)]])
    s = check_smt(blocked)
    assert s.blocked == 1 and s.executions == 1


def test_assertion_failure_found():
    p = prog([[let("a", S.Load("x", RELAXED)), S.Assert(S.Binary("==", S.Reg("a"), S.Const(0)))],
              [S.Store("x", S.Const(1), RELAXED)]])
    s = check_smt(p)
    assert len(s.failures) == 1
    (outcome, _), = s.failures.values()
    assert outcome[0] == 1


def test_division_truncates_toward_zero_and_by_zero_is_an_error():
    p = prog([[let("a", S.Binary("/", S.Const(-7), S.Const(2))),
               let("b", S.Binary("%", S.Const(-7), S.Const(2)))]])
    assert set(check_smt(p).outcomes) == {(-3, -1, 0, 0)}
    bad = prog([[let("a", S.Load("x", RELAXED)), let("b", S.Binary("/", S.Const(1), S.Reg("a")))]])
    with pytest.raises(MemorderError, match="division by zero"):
        check_smt(bad)


def test_variables_have_readable_names():
    text = " ".join(str(c) for c in Encoding(mp(RELAXED, RELAXED)).constraints)
    assert "rf_w" in text and "_r" in text
    # mo is one Boolean per pair of non-initial writes: mp has none, two stores do.
    two = prog([[S.Store("x", S.Const(1), RELAXED)], [S.Store("x", S.Const(2), RELAXED)]])
    assert "mo_w" in " ".join(str(c) for c in Encoding(two).constraints)


def test_mo_is_a_strict_total_order_and_overwritten_writes_are_not_read():
    # 3 relaxed stores to x from 3 threads: 3! modification orders, each final value possible.
    p = prog([[S.Store("x", S.Const(i), RELAXED)] for i in (1, 2, 3)])
    s = check_smt(p)
    assert s.executions == 6 and {o[-2] for o in s.outcomes} == {1, 2, 3}
    # A read after its own thread's store never reads the initial value (coherence).
    q = prog([[S.Store("x", S.Const(1), RELAXED), let("a", S.Load("x", RELAXED))]])
    assert set(check_smt(q).outcomes) == {(1, 1, 0)}
    assert not compare(explore(p, Settings("rc11", unroll=2)), s)


def test_timeout_is_inconclusive_never_a_pass():
    p = prog([[S.Eval(S.Rmw("add", "x", S.Const(1), RELAXED))]] * 6)
    s = check_smt(p, timeout=1e-6)
    assert s.incomplete is not None and s.incomplete.startswith("inconclusive")
    assert not s.counted
    assert smt_has_race(p, timeout=1e-6) in (None, False)  # no race pair: False is exact


def test_engine_both_agrees_and_disagreement_is_loud(monkeypatch):
    p = mp(RELAXED, RELAXED, plain_data=True)
    result = check_program(p, Settings(engine="both"))
    assert result["races"] and result["executions"] == 3
    from memorder.engines import smt as smt_mod
    real = smt_mod.compare
    monkeypatch.setattr(smt_mod, "compare", lambda a, b: real(a, b) + ["planted difference"])
    with pytest.raises(EngineDisagreement, match="planted difference"):
        check_program(p, Settings(engine="both"))


def test_race_witness_is_the_solvers_execution_replayed():
    """A race found by the solver comes with an explicit execution that races on
    that pair (the explicit engine replays the solver's model), so `--engine smt`
    explains its races as the explicit engine does."""
    from pathlib import Path
    from memorder.frontend.load import load_program
    from memorder.frontend.validate import resolve_orders
    path = Path(__file__).resolve().parents[1] / "examples" / "pyo3_borrowflag_relaxed.litmus"
    program = resolve_orders(load_program(str(path)), {})
    summary = check_smt(program)
    assert len(summary.races) == 1
    (loc, first, second), witness = next(iter(summary.races.items()))
    racing = [e for e in witness.events if e.tid >= 0 and e.loc == loc and e.node in (first[1], second[1])]
    assert {e.tid for e in racing} == {first[0], second[0]}
    result = check_program(program, Settings(engine="smt"))
    assert "synchronises-with" in result["races"][0]["explanation"]
