"""Regenerate the golden files under tests/golden from the current code.

    python scripts/regen_golden.py           # rewrite every golden file
    python scripts/regen_golden.py --check   # write nothing; exit 1 if any is stale

The tests only compare against these files (tests/golden_outputs.py computes
each one for both the tests and this script); this script is the one place
that writes them. After a deliberate change to an error message or to the
sweep report, run it and review `git diff tests/golden` before committing: the
diff is the change in behaviour.

It imports memorder from this checkout's src/, whatever is installed, so the
files always come from the code next to them. Golden outputs no producer
writes any more (a removed case) are listed, not deleted. Exit status: 0 when
done (or, with --check, when every file is current), 1 when --check finds a
stale, missing or orphaned file, 2 when the code fails to produce an output
(nothing is written then).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from golden_outputs import GoldenError, golden_files, orphans  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a golden file is not current")
    args = parser.parse_args(argv)
    try:  # everything is computed before anything is written
        outputs = [(path, produce().encode("utf-8")) for path, produce in golden_files()]
    except GoldenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stale = [(path, data) for path, data in outputs
             if not path.exists() or path.read_bytes() != data]
    for path, data in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(ROOT)}")
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    left = orphans()
    for path in left:
        print(f"orphan (no producer; delete it if the case was removed): {path.relative_to(ROOT)}")
    print(f"{len(outputs)} golden files, {len(stale)} {'stale' if args.check else 'rewritten'}")
    return 1 if args.check and (stale or left) else 0


if __name__ == "__main__":
    sys.exit(main())
