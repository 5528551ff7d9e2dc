"""What each golden file under tests/golden must contain, computed from the code.

One producer per golden file, shared by the tests (which only compare) and by
scripts/regen_golden.py (which alone writes), so the two can never disagree
about how an output is rendered or normalised. No pytest here: the script runs
without it.
"""
from __future__ import annotations

import io
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

from memorder.cli.app import main
from memorder.base.errors import MemorderError
from memorder.frontend.load import load_program

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
ERRORS = GOLDEN / "errors"
SWEEP = GOLDEN / "sweep"

ERROR_CASES = sorted(p.stem for p in ERRORS.glob("*.litmus"))
SWEEP_EXAMPLES = ("pyo3_borrowflag", "mp_params")

REGEN_HINT = "regenerate with `python scripts/regen_golden.py` and review the diff"


class GoldenError(AssertionError):
    """The code did not produce a golden output at all (no file is written then)."""


def error_output(name: str) -> str:
    """errors/NAME.expected: the rendered error NAME.litmus fails with."""
    source = (ERRORS / f"{name}.litmus").read_text(encoding="utf-8")
    try:
        load_program(f"{name}.litmus", source)
    except MemorderError as error:
        if error.line is None or error.column is None:
            raise GoldenError(f"{name}.litmus: the error is not located: {error.render(source)}")
        return error.render(source) + "\n"
    raise GoldenError(f"{name}.litmus loaded without an error")


@contextmanager
def _cwd(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def sweep_output(example: str, suffix: str) -> str:
    """sweep/EXAMPLE.json (`sweep --json`, timing removed) or sweep/EXAMPLE.txt
    (the text report, timing normalised) of examples/EXAMPLE.litmus."""
    # File names in the output are as given, so run from the repository root
    # with a relative path: the same text whatever the checkout's location.
    with _cwd(ROOT):
        argv = ["sweep", f"examples/{example}.litmus", "--jobs", "1"]
        code, out, err = _run(*(argv[:1] + ["--json"] + argv[1:] if suffix == "json" else argv))
    if code != 0:
        raise GoldenError(f"sweep {example}: exit {code}\n{err}")
    if suffix == "json":
        result = json.loads(out)
        result.pop("seconds")
        return json.dumps(result, indent=2) + "\n"
    if err:  # no progress output when stderr is not a terminal
        raise GoldenError(f"sweep {example}: unexpected stderr output\n{err}")
    return re.sub(r"\(\d+\.\d+s\)", "(TIME)", out)


def golden_files():
    """Every golden file: (path, function producing its content)."""
    for name in ERROR_CASES:
        yield ERRORS / f"{name}.expected", lambda name=name: error_output(name)
    for example in SWEEP_EXAMPLES:
        for suffix in ("json", "txt"):
            yield SWEEP / f"{example}.{suffix}", lambda e=example, s=suffix: sweep_output(e, s)


def orphans() -> list[Path]:
    """Golden outputs no producer writes (a removed case left behind)."""
    produced = {path for path, _ in golden_files()}
    found = set(ERRORS.glob("*.expected")) | set(SWEEP.glob("*.json")) | set(SWEEP.glob("*.txt"))
    return sorted(found - produced)


def assert_matches_golden(path: Path, actual: str) -> None:
    assert path.exists(), f"missing {path}: {REGEN_HINT}"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{path} differs from the output: if the change is deliberate, {REGEN_HINT}"
