"""The command line: `memorder check|sweep|compare|test|show|why`.

`main(argv, out, err) -> int` is driven in-process by the tests. Exit codes:
0 every expectation met, 1 an expectation failed (or a race / assertion
failure with no expectations, or a result that is only bounded/incomplete),
2 bad input or usage, 3 an internal error (e.g. the two engines disagree).
"""
from __future__ import annotations

import json
import sys
import traceback

from memorder.base.errors import InternalError, MemorderError
from memorder.cli.options import (UsageError, _Parser, add_run_options, litmus_files,
                                  run_check)


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
