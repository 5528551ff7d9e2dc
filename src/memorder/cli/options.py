"""What every command shares: the run options, `--set`, the files named, the engine settings."""
from __future__ import annotations

import argparse
from pathlib import Path

from memorder.analyses.check import check_file
from memorder.base.errors import MemorderError
from memorder.base.orders import parse_order
from memorder.engines.result import Settings
from memorder.frontend.load import load


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


def settings(args) -> Settings:
    """The engine settings the run options ask for."""
    return Settings(model=args.model, engine=args.engine, unroll=args.unroll,
                    timeout=args.timeout, max_executions=args.max_executions)


def load_file(path, args):
    """Parse, validate and resolve one file's orderings (`--set` applied)."""
    return load(path, fmt=args.fmt, overrides=parse_assignments(args.set))


def run_check(path, args) -> dict:
    return check_file(path, settings(args), fmt=args.fmt, overrides=parse_assignments(args.set))
