"""herd7's C text up to the parse tree: comments and metadata blanked, herd extensions
memorder does not model rejected by name, the parser, and syntax errors located."""
from __future__ import annotations

import re

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from memorder.base.errors import MemorderError, unsupported
from memorder.base.syntax import Span
from memorder.frontend.grammars import end_position, grammar_text

GRAMMAR = "herd_c.lark"

_PARSER: lark.Lark | None = None


def _parser() -> lark.Lark:
    global _PARSER
    if _PARSER is None:  # building LALR tables takes a moment: once per process
        _PARSER = lark.Lark(grammar_text(GRAMMAR), parser="lalr", lexer="contextual",
                            propagate_positions=True, maybe_placeholders=False)
    return _PARSER


# ---------------------------------------------------------------- before the grammar

def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _span_at(text: str, start: int, end: int) -> Span:
    line, column = _position(text, start)
    end_line, end_column = _position(text, end)
    return Span(line, column, end_line, end_column)


def _blank(chars: list, start: int, end: int) -> None:
    """Replace text by spaces, keeping newlines, so every position stays where it was."""
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


# herd-specific extensions memorder does not model, found before parsing so the
# message names them (rather than "unexpected '{'" for `__atomic_add_unless{mb}`).
_INT128 = re.compile(r"__u?int128(_t)?$")
_LINUX_TYPES = {"atomic_t", "ATOMIC_INIT"}
_CLAUSES = {"regions", "scopes", "levels"}  # herd's `regions: x:PROP` and GPU scope trees
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_METADATA = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9_.-]*)[ \t]*=")


def prepare(text: str, file: str) -> str:
    """Blank out comments and metadata lines, and reject herd extensions by name.

    `(* ... *)` is a comment outside braces only: inside a thread body `(*x)`
    is C. C comments are comments everywhere.
    """
    chars = list(text)
    depth = 0
    i, n = 0, len(text)
    while i < n:
        for opening, closing, anywhere in (("(*", "*)", False), ("/*", "*/", True)):
            if text.startswith(opening, i) and (anywhere or depth == 0):
                end = text.find(closing, i + 2)
                if end < 0:
                    line, column = _position(text, i)
                    raise MemorderError(f"unterminated comment: '{opening}' without '{closing}'",
                                        line, column, column + 2, file=file)
                _blank(chars, i, end + 2)
                i = end + 2
                break
        else:
            if text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                _blank(chars, i, end)
                i = end
                continue
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth = max(0, depth - 1)
            i += 1
    blanked = "".join(chars)

    # The `C name` line, then herd's `Key=value` metadata lines up to the init block.
    match = re.search(r"\S", blanked)
    if match is None or not re.match(r"C[ \t]+\S", blanked[match.start():]):
        line, column = _position(blanked, match.start()) if match else (1, 1)
        raise MemorderError("a herd C litmus test starts with a line `C name`",
                            line, column, column + 1, file=file)
    header_end = blanked.find("\n", match.start())
    header_end = len(blanked) if header_end < 0 else header_end
    name_end = re.match(r"C[ \t]+\S+", blanked[match.start():]).end() + match.start()
    _blank(chars, name_end, header_end)  # herd allows a doc string after the name
    offset = header_end
    while offset < len(blanked):
        line_end = blanked.find("\n", offset + 1)
        line_end = len(blanked) if line_end < 0 else line_end
        line = blanked[offset:line_end].strip("\n")
        if "{" in line:
            break
        meta = _METADATA.match(line)
        if meta:
            start = blanked.index(meta.group(1), offset)
            if meta.group(1) == "Variant":
                raise unsupported("herd variants (`Variant=...`) change herd's semantics "
                                  "and are not supported",
                                  _span_at(blanked, start, start + len("Variant")))
            _blank(chars, offset, line_end)  # Hash=, Cycle=, Relax=...: information only
        elif line.strip().startswith('"'):
            _blank(chars, offset, line_end)  # a doc string
        offset = line_end
    prepared = "".join(chars)

    for m in _IDENT.finditer(prepared, header_end):
        word = m.group(0)
        span = _span_at(prepared, m.start(), m.end())
        if _INT128.match(word):
            raise unsupported(f"128-bit integers (`{word}`) are not supported", span)
        if word.startswith("__"):
            raise unsupported(f"the herd extension `{word}` is not supported", span)
        if word in _LINUX_TYPES:
            raise unsupported(f"the Linux-kernel `{word}` is not supported", span)
        if word in _CLAUSES:
            line_start = prepared.rfind("\n", 0, m.start()) + 1
            if not prepared[line_start:m.start()].strip() and \
                    prepared[m.end():].lstrip(" \t").startswith(":"):
                raise unsupported(f"herd's `{word}:` clause is not supported", span)
    return prepared


# ---------------------------------------------------------------- syntax errors

_TOKEN_WORDS = {"IDENT": "a name", "INT": "an integer", "TEST_HEADER": "`C name`",
                "$END": "end of input"}
_BINARY_OPS = {"LOR", "LAND", "BOR", "BXOR", "AMP", "EQEQ", "NEQ", "LT", "LE", "GT", "GE",
               "SHL", "SHR", "PLUS", "MINUS", "STAR", "SLASH", "PERCENT"}


def _terminal_text(name: str) -> str:
    if name in _TOKEN_WORDS:
        return _TOKEN_WORDS[name]
    for term in _parser().terminals:
        if term.name == name and term.pattern.type == "str":
            return f"'{term.pattern.value}'"
    return name


def _describe_expected(names) -> str:
    names = set(names)
    phrases = []
    if _BINARY_OPS <= names:  # after a complete operand any binary operator fits
        names -= _BINARY_OPS
        phrases.append("an operator")
    shown = sorted(_terminal_text(n) for n in names) + phrases
    if not shown:
        return "something else"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def syntax_error(exc: UnexpectedInput, text: str, file: str) -> MemorderError:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = _describe_expected(exc.accepts or exc.expected)
        if token.type == "$END":
            line, column = end_position(text)
            return MemorderError(f"unexpected end of input; expected {expected}",
                                 line, column, column + 1, file=file)
        what = {"IDENT": f"name '{token}'", "INT": f"integer {token}"}.get(token.type,
                                                                          f"'{token}'")
        end = token.end_column if token.end_line == token.line else None
        return MemorderError(f"unexpected {what}; expected {expected}",
                             token.line, token.column, end, file=file)
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if 0 <= exc.pos_in_stream < len(text) else "?"
        message = f"unexpected character {char!r}"
        if exc.allowed:
            message += f"; expected {_describe_expected(exc.allowed)}"
        return MemorderError(message, exc.line, exc.column, exc.column + 1, file=file)
    line, column = end_position(text)
    expected = getattr(exc, "expected", None)
    message = "unexpected end of input"
    if isinstance(exc, UnexpectedEOF) and expected:
        message += f"; expected {_describe_expected(expected)}"
    return MemorderError(message, line, column, file=file)


def parse_tree(prepared: str):
    return _parser().parse(prepared)
