"""`memorder check` at the edges: vacuous runs, bounded and cut searches, twin accesses,
conditions with arithmetic, and the expectations that judge a condition's own verdict.

A result that rests on part of the executions is never a pass, in text, JSON or
exit code; a claim nothing witnessed under a cut search is unknown (null), not false.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from memorder.cli.app import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def check(tmp_path, text, *flags, name="t.litmus"):
    path = tmp_path / name
    path.write_text(text)
    code, out, err = run("check", "--json", str(path), *flags)
    code_text, text_out, _ = run("check", str(path), *flags)
    assert code == code_text  # the text and the JSON agree on the exit code
    return code, (json.loads(out) if out else None), text_out, err


TICKET_NEVER_SERVED = """test "ticket waits for a turn that never comes"
atomic next = 0, serving = 0
thread a {
    let my = next.fetch_add(1, Relaxed)
    await(serving.load(Acquire) == my + 1)
}
thread b {
    let my = next.fetch_add(1, Relaxed)
    await(serving.load(Acquire) == my + 1)
}
expect race-free
expect ~exists
exists (a.my == b.my)
"""


def test_every_execution_blocked_is_vacuous_not_a_pass(tmp_path):
    code, r, text, _ = check(tmp_path, TICKET_NEVER_SERVED)
    assert code == 1
    assert r["verdict"] == "vacuous" and r["vacuous"] is True
    assert r["executions"] == 0 and r["blocked"] == 2
    assert r["condition"]["holds"] is None and r["condition"]["reachable"] is None
    assert all(e["met"] is None and e["undecided"] == "vacuous" for e in r["expectations"])
    assert "VACUOUS" in text and "PASS" not in text


@pytest.mark.parametrize("text, what", [("", "the file is empty"),
                                        ("atomic x = 0\n", "the program has no threads")])
def test_a_file_with_nothing_to_run_is_an_error(tmp_path, text, what):
    path = tmp_path / "e.litmus"
    path.write_text(text)
    code, out, err = run("check", str(path))
    assert code == 2 and what in err and f"{path}:" in err


# The witness needs three iterations; --unroll 2 cuts it, while k = 0 completes.
NEEDS_THREE = """test "the witness needs three iterations"
atomic x = 0, y = 0
thread P0 {
    let k = x.load(Relaxed)
    let i = 0
    while i < k {
        i = i + 1
        y.store(i, Relaxed)
    }
}
thread P1 { x.store(3, Relaxed) }
expect exists
exists (P0.i == 3)
"""


def test_an_unwitnessed_existential_under_the_loop_bound_is_bounded(tmp_path):
    code, r, text, _ = check(tmp_path, NEEDS_THREE)
    assert code == 1 and r["verdict"] == "bounded"
    assert r["executions"] >= 1 and r["bounded"] >= 1
    assert r["condition"]["reachable"] is None and r["condition"]["holds"] is None
    assert r["expectations"] == [{"text": "expect exists", "met": None, "undecided": "bounded"}]
    assert "PASS" not in text and "not reachable" not in text and "BOUNDED" in text
    code, r, _, _ = check(tmp_path, NEEDS_THREE, "--unroll", "3")
    assert code == 0 and r["verdict"] == "pass" and r["condition"]["reachable"] is True


def test_a_witness_found_under_the_bound_decides(tmp_path):
    witnessed = NEEDS_THREE.replace("P0.i == 3", "P0.i == 0")
    code, r, _, _ = check(tmp_path, witnessed)
    assert code == 0 and r["verdict"] == "pass" and r["bounded"] >= 1


def test_a_universal_claim_under_the_bound_is_not_a_pass(tmp_path):
    universal = NEEDS_THREE.replace("expect exists", "expect ~exists")
    code, r, text, _ = check(tmp_path, universal)
    assert code == 1 and r["verdict"] == "bounded" and r["expectations"][0]["met"] is None
    assert "PASS" not in text


def test_max_executions_leaves_an_unwitnessed_existential_unknown():
    path = str(EXAMPLES / "mp_relaxed.litmus")
    code, out, _ = run("check", "--json", path, "--max-executions", "1")
    r = json.loads(out)
    assert code == 1 and r["verdict"] == "incomplete"
    cond = r["condition"]
    assert cond["reachable"] in (True, None) and cond["reachable"] is not False
    if not cond["positive"]:
        assert cond["holds"] is None


def test_a_race_found_before_a_cut_still_counts(tmp_path):
    racy = """plain d = 0
thread a { d = 1 }
thread b { let r = d }
expect race
"""
    code, r, _, _ = check(tmp_path, racy, "--max-executions", "1")
    assert r["races"] and r["expectations"][0]["met"] is True


TWINS = """test "twin accesses"
plain d = 0
thread r {
    let a = d
    let b = d
}
thread w { d = 1 }
thread t {
    assert(0 == 1)
    assert(0 == 1)
}
"""


def test_identical_accesses_on_different_lines_are_distinct(tmp_path):
    code, r, _, _ = check(tmp_path, TWINS)
    assert code == 1
    assert sorted(x["first"]["line"] for x in r["races"]) == [4, 5]
    assert [f["line"] for f in r["assertion_failures"]] == [9, 10]
    # each race's explanation speaks of its own access
    for race in r["races"]:
        assert f"line {race['first']['line']})" in race["explanation"]


def test_identical_accesses_are_distinct_in_the_smt_engine_too(tmp_path):
    code, r, _, _ = check(tmp_path, TWINS, "--engine", "both")
    assert sorted(x["first"]["line"] for x in r["races"]) == [4, 5]
    assert [f["line"] for f in r["assertion_failures"]] == [9, 10]


ARITH = """test "arithmetic in a condition"
atomic x = 0
thread P0 { let a = x.load(Relaxed) }
thread P1 { x.store(1, Relaxed) }
expect exists
exists (P0.a + 1 == 1 && P0.a < 1 && -P0.a <= 0)
"""


@pytest.mark.parametrize("output", ["text", "json", "herd"])
def test_arithmetic_and_comparisons_in_conditions(tmp_path, output):
    path = tmp_path / "a.litmus"
    path.write_text(ARITH)
    code, out, err = run("check", str(path), "--output", output)
    assert code == 0, err
    if output == "herd":
        assert "Positive: 1 Negative: 1" in out and "(P0:a + 1)=1" in out


def test_memorder_test_reports_every_file_despite_arithmetic_conditions(tmp_path):
    (tmp_path / "a.litmus").write_text(ARITH)
    (tmp_path / "b.litmus").write_text(ARITH.replace("exists (", "~exists (").replace(
        "expect exists", "expect ~exists"))
    code, out, _ = run("test", str(tmp_path))
    assert "a.litmus" in out and "b.litmus" in out and code == 1


FORALL = """test "two increments"
atomic c = 0
thread P0 { c.fetch_add(1, Relaxed) }
thread P1 { c.fetch_add(1, Relaxed) }
EXPECT
forall (c == N)
"""


@pytest.mark.parametrize("n, expect, code", [(2, "expect holds", 0), (3, "expect holds", 1),
                                             (3, "expect fails", 0), (2, "expect fails", 1)])
def test_holds_and_fails_judge_a_forall(tmp_path, n, expect, code):
    got, r, _, _ = check(tmp_path, FORALL.replace("EXPECT", expect).replace("N", str(n)))
    assert got == code
    assert r["condition"]["holds"] is (n == 2)


@pytest.mark.parametrize("expect", ["expect exists", "expect ~exists"])
def test_reachability_expectations_on_a_forall_are_an_error(tmp_path, expect):
    path = tmp_path / "f.litmus"
    path.write_text(FORALL.replace("EXPECT", expect).replace("N", "3"))
    code, _, err = run("check", str(path))
    assert code == 2 and ":5:1: error:" in err and "expect holds" in err


def test_holds_and_fails_on_exists_and_not_exists(tmp_path):
    mp = (EXAMPLES / "mp_relaxed.litmus").read_text()
    body = "\n".join(l for l in mp.splitlines() if not l.startswith("expect"))
    code, r, _, _ = check(tmp_path, body + "\nexpect holds\n")
    assert code == (0 if r["condition"]["holds"] else 1)


def test_assertion_fails_expectation(tmp_path):
    racy_assert = """atomic x = 0
thread a { x.store(1, Relaxed) }
thread b { let r = x.load(Relaxed)
           assert(r == 1) }
expect assertion-fails
"""
    code, r, _, _ = check(tmp_path, racy_assert)
    assert code == 0 and r["expectations"][0]["met"] is True
    code, r, _, _ = check(tmp_path, racy_assert.replace("r == 1", "r == 0 || r == 1"))
    assert code == 1 and r["expectations"][0]["met"] is False


# ---------------------------------------------------------------- why and show under a cut search

MP_RELAXED = str(EXAMPLES / "mp_relaxed.litmus")


def test_why_under_a_limit_never_calls_an_allowed_outcome_forbidden():
    code, out, _ = run("why", MP_RELAXED, "--outcome", "P1.r0=1,P1.r1=0", "--max-executions", "1")
    assert code == 1 and "not found in the part explored" in out and "forbidden" not in out
    code, out, _ = run("why", MP_RELAXED, "--outcome", "P1.r0=1,P1.r1=0")
    assert code == 1 and "is allowed" in out


def test_show_under_a_limit_says_what_it_could_not_find():
    code, out, err = run("show", MP_RELAXED, "--outcome", "P1.r0=1,P1.r1=0",
                         "--max-executions", "1", "--format", "text")
    assert code == 1 and "in the part explored" in err and "internal error" not in err


@pytest.mark.parametrize("command, extra", [
    ("show", ["--format", "text"]), ("why", ["--outcome", "P1.r0=1"]),
    ("compare", ["--before", "FLAG_STORE=Relaxed"])])
def test_explicit_only_commands_refuse_another_engine(command, extra):
    path = str(EXAMPLES / ("mp_params.litmus" if command == "compare" else "mp_relaxed.litmus"))
    code, _, err = run(command, path, "--engine", "smt", *extra)
    assert code == 2 and "only the explicit engine" in err and path in err


def test_smt_past_its_counting_cap_reports_no_partial_counts():
    from memorder.analyses.check import summarise
    from memorder.engines.smt import check_smt
    from memorder.frontend.load import load
    program = load(str(EXAMPLES / "sb.litmus"))
    summary = check_smt(program, max_count=1)
    assert summary.counted is False and summary.complete_reached is True
    r = summarise(program, summary, "rc11", "smt")
    for key in ("executions", "explored", "blocked", "bounded", "filtered"):
        assert r[key] is None
    assert r["condition"]["positive"] is None and r["condition"]["negative"] is None
    assert r["verdict"] != "vacuous"
    assert r["outcomes"] == summarise(program, check_smt(program), "rc11", "smt")["outcomes"]


VACUOUS_SWEEP = """test "ticket waits for a turn that never comes"
order TAKE = Relaxed
atomic next = 0, serving = 0
plain data = 0
thread a {
    let my = next.fetch_add(1, TAKE)
    await(serving.load(Acquire) == my + 1)
    data = 1
}
thread b {
    let my = next.fetch_add(1, TAKE)
    await(serving.load(Acquire) == my + 1)
    data = 2
}
expect race-free
"""


def test_sweep_never_calls_a_vacuous_run_sufficient(tmp_path):
    path = tmp_path / "v.litmus"
    path.write_text(VACUOUS_SWEEP)
    code, out, _ = run("sweep", str(path), "--json")
    r = json.loads(out)
    assert code == 1 and r["minimal"] == []
    assert all(a["meets_expectations"] is not True for a in r["assignments"])
    code, out, _ = run("sweep", str(path))
    assert code == 1 and "vacuous" in out and "Minimal sufficient" not in out


def test_sweep_exits_1_when_its_runs_are_bounded(tmp_path):
    path = tmp_path / "b.litmus"
    path.write_text(NEEDS_THREE.replace("atomic x = 0, y = 0", "order O = Relaxed\natomic x = 0, y = 0")
                    .replace("x.store(3, Relaxed)", "x.store(3, O)"))
    code, out, _ = run("sweep", str(path), "--json")
    r = json.loads(out)
    assert code == 1 and r["minimal"] == []
