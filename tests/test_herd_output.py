"""`memorder check --output herd` prints herd7's own text, line for line but Time/Hash.

The oracle rows hold the pieces of herd7's output (its state lines in its order,
Ok/No/Undef, the Witnesses counts and the condition as herd7 prints it).
"""
from __future__ import annotations

import io

import pytest

from conftest import read_jsonl, require_shared
from memorder.cli.app import main

KIND = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}


def herd_rows():
    corpus = require_shared("litmus", "herd")
    return corpus, read_jsonl(corpus / "expected-rc11.jsonl")


def test_herd_output_matches_herd7_on_every_shared_test():
    corpus, rows = herd_rows()
    out, err = io.StringIO(), io.StringIO()
    main(["check", "--output", "herd"] + [str(corpus / r["file"]) for r in rows], out, err)
    assert err.getvalue() == ""
    reports = ["Test " + block for block in ("\n" + out.getvalue()).split("\nTest ")[1:]]
    assert len(reports) == len(rows)
    mismatches = []
    for row, report in zip(rows, reports):
        lines = report.rstrip("\n").splitlines()
        kind = row["condition"].split(" ")[0]
        positive, negative = row["positive"], row["negative"]
        observation = "Never" if positive == 0 else ("Always" if negative == 0 else "Sometimes")
        want = ([f"Test {row['test']} {KIND[kind]}", f"States {len(row['states'])}"]
                + [s.strip() for s in row["states"]]
                + [row["herd_result"], "Witnesses", f"Positive: {positive} Negative: {negative}"]
                + (["Flag *undef*"] if row["race"] else [])
                + [f"Condition {row['condition']}",
                   f"Observation {row['test']} {observation} {positive} {negative}"])
        got = [l for l in lines if not l.startswith(("Time ", "Hash="))]
        if got != want:
            mismatches.append(f"{row['file']}:\n  want {want}\n  got  {got}")
    assert not mismatches, f"{len(mismatches)} differ:\n" + "\n".join(mismatches[:5])


@pytest.mark.parametrize("name", ["mp-c11-race", "mp-c11-rel-acq"])
def test_herd_output_has_a_time_line(name):
    corpus, _ = herd_rows()
    out = io.StringIO()
    main(["check", "--output", "herd", str(corpus / "catalogue/demo/tests" / f"{name}.litmus")], out, io.StringIO())
    assert [l for l in out.getvalue().splitlines() if l][-1].startswith(f"Time {name} ")
