"""The explicit engine: builds every consistent execution exactly once.

Executions grow one event at a time (an RMW's read and write together), in
the lexicographically least topological order of po ∪ rf by thread index: at
each step the event added is the next event of the lowest-numbered thread
that can go. A thread passed over while its next event is a read promises that
this read takes its value from a write added later; the promise is kept when
the read is added. Every execution consistent under a model with acyclic
po ∪ rf (RC11, SC) has exactly one such order, so each is built once; every
partial execution is checked against the model as it grows (the models are
prefix-closed), so no inconsistent execution is completed. Checking looks only
at the events a new event can close a cycle through (see `_consistent`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from memorder.program import lower as C
from memorder.base.errors import MemorderError
from memorder.model.events import F, R, W, Event, Execution
from memorder.model.relations import bits


class Cut(Exception):
    """Exploration stopped by a resource limit."""


@dataclass
class Leaf:
    """A complete (or blocked / bounded) execution handed to the consumer."""
    status: str                  # "complete", "blocked", "bounded"
    execution: Execution
    registers: list              # per thread: dict of its registers
    failures: list               # assertion failures: (tid, Assert node)
    races: list = field(default_factory=list)  # racing event id pairs (model's races)
    reason: object = None        # the node that blocked / bounded it


@dataclass(frozen=True)
class Limits:
    timeout: float | None = None
    max_executions: int | None = None


class Explorer:
    def __init__(self, program, model, unroll: int = 2, limits: Limits | None = None,
                 check: bool = True, guide=None):
        """`check=False` builds every candidate execution, consistent or not (for
        explanations of forbidden outcomes): no model check and no shortcuts.
        `guide(explorer, new)`, if given, may reject the execution just extended
        by its `new` last events, and so everything that extends it (the SMT
        engine replays a solver's execution this way)."""
        self.program = program
        self.check = check
        self.guide = guide
        self.model = model
        self.unroll = unroll
        self.limits = limits or Limits()
        self.codes = [C.ThreadCode(t) for t in program.threads]
        self.nthreads = len(self.codes)
        self.events: list[Event] = []
        self.mo: dict[str, list[int]] = {}
        for decl in program.locations:
            e = Event(len(self.events), -1, W, decl.name, decl.init, None)
            self.events.append(e)
            self.mo[decl.name] = [e.id]
        # Indexes kept in step with `events`, for walking edges from new events.
        self.thread_events = [[] for _ in self.codes]
        self.readers = {e.id: [] for e in self.events}   # write -> reads reading it
        self.local_checks = getattr(model, "VIOLATIONS_ARE_CYCLES", False)
        self.failures: list = []
        # Races are found when their second access is added: hb among the events
        # already there never changes (new events are hb-maximal), so each pair
        # is judged once for every execution that extends this one.
        self.race_locations = C.racy_locations(self.codes) if check else set()
        self.races: list = []
        self.cut: str | None = None
        self.leaves = 0

    # ------------------------------------------------------------ threads
    def _advance(self, tid, pc, regs):
        """Run thread-local instructions up to the next memory access.

        Returns (pc, status) with status None (at an access or the end),
        "blocked" or "bounded"; `regs` is updated in place.
        """
        code = self.codes[tid].code
        while True:
            ins = code[pc]
            op = ins.op
            if op == C.LOCAL:
                regs[ins.dst] = ins.fn(regs)
                pc += 1
            elif op == C.JUMPF:
                pc = pc + 1 if ins.fn(regs) else ins.target
            elif op == C.JUMP:
                pc = ins.target
            elif op == C.LOOP_INIT:
                regs[ins.dst] = 0
                pc += 1
            elif op == C.LOOP_TICK:
                if regs[ins.dst] >= self.unroll:
                    return pc, ("bounded", ins.node)
                regs[ins.dst] += 1
                pc += 1
            elif op == C.ASSUME:
                if not ins.fn(regs):
                    return pc, ("blocked", ins.node)
                pc += 1
            elif op == C.ASSERT:
                if not ins.fn(regs):
                    self.failures.append((tid, ins.node))
                pc += 1
            else:
                return pc, None

    def initial_threads(self):
        threads = []
        for tid, code in enumerate(self.codes):
            regs = {r: 0 for r in code.registers}
            regs.update({r: 0 for r in code.hidden})
            pc, stop = self._advance(tid, 0, regs)
            threads.append((pc, regs, stop))
        return threads

    # ------------------------------------------------------------ search
    def run(self, consume):
        """Explore; call consume(leaf) for every complete, blocked or bounded execution."""
        self.consume = consume
        self.deadline = 0.0
        if self.limits.timeout is not None:
            self.deadline = time.monotonic() + self.limits.timeout
        threads = self.initial_threads()
        try:
            if self._stopped(threads) is None:
                self._dfs(threads, [-1] * self.nthreads)
        except Cut as c:
            self.cut = str(c)

    def _stopped(self, threads):
        for pc, regs, stop in threads:
            if stop is not None:
                self._leaf(stop[0], threads, stop[1])
                return stop
        return None

    def _leaf(self, status, threads, reason=None):
        self.leaves += 1
        lim = self.limits
        if lim.max_executions is not None and self.leaves > lim.max_executions:
            self.leaves -= 1
            raise Cut(f"max-executions {lim.max_executions}")
        self.consume(Leaf(status, Execution(self.events, self.mo, self.nthreads),
                          [regs for _, regs, _ in threads], list(self.failures),
                          list(self.races), reason))

    def _consistent(self, new: int) -> bool:
        """Is the execution, just extended by its `new` last events, consistent?

        For models declaring VIOLATIONS_ARE_CYCLES (every violation is a cycle
        of po/rf/mo/rb edges), a violation the new events introduce lies on a
        cycle through them, so only the events on such cycles need checking;
        the rest was consistent before. The model still decides, on that part.
        """
        events, mo = self.events, self.mo
        if not self.check:
            return True
        if not self.local_checks:
            return self._satisfies(Execution(events, mo, self.nthreads))
        n = len(events)
        last = events[-1]
        if last.kind == F or mo[last.loc][-1] == (last.id if last.kind == W else last.rf):
            # The common case, without a walk: the new events (a fence, a write or
            # RMW placed mo-last, a read of the mo-last write) have no edge out.
            return True
        group = ((1 << new) - 1) << (n - new)
        region = self._cycle_region(group)
        if region == group:
            return True  # nothing leads back to the new events: no new cycle
        return self._satisfies(self._sub_execution(region)[0])

    def _sub_execution(self, mask: int):
        """The events in mask, plus the writes their reads read from, renumbered
        in order (so po and rf still point forward); mo restricted to them."""
        events = self.events
        keep = mask
        for i in bits(mask):
            if events[i].kind == R:
                keep |= 1 << events[i].rf
        ids = list(bits(keep))
        index = {old: k for k, old in enumerate(ids)}
        sub = []
        for old in ids:
            e = events[old]
            c = Event(index[old], e.tid, e.kind, e.loc, e.val, e.order, e.node)
            if e.rf is not None:
                c.rf = index[e.rf]
            if e.rmw is not None and e.rmw in index:
                c.rmw = index[e.rmw]
            sub.append(c)
        sub_mo = {l: [index[w] for w in ws if w in index] for l, ws in self.mo.items()}
        return Execution(sub, sub_mo, self.nthreads), ids

    def _satisfies(self, execution) -> bool:
        d = self.model.derive(execution.base())
        return all(check(d) for _, check in self.model.AXIOMS)

    def _successors(self, i):
        """po, rf, mo and rb successors of event i (immediate ones suffice for paths)."""
        e = self.events[i]
        if e.tid >= 0:
            mine = self.thread_events[e.tid]
            k = mine.index(i) + 1
            if k < len(mine):
                yield mine[k]  # po
        if e.kind == W:
            yield from self.readers[i]  # rf
            order = self.mo[e.loc]
            k = order.index(i) + 1
            if k < len(order):
                yield order[k]  # mo
        elif e.kind == R:
            order = self.mo[e.loc]
            k = order.index(e.rf) + 1
            if k < len(order):
                yield order[k]  # rb
        # fences: po only

    def _cycle_region(self, group: int) -> int:
        """The events on some po/rf/mo/rb path from the group back to it."""
        succ = {}
        forward, stack = group, list(bits(group))
        while stack:  # what the new events lead to
            i = stack.pop()
            succ[i] = mask = sum(1 << j for j in set(self._successors(i)))
            fresh = mask & ~forward
            forward |= fresh
            stack.extend(bits(fresh))
        region, changed = group, forward != group
        while changed:  # ... and which of those lead back
            changed = False
            for i, mask in succ.items():
                if mask & region and not region >> i & 1:
                    region |= 1 << i
                    changed = True
        return region

    def _dfs(self, threads, promised):
        if self.deadline and time.monotonic() > self.deadline:
            raise Cut(f"timeout {self.limits.timeout}s")
        codes = self.codes
        n = len(self.events)
        if not self._promises_satisfiable(threads, promised):
            return
        live = False
        for tid, (pc, regs, _) in enumerate(threads):
            ins = codes[tid].code[pc]
            if ins.op == C.END:
                continue
            live = True
            self._step(tid, ins, threads, promised)
            if ins.op not in (C.READ, C.RMW, C.CAS):
                break  # a write or fence can always go now: no later thread may go first
            # Passing over this read: it must read from a write added from now on,
            # which only another thread can still add.
            if not self._writer_ahead(tid, ins.loc, threads):
                break
            promised = list(promised)
            promised[tid] = n
        if not live:
            self._leaf("complete", threads)

    def _writer_ahead(self, tid, loc, threads) -> bool:
        """May a thread other than tid still write loc?"""
        return any(j != tid and loc in self.codes[j].may_write[pc]
                   for j, (pc, _, _) in enumerate(threads))

    def _promises_satisfiable(self, threads, promised) -> bool:
        """Each passed-over read can still find a write added since it was passed over."""
        for tid, low in enumerate(promised):
            if low < 0:
                continue
            loc = self.codes[tid].code[threads[tid][0]].loc
            if not any(w >= low for w in self.mo[loc]) and not self._writer_ahead(tid, loc, threads):
                return False
        return True

    def _add(self, event):
        self.events.append(event)
        if event.tid >= 0:
            self.thread_events[event.tid].append(event.id)
        if event.kind == W:
            self.readers[event.id] = []
        elif event.kind == R:
            self.readers[event.rf].append(event.id)

    def _pop(self):
        event = self.events.pop()
        self.thread_events[event.tid].pop()
        if event.kind == R:
            self.readers[event.rf].pop()

    def _continue(self, tid, threads, promised, pc, regs, new=1):
        """Thread `tid` did its access (its `new` last events; regs updated):
        advance it and recurse if the execution is still consistent."""
        if self.guide is not None and not self.guide(self, new):
            return
        if not self._consistent(new):
            return
        failures, races = len(self.failures), len(self.races)
        if self.events[-1].loc in self.race_locations:
            self._find_races(new)
        pc, stop = self._advance(tid, pc + 1, regs)
        new_threads = list(threads)
        new_threads[tid] = (pc, regs, stop)
        if stop is not None:
            self._leaf(stop[0], new_threads, stop[1])
        else:
            new_promised = list(promised)
            new_promised[tid] = -1
            self._dfs(new_threads, new_promised)
        del self.failures[failures:]
        del self.races[races:]

    def _find_races(self, new):
        """Record the races between the new events and the events before them.

        Only conflicting accesses of other threads can race with the new ones;
        without any, there is nothing to ask. Otherwise the model judges them on
        the new events' po ∪ rf predecessors (a prefix, so its hb is exact; only
        those can be hb-before the new events, which nothing follows yet) plus
        the candidates themselves.
        """
        events = self.events
        first_new = len(events) - new
        group = [events[i] for i in range(first_new, len(events)) if events[i].loc is not None]
        candidates = 0
        for e in events[:first_new]:
            if e.tid >= 0 and any(e.loc == g.loc and e.tid != g.tid and W in (e.kind, g.kind)
                                  and not (e.atomic and g.atomic) for g in group):
                candidates |= 1 << e.id
        if not candidates:
            return
        group_mask = ((1 << new) - 1) << first_new
        execution, ids = self._sub_execution(self._porf_predecessors(group_mask) | candidates)
        dr = self.model.races(self.model.derive(execution.base()))
        if dr is None:
            return
        for a, b in dr.pairs():
            a, b = ids[a], ids[b]
            if a < b and b >= first_new:  # each unordered pair once, when it appears
                self.races.append((a, b))

    def _porf_predecessors(self, mask: int) -> int:
        """mask and every event before it in po ∪ rf."""
        events, seen, stack = self.events, mask, list(bits(mask))
        while stack:
            e = events[stack.pop()]
            preds = []
            if e.tid >= 0:
                mine = self.thread_events[e.tid]
                k = mine.index(e.id)
                if k:
                    preds.append(mine[k - 1])
            if e.kind == R:
                preds.append(e.rf)
            for p in preds:
                if not seen >> p & 1:
                    seen |= 1 << p
                    stack.append(p)
        return seen

    def _floor(self, tid, loc) -> int:
        """The lowest mo index thread tid may still read or write at loc.

        Coherence along po: a thread can neither read from nor place a write
        mo-before a write it already wrote or read at that location. Only a
        shortcut: the model rejects those candidates as well.
        """
        order = self.mo[loc]
        floor = 0
        if not self.check:
            return floor
        for e in self.events:
            if e.tid == tid and e.loc == loc:
                floor = max(floor, order.index(e.id if e.kind == W else e.rf))
        return floor

    def _sources(self, loc, tid, promised):
        """Candidate writes for a read of `loc` by thread tid, in mo order."""
        low, order = promised[tid], self.mo[loc]
        return [w for w in order[self._floor(tid, loc):] if w >= low]

    def _read_by_rmw(self, loc) -> set:
        """Writes at loc an RMW already reads: no second RMW may read them (atomicity)."""
        if not self.check:
            return set()
        return {e.rf for e in self.events if e.kind == R and e.rmw is not None and e.loc == loc}

    def _step(self, tid, ins, threads, promised):
        pc, regs, _ = threads[tid]
        op = ins.op
        events, mo = self.events, self.mo
        if ins.loc is not None and ins.loc not in mo:
            raise MemorderError(f"unknown location {ins.loc!r}").at(getattr(ins.node, "span", None))
        if op == C.FENCE:
            self._add(Event(len(events), tid, F, None, None, ins.order, ins.node))
            self._continue(tid, threads, promised, pc, dict(regs))
            self._pop()
        elif op == C.WRITE:
            val = ins.fn(regs)
            floor = self._floor(tid, ins.loc)
            e = Event(len(events), tid, W, ins.loc, val, ins.order, ins.node)
            self._add(e)
            order = mo[ins.loc]
            for pos in range(len(order), floor, -1):  # every place after the initial write
                if self.check and pos < len(order) and events[order[pos]].rmw is not None:
                    continue  # an RMW's write stays right after the write it read (atomicity)
                order.insert(pos, e.id)
                self._continue(tid, threads, promised, pc, dict(regs))
                del order[pos]
            self._pop()
        elif op == C.READ:
            for w in self._sources(ins.loc, tid, promised):
                r = Event(len(events), tid, R, ins.loc, events[w].val, ins.order, ins.node)
                r.rf = w
                self._add(r)
                new_regs = dict(regs)
                if ins.dst is not None:
                    new_regs[ins.dst] = r.val
                self._continue(tid, threads, promised, pc, new_regs)
                self._pop()
        elif op == C.RMW:
            operand = ins.fn(regs)
            apply = C.RMW_APPLY[ins.rmw_op]
            taken = self._read_by_rmw(ins.loc)
            for w in self._sources(ins.loc, tid, promised):
                if w in taken:
                    continue
                old = events[w].val
                self._rmw(tid, ins, threads, promised, w, old, apply(old, operand), ins.order,
                          {ins.dst: old})
        elif op == C.CAS:
            expected, new = ins.fn(regs), ins.fn2(regs)
            taken = self._read_by_rmw(ins.loc)
            for w in self._sources(ins.loc, tid, promised):
                old = events[w].val
                if old == expected and w not in taken:
                    self._rmw(tid, ins, threads, promised, w, old, new, ins.order,
                              {ins.dst: 1, ins.dst2: old})
                if old != expected or ins.weak:  # a weak CAS may fail spuriously
                    r = Event(len(events), tid, R, ins.loc, old, ins.order2, ins.node)
                    r.rf = w
                    self._add(r)
                    new_regs = dict(regs)
                    for name, val in ((ins.dst, 0), (ins.dst2, old)):
                        if name is not None:
                            new_regs[name] = val
                    self._continue(tid, threads, promised, pc, new_regs)
                    self._pop()
        else:  # pragma: no cover
            raise AssertionError(op)

    def _rmw(self, tid, ins, threads, promised, w, old, new, order, results):
        """An RMW reading w: its write goes right after w in mo (atomicity)."""
        events, pc, regs = self.events, threads[tid][0], threads[tid][1]
        r = Event(len(events), tid, R, ins.loc, old, order, ins.node)
        r.rf = w
        wr = Event(r.id + 1, tid, W, ins.loc, new, order, ins.node)
        r.rmw, wr.rmw = wr.id, r.id
        self._add(r)
        self._add(wr)
        order_list = self.mo[ins.loc]
        pos = order_list.index(w) + 1
        order_list.insert(pos, wr.id)
        new_regs = dict(regs)
        for name, val in results.items():
            if name is not None:
                new_regs[name] = val
        self._continue(tid, threads, promised, pc, new_regs, new=2)
        del order_list[pos]
        self._pop()
        self._pop()
