#!/usr/bin/env python3
"""Benchmark the explicit engine on ../shared/bench's scalable programs.

Prints, per (family, N): consistent executions, explored, explored/consistent,
seconds, executions per second, peak memory (MB), whether the count matches
GenMC's, and GenMC's / herd7's times. Each run is a fresh process, so peak RSS
is that program's alone. It measures the engine (check.explore): exploration
keeps no executions, only the distinct final states it found; `--full` measures
`check_program` instead, which also builds the JSON result (one dict per
distinct final state, the bulk of the memory when there are 100,000s).

The column after GenMC's count: "=" the counts agree, "~" the run was cut by
the time budget (3 x --max-seconds), "DIFF" they disagree.

usage: python bench/run.py [--families casrot,readers,...] [--max-seconds S] [--max-n N]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench"

CHILD = r"""
import json, resource, sys, time
from memorder.frontend.load import load_program
from memorder.analyses.check import check_program
from memorder.engines.explicit import explore
from memorder.engines.result import Settings
program = load_program(sys.argv[1])
t0 = time.perf_counter()
if sys.argv[3] == "full":
    r = check_program(program, Settings(timeout=float(sys.argv[2])))
else:
    s = explore(program, Settings(timeout=float(sys.argv[2])))
    r = {"executions": s.executions, "explored": s.explored, "incomplete": s.incomplete,
         "races": list(s.races)}
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"executions": r["executions"], "explored": r["explored"], "seconds": dt,
                  "peak_mb": peak, "incomplete": r["incomplete"], "race": bool(r["races"])}))
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", default="")
    ap.add_argument("--max-seconds", type=float, default=60.0, help="stop a family after a run this long")
    ap.add_argument("--max-n", type=int, default=99)
    ap.add_argument("--full", action="store_true", help="measure check_program (with the JSON result)")
    a = ap.parse_args()
    if not SHARED.exists():
        print(f"bench: {SHARED} not found", file=sys.stderr)
        return 2
    rows = [json.loads(l) for l in (SHARED / "expected.jsonl").read_text().splitlines() if l.strip()]
    families = a.families.split(",") if a.families else sorted({r["family"] for r in rows}, key=[r["family"] for r in rows].index)
    print(f"{'program':<18}{'execs':>10}{'explored':>10}{'ratio':>7}{'seconds':>9}{'exec/s':>9}"
          f"{'MB':>7}  {'GenMC':>7}{'genmc_s':>9}{'herd_s':>8}  race")
    for fam in families:
        for row in sorted((r for r in rows if r["family"] == fam), key=lambda r: r["N"]):
            if row["N"] > a.max_n:
                continue
            path = SHARED / "litmus" / fam / f"{fam}-{row['N']}.litmus"
            budget = a.max_seconds * 3
            p = subprocess.run([sys.executable, "-c", CHILD, str(path), str(budget),
                                "full" if a.full else "engine"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                print(f"{fam}-{row['N']}: failed: {p.stderr.strip()[-300:]}")
                break
            got = json.loads(p.stdout)
            ex, secs = got["executions"], got["seconds"]
            match = "~" if got["incomplete"] else ("=" if ex == row["genmc_executions"] else "DIFF")
            herd = f"{row['herd_s']:.1f}" if row.get("herd_s") is not None else ">90"
            print(f"{fam + '-' + str(row['N']):<18}{ex:>10}{got['explored']:>10}"
                  f"{got['explored'] / max(ex, 1):>7.2f}{secs:>9.2f}{ex / max(secs, 1e-9):>9.0f}"
                  f"{got['peak_mb']:>7.0f}  {row['genmc_executions']:>7}{match:>2}{row['genmc_s'] if row['genmc_s'] is not None else float('nan'):>7.2f}"
                  f"{herd:>8}  {got['race']}" + (f"  (cut: {got['incomplete']})" if got["incomplete"] else ""),
                  flush=True)
            if secs > a.max_seconds or got["incomplete"]:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
