"""The command line: `memorder check|sweep|compare|test|show|why`.

`main(argv, out, err) -> int` is driven in-process by the tests. Exit codes:
0 every expectation met, 1 an expectation failed (or a race / assertion
failure with no expectations, or a result that is only bounded/incomplete),
2 bad input or usage, 3 an internal error (e.g. the two engines disagree).
"""
from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from memorder.base.errors import InternalError, MemorderError
from memorder.base.orders import parse_order


class UsageError(MemorderError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def litmus_files(paths) -> list[str]:
    """Files named, and every *.litmus below directories named, in a stable order."""
    files = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files += sorted(str(f) for f in path.rglob("*.litmus"))
        elif path.exists():
            files.append(str(path))
        else:
            raise UsageError(f"no such file or directory: {p}")
    if not files:
        raise UsageError("no .litmus files found in " + ", ".join(paths))
    return files


def parse_assignments(texts) -> dict:
    """`--set A=Acquire,B=Release` (repeatable) -> {"A": Acquire, "B": Release}."""
    out = {}
    for text in texts or ():
        for item in text.split(","):
            if not item.strip():
                continue
            name, sep, value = item.partition("=")
            order = parse_order(value) if sep else None
            if order is None:
                raise UsageError(f"expected NAME=Ordering, got {item.strip()!r}")
            out[name.strip()] = order
    return out


def add_run_options(p):
    """Options every command that explores programs shares."""
    p.add_argument("--model", default="rc11", choices=["rc11", "sc"])
    p.add_argument("--engine", default="enumerate", choices=["enumerate", "smt", "both"])
    p.add_argument("--unroll", type=int, default=2, metavar="N", help="loop bound (default 2)")
    p.add_argument("--timeout", type=float, default=None, metavar="S")
    p.add_argument("--max-executions", type=int, default=None, metavar="N")
    p.add_argument("--set", action="append", default=[], metavar="NAME=Ordering",
                   help="override an `order` parameter (repeatable, or comma-separated)")
    p.add_argument("--format", dest="fmt", choices=["native", "herd"], default=None,
                   help="input format (default: herd when the first line is `C name`)")


def load(path, args):
    """Parse, validate and resolve one file's orderings."""
    from memorder.frontend.native import load_program
    from memorder.frontend.validate import resolve_orders
    program = load_program(path, fmt=args.fmt)
    return resolve_orders(program, parse_assignments(args.set))


def run_check(path, args) -> dict:
    from memorder.analyses.check import check_file
    return check_file(path, model=args.model, engine=args.engine, unroll=args.unroll,
                      timeout=args.timeout, max_executions=args.max_executions, fmt=args.fmt,
                      overrides=parse_assignments(args.set))


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


def build_parser():
    parser = _Parser(prog="memorder", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("check", help="outcomes, races and verdict of litmus files")
    p.add_argument("paths", nargs="+")
    add_run_options(p)
    p.add_argument("--json", action="store_true", help="JSON output (same as --output json)")
    p.add_argument("--output", choices=["text", "json", "herd"], default="text")
    p.set_defaults(func=cmd_check)

    # The other commands live next to what they do; each module adds its own parser.
    from memorder.analyses import explain; from memorder.analyses import regress; from memorder.output import graph as render; from memorder.analyses import sweep
    for module in (sweep, regress, render, explain):
        module.register_cli(sub)
    return parser


def main(argv=None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return args.func(args, out, err)
    except UsageError as exc:
        err.write(f"memorder: error: {exc.message}\n")
        return 2
    except MemorderError as exc:
        err.write(exc.render() + "\n")
        if debug:
            traceback.print_exc(file=err)
        return 2
    except InternalError as exc:
        err.write(f"memorder: internal error: {exc}\n")
        if debug:
            traceback.print_exc(file=err)
        return 3
    except KeyboardInterrupt:
        err.write("memorder: interrupted\n")
        return 130
    except Exception as exc:  # an internal error: never a silent wrong answer
        err.write(f"memorder: internal error: {type(exc).__name__}: {exc}\n")
        if debug:
            traceback.print_exc(file=err)
        else:
            err.write("(run with --debug for the traceback)\n")
        return 3


def entry() -> int:
    return main()
