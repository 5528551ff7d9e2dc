"""`memorder why FILE --outcome '...'`: why an outcome is forbidden, axiom by axiom."""
from __future__ import annotations

from memorder.analyses.explain import (AXIOM_TEXT, axiom_cycle, candidates, format_cycle, matches,
                                       parse_outcome)
from memorder.base.errors import InternalError, MemorderError
from memorder.engines import explicit_only
from memorder.cli.options import add_run_options
from memorder.cli.options import settings as cli_settings
from memorder.cli.options import load_file as load
from memorder.engines.explicit import explore
from memorder.engines.result import Settings
from memorder.model import rc11
from memorder.output.graph import text_listing
from memorder.program.final import FinalStates


def cmd_why(args, out, err) -> int:
    try:
        return _why(args, out)
    except MemorderError as exc:
        if exc.file is None:
            exc.file = args.file
        raise


def _why(args, out) -> int:
    if args.model != "rc11":
        raise MemorderError("`why` explains RC11's axioms: use --model rc11")
    explicit_only(cli_settings(args), "`memorder why` (it lists candidate executions the model rejects)")
    program = load(args.file, args)
    spec = parse_outcome(program, args.outcome)
    shown = ", ".join(f"{k}={v}" for k, v in spec.items())
    summary = explore(program, Settings("rc11", "enumerate", args.unroll, args.timeout, args.max_executions),
                      witnesses=True)
    judge = FinalStates(program)
    allowed = [o for o in summary.outcomes if matches(judge.as_dict(o), spec)]
    if allowed:
        out.write(f"{shown} is allowed under RC11: {len(allowed)} reachable final state(s) "
                  f"match it, e.g. {_state(judge.as_dict(allowed[0]))}\n"
                  f"(see it with: memorder show {args.file} --outcome '{args.outcome}' --format text)\n")
        return 1
    partial = summary.incomplete or (f"the loop bound --unroll {args.unroll} cut "
                                     f"{summary.bounded} execution(s)" if summary.bounded else None)
    if partial:
        # what was not explored may hold the outcome: no claim about the rest
        out.write(f"{shown} was not found in the part explored ({partial}); nothing can be "
                  "said about the rest: raise the limit or the loop bound\n")
        return 1
    found, cut = candidates(program, spec, args.unroll, args.timeout, args.max_candidates)
    consistent = [c for c in found if not c[1]]
    if consistent:  # the model rejects none of it: exploration must have found it
        raise InternalError(f"a candidate execution with outcome {shown} breaks no axiom, "
                            "but exploration did not find it")
    if cut:
        out.write(f"{shown} is not reachable under RC11, but the search for candidate "
                  f"executions stopped early ({cut}): {len(found)} found so far, each "
                  "breaking an axiom; raise the limit to see them all\n")
        return 1
    note = ""
    if not found:
        out.write(f"{shown} is not reachable under RC11, and no candidate execution produces "
                  f"it{note}: even ignoring the RC11 axioms, no way of running the threads "
                  "yields these values, except perhaps through a cycle of program order and "
                  "reads-from (values out of thin air), which `no-thin-air: acyclic po | rf` "
                  "forbids.\n")
        return 0
    out.write(f"{shown} is forbidden under RC11: {len(found)} candidate execution(s) produce it, "
              f"and every one breaks an axiom{note}.\n")
    by_axiom = {}
    for _, failing in found:
        for name in failing:
            by_axiom[name] = by_axiom.get(name, 0) + 1
    out.write("Axioms broken: " + ", ".join(f"{n} ({c} candidate(s))" for n, c in by_axiom.items())
              + "\n")
    for i, (ex, failing) in enumerate(found[:args.limit], 1):
        out.write(f"\nCandidate {i} of {len(found)}:\n")
        for name in failing:
            out.write(f"  breaks {name}: {AXIOM_TEXT.get(name, '')}\n")
            out.write("\n".join(format_cycle(program, ex, axiom_cycle(name, rc11.derive(ex.base())))) + "\n")
        if args.verbose:
            out.write(text_listing(program, ex, indent="    ") + "\n")
    if len(found) > args.limit:
        out.write(f"\n({len(found) - args.limit} more candidate(s) not shown; --limit N)\n")
    return 0


def _state(state: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in state.items())


def register(sub):
    p = sub.add_parser("why", help="why an outcome is forbidden: the axiom and its cycle")
    p.add_argument("file")
    p.add_argument("--outcome", required=True, metavar="'r=1,x=0'",
                   help="final values: thread.r or r (when unique) and location names")
    add_run_options(p)
    p.add_argument("--limit", type=int, default=3, metavar="N",
                   help="candidate executions to show (default 3)")
    p.add_argument("--max-candidates", type=int, default=200000, metavar="N",
                   help="stop enumerating candidates after N (default 200000)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list each candidate")
    p.set_defaults(func=cmd_why)
