"""Memory orderings as a partial order (GenMC style: no `<`, only `is_at_least`).

Each access kind has its own lattice (DESIGN.md, "Orderings"):
loads    Relaxed < Acquire < SeqCst
stores   Relaxed < Release < SeqCst
RMWs     Relaxed < {Acquire, Release} < AcqRel < SeqCst
fences   {Acquire, Release} < AcqRel < SeqCst
"""
from __future__ import annotations

import enum


class MemoryOrder(enum.Enum):
    RELAXED = "Relaxed"
    ACQUIRE = "Acquire"
    RELEASE = "Release"
    ACQ_REL = "AcqRel"
    SEQ_CST = "SeqCst"

    def __lt__(self, other):  # orderings are only partially ordered
        raise TypeError("memory orders are a partial order; use is_at_least()")

    __le__ = __gt__ = __ge__ = __lt__

    def is_at_least(self, other: "MemoryOrder") -> bool:
        return other in _AT_MOST[self]

    @property
    def acquires(self) -> bool:
        return self in (MemoryOrder.ACQUIRE, MemoryOrder.ACQ_REL, MemoryOrder.SEQ_CST)

    @property
    def releases(self) -> bool:
        return self in (MemoryOrder.RELEASE, MemoryOrder.ACQ_REL, MemoryOrder.SEQ_CST)

    @property
    def is_sc(self) -> bool:
        return self is MemoryOrder.SEQ_CST

    def __str__(self) -> str:
        return self.value


RELAXED, ACQUIRE, RELEASE, ACQ_REL, SEQ_CST = (
    MemoryOrder.RELAXED, MemoryOrder.ACQUIRE, MemoryOrder.RELEASE,
    MemoryOrder.ACQ_REL, MemoryOrder.SEQ_CST)

# o -> every ordering o is at least as strong as (reflexive, transitive).
_AT_MOST = {
    RELAXED: {RELAXED},
    ACQUIRE: {RELAXED, ACQUIRE},
    RELEASE: {RELAXED, RELEASE},
    ACQ_REL: {RELAXED, ACQUIRE, RELEASE, ACQ_REL},
    SEQ_CST: {RELAXED, ACQUIRE, RELEASE, ACQ_REL, SEQ_CST},
}

# What each kind of access allows, weakest first (a stable order for tables).
LEGAL = {
    "load": (RELAXED, ACQUIRE, SEQ_CST),
    "store": (RELAXED, RELEASE, SEQ_CST),
    "rmw": (RELAXED, ACQUIRE, RELEASE, ACQ_REL, SEQ_CST),
    "fence": (ACQUIRE, RELEASE, ACQ_REL, SEQ_CST),
    "cas_failure": (RELAXED, ACQUIRE, SEQ_CST),
}

_SPELLINGS = {
    "Relaxed": RELAXED, "relaxed": RELAXED,
    "Acquire": ACQUIRE, "acquire": ACQUIRE,
    "Release": RELEASE, "release": RELEASE,
    "AcqRel": ACQ_REL, "acq_rel": ACQ_REL,
    "SeqCst": SEQ_CST, "seq_cst": SEQ_CST,
}


def parse_order(text: str) -> MemoryOrder | None:
    """The ordering a spelling names (Rust or C++), or None. `consume` is the caller's business."""
    text = text.strip()
    if text.startswith("memory_order_"):
        text = text[len("memory_order_"):]
    return _SPELLINGS.get(text)


def weaker_by_one_step(order: MemoryOrder, kind: str) -> list[MemoryOrder]:
    """The orderings legal for `kind` immediately below `order` in its lattice."""
    below = [o for o in LEGAL[kind] if order.is_at_least(o) and o is not order]
    return [o for o in below if not any(p is not o and p.is_at_least(o) for p in below)]
