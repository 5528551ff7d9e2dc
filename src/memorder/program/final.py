"""Final states: the outcome of a complete execution, and the condition and filter on it.

Both engines report outcomes as tuples in one fixed key order (every thread's
user-visible registers, then every location), so a final state is compact and
comparable; `as_dict` gives it the JSON contract's keys (`T:r`, `x`).
"""
from __future__ import annotations

from memorder.base import syntax as S
from memorder.base.errors import MemorderError
from memorder.program import lower as C


class FinalStates:
    """Evaluates final states of complete executions: outcome, condition, filter."""

    def __init__(self, program):
        self.program = program
        self.keys = []
        self.reg_keys = []
        for t in program.threads:
            for r in C.ThreadCode(t).registers:
                self.keys.append(f"{t.name}:{r}")
                self.reg_keys.append((t.name, r))
        self.loc_names = [l.name for l in program.locations]
        self.keys += self.loc_names
        self.thread_index = {t.name: i for i, t in enumerate(program.threads)}
        self.condition = self.compile(program.condition.expr) if program.condition else None
        self.filter = self.compile(program.filter) if program.filter is not None else None

    def compile(self, expr):
        """A function of a state (per-thread register dicts, memory dict) -> value."""
        def lookup(node):
            if isinstance(node, S.FinalReg):
                tid, name = self.thread_index[node.thread], node.name
                return lambda st: st[0][tid].get(name, 0)
            if isinstance(node, S.FinalLoc):
                loc = node.loc
                return lambda st: st[1][loc]
            raise MemorderError(f"unexpected {type(node).__name__} in a condition").at(node.span)
        return C.pure(expr, lookup)

    def outcome(self, registers, memory) -> tuple:
        vals = [registers[self.thread_index[t]].get(r, 0) for t, r in self.reg_keys]
        return tuple(vals) + tuple(memory[l] for l in self.loc_names)

    def as_dict(self, outcome) -> dict:
        return dict(zip(self.keys, outcome))
