"""Events and executions: the base relations (po rf mo rmw loc ext) a model reads.

Events are numbered in the order the explorer added them; the initial writes
come first, one per location. `mo` is kept as one list of write ids per
location, so it is total per location by construction (GenMC's store lists).
"""
from __future__ import annotations

from types import SimpleNamespace

from memorder.base.orders import ACQ_REL, ACQUIRE, RELAXED, RELEASE, SEQ_CST
from memorder.model.relations import Rel, Set

R, W, F = "R", "W", "F"


class Event:
    __slots__ = ("id", "tid", "kind", "loc", "val", "order", "rf", "rmw", "node")

    def __init__(self, id, tid, kind, loc, val, order, node=None):
        self.id = id
        self.tid = tid          # thread index; -1 for an initial write
        self.kind = kind        # R, W or F
        self.loc = loc          # location name; None for a fence
        self.val = val          # value read or written
        self.order = order      # MemoryOrder; None for a plain (non-atomic) access
        self.rf = None          # reads: the id of the write read from
        self.rmw = None         # RMW read: its write's id; RMW write: its read's id
        self.node = node        # AST node, for reports

    @property
    def atomic(self) -> bool:
        return self.order is not None

    @property
    def is_init(self) -> bool:
        return self.tid < 0

    def copy(self) -> "Event":
        e = Event(self.id, self.tid, self.kind, self.loc, self.val, self.order, self.node)
        e.rf, e.rmw = self.rf, self.rmw
        return e


class Execution:
    """A snapshot of one (possibly partial) execution: events, mo per location."""

    def __init__(self, events, mo, nthreads):
        self.events = events
        self.mo = mo
        self.nthreads = nthreads

    def snapshot(self) -> "Execution":
        return Execution([e.copy() for e in self.events],
                         {l: list(ws) for l, ws in self.mo.items()}, self.nthreads)

    def final_memory(self) -> dict:
        return {l: self.events[ws[-1]].val for l, ws in self.mo.items()}

    def base(self):
        """The base relations and event sets, in the concrete algebra."""
        return base_relations(self.events, self.mo, self.nthreads)


def base_relations(events, mo, nthreads):
    n = len(events)
    po = [0] * n
    rf = [0] * n
    rmw = [0] * n
    mo_rows = [0] * n
    loc_rows = [0] * n
    ext_rows = [0] * n
    thread_mask = [0] * nthreads
    loc_mask = {}
    Wm = Rm = Fm = IWm = Am = 0
    tag = {RELAXED: 0, ACQUIRE: 0, RELEASE: 0, ACQ_REL: 0, SEQ_CST: 0}
    for e in events:
        bit = 1 << e.id
        if e.kind == W:
            Wm |= bit
        elif e.kind == R:
            Rm |= bit
            rf[e.rf] |= bit
            if e.rmw is not None:
                rmw[e.id] = 1 << e.rmw
        else:
            Fm |= bit
        if e.tid < 0:
            IWm |= bit
        else:
            thread_mask[e.tid] |= bit
        if e.order is not None:
            tag[e.order] |= bit
            if e.kind != F:
                Am |= bit
        if e.loc is not None:
            loc_mask[e.loc] = loc_mask.get(e.loc, 0) | bit
    # po: each event precedes the later events of its thread (ids grow along po).
    for mask in thread_mask:
        later = mask
        while later:
            low = later & -later
            later ^= low
            po[low.bit_length() - 1] = later
    everything = (1 << n) - 1
    for e in events:
        if e.loc is not None:
            loc_rows[e.id] = loc_mask[e.loc]
        ext_rows[e.id] = everything & ~(thread_mask[e.tid] if e.tid >= 0 else (1 << e.id))
    for ws in mo.values():
        later = 0
        for w in reversed(ws):
            mo_rows[w] = later
            later |= 1 << w
    return SimpleNamespace(
        po=Rel(tuple(po), n), rf=Rel(tuple(rf), n), mo=Rel(tuple(mo_rows), n),
        rmw=Rel(tuple(rmw), n), loc=Rel(tuple(loc_rows), n), ext=Rel(tuple(ext_rows), n),
        id=Rel.identity(n),
        W=Set(Wm, n), R=Set(Rm, n), F=Set(Fm, n), IW=Set(IWm, n), A=Set(Am, n),
        ALL=Set(everything, n),
        RLX=Set(tag[RELAXED], n), ACQ=Set(tag[ACQUIRE], n), REL=Set(tag[RELEASE], n),
        ACQ_REL=Set(tag[ACQ_REL], n), SC=Set(tag[SEQ_CST], n),
    )
