"""The command line: `memorder check|sweep|compare|test|show|why`.

`main(argv, out, err) -> int` is driven in-process by the tests. Exit codes:
0 every expectation met, 1 an expectation failed (or a race / assertion
failure with no expectations, or a result that is only bounded/incomplete),
2 bad input or usage, 3 an internal error (e.g. the two engines disagree).
"""
from __future__ import annotations

import importlib
import sys
import traceback

from memorder.base.errors import InternalError, MemorderError
from memorder.cli.options import UsageError, _Parser

COMMANDS = ("check", "sweep", "test", "show", "why")  # sweep.py also adds compare


def build_parser():
    parser = _Parser(prog="memorder", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    for name in COMMANDS:  # each command's module adds its own parser
        importlib.import_module(f"memorder.cli.{name}").register(sub)
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
