"""`memorder show FILE [--race | --outcome ... | --assertion | --execution K] -o out.svg`."""
from __future__ import annotations

from pathlib import Path

from memorder.analyses.explain import (AXIOM_TEXT, axiom_cycle, candidates, explain_race,
                                       line_of, matches, parse_outcome, race_events, thread_name)
from memorder.base.errors import MemorderError
from memorder.cli.options import add_run_options
from memorder.cli.options import settings as cli_settings
from memorder.cli.options import load_file as load
from memorder.engines import explicit_only
from memorder.engines.explicit import explore, nth
from memorder.engines.result import Settings
from memorder.model import rc11
from memorder.output.graph import execution_graph, text_listing, to_dot, write_graph
from memorder.program.final import FinalStates as Judge
from memorder.program.sites import race_sort_key, site_key
from memorder.program.sites import source_text


# ---------------------------------------------------------------- picking the execution


class NotFound(Exception):
    """What `show` was asked for is not in the part of the executions explored."""


def _partial(summary) -> str | None:
    if summary.incomplete:
        return summary.incomplete
    if summary.bounded:
        return f"the loop bound cut {summary.bounded} execution(s)"
    return None


def pick(program, args):
    """The execution `show` draws: (execution, title, race pair, cycle, notes)."""
    judge = Judge(program)
    model = args.model
    settings = Settings(model, "enumerate", args.unroll, args.timeout, args.max_executions)
    if args.execution is not None:
        if args.execution < 1:
            raise MemorderError("--execution K counts from 1")
        ex, seen, cut = nth(program, settings, args.execution)
        if ex is None:
            if cut:
                raise NotFound(f"--execution {args.execution}: only {seen} complete execution(s) "
                               f"in the part explored ({cut})")
            raise MemorderError(f"--execution {args.execution}: there are only {seen} "
                                "complete consistent executions")
        return ex, f"execution {args.execution}", None, (), []
    summary = explore(program, settings, witnesses=True)
    partial = _partial(summary)
    if args.outcome is not None:
        spec = parse_outcome(program, args.outcome)
        for outcome in sorted(summary.outcomes):
            if matches(judge.as_dict(outcome), spec):
                state = _state(judge.as_dict(outcome))
                return summary.outcomes[outcome], f"an execution with outcome {state}", None, (), []
        if partial:
            raise NotFound(f"no execution with outcome {args.outcome} in the part explored "
                           f"({partial})")
        if model != "rc11":
            raise MemorderError(f"no execution under {model} has outcome {args.outcome}")
        found, cut = candidates(program, spec, args.unroll, args.timeout)
        found = [(ex, failing) for ex, failing in found if failing]
        if not found and cut:
            raise NotFound(f"no candidate execution with outcome {args.outcome} in the part "
                           f"explored ({cut})")
        if not found:
            raise MemorderError(f"no execution, consistent or not, has outcome {args.outcome}")
        ex, failing = found[0]
        cycle = axiom_cycle(failing[0], rc11.derive(ex.base()))
        title = (f"outcome {args.outcome} is forbidden: this candidate breaks {failing[0]} "
                 f"({AXIOM_TEXT.get(failing[0], '')}); the cycle is highlighted")
        return ex, title, None, cycle, [f"{len(found)} candidate execution(s) give this outcome; "
                                        "see `memorder why` for all"]
    keys = sorted(summary.races, key=race_sort_key)
    if args.race is not None or (not args.assertion and keys):
        index = args.race or 1
        if not keys and partial:
            raise NotFound(f"no data race in the part explored ({partial})")
        if not keys:
            raise MemorderError("no data race in any execution")
        if index > len(keys):
            raise MemorderError(f"--race {index}: there {'is' if len(keys) == 1 else 'are'} "
                                f"only {len(keys)} race{'s' if len(keys) > 1 else ''}")
        key = keys[index - 1]
        ex = summary.races[key]
        x, y, _ = race_events(ex, key)
        title = (f"data race on {key[0]}: {thread_name(program, x.tid)} line {line_of(x)} vs "
                 f"{thread_name(program, y.tid)} line {line_of(y)}")
        return ex, title, (x.id, y.id), (), [explain_race(program, ex, key)]
    failures = sorted(summary.failures.items(), key=lambda kv: site_key(kv[0]))
    if args.assertion or failures:
        if not failures and partial:
            raise NotFound(f"no assertion fails in the part explored ({partial})")
        if not failures:
            raise MemorderError("no assertion fails in any execution")
        (tid, node), (outcome, ex) = failures[0]
        line = node.span.line
        title = (f"assertion `{source_text(program, node.span)}` ({program.threads[tid].name}, line "
                 f"{line}) fails; outcome {_state(judge.as_dict(outcome))}")
        return ex, title, None, (), []
    if not summary.outcomes:
        if partial:
            raise NotFound(f"no complete execution in the part explored ({partial})")
        raise MemorderError("no complete execution to show")
    outcome = sorted(summary.outcomes)[0]
    return (summary.outcomes[outcome], f"an execution with outcome "
            f"{_state(judge.as_dict(outcome))}", None, (), [])


def _state(state: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in state.items())


def cmd_show(args, out, err) -> int:
    try:
        return _show(args, out, err)
    except MemorderError as exc:
        if exc.file is None:
            exc.file = args.file
        raise


def _show(args, out, err) -> int:
    explicit_only(cli_settings(args), "`memorder show` (it draws one explicit execution)")
    program = load(args.file, args)
    try:
        ex, what, race, cycle, notes = pick(program, args)
    except NotFound as missing:
        err.write(f"memorder show: {missing}; raise the limit or the loop bound\n")
        return 1
    title = f"{program.name}: {what}"
    fmt = args.out_format
    if fmt is None:
        fmt = "text" if args.output is None else "graph"
    if fmt == "text":
        text = "\n".join([title] + [f"why: {n}" for n in notes] +
                         [text_listing(program, ex, race, cycle)]) + "\n"
        if args.output:
            Path(args.output).write_text(text)
        else:
            out.write(text)
        return 0
    if args.output is None:
        raise MemorderError("a graph needs -o FILE (.svg, .png, .pdf or .dot); "
                            "or use --format text")
    dot = to_dot(program, execution_graph(program, ex, race, cycle), title, notes)
    code = write_graph(dot, args.output, err)
    if code == 0:
        out.write(f"wrote {args.output}: {title}\n")
        for n in notes:
            out.write(f"why: {n}\n")
    return code


def register(sub):
    # `--format` here picks the output (the issue's `--format text`); add_run_options
    # also defines `--format` for the input format, renamed `--input-format` for show.
    p = sub.add_parser("show", help="draw one execution (race, outcome, assertion) as a graph",
                       conflict_handler="resolve")
    p.add_argument("file")
    add_run_options(p)
    p.add_argument("--input-format", dest="fmt", choices=["native", "herd"], default=None,
                   help="input format (default: herd when the first line is `C name`)")
    p.add_argument("--format", dest="out_format", choices=["text", "graph"], default=None,
                   help="text: an annotated listing; graph: DOT/SVG/PNG by the -o suffix "
                        "(default: graph with -o, text without)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--race", type=int, nargs="?", const=1, default=None, metavar="N",
                       help="a witness of the N-th data race (default 1); the default "
                            "choice when there is a race")
    which.add_argument("--outcome", metavar="'r=1,x=0'",
                       help="an execution with these final values; if none is consistent, the "
                            "candidate that gives it with the violated axiom's cycle")
    which.add_argument("--assertion", action="store_true", help="an execution failing an assert")
    which.add_argument("--execution", type=int, metavar="K",
                       help="the K-th consistent complete execution (counting from 1)")
    p.add_argument("-o", "--output", metavar="FILE", help="out.svg, out.png, out.pdf or out.dot")
    p.set_defaults(func=cmd_show, fmt=None)
