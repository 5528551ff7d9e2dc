"""User-facing errors: located, compiler-style, exit code 2."""
from __future__ import annotations


class MemorderError(Exception):
    """Bad input or usage. `kind` is "error" or "unsupported"."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 end_column: int | None = None, file: str | None = None, kind: str = "error"):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.end_column = end_column
        self.file = file
        self.kind = kind

    def at(self, span) -> "MemorderError":
        """Attach a source span when the error does not have one yet."""
        if self.line is None and span is not None:
            self.line, self.column, self.end_column = span.line, span.column, span.end_column
        return self

    def render(self, source: str | None = None) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        head = f"{where}: {self.kind}: {self.message}"
        if source is None or self.line is None:
            return head
        lines = source.splitlines()
        if not 1 <= self.line <= len(lines):
            return head
        text = lines[self.line - 1]
        width = 1
        if self.end_column is not None and self.end_column > self.column:
            width = self.end_column - self.column
        gutter = " " * len(str(self.line))
        return (f"{head}\n {self.line} | {text}\n {gutter} | "
                f"{' ' * (self.column - 1)}{'^' * width}")

    def to_json(self) -> dict:
        return {"message": self.message if self.kind == "error" else f"unsupported: {self.message}",
                "line": self.line, "column": self.column}


def unsupported(message: str, span=None) -> MemorderError:
    return MemorderError(message, kind="unsupported").at(span)


class InternalError(Exception):
    """memorder contradicted itself (e.g. its two engines disagree): a bug, not bad input.
    The CLI reports it with exit code 3, never as a result."""
