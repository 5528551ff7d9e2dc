"""Interchangeable threads: the program's automorphisms that permute threads.

Two threads are interchangeable when their code is the same once each one's
registers and private locations (accessed by no other thread) are
renamed to the other's, and those locations are declared alike. Swapping two
such threads, with their private locations, maps every execution of the
program to an execution of the program, under any model (models see threads
only through po and ext). So a question that does not name them has the same
answer for both: the SMT engine asks one race query per orbit of racing
pairs, and orders interchangeable threads inside a query (smt.py).
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from memorder.base import syntax as S
from memorder.frontend.validate import _walk

_LOC_FIELDS = {"loc"}


def _locations(body):
    """Every location a thread body mentions, in source order."""
    return [n.loc for stmt in body for n in _walk(stmt) if hasattr(n, "loc")]


def _canonical(node, locs, regs):
    """node with its locations renamed by `locs` and every register renamed in
    order of first appearance (`regs` grows as they appear): registers are
    thread-local, and the front ends number their hidden ones program-wide."""
    if isinstance(node, tuple):
        return tuple(_canonical(n, locs, regs) for n in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, S.Span):
        return node

    def reg(name):
        return name if name is None else regs.setdefault(name, f"%r{len(regs)}")

    changes = {}
    for f in dataclasses.fields(node):
        v = getattr(node, f.name)
        if f.name in _LOC_FIELDS:
            changes[f.name] = locs.get(v, v)
        elif isinstance(node, S.Reg) and f.name == "name":
            changes[f.name] = reg(v)
        elif isinstance(node, S.Let) and f.name == "targets":
            # the value is evaluated before the targets are bound
            changes["value"] = _canonical(node.value, locs, regs)
            changes[f.name] = tuple(reg(t) for t in v)
        elif f.name not in changes:
            changes[f.name] = _canonical(v, locs, regs)
    return dataclasses.replace(node, **changes)


def _pair_nodes(a, b):
    """Two equal-shaped thread bodies side by side: id(node of a) -> node of b."""
    return {id(x): y for sa, sb in zip(a, b) for x, y in zip(_walk(sa), _walk(sb))}


@dataclasses.dataclass
class Symmetry:
    """classes: tuples of interchangeable thread indices (each of size >= 2);
    nodes[(i, j)]: id(AST node of thread i) -> the corresponding node of thread j."""
    classes: tuple[tuple[int, ...], ...]
    nodes: dict

    def class_of(self, tid) -> Optional[tuple[int, ...]]:
        return next((c for c in self.classes if tid in c), None)

    def node(self, i, j, node):
        return node if i == j else self.nodes[(i, j)][id(node)]


def thread_symmetry(program: S.Program) -> Optional[Symmetry]:
    """The classes of interchangeable threads of a resolved program, or None."""
    if program.filter is not None:  # it may name threads' registers: no symmetry assumed
        return None
    users = {}
    bodies = [t.body for t in program.threads]
    mentioned = [_locations(body) for body in bodies]
    for tid, locs in enumerate(mentioned):
        for loc in locs:
            users.setdefault(loc, set()).add(tid)
    decls = {d.name: d for d in program.locations}
    shapes = []
    for tid, body in enumerate(bodies):
        private = []
        for loc in mentioned[tid]:
            if users.get(loc) == {tid} and loc not in private:
                private.append(loc)
        canon = {loc: f"%private{k}" for k, loc in enumerate(private)}
        # Two threads match when their code and their private locations' declarations do.
        shapes.append((_canonical(body, canon, {}), tuple((decls[l].init, decls[l].atomic) for l in private)))
    groups = {}
    for tid, shape in enumerate(shapes):
        groups.setdefault(shape, []).append(tid)
    classes = tuple(tuple(g) for g in groups.values() if len(g) > 1)
    if not classes:
        return None
    nodes = {}
    for c in classes:
        for i in c:
            for j in c:
                if i != j:
                    nodes[(i, j)] = _pair_nodes(bodies[i], bodies[j])
    return Symmetry(classes, nodes)
