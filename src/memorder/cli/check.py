"""`memorder check FILE|DIR...`: outcomes, races, assertion failures and the verdict."""
from __future__ import annotations

import json

from memorder.cli.options import add_run_options, litmus_files, run_check


def exit_code(results) -> int:
    if any(r["status"] == "error" for r in results):
        return 2
    return 0 if all(r["verdict"] == "pass" for r in results) else 1


def cmd_check(args, out, err) -> int:
    from memorder.output.text import text_report
    results = [run_check(f, args) for f in litmus_files(args.paths)]
    if args.json or args.output == "json":
        public = [{k: v for k, v in r.items() if k != "rendered"} for r in results]
        out.write(json.dumps(public[0] if len(public) == 1 else public, indent=2) + "\n")
    elif args.output == "herd":
        from memorder.output.herd import herd_report
        for r in results:
            (err if r["status"] == "error" else out).write(
                (r["rendered"] if r["status"] == "error" else herd_report(r)) + "\n")
    else:
        for r in results:
            (err if r["status"] == "error" else out).write(text_report(r) + "\n\n")
    return exit_code(results)


def register(sub):
    p = sub.add_parser("check", help="outcomes, races and verdict of litmus files")
    p.add_argument("paths", nargs="+")
    add_run_options(p)
    p.add_argument("--json", action="store_true", help="JSON output (same as --output json)")
    p.add_argument("--output", choices=["text", "json", "herd"], default="text")
    p.set_defaults(func=cmd_check)
