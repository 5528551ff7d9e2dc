"""memorder agrees with the oracle corpora: herd7's results under rc11.cat and sc.cat.

For every row of ../shared/litmus/{herd,genmc}/expected-{rc11,sc}.jsonl,
`memorder.analyses.check.check_file` is run in-process and must give
- the same set of final states, projected on the keys herd lists (`[x]=1;`
  is location x, `1:r0=0;` register r0 of thread P1);
- the same positive / negative execution counts (herd7's "Witnesses");
- a race exactly when herd flagged one (`Flag *undef*`).
The projection is ../shared/tools/conform.py's, done in-process.
Never edit an expected result to make a test pass (../shared/litmus/README.md).
"""
from __future__ import annotations

import re

import pytest

from conftest import missing_shared, read_jsonl, shared_path

# herd7 needs ~50 s on each of these; they still run in CI.
SLOW = re.compile(r"(^|/)fig6(_translated)?\.litmus$")

CORPORA = [
    ("herd", "expected-rc11.jsonl", "rc11"),
    ("herd", "expected-sc.jsonl", "sc"),
    ("genmc", "expected-rc11.jsonl", "rc11"),
    ("genmc", "expected-sc.jsonl", "sc"),
]

STATE_ITEM = re.compile(r"\s*([^=;\s]+)\s*=\s*([^;]+);")


def herd_state(text: str) -> dict:
    """herd7's state text `[x]=1; 1:r0=0;` -> {"x": 1, "1:r0": 0}."""
    state = {}
    for key, value in STATE_ITEM.findall(text):
        key = key.strip()
        if key.startswith("[") and key.endswith("]"):
            key = key[1:-1]
        state[key] = int(value.strip(), 0)
    return state


def project(outcome: dict, keys) -> tuple:
    """One memorder outcome restricted to herd's keys (a missing key shows as such)."""
    norm = {(k[1:-1] if k.startswith("[") and k.endswith("]") else k): v
            for k, v in outcome.items()}
    return tuple(sorted((k, norm.get(k, "<missing>")) for k in keys))


def _rows() -> list:
    params = []
    for corpus, name, model in CORPORA:
        path = shared_path("litmus", corpus, name)
        if path is None:
            params.append(pytest.param(corpus, model, None, id=f"{corpus}-{model}-missing"))
            continue
        for row in read_jsonl(path):
            marks = [pytest.mark.slow] if SLOW.search(row["file"]) else []
            params.append(pytest.param(corpus, model, row, marks=marks,
                                       id=f"{corpus}-{model}-{row['file']}"))
    return params


def _show(states) -> str:
    return "\n".join("    " + "; ".join(f"{k}={v}" for k, v in s) for s in sorted(states, key=str))


@pytest.mark.parametrize("corpus,model,row", _rows())
def test_agrees_with_herd(corpus, model, row):
    if row is None:
        missing_shared("litmus", corpus)
    from memorder.analyses.check import check_file
    from memorder.engines.result import Settings

    path = shared_path("litmus", corpus, row["file"])
    result = check_file(str(path), Settings(model=model))
    where = f"{corpus}/{row['file']} (model {model})"
    assert result.get("status") == "ok", f"{where}: memorder failed: {result.get('error')}"

    want_states = [herd_state(s) for s in row["states"]]
    keys = sorted(set().union(*want_states)) if want_states else []
    want = {tuple(sorted(s.items())) for s in want_states}
    got = {project(o, keys) for o in result["outcomes"]}
    cond = result.get("condition") or {}
    got_counts = (cond.get("positive"), cond.get("negative"))
    want_counts = (row["positive"], row["negative"])
    got_race = len(result["races"]) > 0

    problems = []
    if got != want:
        problems.append(f"final states differ (on keys {keys}):\n"
                        f"  only herd7:\n{_show(want - got) or '    -'}\n"
                        f"  only memorder:\n{_show(got - want) or '    -'}")
    if got_counts != want_counts:
        problems.append(f"positive/negative: herd7 {want_counts[0]}/{want_counts[1]}, "
                        f"memorder {got_counts[0]}/{got_counts[1]} "
                        f"(condition {row['condition']})")
    if got_race != row["race"]:
        problems.append(f"race: herd7 {'flags' if row['race'] else 'does not flag'} one, "
                        f"memorder found {len(result['races'])}")
    assert not problems, f"{where}:\n" + "\n".join(problems)
