"""The pytest plugin: collects *.litmus only when enabled; failures show the witness."""
from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

GOOD = """\
atomic flag = 0
plain data = 0
thread p { data = 1
  flag.store(1, Release) }
thread c { let r = flag.load(Acquire)
  if r == 1 { let d = data } }
expect race-free
"""
BAD = GOOD.replace("Release", "Relaxed")
BOUNDED = """\
atomic x = 0
thread p { loop { let r = x.load(Relaxed)
  if r == 1 { break } } }
thread q { x.store(1, Relaxed) }
expect race-free
"""


@pytest.fixture
def tester(pytester):
    pytester.makefile(".litmus", good=GOOD, bad=BAD)
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    return pytester


def test_disabled_by_default(tester):
    result = tester.runpytest_inprocess()
    result.assert_outcomes(passed=1)  # only the Python test


def test_enabled_by_flag(tester):
    result = tester.runpytest_inprocess("--memorder")
    result.assert_outcomes(passed=2, failed=1)
    text = result.stdout.str()
    assert "expect race-free NOT met: data race on data" in text
    assert "Witness: a racy execution" in text and "no synchronises-with edge" in text
    assert "<== RACE" in text


def test_enabled_by_ini(tester):
    tester.makeini("[pytest]\nmemorder = true\n")
    result = tester.runpytest_inprocess()
    result.assert_outcomes(passed=2, failed=1)


def test_memorder_args_ini(pytester):
    pytester.makefile(".litmus", spin=BOUNDED)
    result = pytester.runpytest_inprocess("--memorder")
    result.assert_outcomes(failed=1)
    assert "BOUNDED" in result.stdout.str()
    pytester.makeini("[pytest]\nmemorder_args = --allow-bounded\n")
    result = pytester.runpytest_inprocess("--memorder")
    result.assert_outcomes(passed=1)


def test_bad_memorder_args_is_a_usage_error(pytester):
    pytester.makefile(".litmus", good=GOOD)
    pytester.makeini("[pytest]\nmemorder_args = --no-such-option\n")
    result = pytester.runpytest_inprocess("--memorder")
    assert result.ret != 0
    assert "memorder_args" in result.stderr.str() + result.stdout.str()


def test_collect_only_lists_items(tester):
    result = tester.runpytest_inprocess("--memorder",
                                        "--collect-only", "-q")
    text = result.stdout.str()
    assert "good.litmus::good.litmus" in text and "bad.litmus::bad.litmus" in text
