"""`memorder show`: one execution as a graph (DOT / SVG / PNG) or an annotated listing.

The graph is built with networkx (a MultiDiGraph: several relations may join
the same two events) and drawn with the `graphviz` package, which needs
Graphviz's `dot` program for SVG/PNG/PDF. Without `dot`, the DOT text is
written instead and the command says so.

Edge styles: po black, rf red, mo blue dashed, sw green bold, rmw grey dotted;
a data race is a red double-headed dashed edge between two red-filled events;
the edges of a violated axiom's cycle (for a forbidden outcome) are orange.
"""
from __future__ import annotations

from pathlib import Path

import networkx as nx

from memorder.base.errors import MemorderError
from memorder.model.events import F, R, W
from memorder.analyses.explain import line_of, line_text, order_text, thread_name
from memorder.model import rc11

STYLE = {
    "po": dict(color="black"),
    "rf": dict(color="#c0392b", fontcolor="#c0392b", label="rf", constraint="false"),
    "mo": dict(color="#2e6fd8", fontcolor="#2e6fd8", label="mo", style="dashed", constraint="false"),
    "sw": dict(color="#1e8449", fontcolor="#1e8449", label="sw", style="bold", constraint="false"),
    "rmw": dict(color="grey40", fontcolor="grey40", label="rmw", style="dotted"),
    "race": dict(color="red", fontcolor="red", label="race", style="dashed", dir="both",
                 penwidth="2.5", constraint="false"),
}
CYCLE_COLOR = "#e67e22"


# ---------------------------------------------------------------- the graph


def event_label(program, ev) -> str:
    """Two or three lines: what the event did, with its ordering; the source line."""
    if ev.tid < 0:
        return f"init\nW {ev.loc} = {ev.val}"
    if ev.kind == F:
        head = f"F {order_text(ev)}"
    else:
        rmw = " (rmw)" if ev.rmw is not None else ""
        head = f"{ev.kind}{rmw} {ev.loc} = {ev.val}   {order_text(ev)}"
    text = line_text(program, line_of(ev))
    if len(text) > 44:
        text = text[:41] + "..."
    return f"e{ev.id}: {head}\nline {line_of(ev)}: {text}"


def execution_graph(program, ex, race=None, cycle=()) -> nx.MultiDiGraph:
    """The execution as a graph: nodes are event ids, edges carry `rel`.

    `race` is a pair of event ids to highlight; `cycle` a list of
    (a, b, label) edges of a violated axiom (explain.axiom_cycle).
    """
    g = nx.MultiDiGraph()
    events = ex.events
    race = set(race or ())
    for ev in events:
        g.add_node(ev.id, tid=ev.tid, label=event_label(program, ev),
                   highlight=ev.id in race)
    # po: immediate successors only (ids grow along po within a thread).
    last = {}
    for ev in events:
        if ev.tid >= 0:
            if ev.tid in last:
                g.add_edge(last[ev.tid], ev.id, rel="po")
            last[ev.tid] = ev.id
    for ev in events:
        if ev.kind == R:
            g.add_edge(ev.rf, ev.id, rel="rf")
        if ev.kind == R and ev.rmw is not None:
            g.add_edge(ev.id, ev.rmw, rel="rmw")
    for ws in ex.mo.values():
        for a, b in zip(ws, ws[1:]):  # mo is total per location: draw its immediate steps
            g.add_edge(a, b, rel="mo")
    d = rc11.derive(ex.base())
    for a, b in d.sw.pairs():
        g.add_edge(a, b, rel="sw")
    if len(race) == 2:
        a, b = sorted(race)
        g.add_edge(a, b, rel="race")
    for a, b, label in cycle:
        g.add_edge(a, b, rel="cycle", label=label)
    return g


LEGEND = ("po: black   rf: red   mo: blue dashed   sw: green bold   rmw: grey dotted   "
          "race: red double-headed   violated cycle: orange")


def _wrap(text, width=110) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width))


def to_dot(program, g: nx.MultiDiGraph, title: str, notes=()):
    """A graphviz.Digraph: one cluster per thread, events top to bottom in po."""
    import graphviz
    label = "\n".join([_wrap(title)] + [_wrap(n) for n in notes] + [LEGEND])
    dot = graphviz.Digraph("execution", graph_attr=dict(
        label=label, labelloc="t", fontsize="14", rankdir="TB", newrank="true",
        fontname="Helvetica"),
        node_attr=dict(shape="box", style="rounded,filled", fillcolor="white",
                       fontname="Helvetica", fontsize="10"),
        edge_attr=dict(fontname="Helvetica", fontsize="9"))
    groups = {}
    for n, data in g.nodes(data=True):
        groups.setdefault(data["tid"], []).append(n)
    for tid in sorted(groups):
        name = "init" if tid < 0 else program.threads[tid].name
        with dot.subgraph(name=f"cluster_{tid + 1}") as c:
            c.attr(label=f"thread {name}" if tid >= 0 else "initial writes", style="rounded",
                   color="grey60")
            for n in sorted(groups[tid]):
                data = g.nodes[n]
                attrs = dict(fillcolor="#f5b7b1", color="red", penwidth="2") \
                    if data["highlight"] else {}
                c.node(f"e{n}", data["label"], **attrs)
            if tid < 0:  # initial writes side by side, above the threads
                c.attr(rank="same")
    for a, b, data in g.edges(data=True):
        rel = data["rel"]
        if rel == "cycle":
            attrs = dict(color=CYCLE_COLOR, fontcolor=CYCLE_COLOR, penwidth="3",
                         label=data["label"], constraint="false")
        else:
            attrs = dict(STYLE.get(rel, {}))
        dot.edge(f"e{a}", f"e{b}", **attrs)
    return dot


def write_graph(dot, path: str, err) -> int:
    """Write DOT, or render SVG/PNG/PDF with `dot`; fall back to .dot when it is missing."""
    import graphviz
    target = Path(path)
    fmt = target.suffix.lstrip(".").lower()
    if fmt in ("dot", "gv"):
        target.write_text(dot.source)
        return 0
    if fmt not in ("svg", "png", "pdf"):
        raise MemorderError(f"-o {path}: use a .svg, .png, .pdf or .dot file name")
    try:
        target.write_bytes(dot.pipe(format=fmt))
        return 0
    except graphviz.ExecutableNotFound:
        fallback = target.with_suffix(".dot")
        fallback.write_text(dot.source)
        err.write(f"memorder: Graphviz's `dot` program is not installed, so {path} was not "
                  f"drawn; wrote the graph as DOT to {fallback} instead.\n"
                  f"Install Graphviz (e.g. `apt-get install graphviz`) and run again, or "
                  f"run `dot -T{fmt} {fallback} -o {path}` elsewhere.\n")
        return 1


# ---------------------------------------------------------------- the text listing


def text_listing(program, ex, race=None, cycle=(), indent="") -> str:
    """An annotated per-thread listing of an execution, for terminals and CI logs."""
    events = ex.events
    race = set(race or ())
    mo_pos = {w: (loc, i) for loc, ws in ex.mo.items() for i, w in enumerate(ws)}
    d = rc11.derive(ex.base())
    sw_in = {}
    for a, b in d.sw.pairs():
        sw_in.setdefault(b, []).append(a)
    in_cycle = {a for a, _, _ in cycle} | {b for _, b, _ in cycle}
    lines = [indent + "init: " + ", ".join(f"{e.loc} = {e.val} (e{e.id})"
                                           for e in events if e.tid < 0)]
    for tid, thread in enumerate(program.threads):
        lines.append(f"{indent}thread {thread.name}:")
        mine = [e for e in events if e.tid == tid]
        if not mine:
            lines.append(f"{indent}  (no memory accesses)")
        for e in mine:
            if e.kind == F:
                what = f"fence {order_text(e)}"
            else:
                what = f"{e.kind}{'(rmw)' if e.rmw is not None else ''} {e.loc} = {e.val}  {order_text(e)}"
            notes = []
            if e.kind == R:
                src = events[e.rf]
                notes.append(f"reads from e{src.id}" + (" (init)" if src.tid < 0 else
                                                       f" ({thread_name(program, src.tid)} line {line_of(src)})"))
            if e.kind == W:
                loc, i = mo_pos[e.id]
                notes.append(f"mo #{i} of {loc}")
            for a in sw_in.get(e.id, ()):
                notes.append(f"synchronises with e{a}")
            if e.id in race:
                notes.append("<== RACE")
            if e.id in in_cycle:
                notes.append("<== cycle")
            text = line_text(program, line_of(e))
            lines.append(f"{indent}  e{e.id:<3} {what:<28} line {line_of(e)}: {text}")
            if notes:
                lines.append(f"{indent}        {'; '.join(notes)}")
    mo_lines = [f"{loc}: " + " -> ".join(f"e{w}({events[w].val})" for w in ws)
                for loc, ws in ex.mo.items() if len(ws) > 1]
    if mo_lines:
        lines.append(f"{indent}mo: " + f"\n{indent}    ".join(mo_lines))
    return "\n".join(lines)
