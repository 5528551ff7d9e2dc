"""`memorder sweep FILE` and `memorder compare FILE --before ... --after ...`."""
from __future__ import annotations

import json
from pathlib import Path

from memorder.analyses.sweep import Job, compare, compare_text, sweep, sweep_exit_code, sweep_text
from memorder.base.errors import MemorderError
from memorder.cli import options as cli
from memorder.engines import explicit_only


def _job(path, args) -> Job:
    sets = cli.parse_assignments(args.set)
    text = Path(path).read_text(encoding="utf-8") if Path(path).is_file() else None
    return Job(path=path, text=text, fmt=args.fmt,
               sets=tuple((n, o.value) for n, o in sets.items()),
               all_ops=args.all_ops, model=args.model, engine=args.engine,
               unroll=args.unroll, timeout=args.timeout, max_executions=args.max_executions)


def cmd_sweep(args, out, err) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise cli.UsageError("--jobs needs a positive number")
    only = None
    if args.params is not None:
        only = [p.strip() for p in args.params.split(",") if p.strip()]
    results, codes = [], []
    for path in cli.litmus_files(args.paths):
        source = None
        try:
            job = _job(path, args)
            source = job.text
            r = sweep(job, only=only, prune=args.prune, jobs=args.jobs, err=err)
            results.append(r)
            codes.append(sweep_exit_code(r))
            for v in r["monotonicity_violations"]:
                err.write(f"memorder: warning: monotonicity violated on {path}: {v}\n")
        except MemorderError as exc:
            if exc.file is None:
                exc.file = path
            err.write(exc.render(source) + "\n")
            results.append({"file": path, "status": "error", "error": exc.to_json()})
            codes.append(2)
        except (OSError, UnicodeDecodeError) as exc:
            err.write(f"{path}: error: cannot read: {exc}\n")
            results.append({"file": path, "status": "error",
                            "error": {"message": f"cannot read: {exc}", "line": None,
                                      "column": None}})
            codes.append(2)
    if args.json:
        out.write(json.dumps(results[0] if len(results) == 1 else results, indent=2) + "\n")
    else:
        texts = [sweep_text(r) for r in results if r.get("status") != "error"]
        if texts:
            out.write("\n\n".join(texts) + "\n")
    return max(codes)


def cmd_compare(args, out, err) -> int:
    try:
        explicit_only(cli.settings(args), "`memorder compare` (it shows a witness execution "
                      "for each change)")
    except MemorderError as exc:
        exc.file = args.path
        raise
    before = cli.parse_assignments(args.before)
    after = cli.parse_assignments(args.after)
    if not before and not after:
        raise cli.UsageError("compare needs --before and/or --after NAME=Ordering,...")
    path = args.path
    if not Path(path).exists():
        raise cli.UsageError(f"no such file: {path}")
    job = _job(path, args)
    try:
        r = compare(job, before, after)
    except MemorderError as exc:
        if exc.file is None:
            exc.file = path
        err.write(exc.render(job.text) + "\n")
        return 2
    out.write((json.dumps(r, indent=2) if args.json else compare_text(r)) + "\n")
    return 0


def register(sub):
    p = sub.add_parser("sweep", help="every assignment of the ordering parameters, "
                                     "and the weakest sufficient ones")
    p.add_argument("paths", nargs="+")
    cli.add_run_options(p)
    p.add_argument("--json", action="store_true", help="JSON output")
    p.add_argument("--all-ops", action="store_true",
                   help="every atomic operation's ordering is a parameter (named thread.line)")
    p.add_argument("--params", default=None, metavar="A,B",
                   help="sweep only these parameters (the others keep their defaults)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes (default: the number of cores)")
    p.add_argument("--no-prune", dest="prune", action="store_false",
                   help="run every assignment instead of implying verdicts by monotonicity")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("compare", help="what a change of orderings adds and removes")
    p.add_argument("path")
    cli.add_run_options(p)
    p.add_argument("--before", action="append", default=[], metavar="NAME=Ordering,...")
    p.add_argument("--after", action="append", default=[], metavar="NAME=Ordering,...")
    p.add_argument("--all-ops", action="store_true",
                   help="name operations' orderings thread.line, as sweep --all-ops does")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(func=cmd_compare)
