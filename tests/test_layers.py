"""The package's layers: imports go strictly downward, with no cycle, and only the CLI
parses arguments. Function-level imports count: a cycle hidden inside a function is
still a cycle."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PKG = Path(__file__).resolve().parents[1] / "src" / "memorder"
# Lowest first: a module may import from its own layer and the ones before it.
LAYERS = ("base", "frontend", "program", "model", "engines", "analyses", "output", "cli")
TOP = {"memorder", "memorder.__main__", "memorder.pytest_plugin"}  # above every layer


def modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        parts = f.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


def imports(name: str, path: Path, known) -> set[str]:
    """The memorder modules `name` imports, anywhere in its body."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        for t in targets:
            while t and t not in known and "." in t:
                t = t.rpartition(".")[0]
            if t in known and t != name:
                found.add(t)
    return found


def layer(name: str) -> int | None:
    parts = name.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def graph() -> nx.DiGraph:
    known = modules()
    g = nx.DiGraph()
    for name, path in known.items():
        g.add_node(name)
        for target in imports(name, path, known):
            g.add_edge(name, target)
    return g


def test_every_module_belongs_to_a_layer():
    stray = [m for m in modules() if m not in TOP and layer(m) is None]
    assert not stray, f"modules outside the layers: {stray}"


def test_no_import_cycle():
    cycles = [c for c in nx.simple_cycles(graph()) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_imports_go_downward():
    upward = [f"{a} -> {b}" for a, b in graph().edges
              if a not in TOP and b != "memorder" and (b in TOP or layer(b) > layer(a))]
    assert not upward, "imports from a higher layer:\n  " + "\n  ".join(sorted(upward))


def test_only_the_cli_parses_arguments():
    users = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) else [])
            if "argparse" in names and layer(name) != LAYERS.index("cli"):
                users.append(name)
    assert not users, f"argparse outside cli/: {sorted(set(users))}"


# Still to be split along their seams (issue 14): listed so the list cannot go stale.
PENDING_SPLIT = {"memorder.engines.smt", "memorder.analyses.sweep"}


def test_modules_stay_small():
    big = {m: n for m, p in modules().items() if (n := len(p.read_text().splitlines())) > 600}
    assert set(big) - PENDING_SPLIT == set(), f"modules over 600 lines: {big}"
    assert PENDING_SPLIT <= set(big), "a pending split is done: remove it from PENDING_SPLIT"


def test_the_check_itself_sees_an_upward_import(tmp_path):
    """The layer test can fail: an import from analyses into engines is upward."""
    assert layer("memorder.analyses.check") > layer("memorder.engines.explicit")
    known = {"memorder.engines.x": tmp_path / "x.py", "memorder.analyses.y": tmp_path / "y.py"}
    (tmp_path / "x.py").write_text("def f():\n    from memorder.analyses.y import g\n")
    assert imports("memorder.engines.x", known["memorder.engines.x"], known) == {"memorder.analyses.y"}
