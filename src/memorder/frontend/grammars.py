"""Where the grammars live, and what both front ends need to report a syntax error."""
from __future__ import annotations

from pathlib import Path


def grammar_text(name: str) -> str:
    """The text of grammar file `name` (e.g. "memorder.lark").

    Installed wheels ship `grammar/` as `memorder/grammar/`; a source or
    editable checkout has it at the repository's top level.
    """
    try:
        from importlib.resources import files
        resource = files("memorder") / "grammar" / name
        if resource.is_file():
            return resource.read_text(encoding="utf-8")
    except (ImportError, OSError, TypeError, ValueError):
        pass  # not installed as a package, or an unusual loader: use the checkout
    return (Path(__file__).parents[3] / "grammar" / name).read_text(encoding="utf-8")


def end_position(text: str) -> tuple[int, int]:
    """Line and column just after the last non-blank character (where input ran out)."""
    stripped = text.rstrip()
    if not stripped:
        return 1, 1
    lines = stripped.splitlines()
    return len(lines), len(lines[-1]) + 1
