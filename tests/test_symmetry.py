"""Interchangeable threads (symmetry.py) and the SMT race queries that use them.

The SMT engine asks one race query per orbit of racing pairs and orders the
interchangeable threads a query does not name; both are exact only if the
threads found interchangeable really are. Checked here: which threads are
found, and that the SMT engine's races equal the explicit engine's (which
knows nothing of symmetry) on programs with copied threads.
"""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples, require_shared
from memorder.base import syntax as S
from memorder.engines.explicit import explore
from memorder.engines.result import Settings
from memorder.frontend.load import load_program
from memorder.frontend.native import parse_native
from memorder.frontend.validate import resolve_orders
from memorder.engines.smt import Encoding, Session, _racing_keys, check_smt, compare, smt_has_race
from memorder.engines.smt_algebra import z
from memorder.program.symmetry import thread_symmetry
from test_cross_check import programs

BENCH = ("bench", "litmus")


def bench_program(family, n):
    path = require_shared(*BENCH, family, f"{family}-{n}.litmus")
    return resolve_orders(load_program(str(path)), {})


def native(text):
    return resolve_orders(parse_native(text, "<test>"), {})


def test_borrowflag_readers_are_interchangeable():
    # Each reader has its own `expected` location e_k and hidden CAS registers
    # numbered program-wide: both are renamed away.
    sym = thread_symmetry(bench_program("borrowflag", 3))
    assert sym.classes == ((1, 2, 3),)


def test_private_locations_declared_differently_break_symmetry():
    # readers-N: reader k reads its own idx_k, initialised to k-1.
    assert thread_symmetry(bench_program("readers", 3)) is None


@pytest.mark.parametrize("program, classes", [
    # Same code on a shared location: interchangeable.
    ("""atomic x = 0
        thread A { let r = x.load(Relaxed) }
        thread B { let r = x.load(Relaxed) }
        thread C { x.store(1, Release) }""", ((0, 1),)),
    # A different ordering is different code.
    ("""atomic x = 0
        thread A { let r = x.load(Relaxed) }
        thread B { let r = x.load(Acquire) }""", None),
    # Private locations map to private locations, shared ones stay themselves.
    ("""atomic x = 0
        plain p = 0
        plain q = 0
        thread A { p = 1  let r = x.load(Relaxed) }
        thread B { q = 1  let r = x.load(Relaxed) }""", ((0, 1),)),
    ("""atomic x = 0
        plain p = 0
        thread A { p = 1  let r = x.load(Relaxed) }
        thread B { p = 1  let r = x.load(Relaxed) }""", ((0, 1),)),
    ("""plain p = 0
        plain q = 5
        thread A { p = 1 }
        thread B { q = 1 }""", None),
    # Registers are renamed consistently, not matched by name alone.
    ("""atomic x = 0
        thread A { let a = x.load(Relaxed)  let b = x.load(Relaxed)  x.store(a, Relaxed) }
        thread B { let a = x.load(Relaxed)  let b = x.load(Relaxed)  x.store(b, Relaxed) }""", None),
])
def test_classes(program, classes):
    sym = thread_symmetry(native(program))
    assert (sym.classes if sym else None) == classes


@pytest.mark.parametrize("family, race", [("borrowflag", False), ("borrowflag_rlx", True)])
def test_borrowflag_races_agree(family, race):
    small = bench_program(family, 2)  # every answer, execution counts included
    assert not compare(explore(small, Settings("rc11", unroll=2)), check_smt(small, "rc11", 2))
    program = bench_program(family, 3)  # the race verdict and the racing pairs
    ref = explore(program, Settings("rc11", unroll=2))
    assert bool(ref.races) == race == smt_has_race(program, "rc11", 2)
    assert smt_race_keys(program, "rc11") == _keys(ref.races)


def _keys(races):
    return {(loc, (a[0], a[1]), (b[0], b[1])) for loc, a, b in races}


def smt_race_keys(program, model):
    enc = Encoding(program, model, 2)
    sess = Session(enc)
    sess.solver.add(z(enc.complete, enc.zctx))
    return _keys(_racing_keys(enc, sess))


@st.composite
def symmetric_programs(draw):
    """Two random threads, the second copied once or twice (each copy, and the
    original, sometimes with a private plain location of its own)."""
    p = draw(programs())
    private = draw(st.booleans())
    threads, locations = [p.threads[0]], list(p.locations)
    for k in range(draw(st.integers(2, 3))):
        body = p.threads[1].body
        if private:
            loc = f"own{k}"
            locations.append(S.LocationDecl(loc, False))
            body = (S.PlainWrite(loc, S.Const(1)), S.Let((None,), S.PlainRead(loc))) + body
        threads.append(S.Thread(f"T{1 + k}", body))
    return dataclasses.replace(p, threads=tuple(threads), locations=tuple(locations))


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(symmetric_programs())
def test_symmetric_programs_race_alike(program):
    assert thread_symmetry(program) is not None
    for model in ("rc11", "sc"):
        ref = _keys(explore(program, Settings(model, unroll=2)).races)
        assert smt_race_keys(program, model) == ref, f"{program}\n({model})"
        assert smt_has_race(program, model, 2) == bool(ref)
