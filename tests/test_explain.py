"""Race explanations and `memorder why`."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from memorder import cli
from memorder.engines.explicit import explore
from memorder.analyses.explain import explain_races, parse_outcome
from memorder.frontend.load import load_program
from memorder.frontend.native import parse_native
from memorder.frontend.validate import resolve_orders

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def explanations(text):
    program = resolve_orders(parse_native(text, "t.litmus"))
    return list(explain_races(program, explore(program, witnesses=True)).values())


MP = """\
atomic flag = 0
plain data = 0
thread p {{ data = 1
  {fence_p}flag.store(1, {store}) }}
thread c {{ let r = flag.load({load})
  {fence_c}if r == 1 {{ let d = data }} }}
"""


def mp(store="Release", load="Acquire", fence_p="", fence_c=""):
    return MP.format(store=store, load=load, fence_p=fence_p, fence_c=fence_c)


def test_relaxed_store_is_named():
    [why] = explanations(mp(store="Relaxed"))
    assert "c's load at line 5 reads from p's store at line 4" in why
    assert "that store is Relaxed" in why and "no synchronises-with edge from p to c" in why
    assert "reading load" not in why  # the load is Acquire: not a problem


def test_relaxed_load_is_named():
    [why] = explanations(mp(load="Relaxed"))
    assert "the reading load is Relaxed" in why and "no acquire fence follows it in c" in why
    assert "that store" not in why


def test_fences_count():
    assert explanations(mp(store="Relaxed", load="Relaxed", fence_p="fence(Release)\n  ",
                           fence_c="fence(Acquire)\n  ")) == []
    [why] = explanations(mp(store="Relaxed", load="Relaxed", fence_p="fence(Release)\n  "))
    assert "reading load is Relaxed" in why and "that store" not in why


def test_store_before_the_data_cannot_publish_it():
    text = """\
atomic flag = 0
plain data = 0
thread p { flag.store(1, Release)
  data = 1 }
thread c { let r = flag.load(Acquire)
  if r == 1 { let d = data } }
"""
    whys = explanations(text)
    assert whys and any("comes before `data = 1`" in w for w in whys)


def test_store_buffering_is_explained():
    text = (EXAMPLES / "dekker_acqrel.litmus").read_text()
    whys = explanations(text)
    assert whys and all("store buffering" in w and "SeqCst" in w for w in whys)


def test_pyo3_cas_explanation():
    program = resolve_orders(load_program(str(EXAMPLES / "pyo3_borrowflag_relaxed.litmus")))
    [why] = explain_races(program, explore(program, witnesses=True)).values()
    assert "compare_exchange at line 29 reads from reader's fetch_sub at line 21" in why
    assert "Relaxed" in why


def test_release_sequence_through_another_threads_rmw():
    text = """\
atomic flag = 0
plain data = 0
thread p { data = 1
  flag.store(1, Release) }
thread q { flag.fetch_add(1, Relaxed) }
thread c { let r = flag.load(Relaxed)
  if r == 2 { let d = data } }
"""
    whys = explanations(text)
    assert any("continues the release sequence of p's store at line 4" in w for w in whys)


def test_parse_outcome_forms():
    program = resolve_orders(load_program(str(EXAMPLES / "mp.litmus")))
    assert parse_outcome(program, "P1.r0=1, P1:r1=0, flag=1") == {
        "P1:r0": 1, "P1:r1": 0, "flag": 1}
    assert parse_outcome(program, "r0 = 1") == {"P1:r0": 1}
    from memorder.base.errors import MemorderError
    with pytest.raises(MemorderError):
        parse_outcome(program, "r0")


def test_why_mp():
    code, out, _ = run(["why", str(EXAMPLES / "mp.litmus"), "--outcome", "r0=1,r1=0"])
    assert code == 0
    assert "forbidden under RC11" in out and "breaks coherence1" in out
    assert "--sw-->" in out and "--rb-->" in out and "--po-->" in out


def test_why_sc_cycle():
    code, out, _ = run(["why", str(EXAMPLES / "iriw_sc.litmus"), "--outcome",
                        "P2.r0=1,P2.r1=0,P3.r2=1,P3.r3=0"])
    assert code == 0 and "breaks SC" in out


def test_why_coherence_read_read():
    code, out, _ = run(["why", str(EXAMPLES / "corr.litmus"), "--outcome", "r0=1,r1=0"])
    assert code == 0 and "coherence1" in out


def test_why_atomicity():
    text = """\
atomic x = 0
thread a { x.fetch_add(1, Relaxed) }
thread b { x.fetch_add(1, Relaxed) }
"""
    path = Path(__file__).parent / "_why_atomicity.litmus"
    try:
        path.write_text(text)
        code, out, _ = run(["why", str(path), "--outcome", "x=1"])
    finally:
        path.unlink()
    assert code == 0 and "breaks atomicity" in out and "--rmw-->" in out


def test_why_allowed_outcome_exits_one():
    code, out, _ = run(["why", str(EXAMPLES / "sb.litmus"), "--outcome",
                        "P0.r0=0,P1.r1=0"])
    assert code == 1 and "is allowed" in out


def test_why_thin_air_has_no_candidates():
    code, out, _ = run(["why", str(EXAMPLES / "lb.litmus"), "--outcome", "r0=1,r1=1"])
    assert code == 0 and "no candidate execution" in out and "no-thin-air" in out
