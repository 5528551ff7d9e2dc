"""Source sites: where in the program an access, an assertion or an event comes from.

A site is (thread index, AST node). Nodes compare by content, so two identical
accesses on different lines would be one node: every key here is built from
the node's source position instead, which is what tells two accesses apart.
"""
from __future__ import annotations

from memorder.base import syntax as S


def source_text(program, span) -> str:
    """The source text of a span (first line only), for reports."""
    if span is None or not span.line or not program.source:
        return ""
    lines = program.source.splitlines()
    if span.line > len(lines):
        return ""
    line = lines[span.line - 1]
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    return line[span.column - 1:end].strip()


def access_info(program, thread_index, node) -> dict:
    span = getattr(node, "span", None)
    return {"thread": program.threads[thread_index].name,
            "line": span.line if span else None,
            "access": source_text(program, span)}


class Site:
    """An access or assertion of one thread, identified by its source position.

    Unpacks and indexes as `(tid, node)`; equal and hashed by thread and position only.
    """
    __slots__ = ("tid", "node", "_key")

    def __init__(self, tid: int, node):
        self.tid = tid
        self.node = node
        span = getattr(node, "span", None) or S.NOSPAN
        self._key = (tid, span.line, span.column, span.end_line, span.end_column)

    def __iter__(self):
        return iter((self.tid, self.node))

    def __getitem__(self, i):
        return (self.tid, self.node)[i]

    def __eq__(self, other):
        return isinstance(other, Site) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"Site(thread {self.tid}, {self._key[1]}:{self._key[2]})"


def site_key(site):
    """(thread, line, column, end line, end column) of a (thread, node) site: its order."""
    if isinstance(site, Site):
        return site._key
    return Site(*site)._key


def race_key(a, b):
    """The pair of source accesses two racing events (of either engine) come from:
    (location, Site, Site), in source order."""
    first, second = sorted([Site(a.tid, a.node), Site(b.tid, b.node)], key=site_key)
    return (a.loc, first, second)


def race_sort_key(key):
    loc, a, b = key
    return (loc, site_key(a), site_key(b))
