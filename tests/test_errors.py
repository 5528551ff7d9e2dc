"""Golden error messages: tests/golden/errors/NAME.litmus must fail with exactly
the rendered text in NAME.expected (MemorderError.render(source)).

The tests only compare. To regenerate after a deliberate wording change, run
`python scripts/regen_golden.py` and review the diff.
"""
from __future__ import annotations

import pytest

from memorder.base.errors import MemorderError
from memorder.frontend.load import load_program
from memorder.frontend.native import parse_native

from golden_outputs import ERROR_CASES as CASES
from golden_outputs import ERRORS as GOLDEN
from golden_outputs import assert_matches_golden, error_output, orphans


@pytest.mark.parametrize("name", CASES)
def test_golden_error(name):
    assert_matches_golden(GOLDEN / f"{name}.expected", error_output(name))


def test_every_golden_input_has_expected_output():
    assert len(CASES) >= 40
    assert sorted(p.stem for p in GOLDEN.glob("*.expected")) == CASES


def test_every_golden_output_has_a_producer():
    # An output left behind by a removed case would never be compared again.
    assert orphans() == []


def test_location_and_caret_match_design_format():
    source = "atomic x\n\n\n\n\n\nthread t { let r = x.load(Release) }\n"
    with pytest.raises(MemorderError) as info:
        parse_native(source, "examples/mp.litmus")
    error = info.value
    assert (error.file, error.line, error.column, error.end_column) == (
        "examples/mp.litmus", 7, 27, 34)
    assert error.message == "memory order Release is not valid for a load"
    head, code, caret = error.render(source).splitlines()
    assert head == "examples/mp.litmus:7:27: error: memory order Release is not valid for a load"
    assert code.endswith("| thread t { let r = x.load(Release) }")
    # The caret run sits exactly under the ordering.
    assert caret.index("^") == code.index("Release") and caret.count("^") == len("Release")


def test_syntax_error_points_at_the_token():
    source = "thread t {\n    let r = 1 +\n}\n"
    with pytest.raises(MemorderError) as info:
        parse_native(source, "f.litmus")
    assert (info.value.line, info.value.column) == (3, 1)
    assert info.value.message == "unexpected '}'; expected an expression"


def test_errors_are_errors_not_tracebacks():
    # MemorderError carries the file even when there is no position.
    with pytest.raises(MemorderError) as info:
        load_program("does/not/exist.litmus")
    assert info.value.file == "does/not/exist.litmus"
    assert info.value.render().startswith("does/not/exist.litmus: error: ")
