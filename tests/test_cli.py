"""`memorder check` through main(argv, out, err): the JSON contract, exit codes, limits."""
from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memorder.cli.app import main

from conftest import examples

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONTRACT = {"file", "test", "model", "engine", "status", "error", "executions", "explored",
            "blocked", "bounded", "outcomes", "condition", "races", "assertion_failures",
            "expectations", "verdict", "seconds"}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def check_json(*argv):
    code, out, err = run("check", "--json", *argv)
    return code, json.loads(out)


def test_json_has_the_contract_fields():
    code, r = check_json(str(EXAMPLES / "mp.litmus"))
    assert code == 0
    assert CONTRACT <= set(r)
    assert r["status"] == "ok" and r["error"] is None and r["verdict"] == "pass"
    assert set(r["condition"]) >= {"kind", "text", "holds", "positive", "negative"}
    assert r["condition"]["positive"] + r["condition"]["negative"] == r["executions"]


def test_several_files_give_an_array_and_a_directory_means_its_litmus_files():
    code, rs = check_json(str(EXAMPLES / "mp.litmus"), str(EXAMPLES / "sb.litmus"))
    assert [Path(r["file"]).name for r in rs] == ["mp.litmus", "sb.litmus"]
    code, rs = check_json(str(EXAMPLES))
    assert len(rs) == len(list(EXAMPLES.rglob("*.litmus")))
    assert code == 0 and all(r["verdict"] == "pass" for r in rs)


def test_the_pyo3_race_before_the_fix_and_none_after():
    _, before = check_json(str(EXAMPLES / "pyo3_borrowflag_relaxed.litmus"))
    _, after = check_json(str(EXAMPLES / "pyo3_borrowflag.litmus"))
    [race] = before["races"]
    assert race["location"] == "value"
    assert {race["first"]["line"], race["second"]["line"]} == {20, 31}
    assert "synchronises-with" in race["explanation"]
    assert after["races"] == []


def test_set_overrides_an_order_parameter_and_a_failed_expectation_exits_1():
    code, r = check_json(str(EXAMPLES / "pyo3_borrowflag.litmus"), "--set", "CAS_OK=Relaxed")
    assert code == 1 and r["verdict"] == "fail" and r["races"]


def test_race_without_expectations_exits_1(tmp_path):
    f = tmp_path / "racy.litmus"
    f.write_text("plain d = 0\nthread a { d = 1 }\nthread b { let r = d }\n")
    code, r = check_json(str(f))
    assert code == 1 and r["verdict"] == "fail" and len(r["races"]) == 1


def test_bounded_results_are_never_a_pass(tmp_path):
    f = tmp_path / "spin.litmus"
    f.write_text("atomic x = 0\nthread a { while x.load(Acquire) == 0 { } }\n"
                 "thread b { x.store(1, Release) }\nexpect race-free\n")
    code, r = check_json(str(f))
    assert r["bounded"] > 0 and r["verdict"] == "bounded" and code == 1
    code, out, _ = run("check", str(f))
    assert "BOUNDED" in out and "loop bound" in out and "PASS" not in out


def test_limits_stop_exploration_and_say_so():
    code, r = check_json(str(EXAMPLES / "iriw.litmus"), "--max-executions", "3")
    assert r["status"] == "ok" and r["incomplete"] == "max-executions 3"
    assert r["verdict"] == "incomplete" and code == 1 and r["executions"] == 3
    code, r = check_json(str(EXAMPLES / "iriw.litmus"), "--timeout", "0")
    assert r["incomplete"].startswith("timeout") and r["verdict"] != "pass"


def test_output_is_deterministic_apart_from_seconds():
    def once():
        _, rs = check_json(str(EXAMPLES))
        for r in rs:
            r["seconds"] = 0
        return json.dumps(rs)
    assert once() == once()


def test_bad_input_is_located_with_exit_2(tmp_path):
    f = tmp_path / "bad.litmus"
    f.write_text("atomic x = 0\nthread a {\n    let r = x.load(Release)\n}\n")
    code, out, err = run("check", str(f))
    assert code == 2
    assert err.startswith(f"{f}:3:20: error: memory order Release is not valid for a load")
    assert "^^^^^^^" in err
    code, r = check_json(str(f))
    assert code == 2 and r["status"] == "error" and (r["error"]["line"], r["error"]["column"]) == (3, 20)


def test_usage_errors_exit_2():
    assert run("check")[0] == 2
    assert run("check", "no/such/file.litmus")[0] == 2
    assert run("check", str(EXAMPLES / "mp.litmus"), "--set", "X=Sometimes")[0] == 2
    assert run("frobnicate")[0] == 2


TOKENS = ["thread", "t", "{", "}", "(", ")", "let", "r", "=", "x", ".", "load", "store", "Relaxed",
          "Acquire", "atomic", "plain", "0", "1", ",", "if", "while", "fence", "SeqCst", "expect",
          "race-free", "exists", "assume", "==", "&&", "\n", "fetch_add", "compare_exchange", "order"]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_input_never_gives_a_traceback(tmp_path_factory, tokens):
    f = tmp_path_factory.mktemp("fuzz") / "fuzz.litmus"
    f.write_text(" ".join(tokens))
    code, out, err = run("check", str(f))
    assert "Traceback" not in out + err and "internal error" not in err
    if code == 2:
        assert err.startswith(f"{f}:") and ": error: " in err or ": unsupported: " in err
    else:
        assert code in (0, 1)
