"""Explanations: why two accesses race, and why an outcome is forbidden (`memorder why`).

`explain_race(program, execution, race_key)` reads one racy execution and says
which synchronisation could have ordered the two accesses and why it does not:
it looks at every reads-from edge (through release sequences) from the thread of
one access to the thread of the other, and checks the release side (the write,
or a release fence before it) and the acquire side (the read, or an acquire
fence after it), as `sw` in models/rc11.py requires.

`memorder why FILE --outcome '...'` enumerates *candidate* executions (all
ways the threads can run and read, without the RC11 axioms), keeps those that
produce the outcome, and for each shows the axiom it breaks with a cycle.
"""
from __future__ import annotations

import sys

import networkx as nx

from memorder.base import syntax as S
from memorder.program.final import FinalStates
from memorder.program.sites import Site, source_text
from memorder.engines import explicit
from memorder.engines.result import Settings
from memorder.base.errors import MemorderError
from memorder.model.events import F, R, W
from memorder.model import rc11

# ---------------------------------------------------------------- describing events


def op_name(ev) -> str:
    """What kind of operation produced an event, in the user's vocabulary."""
    node = ev.node
    if ev.tid < 0:
        return "initial value"
    if isinstance(node, S.Cas):
        name = "compare_exchange_weak" if node.weak else "compare_exchange"
        return name if ev.rmw is not None or ev.kind == W else f"failed {name}"
    if isinstance(node, S.Rmw):
        return "swap" if node.op == "swap" else f"fetch_{node.op}"
    if isinstance(node, S.Load):
        return "load"
    if isinstance(node, S.Store):
        return "store"
    if isinstance(node, S.PlainRead):
        return "plain read"
    if isinstance(node, S.PlainWrite):
        return "plain write"
    if isinstance(node, S.Fence):
        return f"fence({ev.order})"
    return {R: "read", W: "write", F: "fence"}[ev.kind]


def line_of(ev):
    span = getattr(ev.node, "span", None)
    return span.line if span is not None and span.line else None


def line_text(program, line) -> str:
    """The whole source line, stripped: more telling than a sub-expression's span."""
    lines = program.source.splitlines() if program.source else []
    return lines[line - 1].strip() if line and line <= len(lines) else ""


def thread_name(program, tid) -> str:
    return "init" if tid < 0 else program.threads[tid].name


def describe(program, ev) -> str:
    """E.g. "the writer's store at line 13"; "the initial value of flag"."""
    if ev.tid < 0:
        return f"the initial value of {ev.loc}"
    where = f" at line {line_of(ev)}" if line_of(ev) else ""
    return f"{thread_name(program, ev.tid)}'s {op_name(ev)}{where}"


def access_text(program, ev) -> str:
    """E.g. "`value = 1` (writer, line 31)"."""
    if ev.tid < 0:
        return f"the initial write of {ev.loc}"
    text = source_text(program, getattr(ev.node, "span", None)) or op_name(ev)
    return f"`{text}` ({thread_name(program, ev.tid)}, line {line_of(ev)})"


def order_text(ev) -> str:
    return "non-atomic" if ev.order is None else str(ev.order)


# ---------------------------------------------------------------- races


def _same_site(ev, tid, node) -> bool:
    # by position: two equal-looking accesses on different lines are different sites
    return Site(ev.tid, ev.node) == Site(tid, node)


def race_events(execution, race_key, derived=None):
    """The two events of `execution` that form the race `race_key` = (loc, (t,node), (t,node)).

    Returns (first, second, derived) with first/second ordered as in the key.
    A node inside a loop may occur several times; the pair must be in `dr`.
    """
    loc, (t1, n1), (t2, n2) = race_key
    d = derived or rc11.derive(execution.base())
    dr = rc11.races(d)
    events = execution.events
    for a, b in dr.pairs():
        ea, eb = events[a], events[b]
        if ea.loc != loc:
            continue
        if _same_site(ea, t1, n1) and _same_site(eb, t2, n2):
            return ea, eb, d
        if _same_site(eb, t1, n1) and _same_site(ea, t2, n2):
            return eb, ea, d
    raise MemorderError("the witness execution does not contain the race it was stored for")


def _releases(ev) -> bool:
    return ev.order is not None and ev.order.releases


def _acquires(ev) -> bool:
    return ev.order is not None and ev.order.acquires


def _messages(ex, d, x, y):
    """Every way thread(x) communicates to thread(y) by reads-from in this execution.

    Yields (h, w, r): r, a read of thread(y), reads from w, which is h itself
    or continues h's release sequence (h a write of thread(x)).
    """
    events = ex.events
    X, Y = x.tid, y.tid
    rs = set(d.rs.pairs())
    for r in events:
        if r.kind != R or r.tid != Y:
            continue
        w = events[r.rf]
        if w.tid == X:
            yield w, w, r
            continue
        for h in events:  # w continues the release sequence of a write of thread(x)?
            if h.kind == W and h.tid == X and (h.id, w.id) in rs:
                yield h, w, r
                break


def _fences(ex, tid, lo, hi, want):
    """Fences of thread tid strictly between event ids lo and hi with the property `want`."""
    return [e for e in ex.events if e.kind == F and e.tid == tid and lo < e.id < hi and want(e)]


def _direction(program, ex, d, x, y):
    """Why x does not happen before y, as (rank, text); None when nothing even tried.

    Rank 0: a read that could have synchronised but lacks release/acquire;
    rank 1: communication that comes too early or too late to matter.

    Event ids grow along program order, so `a.id < b.id` for events of one
    thread means a is po-before b.
    """
    timely, stale, late = [], [], []
    for h, w, r in _messages(ex, d, x, y):
        after_x = h.id > x.id
        before_y = r.id <= y.id
        if after_x and before_y:
            timely.append((h, w, r))
        elif before_y:
            stale.append((h, w, r))
        elif after_x:
            late.append((h, w, r))
    X, Y = thread_name(program, x.tid), thread_name(program, y.tid)
    if timely:
        h, w, r = timely[-1]  # the last one before y: the most recent news from X
        reads = f"{describe(program, r)} reads from {describe(program, w)}"
        if w is not h:
            reads += f", which continues the release sequence of {describe(program, h)}"
        problems = []
        rel_fences = _fences(ex, x.tid, x.id, h.id, _releases)
        if not _releases(h) and not rel_fences:
            what = "that " + op_name(h) if w is h else f"the {op_name(h)} at line {line_of(h)}"
            early = _fences(ex, x.tid, -1, x.id, _releases)
            late_f = _fences(ex, x.tid, h.id, sys.maxsize, _releases)
            if early:
                aside = (f"the fence({early[-1].order}) at line {line_of(early[-1])} comes before "
                         f"{access_text(program, x)}, too early to cover it")
            elif late_f:
                aside = (f"the fence({late_f[0].order}) at line {line_of(late_f[0])} comes after "
                         "it, too late")
            else:
                aside = f"not a release, and no release fence precedes it in {X}"
            problems.append(f"{what} is {order_text(h)} ({aside})")
        acq_fences = _fences(ex, y.tid, r.id, y.id + 1, _acquires)
        if r.order is None:
            problems.append(f"the {op_name(r)} at line {line_of(r)} is not atomic")
        elif not _acquires(r) and not acq_fences:
            what = f"the reading {op_name(r)} is {order_text(r)}"
            if isinstance(r.node, S.Cas) and r.rmw is None and r.node.success != r.order:
                what += (f" (it failed, so only its failure ordering applies, not "
                         f"{r.node.success})")
            late_f = _fences(ex, y.tid, y.id, sys.maxsize, _acquires)
            if late_f:
                aside = (f"the fence({late_f[0].order}) at line {line_of(late_f[0])} comes only "
                         f"after {access_text(program, y)}")
            else:
                aside = f"not an acquire, and no acquire fence follows it in {Y}"
            problems.append(f"{what} ({aside})")
        if not problems:  # both sides look right: say so rather than invent a reason
            return 0, (f"{reads}; that should synchronise {X} with {Y}, yet no happens-before "
                    f"edge results in this execution")
        return 0, (f"{reads}, but {' and '.join(problems)}, so there is no synchronises-with "
                   f"edge from {X} to {Y}")
    if stale:
        h, w, r = stale[-1]
        return 1, (f"{describe(program, r)} reads from {describe(program, w)}, but that write "
                   f"comes before {access_text(program, x)} in program order, so it cannot "
                   "publish it")
    if late:
        h, w, r = late[0]
        return 1, (f"{describe(program, r)} reads from {describe(program, w)}, but only after "
                   f"{access_text(program, y)}, too late to order it")
    return None


def explain_race(program, execution, race_key) -> str:
    """A sentence or two: why the racing accesses of `race_key` are unordered by hb."""
    x, y, d = race_events(execution, race_key)
    head = (f"{access_text(program, x)} and {access_text(program, y)} are not ordered by "
            f"happens-before: ")
    found = [why for why in (_direction(program, execution, d, x, y),
                             _direction(program, execution, d, y, x)) if why]
    if found:
        best = min(rank for rank, _ in found)
        return head + "; ".join(text for rank, text in found if rank == best) + "."
    stale = _stale_reads(program, execution, x, y) + _stale_reads(program, execution, y, x)
    if not stale:
        return head + (f"neither thread reads anything the other wrote, so no synchronisation "
                       f"links {thread_name(program, x.tid)} and {thread_name(program, y.tid)} "
                       "in this execution.")
    text = head + "neither thread sees the other's writes: " + "; ".join(
        f"{describe(program, r)} reads {_value_source(program, execution, r)}, older than "
        f"{describe(program, w)}" for r, w in stale)
    threads = {r.tid for r, _ in stale}
    if len(threads) == 2 and all(r.order is not None and not r.order.is_sc for r, _ in stale):
        text += (". Each thread writes and then reads what the other writes (store "
                 "buffering): Release/Acquire or Relaxed allows both reads to miss the other "
                 "thread's write; SeqCst stores and loads (or SeqCst fences between them) "
                 "forbid it")
    return text + "."


def _value_source(program, ex, r) -> str:
    w = ex.events[r.rf]
    return f"the initial value of {r.loc}" if w.tid < 0 else f"the value of {describe(program, w)}"


def _stale_reads(program, ex, x, y):
    """Reads of thread(y), before y, that read a value mo-older than a write of thread(x)
    to that location made before x: the reads that missed thread(x)'s news."""
    events = ex.events
    out = []
    for r in events:
        if r.kind != R or r.tid != y.tid or r.id > y.id or r.loc is None:
            continue
        order = ex.mo[r.loc]
        for w in events:
            if (w.kind == W and w.tid == x.tid and w.loc == r.loc and w.id < x.id
                    and order.index(r.rf) < order.index(w.id)):
                out.append((r, w))
                break
    return out


def explain_races(program, summary) -> dict:
    """race key -> explanation, for a Summary explored with witnesses=True."""
    out = {}
    for key, witness in summary.races.items():
        if witness is not None:
            out[key] = explain_race(program, witness, key)
    return out


# ---------------------------------------------------------------- outcomes


def parse_outcome(program, text) -> dict:
    """'reader.r=1, x=0' -> {"reader:r": 1, "x": 0} in FinalStates' keys.

    A register is `thread.r` or `thread:r`, or a bare `r` when exactly one
    thread has a register of that name; a bare location name is its final value.
    """
    keys = FinalStates(program).keys
    locs = {l.name for l in program.locations}
    spec = {}
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip().rstrip("=").strip()
        try:
            val = int(value.strip().lstrip("="), 0)
        except ValueError:
            raise MemorderError(f"expected NAME=integer in --outcome, got {item!r}") from None
        if not sep:
            raise MemorderError(f"expected NAME=integer in --outcome, got {item!r}")
        key = name.replace(".", ":", 1) if "." in name else name
        if key not in keys:
            regs = [k for k in keys if ":" in k and k.split(":", 1)[1] == name]
            if ":" not in key and key not in locs and len(regs) == 1:
                key = regs[0]
            elif len(regs) > 1:
                raise MemorderError(f"register {name!r} is ambiguous in --outcome: write "
                                    + " or ".join(r.replace(":", ".") for r in regs))
            else:
                raise MemorderError(f"unknown register or location {name!r} in --outcome "
                                    f"(known: {', '.join(keys)})")
        spec[key] = val
    if not spec:
        raise MemorderError("--outcome needs at least one NAME=value")
    return spec


def matches(state: dict, spec: dict) -> bool:
    return all(state.get(k) == v for k, v in spec.items())


AXIOM_TEXT = {
    "coherence1": "irreflexive hb ; eco?",
    "coherencermw": "irreflexive rmw ; eco",
    "atomicity": "empty rmw & (rb ; mo)",
    "SC": "acyclic psc_base | psc_f",
    "no-thin-air": "acyclic po | rf",
}


def candidates(program, spec, unroll=2, timeout=None, max_candidates=None):
    """Complete RC11 candidate executions producing the outcome `spec`, as
    (snapshot, failing axiom names); and why the search was cut short (or None)."""
    finals = FinalStates(program)
    return explicit.candidates(program, Settings("rc11", "enumerate", unroll, timeout),
                               lambda outcome: matches(finals.as_dict(outcome), spec),
                               max_candidates)


def _rel_graph(rel) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_edges_from(rel.pairs())
    return g


def _labelled(d, pairs, prefer=()):
    """Name each edge of a cycle by the most basic relation containing it.

    `prefer` lists relation names tried first: a step of an hb path is named
    `sw` rather than `rf` even when the two coincide.
    """
    x = d.x
    named = {"rmw": x.rmw, "rf": x.rf, "mo": x.mo, "rb": d.rb, "po": x.po,
             "sw": d.sw, "hb": d.hb, "eco": d.eco}
    order = list(prefer) + [n for n in named if n not in prefer]
    sets = [(name, set(named[name].pairs())) for name in order]
    out = []
    for a, b in pairs:
        label = next((name for name, s in sets if (a, b) in s), "psc")
        out.append((a, b, label))
    return out


HB_STEPS = ("po", "sw")
ECO_STEPS = ("rf", "mo", "rb")


def _path(rel, a, b):
    path = nx.shortest_path(_rel_graph(rel), a, b)
    return list(zip(path, path[1:]))


def axiom_cycle(name, d) -> list:
    """A cycle (or, for atomicity, the offending path) witnessing that axiom `name`
    fails in the execution derived as `d`: a list of (event id, event id, label)."""
    x = d.x
    step = x.po | d.sw  # hb = step+
    eco_step = x.rf | x.mo | d.rb  # eco = eco_step+
    if name == "coherence1":
        hb, eco = set(d.hb.pairs()), set(d.eco.pairs())
        for a, b in sorted(hb):
            if a == b:  # hb itself is cyclic
                return _labelled(d, [(u, v) for u, v, *_ in nx.find_cycle(_rel_graph(step), a)],
                                 HB_STEPS)
            if (b, a) in eco:
                return (_labelled(d, _path(step, a, b), HB_STEPS)
                        + _labelled(d, _path(eco_step, b, a), ECO_STEPS))
    if name == "coherencermw":
        eco = set(d.eco.pairs())
        for a, b in x.rmw.pairs():
            if (b, a) in eco:
                return _labelled(d, [(a, b)]) + _labelled(d, _path(eco_step, b, a), ECO_STEPS)
    if name == "atomicity":
        mo, rb = set(x.mo.pairs()), set(d.rb.pairs())
        for r, w in x.rmw.pairs():
            for w2 in range(x.mo.n):  # a write mo-between the one r reads and r's own write
                if (r, w2) in rb and (w2, w) in mo:
                    return _labelled(d, [(r, w2), (w2, w), (r, w)])
    if name == "SC":
        return _labelled(d, [(a, b) for a, b, *_ in nx.find_cycle(_rel_graph(d.psc))])
    if name == "no-thin-air":
        return _labelled(d, [(a, b) for a, b, *_ in nx.find_cycle(_rel_graph(x.po | x.rf))])
    return []


def event_brief(program, ev) -> str:
    """E.g. "reader line 20 `let r = value` (R value=0, non-atomic)"."""
    kind = {R: "R", W: "W", F: "F"}[ev.kind]
    val = f" {ev.loc}={ev.val}" if ev.loc is not None else ""
    if ev.tid < 0:
        return f"init ({kind}{val})"
    return (f"{thread_name(program, ev.tid)} line {line_of(ev)} "
            f"`{line_text(program, line_of(ev))}` ({kind}{val}, {order_text(ev)})")


def format_cycle(program, ex, cycle, indent="    ") -> list[str]:
    lines = []
    for a, b, label in cycle:
        lines.append(f"{indent}{event_brief(program, ex.events[a])}")
        lines.append(f"{indent}   --{label}-->")
    if cycle:
        last = cycle[-1][1]
        lines.append(f"{indent}{event_brief(program, ex.events[last])}")
    return lines
