"""From a file to a resolved Program: read, pick the front end, validate, apply `--set`.

Every command loads its input here, so every command reads a file the same way
and reports a bad one the same way (a located MemorderError naming the file).
"""
from __future__ import annotations

import re
from pathlib import Path

from memorder.base.errors import MemorderError
from memorder.base.syntax import Program
from memorder.frontend.grammars import end_position
from memorder.frontend.herd import parse_herd
from memorder.frontend.native import parse_native
from memorder.frontend.validate import resolve_orders

FORMATS = ("native", "herd")


def read_source(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MemorderError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MemorderError(f"cannot read file: {exc}", file=path) from None


def load_program(path: str, text: str | None = None, fmt: str | None = None) -> Program:
    """Read `path` (unless `text` is given) and parse it with the right front end.

    `fmt` is "native", "herd" or None (decide from the first non-blank line:
    herd7's C litmus files begin with `C name`). Orderings stay symbolic.
    """
    if fmt not in (None, *FORMATS):
        raise MemorderError(f"unknown input format '{fmt}' (expected native or herd)", file=path)
    if text is None:
        text = read_source(path)
    try:
        if fmt == "herd" or (fmt is None and looks_like_herd(text)):
            program = parse_herd(text, path)
        else:
            program = parse_native(text, path)
    except MemorderError as exc:
        if exc.file is None:
            exc.file = path
        raise
    if not program.threads:  # nothing could run: no execution, no verdict
        line, column = end_position(text)
        what = "the file is empty" if not text.strip() else "the program has no threads"
        raise MemorderError(f"{what}: nothing to check (declare at least one `thread`)",
                            line, column, file=path)
    return program


def load(path: str, fmt: str | None = None, overrides: dict | None = None,
         text: str | None = None) -> Program:
    """Parse, validate and resolve one file's orderings (`--set` overrides applied)."""
    program = load_program(path, text=text, fmt=fmt)
    try:
        return resolve_orders(program, overrides or {})
    except MemorderError as exc:
        if exc.file is None:
            exc.file = path
        raise


def looks_like_herd(text: str) -> bool:
    for line in text.splitlines():
        if line.strip():
            return re.match(r"C\s", line) is not None
    return False
