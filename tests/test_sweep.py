"""`memorder sweep` and `memorder compare` (issue 5), driven in-process through
`memorder.cli.app`.

Golden results live in tests/golden/sweep/: NAME.json is `sweep --json` with
the timing removed, NAME.txt the text report with the timing normalised. The
tests only compare; to regenerate after a deliberate change, run
`python scripts/regen_golden.py` and review the diff.
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from memorder.base import syntax as S
from memorder.cli.app import main
from memorder.base.orders import LEGAL, MemoryOrder, weaker_by_one_step
from memorder.analyses.sweep import Job, Param, sweep

from conftest import examples
from golden_outputs import SWEEP as GOLDEN
from golden_outputs import SWEEP_EXAMPLES, assert_matches_golden, sweep_output
from programs import programs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PYO3 = str(EXAMPLES / "pyo3_borrowflag.litmus")
PYO3_3 = str(EXAMPLES / "pyo3_borrowflag_3threads.litmus")
MP_PARAMS = str(EXAMPLES / "mp_params.litmus")
MP = str(EXAMPLES / "mp.litmus")


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def sweep_json(*argv):
    code, out, err = run("sweep", "--json", *argv)
    assert code in (0, 1), err
    return code, json.loads(out)


def relative(path: str) -> str:
    """Golden files name inputs relative to the repository, whatever the checkout."""
    return os.path.relpath(path, ROOT)


def line_of(path: str, needle: str) -> int:
    """The line of the first occurrence of `needle` (golden-free tests stay valid when
    the example's comments change)."""
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# ---------------------------------------------------------------- golden results

# sweep_output runs from the repository root (file names in the output are as
# given: relative) and fails on a non-zero exit, or, for the text report, on
# any stderr output (no progress output when stderr is not a terminal).
@pytest.mark.parametrize("suffix", ["json", "txt"])
@pytest.mark.parametrize("example", SWEEP_EXAMPLES)
def test_golden_sweep(example, suffix):
    assert_matches_golden(GOLDEN / f"{example}.{suffix}", sweep_output(example, suffix))


# ---------------------------------------------------------------- the answers themselves

def test_mp_minimal_is_release_store_acquire_load():
    code, r = sweep_json(MP_PARAMS)
    assert code == 0
    assert r["params"] == {"FLAG_STORE": ["Relaxed", "Release", "SeqCst"],
                           "FLAG_LOAD": ["Relaxed", "Acquire", "SeqCst"]}
    assert r["minimal"] == [{"FLAG_STORE": "Release", "FLAG_LOAD": "Acquire"}]
    assert r["weakest"] == [{"text": "expect weakest FLAG_STORE = Release, FLAG_LOAD = Acquire",
                             "met": True}]
    assert len(r["assignments"]) == 9
    assert r["run"] + r["implied"] == 9 and r["implied"] > 0
    meets = {(a["orderings"]["FLAG_STORE"], a["orderings"]["FLAG_LOAD"]): a["meets_expectations"]
             for a in r["assignments"]}
    assert meets == {(s, l): s != "Relaxed" and l != "Relaxed"
                     for s in ("Relaxed", "Release", "SeqCst")
                     for l in ("Relaxed", "Acquire", "SeqCst")}
    # Each of the two orderings is necessary: weakening either makes the stale read reachable.
    assert sorted((w["param"], w["weakened_to"]) for w in r["witnesses"]) == [
        ("FLAG_LOAD", "Relaxed"), ("FLAG_STORE", "Relaxed")]
    for w in r["witnesses"]:
        assert w["outcome"]["state"]["P1:r0"] == 1 and w["outcome"]["state"]["P1:r1"] == 0
        assert w["outcome"]["satisfies_condition"] is True
        assert w["meets_expectations"] is False


def test_pyo3_minimal_and_witnesses():
    code, r = sweep_json(PYO3)
    assert code == 0
    assert r["params"] == {"CAS_OK": ["Relaxed", "Acquire", "Release", "AcqRel", "SeqCst"],
                           "CAS_FAIL": ["Relaxed", "Acquire", "SeqCst"],
                           # used by fetch_sub (rmw) and store: the intersection
                           "UNBORROW": ["Relaxed", "Release", "SeqCst"]}
    assert len(r["assignments"]) == 45
    assert r["minimal"] == [{"CAS_OK": "Acquire", "CAS_FAIL": "Relaxed", "UNBORROW": "Release"}]
    # CAS_FAIL is already Relaxed: no weakening; the other two each bring the race back.
    assert sorted((w["param"], w["weakened_to"]) for w in r["witnesses"]) == [
        ("CAS_OK", "Relaxed"), ("UNBORROW", "Relaxed")]
    read, write = line_of(PYO3, "let r = value"), line_of(PYO3, "value = 1")
    for w in r["witnesses"]:
        race = w["race"]
        assert race["location"] == "value"
        assert {(race["first"]["thread"], race["first"]["line"]),
                (race["second"]["thread"], race["second"]["line"])} == {
            ("reader", read), ("writer", write)}
        assert race["reads_from"], "the witness execution's reads-from is reported"
    # The fix's AcqRel meets the expectations, but is not minimal.
    fixed = [a for a in r["assignments"] if a["orderings"] == {
        "CAS_OK": "AcqRel", "CAS_FAIL": "Relaxed", "UNBORROW": "Release"}]
    assert fixed[0]["meets_expectations"] is True
    # Release alone on the CAS does not synchronise the borrow with the earlier release.
    release = [a for a in r["assignments"] if a["orderings"]["CAS_OK"] == "Release"]
    assert all(a["meets_expectations"] is False for a in release)


def test_pyo3_three_threads_same_minimal():
    code, r = sweep_json(PYO3_3)
    assert code == 0
    assert r["minimal"] == [{"CAS_OK": "Acquire", "CAS_FAIL": "Relaxed", "UNBORROW": "Release"}]
    assert r["weakest"][0]["met"] is True
    assert r["bounded"] is False  # the readers' retries end in a spin-assume, not the bound


def test_param_used_by_several_kinds_ranges_over_the_intersection(tmp_path):
    f = tmp_path / "shared_param.litmus"
    f.write_text("""test "one parameter for a load and a store"
order O = SeqCst
atomic x = 0, y = 0
thread a {
    x.store(1, O)
    let r = y.load(O)
}
thread b {
    y.store(1, O)
    let s = x.load(O)
}
expect ~exists
exists (a.r == 0 && b.s == 0)
""")
    code, r = sweep_json(str(f))
    assert r["params"] == {"O": ["Relaxed", "SeqCst"]}
    assert r["minimal"] == [{"O": "SeqCst"}]  # SB needs SeqCst
    assert [w["weakened_to"] for w in r["witnesses"]] == ["Relaxed"]


def test_one_step_weakening_is_orders_weaker_by_one_step():
    for kind, legal in LEGAL.items():
        param = Param("P", (kind,), legal)
        for o in legal:
            assert param.weaker_by_one_step(o) == weaker_by_one_step(o, kind)
    both = Param("P", ("load", "store"), (MemoryOrder.RELAXED, MemoryOrder.SEQ_CST))
    assert both.weaker_by_one_step(MemoryOrder.SEQ_CST) == [MemoryOrder.RELAXED]


# ---------------------------------------------------------------- options

def test_params_restricts_the_sweep():
    code, r = sweep_json(PYO3, "--params", "CAS_OK")
    assert list(r["params"]) == ["CAS_OK"]
    assert r["fixed"] == {"CAS_FAIL": "Relaxed", "UNBORROW": "Release"}
    assert len(r["assignments"]) == 5
    assert r["minimal"] == [{"CAS_OK": "Acquire"}]


def test_set_fixes_a_parameter():
    code, r = sweep_json(PYO3, "--set", "UNBORROW=Relaxed")
    assert "UNBORROW" not in r["params"] and r["fixed"]["UNBORROW"] == "Relaxed"
    # Nothing helps once the releases are Relaxed: no sufficient assignment, exit 1.
    assert code == 1 and r["minimal"] == []


def test_unknown_param_is_a_usage_error():
    code, out, err = run("sweep", PYO3, "--params", "NOPE")
    assert code == 2 and "unknown ordering parameter 'NOPE'" in err


def test_all_ops_on_a_file_without_parameters():
    code, r = sweep_json(MP, "--all-ops")
    assert code == 0
    store, load = line_of(MP, "flag.store"), line_of(MP, "flag.load")
    data_store, data_load = line_of(MP, "data.store"), line_of(MP, "data.load")
    assert set(r["params"]) == {f"P0.{data_store}", f"P0.{store}", f"P1.{load}", f"P1.{data_load}"}
    assert len(r["assignments"]) == 81
    assert r["minimal"] == [{f"P0.{data_store}": "Relaxed", f"P0.{store}": "Release",
                             f"P1.{load}": "Acquire", f"P1.{data_load}": "Relaxed"}]
    assert sorted(w["param"] for w in r["witnesses"]) == [f"P0.{store}", f"P1.{load}"]


def test_all_ops_names_cas_failure_orderings():
    code, r = sweep_json(PYO3, "--all-ops", "--params",
                         f"reader.{line_of(PYO3, 'compare_exchange(seen')}.fail")
    (name,) = r["params"]
    assert name.endswith(".fail") and r["params"][name] == ["Relaxed", "Acquire", "SeqCst"]


def test_jobs_do_not_change_the_result():
    _, one = sweep_json(PYO3, "--jobs", "1")
    _, two = sweep_json(PYO3, "--jobs", "2")
    one.pop("seconds"), two.pop("seconds")
    assert one == two


# ---------------------------------------------------------------- pruning is sound

def verdict_table(result):
    return [(a["orderings"], a["meets_expectations"]) for a in result["assignments"]]


def assert_pruned_agrees(pruned, full):
    assert full["implied"] == 0 and full["run"] == len(full["assignments"])
    assert full["monotonicity_violations"] == [], "strengthening added a behaviour"
    assert pruned["monotonicity_violations"] == []
    assert verdict_table(pruned) == verdict_table(full)
    assert pruned["minimal"] == full["minimal"]
    # Whatever an implied row claims to know, the full run agrees with.
    for p, f in zip(pruned["assignments"], full["assignments"]):
        for key in ("race", "condition_holds", "assertion_failed"):
            if p[key] is not None:
                assert p[key] == f[key], (p, f)


@pytest.mark.parametrize("argv", [
    (PYO3,), (MP_PARAMS,), (MP, "--all-ops"),
    (str(EXAMPLES / "sb.litmus"), "--all-ops"),
    (str(EXAMPLES / "await_spin.litmus"), "--all-ops"),
])
def test_pruning_matches_full_sweep_on_examples(argv):
    _, pruned = sweep_json(*argv)
    _, full = sweep_json(*argv, "--no-prune")
    assert pruned["implied"] > 0
    assert_pruned_agrees(pruned, full)


CONDITIONS = [("x", 1), ("x", 2), ("y", 1), ("y", 2)]
EXPECTS = ["race-free", "race", "exists", "~exists", "assertions-hold"]


@st.composite
def parametrised_programs(draw):
    """Random small programs with a final condition and random expectations; their
    atomic operations become the parameters (--all-ops)."""
    prog = draw(programs(max_threads=2, max_ops=3))
    loc, value = draw(st.sampled_from(CONDITIONS))
    kind = draw(st.sampled_from(["exists", "~exists", "forall"]))
    cond = S.Condition(kind, S.Binary("==", S.FinalLoc(loc), S.Const(value)),
                       f"{kind} ({loc} == {value})")
    kinds = draw(st.lists(st.sampled_from(EXPECTS), unique=True, max_size=3))
    expects = tuple(S.Expect(k, f"expect {k}") for k in kinds)
    return S.Program(prog.name, prog.locations, prog.threads, condition=cond, expects=expects)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parametrised_programs())
def test_pruning_matches_full_sweep_property(program):
    from memorder.analyses.sweep import all_ops_program, sweep_params
    from memorder.frontend.validate import resolve_orders
    params, _, _ = sweep_params(all_ops_program(resolve_orders(program, {})))
    size = 1
    for p in params:
        size *= len(p.domain)
    assume(size <= 150)
    job = Job(path="<random>", program=program, all_ops=True)
    pruned = sweep(job, prune=True, jobs=1)
    full = sweep(job, prune=False, jobs=1)
    assert_pruned_agrees(pruned, full)


# ---------------------------------------------------------------- compare

def test_compare_mp_relaxed_to_rel_acq_removes_exactly_the_stale_read():
    code, out, err = run("compare", MP_PARAMS, "--json",
                         "--before", "FLAG_STORE=Relaxed,FLAG_LOAD=Relaxed",
                         "--after", "FLAG_STORE=Release,FLAG_LOAD=Acquire")
    assert code == 0, err
    r = json.loads(out)
    assert r["before"] == {"FLAG_STORE": "Relaxed", "FLAG_LOAD": "Relaxed"}
    assert r["after"] == {"FLAG_STORE": "Release", "FLAG_LOAD": "Acquire"}
    assert r["outcomes"]["added"] == []
    assert [o["state"] for o in r["outcomes"]["removed"]] == [
        {"P1:r0": 1, "P1:r1": 0, "data": 1, "flag": 1}]
    removed = r["outcomes"]["removed"][0]
    assert removed["satisfies_condition"] is True
    # The witness: the flag load reads the flag store's 1, the data load the initial 0.
    rf = {(x["line"], x["location"]): x for x in removed["reads_from"]}
    flag_read = rf[(line_of(MP_PARAMS, "flag.load"), "flag")]
    assert flag_read["value"] == 1 and flag_read["from"]["line"] == line_of(MP_PARAMS, "flag.store")
    data_read = rf[(line_of(MP_PARAMS, "data.load"), "data")]
    assert data_read["value"] == 0 and data_read["from"] is None
    assert r["races"]["added"] == r["races"]["removed"] == []
    assert r["condition"]["before"] is True and r["condition"]["after"] is False


def test_compare_pyo3_fix_removes_the_race():
    code, out, err = run("compare", PYO3, "--before", "CAS_OK=Relaxed,UNBORROW=Relaxed",
                         "--after", "CAS_OK=AcqRel,UNBORROW=Release")
    assert code == 0, err
    assert "Races: 1 before, 0 after: 1 removed, 0 added" in out
    assert "removed: data race on value" in out
    assert "expect race-free: NOT met -> met" in out


def test_compare_needs_a_change():
    code, _, err = run("compare", MP_PARAMS)
    assert code == 2 and "--before" in err


def test_compare_unknown_parameter():
    code, _, err = run("compare", MP_PARAMS, "--after", "NOPE=Acquire")
    assert code == 2 and "NOPE" in err
