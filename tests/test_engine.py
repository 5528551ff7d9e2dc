"""The explicit engine: known execution counts, and algebraic laws of the model."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import examples
from memorder.program import lower as C
from memorder.base import syntax as S
from memorder.analyses.check import check_program
from memorder.engines.result import Settings
from memorder.program.final import FinalStates as Judge
from memorder.engines.explorer import Explorer
from memorder.model.events import Execution
from memorder.model import rc11
from memorder.base.orders import ACQUIRE, RELAXED, RELEASE, SEQ_CST, LEGAL
from programs import fetch_add, load, program, programs, store


def sb(o):
    return program([[store("x", 1, o), load("a", "y", o)], [store("y", 1, o), load("a", "x", o)]])


def mp(ws, rl):
    return program([[store("x", 1), store("y", 1, ws)], [load("a", "y", rl), load("b", "x")]])


CLASSICS = {  # known RC11 execution counts (GenMC's, herd7's)
    "SB relaxed": (sb(RELAXED), 4),
    "SB seq_cst": (sb(SEQ_CST), 3),
    "MP relaxed": (mp(RELAXED, RELAXED), 4),
    "MP rel/acq": (mp(RELEASE, ACQUIRE), 3),
    "LB relaxed": (program([[load("a", "x"), store("y", 1)], [load("a", "y"), store("x", 1)]]), 3),
    "IRIW relaxed": (program([[store("x", 1)], [store("y", 1)],
                              [load("a", "x"), load("b", "y")], [load("a", "y"), load("b", "x")]]), 16),
    "WRC relaxed": (program([[store("x", 1)], [load("a", "x"), store("y", 1)],
                             [load("a", "y"), load("b", "x")]]), 8),
    "2+2W relaxed": (program([[store("x", 1), store("y", 2)], [store("y", 1), store("x", 2)]]), 4),
    "two fetch_adds": (program([[fetch_add("x")], [fetch_add("x")]]), 2),
    "ainc-4": (program([[fetch_add("x")]] * 4), 24),
}


@pytest.mark.parametrize("name", sorted(CLASSICS))
def test_classic_execution_counts(name):
    prog, expected = CLASSICS[name]
    r = check_program(prog)
    assert r["executions"] == expected
    assert r["explored"] == expected  # each execution built once, none inconsistent completed


def test_sb_seq_cst_forbids_both_zero():
    outs = check_program(sb(SEQ_CST))["outcomes"]
    assert {"0:a": 0, "1:a": 0, "x": 1, "y": 1} not in outs
    assert {"0:a": 0, "1:a": 0, "x": 1, "y": 1} in check_program(sb(RELAXED))["outcomes"]


def test_mp_rel_acq_forbids_stale_read():
    stale = {"1:a": 1, "1:b": 0, "x": 1, "y": 1}
    assert stale in check_program(mp(RELAXED, RELAXED))["outcomes"]
    assert stale not in check_program(mp(RELEASE, ACQUIRE))["outcomes"]


def test_plain_race_found_and_fixed_by_release_acquire():
    def prog(ws, rl):
        return program([[S.PlainWrite("d", S.Const(1)), store("f", 1, ws)],
                        [load("a", "f", rl), S.If(S.Reg("a"), (S.Let(("b",), S.PlainRead("d")),))]],
                       locs=("f",), plain=("d",))
    racy = check_program(prog(RELAXED, RELAXED))
    assert [r["location"] for r in racy["races"]] == ["d"]
    assert check_program(prog(RELEASE, ACQUIRE))["races"] == []


def test_weak_cas_fails_spuriously():
    strong = S.Let(("ok",), S.Cas("x", S.Const(0), S.Const(1), RELAXED, RELAXED, False))
    weak = dataclasses.replace(strong, value=dataclasses.replace(strong.value, weak=True))
    assert check_program(program([[strong]]))["executions"] == 1
    r = check_program(program([[weak]]))
    assert r["executions"] == 2
    assert {o["0:ok"] for o in r["outcomes"]} == {0, 1}


def test_loop_bound_is_reported():
    spin = S.While(S.Binary("==", S.Load("x", ACQUIRE), S.Const(0)), ())
    r = check_program(program([[spin], [store("x", 1, RELEASE)]]), Settings(unroll=2))
    assert r["bounded"] > 0
    assert r["executions"] >= 1


def test_assume_blocks():
    wait = S.Assume(S.Binary("==", S.Load("x", ACQUIRE), S.Const(1)))
    r = check_program(program([[wait], [store("x", 1, RELEASE)]]))
    assert r["executions"] == 1 and r["blocked"] == 1


# ---------------------------------------------------------------- laws

def _leaves(prog, model=rc11, unroll=2):
    got = []
    Explorer(prog, model, unroll).run(lambda leaf: got.append(leaf.execution.snapshot())
                                      if leaf.status == "complete" else None)
    return got


SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(programs())
def test_every_reported_execution_satisfies_the_axioms(prog):
    executions = _leaves(prog)
    keys = set()
    for ex in executions:
        d = rc11.derive(ex.base())
        assert all(check(d) for _, check in rc11.AXIOMS)
        keys.add(_execution_key(ex))
    assert len(keys) == len(executions), "an execution was built twice"


def _execution_key(ex: Execution):
    evs = sorted(((e.tid, e.kind, str(e.loc), e.val, str(e.order), id(e.node)), e.id)
                 for e in ex.events)
    ident = {eid: i for i, (_, eid) in enumerate(evs)}
    rf = tuple(sorted((ident[e.id], ident[e.rf]) for e in ex.events if e.rf is not None))
    mo = tuple(sorted((l, tuple(ident[w] for w in ws)) for l, ws in ex.mo.items()))
    return tuple(k for k, _ in evs), rf, mo


@SETTINGS
@given(programs())
def test_sc_outcomes_are_rc11_outcomes(prog):
    sc = {tuple(sorted(o.items())) for o in check_program(prog, Settings(model="sc"))["outcomes"]}
    rc = {tuple(sorted(o.items())) for o in check_program(prog)["outcomes"]}
    assert sc <= rc


def interleavings(prog):
    """Outcomes of every interleaving of the threads over one memory: SC by brute force."""
    codes = [C.ThreadCode(t) for t in prog.threads]
    judge = Judge(prog)
    outcomes = set()

    def run_local(tid, pc, regs):
        code = codes[tid].code
        while True:
            ins = code[pc]
            if ins.op == C.LOCAL:
                regs[ins.dst] = ins.fn(regs)
                pc += 1
            elif ins.op == C.JUMPF:
                pc = pc + 1 if ins.fn(regs) else ins.target
            elif ins.op == C.JUMP:
                pc = ins.target
            elif ins.op in (C.ASSERT, C.LOOP_INIT):
                pc += 1
            else:
                return pc

    def go(state, memory):
        done = True
        for tid, (pc, regs) in enumerate(state):
            ins = codes[tid].code[pc]
            if ins.op == C.END:
                continue
            done = False
            for new_regs, new_mem in step(ins, regs, memory):
                nxt = list(state)
                nxt[tid] = (run_local(tid, pc + 1, new_regs), new_regs)
                go(nxt, new_mem)
        if done:
            outcomes.add(judge.outcome([r for _, r in state], memory))

    def step(ins, regs, memory):
        m = dict(memory)
        r = dict(regs)
        if ins.op == C.FENCE:
            yield r, m
        elif ins.op == C.READ:
            if ins.dst:
                r[ins.dst] = m[ins.loc]
            yield r, m
        elif ins.op == C.WRITE:
            m[ins.loc] = ins.fn(regs)
            yield r, m
        elif ins.op == C.RMW:
            old = m[ins.loc]
            m[ins.loc] = C.RMW_APPLY[ins.rmw_op](old, ins.fn(regs))
            if ins.dst:
                r[ins.dst] = old
            yield r, m
        elif ins.op == C.CAS:
            old = m[ins.loc]
            if old == ins.fn(regs):
                m[ins.loc] = ins.fn2(regs)
                yield {**r, **({ins.dst: 1} if ins.dst else {}), **({ins.dst2: old} if ins.dst2 else {})}, m
            if old != ins.fn(regs) or ins.weak:
                yield ({**r, **({ins.dst: 0} if ins.dst else {}), **({ins.dst2: old} if ins.dst2 else {})},
                       dict(memory))

    init = []
    for tid, code in enumerate(codes):
        regs = {name: 0 for name in code.registers + code.hidden}
        init.append((run_local(tid, 0, regs), regs))
    go(init, {l.name: l.init for l in prog.locations})
    return {tuple(sorted(judge.as_dict(o).items())) for o in outcomes}


@SETTINGS
@given(programs(plain_ok=False, sc_only=True))
def test_all_seq_cst_programs_have_exactly_the_interleaving_outcomes(prog):
    got = {tuple(sorted(o.items())) for o in check_program(prog)["outcomes"]}
    assert got == interleavings(prog)


def _strengthenings(prog):
    """Every program obtained by strengthening one ordering one step."""
    kinds = {S.Load: "load", S.Store: "store", S.Rmw: "rmw", S.Fence: "fence"}
    for tid, thread in enumerate(prog.threads):
        for i, stmt in enumerate(thread.body):
            node = stmt.value if isinstance(stmt, S.Let) else stmt
            if isinstance(node, S.Cas):
                options = [("success", "rmw"), ("failure", "cas_failure")]
            elif type(node) in kinds:
                options = [("order", kinds[type(node)])]
            else:
                continue
            for field, kind in options:
                cur = getattr(node, field)
                for o in LEGAL[kind]:
                    if o is not cur and o.is_at_least(cur):
                        new = dataclasses.replace(node, **{field: o})
                        new_stmt = dataclasses.replace(stmt, value=new) if isinstance(stmt, S.Let) else new
                        body = thread.body[:i] + (new_stmt,) + thread.body[i + 1:]
                        threads = prog.threads[:tid] + (dataclasses.replace(thread, body=body),) + prog.threads[tid + 1:]
                        yield dataclasses.replace(prog, threads=threads)


@SETTINGS
@given(programs(max_threads=2, max_ops=3))
def test_strengthening_an_ordering_never_adds_outcomes_or_races(prog):
    base = check_program(prog)
    outs = {tuple(sorted(o.items())) for o in base["outcomes"]}
    races = {(r["location"], r["first"]["line"], r["second"]["line"]) for r in base["races"]}
    for stronger in _strengthenings(prog):
        r = check_program(stronger)
        assert {tuple(sorted(o.items())) for o in r["outcomes"]} <= outs
        assert {(x["location"], x["first"]["line"], x["second"]["line"]) for x in r["races"]} <= races


def _all_leaves(prog, local_checks, model=rc11):
    got = []
    explorer = Explorer(prog, model, 2)
    explorer.local_checks = local_checks
    explorer.run(lambda leaf: got.append((leaf.status, _execution_key(leaf.execution))))
    return got


@SETTINGS
@given(programs(max_threads=3, max_ops=4))
def test_checking_only_the_new_cycles_agrees_with_checking_everything(prog):
    from memorder.model import sc
    for model in (rc11, sc):
        assert _all_leaves(prog, True, model) == _all_leaves(prog, False, model)


@SETTINGS
@given(programs(max_threads=3, max_ops=4))
def test_races_found_as_they_appear_are_the_models_races_of_the_whole_execution(prog):
    def check(leaf):
        if leaf.status != "complete":
            return
        full = rc11.races(rc11.derive(leaf.execution.base()))
        want = {(a, b) for a, b in full.pairs() if a < b} if full is not None else set()
        assert set(leaf.races) == want
    Explorer(prog, rc11, 2).run(check)
