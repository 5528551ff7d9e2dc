"""A concrete relation algebra over the events of one execution.

Events are numbered 0..n-1. A set is an int bit mask; a relation is a tuple of
row masks (row i holds the successors of event i). The operators mirror cat:

    r | s   union          r & s   intersection     r - s   difference
    r @ s   sequence (;)   r.inv() converse (^-1)   r.plus() / r.star() / r.opt()
    S.id()  the identity on a set, cat's [S]

`models/` is written against this interface only, so a second algebra (Z3
terms, in smt.py) can interpret the very same model text.
"""
from __future__ import annotations


def bits(mask: int):
    """Indices of the set bits of mask, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class Set:
    __slots__ = ("mask", "n")

    def __init__(self, mask: int, n: int):
        self.mask = mask
        self.n = n

    def __or__(self, other: "Set") -> "Set":
        return Set(self.mask | other.mask, self.n)

    def __and__(self, other: "Set") -> "Set":
        return Set(self.mask & other.mask, self.n)

    def __sub__(self, other: "Set") -> "Set":
        return Set(self.mask & ~other.mask, self.n)

    def __bool__(self) -> bool:
        return self.mask != 0

    def id(self) -> "Diag":
        return Diag(self.mask, self.n)

    def cross(self, other: "Set") -> "Rel":
        return Rel(tuple(other.mask if self.mask >> i & 1 else 0 for i in range(self.n)), self.n)


class Rel:
    __slots__ = ("rows", "n")

    def __init__(self, rows: tuple, n: int):
        self.rows = rows
        self.n = n

    @staticmethod
    def identity(n: int) -> "Rel":
        return Rel(tuple(1 << i for i in range(n)), n)

    def pairs(self):
        for i, row in enumerate(self.rows):
            for j in bits(row):
                yield i, j

    def __or__(self, other: "Rel") -> "Rel":
        return Rel(tuple(a | b for a, b in zip(self.rows, other.rows)), self.n)

    def __and__(self, other: "Rel") -> "Rel":
        return Rel(tuple(a & b for a, b in zip(self.rows, other.rows)), self.n)

    def __sub__(self, other: "Rel") -> "Rel":
        return Rel(tuple(a & ~b for a, b in zip(self.rows, other.rows)), self.n)

    def __matmul__(self, other: "Rel") -> "Rel":
        if isinstance(other, Diag):  # r ; [S] keeps the columns in S
            mask = other.mask
            return Rel(tuple(row & mask for row in self.rows), self.n)
        orows = other.rows
        out = []
        for row in self.rows:
            acc = 0
            while row:
                low = row & -row
                acc |= orows[low.bit_length() - 1]
                row ^= low
            out.append(acc)
        return Rel(tuple(out), self.n)

    def inv(self) -> "Rel":
        out = [0] * self.n
        for i, row in enumerate(self.rows):
            bit = 1 << i
            for j in bits(row):
                out[j] |= bit
        return Rel(tuple(out), self.n)

    def plus(self) -> "Rel":
        rows = list(self.rows)
        if all(row >> (i + 1) << (i + 1) == row for i, row in enumerate(rows)):
            # Every edge goes to a higher index (po, rf and hb do, by construction):
            # close from the top down, one pass.
            for i in range(self.n - 1, -1, -1):
                row = acc = rows[i]
                while row:
                    low = row & -row
                    acc |= rows[low.bit_length() - 1]
                    row ^= low
                rows[i] = acc
            return Rel(tuple(rows), self.n)
        for k in range(self.n):  # Warshall, a row at a time
            kbit, krow = 1 << k, rows[k]
            if not krow:
                continue
            for i in range(self.n):
                if rows[i] & kbit:
                    rows[i] |= krow
        return Rel(tuple(rows), self.n)

    def opt(self) -> "Rel":
        return Rel(tuple(row | (1 << i) for i, row in enumerate(self.rows)), self.n)

    def star(self) -> "Rel":
        return self.plus().opt()


    # Axioms: plain booleans in this algebra.
    def is_empty(self) -> bool:
        return not any(self.rows)

    def irreflexive(self) -> bool:
        return not any(row >> i & 1 for i, row in enumerate(self.rows))

    def acyclic(self) -> bool:
        return self.plus().irreflexive()


class Diag(Rel):
    """cat's [S]: the identity restricted to S. Sequencing with it is a mask, not a product."""
    __slots__ = ("mask",)

    def __init__(self, mask: int, n: int):
        self.mask = mask
        self.n = n

    @property
    def rows(self):  # built only when a general operation needs them
        mask = self.mask
        return tuple((1 << i) if mask >> i & 1 else 0 for i in range(self.n))

    def __matmul__(self, other: "Rel") -> "Rel":
        mask = self.mask
        if isinstance(other, Diag):
            return Diag(mask & other.mask, self.n)
        return Rel(tuple(row if mask >> i & 1 else 0 for i, row in enumerate(other.rows)), self.n)

    def __or__(self, other: "Rel") -> "Rel":
        if isinstance(other, Diag):
            return Diag(self.mask | other.mask, self.n)
        return Rel.__or__(self, other)

    def opt(self) -> "Rel":
        return Diag((1 << self.n) - 1, self.n)
