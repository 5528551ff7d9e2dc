"""`memorder test`: per-file verdicts, summary, exit codes, JUnit XML, JSON, --jobs."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from memorder import cli
from test_check_edges import NEEDS_THREE, TICKET_NEVER_SERVED
from memorder.cli.test import run_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

MP_OK = """\
test "MP rel/acq"
atomic flag = 0
plain data = 0
thread p { data = 1
  flag.store(1, Release) }
thread c { let r = flag.load(Acquire)
  if r == 1 { let d = data } }
expect race-free
"""
MP_BAD = MP_OK.replace("Release", "Relaxed")
SYNTAX_ERROR = "thread p { let r = x.load(Release) }\n"
BOUNDED = """\
atomic x = 0
thread p { loop { let r = x.load(Relaxed)
  if r == 1 { break } } }
thread q { x.store(1, Relaxed) }
expect race-free
"""
WEAKEST = """\
order W = Release
order R = Acquire
atomic flag = 0
plain data = 0
thread p { data = 1
  flag.store(1, W) }
thread c { let r = flag.load(R)
  if r == 1 { let d = data } }
expect race-free
expect weakest W = Release, R = Acquire
"""


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    def make(**texts):
        for name, text in texts.items():
            (tmp_path / f"{name}.litmus").write_text(text)
        return tmp_path
    return make


def test_pass_and_fail_lines_and_summary(files):
    d = files(ok=MP_OK, bad=MP_BAD)
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL") and "bad.litmus" in lines[0]
    assert "expect race-free NOT met: data race on data" in lines[0]
    # the explanation names the missing synchronisation, even without -v
    assert any("why:" in l and "Relaxed" in l and "no synchronises-with edge" in l for l in lines)
    assert any(l.startswith("PASS") and "ok.litmus" in l for l in lines)
    assert lines[-1] == "1 passed, 1 failed"


def test_all_pass_exit_zero(files):
    d = files(ok=MP_OK)
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert code == 0
    assert out.splitlines()[-1] == "1 passed, 0 failed"


def test_error_line_and_exit_two(files):
    d = files(broken=SYNTAX_ERROR, ok=MP_OK)
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert code == 2
    err_line = next(l for l in out.splitlines() if l.startswith("ERROR"))
    assert "broken.litmus" in err_line and "1:" in err_line
    assert out.splitlines()[-1] == "1 passed, 0 failed, 1 error"


def test_bounded_is_not_a_pass_unless_allowed(files):
    d = files(spin=BOUNDED)
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert code == 1
    assert out.startswith("BOUNDED") and "--unroll" in out
    assert out.splitlines()[-1] == "0 passed, 0 failed, 1 bounded"
    code, out, _ = run(["test", "--jobs", "1", "--allow-bounded", str(d)])
    assert code == 0
    assert out.splitlines()[-1] == "1 passed, 0 failed, 1 bounded (counted as passed)"


def test_incomplete_when_exploration_is_cut(files):
    d = files(ok=MP_OK)
    code, out, _ = run(["test", "--jobs", "1", "--max-executions", "1", str(d)])
    assert code == 1
    assert out.startswith("INCOMPLETE") and "1 incomplete" in out


def test_vacuous_file_is_reported_as_such(files):
    d = files(v=TICKET_NEVER_SERVED)
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert code == 1 and out.startswith("VACUOUS") and "1 vacuous" in out


def test_a_bounded_unwitnessed_existential_is_bounded_not_unreachable(files):
    d = files(b=NEEDS_THREE)
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert code == 1 and out.startswith("BOUNDED")
    assert "not reachable" not in out and "memorder why" not in out


def test_one_file_that_crashes_does_not_hide_the_others(files, monkeypatch):
    from memorder.cli import options
    real = options.check_file

    def crash_on_a(path, *rest, **kw):
        if path.endswith("a.litmus"):
            raise RuntimeError("boom")
        return real(path, *rest, **kw)
    monkeypatch.setattr(options, "check_file", crash_on_a)
    d = files(a=MP_OK, b=MP_OK)
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert "ERROR" in out and "internal error: RuntimeError: boom" in out
    assert "PASS" in out and "b.litmus" in out and code == 2


def test_weakest_expectation(files, tmp_path):
    d = files(weak=WEAKEST)
    r = run_file(str(d / "weak.litmus"))
    assert r["status"] == "pass", r
    wrong = WEAKEST.replace("expect weakest W = Release, R = Acquire",
                            "expect weakest W = SeqCst, R = Acquire")
    (tmp_path / "weak.litmus").write_text(wrong)
    r = run_file(str(tmp_path / "weak.litmus"))
    assert r["status"] == "fail"
    assert "W=Release, R=Acquire" in r["reason"]


def test_junit_xml_is_valid(files, tmp_path):
    d = files(ok=MP_OK, bad=MP_BAD, broken=SYNTAX_ERROR)
    junit = tmp_path / "report.xml"
    run(["test", "--jobs", "1", "--junit", str(junit), str(d)])
    root = ET.parse(junit).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = {Path(c.get("file")).name: c for c in suite.iter("testcase")}
    failure = cases["bad.litmus"].find("failure")
    assert failure is not None and "race" in failure.get("message")
    assert "Witness" in failure.text  # the witness execution, in text
    assert cases["broken.litmus"].find("error") is not None
    assert cases["ok.litmus"].find("failure") is None


def test_json_output(files):
    d = files(ok=MP_OK, bad=MP_BAD)
    code, out, _ = run(["test", "--jobs", "1", "--json", str(d)])
    doc = json.loads(out)
    assert code == 1 and doc["exit_code"] == 1
    assert [r["status"] for r in doc["results"]] == ["fail", "pass"]
    assert doc["summary"]["passed"] == 1 and doc["summary"]["failed"] == 1
    assert doc["results"][0]["result"]["races"][0]["location"] == "data"


def test_jobs_gives_the_same_results(files):
    d = files(a=MP_OK, b=MP_BAD, c=MP_OK)
    serial = json.loads(run(["test", "--jobs", "1", "--json", str(d)])[1])
    parallel = json.loads(run(["test", "--jobs", "3", "--json", str(d)])[1])
    strip = lambda doc: [(r["file"], r["status"], r["reason"]) for r in doc["results"]]
    assert strip(serial) == strip(parallel)


def test_no_expect_lines_fails_on_race(files):
    d = files(plain=MP_BAD.replace("expect race-free\n", ""))
    code, out, _ = run(["test", "--jobs", "1", str(d)])
    assert code == 1 and "no expect lines, but data race" in out


def test_missing_path_is_usage_error(tmp_path):
    code, _, err = run(["test", str(tmp_path / "nope")])
    assert code == 2 and "no such file" in err


@pytest.mark.slow
def test_examples_library():
    """Every example meets its expectations (bounded ones up to the loop bound)."""
    code, out, _ = run(["test", "--jobs", "4", "--allow-bounded", str(EXAMPLES)])
    assert code == 0, out


PROTOCOLS = ["arc_drop", "arc_drop_relaxed", "arc_drop_no_fence", "arc_get_mut",
             "arc_get_mut_relaxed", "once_cell", "once_cell_relaxed", "spinlock",
             "spinlock_relaxed_unlock", "seqlock", "seqlock_broken", "spsc_ring",
             "spsc_ring_relaxed_free", "dekker", "dekker_acqrel", "peterson", "peterson_acqrel",
             "peterson_xchg", "ticket_lock"]


@pytest.mark.parametrize("name", PROTOCOLS)
def test_protocol_example_cites_a_source_and_passes(name):
    path = EXAMPLES / f"{name}.litmus"
    head = path.read_text().split("\ntest ")[0]
    assert "Source:" in head, f"{name} cites no source"
    r = run_file(str(path))
    assert r["status"] == "pass", (r["reason"], r["details"])
    assert r["expectations"], "every protocol states what it expects"
