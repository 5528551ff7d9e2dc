"""Shared fixtures and helpers.

The oracle corpora (herd7's and GenMC's litmus tests with their expected
results) live outside the repository, in ../shared next to the checkout. A
developer without them gets skipped tests and a clear message; CI (CI=true)
must have them, so there their absence fails the run instead of passing it
vacuously.

Hypothesis profiles (chosen here, before any test module is imported):

* `ci`, the default, and what CI=true runs: derandomized, so every run draws
  the same examples (a red build is the code's doing, not a new draw), with
  fixed example counts, no deadline and no example database (a developer's
  saved failures do not change what runs).
* `nightly`, when MEMORDER_NIGHTLY=1: random inputs on every run and
  NIGHTLY_FACTOR times the examples, to look for new bugs. A failure prints
  its reproduction blob (`@reproduce_failure`).

HYPOTHESIS_PROFILE=NAME (or pytest's --hypothesis-profile) picks one
explicitly. Tests that fix their own example count pass it through
`examples(n)`, so the nightly profile enlarges them too; none sets
`derandomize`, so the profile decides (except the nightly cross-check shards,
which must each draw different programs).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


CI_EXAMPLES = 100
NIGHTLY_FACTOR = 10
# too_slow is a statement about the machine (two shared cores), not the code.
settings.register_profile("ci", derandomize=True, max_examples=CI_EXAMPLES, deadline=None,
                          database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", derandomize=False,
                          max_examples=CI_EXAMPLES * NIGHTLY_FACTOR, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])


def hypothesis_profile() -> str:
    explicit = os.environ.get("HYPOTHESIS_PROFILE", "").strip()
    if explicit:
        return explicit
    return "nightly" if os.environ.get("MEMORDER_NIGHTLY", "") == "1" else "ci"


settings.load_profile(hypothesis_profile())


def examples(n: int) -> int:
    """A test's own example count `n` (its size under the ci profile), scaled
    like the loaded profile's: NIGHTLY_FACTOR times n under nightly."""
    return max(1, n * settings.default.max_examples // CI_EXAMPLES)


def shared_path(*parts: str) -> Path | None:
    """`../shared/<parts>` if it exists, else None (at collection time: no skipping yet)."""
    path = SHARED_DIR.joinpath(*parts)
    return path if path.exists() else None


def missing_shared(*parts: str) -> None:
    """Skip the current test because ../shared/<parts> is absent; fail instead on CI."""
    where = SHARED_DIR.joinpath(*parts)
    message = (f"{where} not found: the oracle corpora live in ../shared next to the "
               "repository checkout")
    if on_ci():
        pytest.fail(message + " (CI=true: they are required)", pytrace=False)
    pytest.skip(message)


def require_shared(*parts: str) -> Path:
    """../shared/<parts>, skipping (or failing on CI) when it is absent."""
    path = shared_path(*parts)
    if path is None:
        missing_shared(*parts)
    return path


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder (DESIGN.md, litmus corpora, tools)."""
    return require_shared()
