"""Shared fixtures and helpers.

The oracle corpora (herd7's and GenMC's litmus tests with their expected
results) live outside the repository, in ../shared next to the checkout. A
developer without them gets skipped tests and a clear message; CI (CI=true)
must have them, so there their absence fails the run instead of passing it
vacuously.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


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
