"""`memorder show`: the execution graph (networkx), DOT/SVG output, the text listing."""
from __future__ import annotations

import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from memorder import cli
from memorder.engines.explicit import explore
from memorder.frontend.load import load_program
from memorder.frontend.validate import resolve_orders
from memorder.output.graph import execution_graph

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PYO3_BAD = str(EXAMPLES / "pyo3_borrowflag_relaxed.litmus")
MP = str(EXAMPLES / "mp.litmus")


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_graph_of_the_pyo3_race():
    program = resolve_orders(load_program(PYO3_BAD))
    summary = explore(program, witnesses=True)
    key, ex = next(iter(summary.races.items()))
    from memorder.analyses.explain import race_events
    x, y, _ = race_events(ex, key)
    g = execution_graph(program, ex, race=(x.id, y.id))
    assert g.number_of_nodes() == len(ex.events)
    rels = {d["rel"] for _, _, d in g.edges(data=True)}
    assert {"po", "rf", "mo", "race"} <= rels
    assert g.nodes[x.id]["highlight"] and g.nodes[y.id]["highlight"]
    # po edges stay inside a thread and follow event order
    for a, b, d in g.edges(data=True):
        if d["rel"] == "po":
            assert g.nodes[a]["tid"] == g.nodes[b]["tid"] and a < b
    assert "value = 1" in g.nodes[max(x.id, y.id)]["label"] or "value" in g.nodes[x.id]["label"]


def test_show_race_writes_dot(tmp_path):
    out_file = tmp_path / "race.dot"
    code, out, err = run(["show", PYO3_BAD, "--race", "-o", str(out_file)])
    assert code == 0, err
    dot = out_file.read_text()
    assert dot.startswith("digraph")
    assert "cluster_1" in dot and "cluster_2" in dot  # one cluster per thread
    assert "label=race" in dot and "label=rf" in dot
    assert "no synchronises-with edge" in out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_show_race_writes_svg(tmp_path):
    svg = tmp_path / "race.svg"
    code, _, err = run(["show", PYO3_BAD, "--race", "-o", str(svg)])
    assert code == 0, err
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text()
    assert "value = 1" in text and "race" in text


def test_missing_dot_falls_back_to_dot_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    svg = tmp_path / "race.svg"
    code, _, err = run(["show", PYO3_BAD, "-o", str(svg)])
    assert code == 1
    assert not svg.exists() and (tmp_path / "race.dot").exists()
    assert "`dot` program is not installed" in err and "race.dot" in err


def test_text_listing(tmp_path):
    code, out, _ = run(["show", PYO3_BAD, "--race", "--format", "text"])
    assert code == 0
    assert "thread reader:" in out and "thread writer:" in out
    assert out.count("<== RACE") == 2
    assert "reads from" in out and "mo: flag:" in out


def test_show_outcome_and_execution():
    code, out, _ = run(["show", MP, "--outcome", "r0=1,r1=1", "--format", "text"])
    assert code == 0 and "outcome P1:r0=1, P1:r1=1" in out
    code, out, _ = run(["show", MP, "--execution", "2", "--format", "text"])
    assert code == 0 and "execution 2" in out
    code, _, err = run(["show", MP, "--execution", "99", "--format", "text"])
    assert code == 2 and "only 3" in err


def test_show_forbidden_outcome_highlights_the_cycle(tmp_path):
    code, out, _ = run(["show", MP, "--outcome", "r0=1,r1=0", "--format", "text"])
    assert code == 0
    assert "forbidden" in out and "coherence1" in out and "<== cycle" in out
    dot = tmp_path / "cycle.dot"
    run(["show", MP, "--outcome", "r0=1,r1=0", "-o", str(dot)])
    assert "#e67e22" in dot.read_text()  # the cycle's colour


def test_show_assertion(tmp_path):
    code, _, err = run(["show", str(EXAMPLES / "await_spin.litmus"), "--assertion",
                        "--format", "text"])
    assert code == 2 and "no assertion fails" in err
    path = tmp_path / "a.litmus"
    path.write_text("atomic x = 0\nthread p { x.store(1, Relaxed) }\n"
                    "thread q { let r = x.load(Relaxed)\n assert(r == 1) }\n")
    code, out, _ = run(["show", str(path), "--assertion", "--format", "text"])
    assert code == 0 and "assertion `assert(r == 1)` (q, line 4) fails" in out


def test_show_race_when_there_is_none():
    code, _, err = run(["show", MP, "--race", "--format", "text"])
    assert code == 2 and "no data race" in err and "mp.litmus" in err


def test_graph_without_output_file_is_usage_error():
    code, _, err = run(["show", MP, "--format", "graph"])
    assert code == 2 and "-o FILE" in err


def test_unknown_outcome_name():
    code, _, err = run(["show", MP, "--outcome", "nope=1"])
    assert code == 2 and "unknown register or location 'nope'" in err
