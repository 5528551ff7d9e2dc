"""Orderings: `memorder sweep` (every assignment of the `order` parameters, and
the weakest sufficient ones) and `memorder compare` (what one change of
orderings adds and removes).

The search rests on monotonicity (DESIGN.md, "Orderings: sweep and compare"):
strengthening an ordering never adds behaviours under RC11. Every verdict the
sweep needs is a function of four "something bad/observable is reachable"
properties of an assignment:

    R  some execution has a data race
    P  some complete execution satisfies the final condition's expression
    N  some complete execution does not satisfy it (for `forall` conditions)
    A  some execution fails an assertion

Each is monotone: true at an assignment => true at every weaker one; false at
an assignment => false at every stronger one. Expectations are functions of
them (race-free = not R, race = R, exists = P, ~exists = not P,
assertions-hold = not A), so running one assignment fixes these properties on
its whole down-set or up-set, and an assignment whose expectations are all
fixed that way is "implied" instead of run. This is the brief's rule
("meets universal expectations => every stronger one does", and the reverse
for existential ones), applied per property so that mixed expectations prune
too.

Work is split so that worker processes need only a `Job` (the file's text and
options) and an assignment: they re-parse once per process (pool initializer)
and run assignments. Results are combined in a fixed order, so the output
does not depend on --jobs or on timing.
"""
from __future__ import annotations

import dataclasses
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from memorder.base import syntax as S
from memorder.program.sites import race_sort_key, site_key
from memorder.base.errors import MemorderError
from memorder.base.orders import LEGAL, MemoryOrder, weaker_by_one_step

# ---------------------------------------------------------------- expectations

# (kind, property it reads, whether the property must be present for the expectation to hold)
_EXPECT_PROPERTY = {
    "race-free": ("R", False),
    "race": ("R", True),
    "exists": ("P", True),
    "~exists": ("P", False),
    "assertions-hold": ("A", False),
}
PROPS = ("R", "P", "N", "A")
DEFAULT_EXPECTATIONS = (("race-free", "expect race-free (default)"),
                        ("assertions-hold", "expect assertions-hold (default)"))


def judged_expectations(program) -> tuple[tuple[str, str], ...]:
    """(kind, text) of the expectations a sweep judges by: the file's, except
    `weakest` (a claim about the sweep itself); race-free + assertions-hold if none."""
    own = tuple((e.kind, e.text) for e in program.expects if e.kind != "weakest")
    return own or DEFAULT_EXPECTATIONS


def expectation_status(kind: str, props: dict):
    """True / False / None (unknown) for one expectation given known properties."""
    prop, wanted = _EXPECT_PROPERTY[kind]
    value = props.get(prop)
    return None if value is None else value == wanted


def meets(expectations, props: dict):
    """All expectations met: True; one known to fail: False; otherwise None."""
    statuses = [expectation_status(kind, props) for kind, _ in expectations]
    if any(s is False for s in statuses):
        return False
    if all(s is True for s in statuses):
        return True
    return None


def condition_holds(condition, props: dict):
    """The final condition's own verdict (exists / ~exists / forall), or None."""
    if condition is None:
        return None
    if condition.kind == "forall":
        return None if props.get("N") is None else not props["N"]
    p = props.get("P")
    if p is None:
        return None
    return p if condition.kind == "exists" else not p


# ---------------------------------------------------------------- AST helpers

def _children(node):
    """The AST nodes directly inside `node`."""
    if not dataclasses.is_dataclass(node) or isinstance(node, (S.Span, S.OrderParam)):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(item) and not isinstance(item, (S.Span, S.OrderParam)):
                yield item


def _walk(node):
    yield node
    for child in _children(node):
        yield from _walk(child)


def has_assertions(program) -> bool:
    return any(isinstance(n, S.Assert) for t in program.threads for n in _walk(t))


# Which field of an atomic operation holds which kind of ordering.
_ORDER_FIELDS = {
    S.Load: (("order", "load"),),
    S.Store: (("order", "store"),),
    S.Rmw: (("order", "rmw"),),
    S.Fence: (("order", "fence"),),
    S.Cas: (("success", "rmw"), ("failure", "cas_failure")),
}


def all_ops_program(program):
    """`--all-ops`: a copy of a resolved program (no OrderParams left) whose every
    atomic operation's ordering is its own parameter, named `thread.line`
    (`thread.line.fail` for a compare-exchange's failure ordering; a second
    operation on the same line is `thread.line.2`). The declared parameters are
    replaced by these; each defaults to the ordering written in the file."""
    names = {}      # id(original node) -> base name
    decls = []
    for thread in program.threads:
        ops = [n for n in _walk(thread) if type(n) in _ORDER_FIELDS]
        # Number operations sharing a line in source order (stable for ties).
        ops.sort(key=lambda n: (n.span.line, n.span.column))
        seen: dict[int, int] = {}
        for n in ops:
            line = n.span.line
            seen[line] = seen.get(line, 0) + 1
            base = f"{thread.name}.{line}" + (f".{seen[line]}" if seen[line] > 1 else "")
            names[id(n)] = base
            for field, kind in _ORDER_FIELDS[type(n)]:
                order = getattr(n, field)
                # An ordering the kind does not allow (herd files may carry some) is
                # left alone: no legal sweep range would include it.
                if isinstance(order, MemoryOrder) and order in LEGAL[kind]:
                    name = base + (".fail" if field == "failure" else "")
                    decls.append(S.OrderDecl(name, order, n.span))

    declared = {d.name for d in decls}

    def rewrite(node):
        if not dataclasses.is_dataclass(node) or isinstance(node, (S.Span, S.OrderParam)):
            return node
        changes = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if isinstance(value, tuple):
                changes[f.name] = tuple(rewrite(v) for v in value)
            elif dataclasses.is_dataclass(value) and not isinstance(value, S.Span):
                changes[f.name] = rewrite(value)
        if id(node) in names:
            for field, _kind in _ORDER_FIELDS[type(node)]:
                name = names[id(node)] + (".fail" if field == "failure" else "")
                if name in declared:
                    changes[field] = S.OrderParam(name, node.span)
        return dataclasses.replace(node, **changes)

    threads = tuple(rewrite(t) for t in program.threads)
    # `weakest` expectations name the file's parameters, which no longer exist.
    expects = tuple(e for e in program.expects if e.kind != "weakest")
    return dataclasses.replace(program, threads=threads, params=tuple(decls), expects=expects)


# ---------------------------------------------------------------- jobs

@dataclass(frozen=True)
class Job:
    """Everything a worker needs to rebuild the program it sweeps."""
    path: str
    text: str | None = None         # the file's text, read once by the parent
    fmt: str | None = None
    sets: tuple = ()                # --set, as ((name, Rust spelling), ...)
    all_ops: bool = False
    model: str = "rc11"
    engine: str = "enumerate"
    unroll: int = 2
    timeout: float | None = None
    max_executions: int | None = None
    program: object = None          # an in-memory Program instead of path/text (tests)


def load_base(job: Job):
    """The program with its parameters still symbolic; --set applied to defaults."""
    from memorder.frontend.load import load_program
    from memorder.frontend.validate import resolve_orders
    if job.program is not None:
        program = job.program
    else:
        program = load_program(job.path, text=job.text, fmt=job.fmt)
    if job.all_ops:
        program = all_ops_program(resolve_orders(program, {}))
    sets = {name: MemoryOrder(value) for name, value in job.sets}
    declared = {d.name for d in program.params}
    for name in sets:
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise MemorderError(f"unknown ordering parameter '{name}' (parameters: {known})",
                                file=program.file)
    if sets:
        # Checks every use accepts the new default (a located error otherwise).
        resolve_orders(program, sets)
        program = dataclasses.replace(program, params=tuple(
            dataclasses.replace(d, default=sets.get(d.name, d.default)) for d in program.params))
    return program


def _settings(job: Job, engine=None):
    from memorder.engines.result import Settings
    return Settings(job.model, engine or job.engine, job.unroll, job.timeout, job.max_executions)


def _resolve(base, orderings: dict):
    from memorder.frontend.validate import resolve_orders
    return resolve_orders(base, orderings)


def run_assignment(base, job: Job, orderings: dict) -> dict:
    """Check one assignment; its properties (None where the run cannot tell)."""
    from memorder.analyses.check import check_program
    program = _resolve(base, orderings)
    r = check_program(program, _settings(job), file=job.path)
    # A run stopped early (timeout, --max-executions, solver unknown) proves what it
    # found, never the absence of something.
    # A vacuous run (nothing completed) or a bounded one (the loop bound cut some
    # executions) proves no absence either: its "not found" is unknown.
    complete = r.get("incomplete") is None and r["verdict"] not in (
        "incomplete", "inconclusive", "vacuous", "bounded")

    def found(flag):
        return True if flag else (False if complete else None)

    cond = r["condition"]
    props = {"R": found(r["races"]), "A": found(r["assertion_failures"]),
             "P": found(cond["positive"] > 0) if cond else None,
             "N": found(cond["negative"] > 0) if cond else None}
    return {"props": props, "races": len(r["races"]),
            "assertion_failures": len(r["assertion_failures"]),
            "executions": r["executions"], "bounded": r["bounded"],
            "incomplete": None if complete else (r.get("incomplete") or r["verdict"]),
            "verdict": r["verdict"]}


def run_witness(base, job: Job, orderings: dict, expectations) -> dict:
    """Explore one (failing) assignment keeping witnesses; one witness per failed expectation."""
    from memorder.analyses.check import summarise
    from memorder.engines.explicit import explore
    from memorder.program.final import FinalStates as Judge
    from memorder.program.sites import access_info
    program = _resolve(base, orderings)
    summary = explore(program, _settings(job, "enumerate"), witnesses=True)
    result = summarise(program, summary, job.model, "enumerate", job.path)
    judge = Judge(program)
    out = {}
    for kind, _text in expectations:
        if kind == "race-free" and summary.races:
            key = min(summary.races, key=race_sort_key)
            out["race"] = race_dict(program, key, summary.races[key])
        elif kind == "~exists" and summary.positive:
            for outcome in sorted(summary.outcomes):
                if _satisfies(judge, outcome):
                    out["outcome"] = outcome_dict(program, judge, outcome,
                                                  summary.outcomes[outcome], reachable=True)
                    break
        elif kind == "assertions-hold" and summary.failures:
            key = min(summary.failures, key=site_key)
            outcome, execution = summary.failures[key]
            info = access_info(program, *key)
            out["assertion"] = {"thread": info["thread"], "line": info["line"],
                                "assertion": info["access"], "state": judge.as_dict(outcome),
                                "reads_from": reads_from(program, execution)}
        elif kind == "race" and not summary.races:
            out["no_race"] = True
        elif kind == "exists" and not summary.positive and program.condition is not None:
            out["outcome"] = {"unreachable": program.condition.text}
    if result["bounded"]:
        out["bounded"] = result["bounded"]
    return out


# ---------------------------------------------------------------- witnesses as data

def _satisfies(judge, outcome) -> bool:
    """Whether a final state (an outcome tuple) satisfies the condition's expression."""
    registers = [dict() for _ in judge.program.threads]
    for (thread, reg), value in zip(judge.reg_keys, outcome):
        registers[judge.thread_index[thread]][reg] = value
    memory = dict(zip(judge.loc_names, outcome[len(judge.reg_keys):]))
    return bool(judge.condition((registers, memory)))


def _event_site(program, event) -> dict:
    from memorder.program.sites import access_info
    if event.is_init:
        return {"thread": None, "line": None, "access": f"initial {event.loc} = {event.val}"}
    site = access_info(program, event.tid, event.node)
    # The ordering the access had in this execution: with parameters (or --all-ops)
    # the source text alone does not say.
    site["order"] = event.order.value if event.order is not None else None
    return site


def reads_from(program, execution) -> list[dict]:
    """Each read of a witness execution and the write it reads from, thread by thread."""
    if execution is None:
        return []
    events = execution.events
    reads = [e for e in events if e.kind == "R" and not e.is_init]
    rows = []
    for e in sorted(reads, key=lambda e: (e.tid, e.id)):
        site = _event_site(program, e)
        w = events[e.rf]
        rows.append({**site, "location": e.loc, "value": e.val,
                     "from": None if w.is_init else _event_site(program, w)})
    return rows


def race_dict(program, key, execution) -> dict:
    from memorder.program.sites import access_info
    loc, (t1, n1), (t2, n2) = key
    return {"location": loc, "first": access_info(program, t1, n1),
            "second": access_info(program, t2, n2),
            "reads_from": reads_from(program, execution)}


def outcome_dict(program, judge, outcome, execution, reachable=None) -> dict:
    d = {"state": judge.as_dict(outcome)}
    if program.condition is not None:
        d["satisfies_condition"] = _satisfies(judge, outcome)
    if reachable is not None:
        d["reachable"] = reachable
    d["reads_from"] = reads_from(program, execution)
    return d


# ---------------------------------------------------------------- parameters and the lattice

# Bit per ordering, and each ordering's down-set as bits: a >= b iff bit(b) is in down(a).
_ALL_ORDERS = tuple(MemoryOrder)
_BIT = {o: 1 << i for i, o in enumerate(_ALL_ORDERS)}
_DOWN = {o: sum(_BIT[p] for p in _ALL_ORDERS if o.is_at_least(p)) for o in _ALL_ORDERS}
_WIDTH = len(_ALL_ORDERS)
# Height in the lattice; strictly stronger => strictly higher, so one rank is an antichain.
_HEIGHT = {o: sum(1 for p in _ALL_ORDERS if o.is_at_least(p)) - 1 for o in _ALL_ORDERS}


@dataclass(frozen=True)
class Param:
    name: str
    kinds: tuple[str, ...]
    domain: tuple[MemoryOrder, ...]   # legal for every use, weakest first

    def weaker_by_one_step(self, order: MemoryOrder) -> list[MemoryOrder]:
        if len(self.kinds) == 1:
            return weaker_by_one_step(order, self.kinds[0])
        # Used by several kinds: the same rule, within the intersection.
        below = [o for o in self.domain if order.is_at_least(o) and o is not order]
        return [o for o in below if not any(p is not o and p.is_at_least(o) for p in below)]


def sweep_params(program, only=None, fixed=()):
    """(swept Params in declaration order, {name: default} of the parameters kept fixed,
    [names of parameters no operation uses])."""
    from memorder.frontend.validate import param_uses
    uses = param_uses(program)
    declared = [d.name for d in program.params]
    if only is not None:
        unknown = [n for n in only if n not in uses]
        if unknown:
            raise MemorderError(f"unknown ordering parameter '{unknown[0]}' in --params "
                                f"(parameters: {', '.join(declared) or 'none'})",
                                file=program.file)
        clash = [n for n in only if n in fixed]
        if clash:
            raise MemorderError(f"'{clash[0]}' is both fixed by --set and swept by --params",
                                file=program.file)
    params, kept, unused = [], {}, []
    for decl in program.params:
        kinds = tuple(sorted(uses[decl.name]))
        if not kinds:
            unused.append(decl.name)
        elif (only is None or decl.name in only) and decl.name not in fixed:
            domain = tuple(o for o in _ALL_ORDERS if all(o in LEGAL[k] for k in kinds))
            # Keep the weakest-first order of LEGAL (Acquire before Release).
            first = LEGAL[kinds[0]]
            domain = tuple(sorted(domain, key=lambda o: first.index(o)))
            params.append(Param(decl.name, kinds, domain))
            continue
        kept[decl.name] = decl.default
    return params, kept, unused


class Lattice:
    """All assignments of the swept parameters, with fast comparisons."""

    def __init__(self, params):
        self.params = params
        points = [()]
        for p in params:
            points = [pt + (o,) for pt in points for o in p.domain]
        # Rows sorted parameter by parameter, each weakest first.
        index = [{o: i for i, o in enumerate(p.domain)} for p in params]
        points.sort(key=lambda pt: tuple(index[c][o] for c, o in enumerate(pt)))
        self.points = points
        self.bits = [self._pack(pt, _BIT) for pt in points]
        self.downs = [self._pack(pt, _DOWN) for pt in points]
        self.rank = [sum(_HEIGHT[o] for o in pt) for pt in points]
        self.where = {pt: i for i, pt in enumerate(points)}

    @staticmethod
    def _pack(point, table):
        value = 0
        for c, o in enumerate(point):
            value |= table[o] << (_WIDTH * c)
        return value

    def __len__(self):
        return len(self.points)

    def at_least(self, i, j) -> bool:
        """Assignment i is at least as strong as j, parameter by parameter."""
        return not (self.bits[j] & ~self.downs[i])

    def below(self, i):
        """Indices of assignments at most as strong as i (i included)."""
        down = self.downs[i]
        return [j for j, b in enumerate(self.bits) if not (b & ~down)]

    def above(self, i):
        bit = self.bits[i]
        return [j for j, d in enumerate(self.downs) if not (bit & ~d)]

    def minimal_elements(self):
        """Assignments with nothing strictly weaker: every parameter at a minimal
        ordering of its domain (fences have two, Acquire and Release)."""
        lows = [{o for o in p.domain if not any(q is not o and o.is_at_least(q) for q in p.domain)}
                for p in self.params]
        return [i for i, pt in enumerate(self.points) if all(o in lows[c] for c, o in enumerate(pt))]

    def maximal_elements(self):
        highs = [{o for o in p.domain if not any(q is not o and q.is_at_least(o) for q in p.domain)}
                 for p in self.params]
        return [i for i, pt in enumerate(self.points) if all(o in highs[c] for c, o in enumerate(pt))]

    def orderings(self, i) -> dict:
        return {p.name: o for p, o in zip(self.params, self.points[i])}


# ---------------------------------------------------------------- running assignments

_WORKER = {}


def _init_worker(job):
    _WORKER["job"] = job
    _WORKER["base"] = load_base(job)


def _work(task):
    kind, names, values, expectations = task
    job, base = _WORKER["job"], _WORKER["base"]
    orderings = {n: MemoryOrder(v) for n, v in zip(names, values)}
    if kind == "run":
        return run_assignment(base, job, orderings)
    return run_witness(base, job, orderings, expectations)


class Runner:
    """Runs tasks in this process (jobs == 1) or in a process pool, results in task order."""

    def __init__(self, job, base, jobs, progress):
        self.job, self.base, self.jobs, self.progress = job, base, max(1, jobs), progress
        self.pool = None

    def run(self, tasks):
        if self.jobs == 1 or len(tasks) == 1:
            results = []
            for t in tasks:
                kind, names, values, expectations = t
                orderings = {n: MemoryOrder(v) for n, v in zip(names, values)}
                if kind == "run":
                    results.append(run_assignment(self.base, self.job, orderings))
                else:
                    results.append(run_witness(self.base, self.job, orderings, expectations))
                self.progress.step()
            return results
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs, initializer=_init_worker,
                                            initargs=(self.job,))
        futures = [self.pool.submit(_work, t) for t in tasks]
        for f in futures:  # in order: deterministic; progress lags at most a batch
            f.result()
            self.progress.step()
        return [f.result() for f in futures]

    def close(self):
        if self.pool is not None:
            self.pool.shutdown()


class Progress:
    """A one-line counter with an ETA on a terminal, once the sweep has run 1 s."""

    def __init__(self, stream, label, enabled):
        self.stream, self.label = stream, label
        self.enabled = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.start = time.monotonic()
        self.done = self.total = self.runs = 0
        self.shown = False
        self.phase = "decided"

    def set(self, done, total):
        self.done, self.total = done, total
        self._show()

    def step(self):
        self.runs += 1
        self._show()

    def _show(self):
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        if elapsed < 1.0:
            return
        eta = ""
        if 0 < self.done < self.total:
            eta = f", ETA {elapsed / self.done * (self.total - self.done):.0f}s"
        self.stream.write(f"\r{self.label}: {self.done}/{self.total} {self.phase}, "
                          f"{self.runs} runs, {elapsed:.0f}s{eta}   ")
        self.stream.flush()
        self.shown = True

    def finish(self):
        if self.shown:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()


# ---------------------------------------------------------------- the sweep

def sweep(job: Job, only=None, prune=True, jobs=None, err=None) -> dict:
    """Sweep one file (or in-memory program); the JSON-ready result."""
    start = time.monotonic()
    base = load_base(job)
    params, kept, unused = sweep_params(base, only, fixed={n for n, _ in job.sets})
    lattice = Lattice(params)
    expectations = judged_expectations(base)
    n = len(lattice)
    progress = Progress(err if err is not None else sys.stderr, f"sweep {job.path}",
                        enabled=err is not None)
    runner = Runner(job, base, jobs or os.cpu_count() or 1, progress)
    names = tuple(p.name for p in params)

    ran = [None] * n                        # run results, by assignment
    implied = [dict.fromkeys(PROPS) for _ in range(n)]   # properties fixed by some run
    violations = []

    def value(i, prop):
        own = ran[i]["props"][prop] if ran[i] is not None else None
        return own if own is not None else implied[i][prop]

    def props(i):
        return {prop: value(i, prop) for prop in PROPS}

    def record(i, result):
        ran[i] = result
        for prop, v in result["props"].items():
            if v is None:
                continue
            # Present here => present in every weaker assignment; absent => absent above.
            for j in (lattice.below(i) if v else lattice.above(i)):
                known = value(j, prop)
                if known is not None and known != v:
                    weak, strong = (j, i) if v else (i, j)
                    violations.append({"property": prop,
                                       "weaker": _spell(lattice.orderings(weak)),
                                       "stronger": _spell(lattice.orderings(strong))})
                elif implied[j][prop] is None:
                    implied[j][prop] = v

    # The extremes first: a property absent at the weakest assignments is absent
    # everywhere, one present at the strongest is present everywhere. With mixed
    # expectations (say race-free and exists) this settles one of them in two runs,
    # which bisection alone would not.
    extremes = sorted(set(lattice.minimal_elements()) | set(lattice.maximal_elements()))
    try:
        first = True
        while True:
            undecided = [i for i in range(n) if ran[i] is None and meets(expectations, props(i)) is None]
            progress.set(n - len(undecided), n)
            if not undecided:
                break
            if prune and first:
                open_now = set(undecided)
                batch = [i for i in extremes if i in open_now] or undecided[:1]
                first = False
            elif prune:
                # Bisect the lattice: run the middle rank of what is still open. One
                # rank is an antichain, so its members cannot decide one another.
                ranks = sorted(lattice.rank[i] for i in undecided)
                middle = ranks[len(ranks) // 2]
                batch = [i for i in undecided if lattice.rank[i] == middle]
            else:
                batch = undecided
            tasks = [("run", names, tuple(o.value for o in lattice.points[i]), expectations)
                     for i in batch]
            for i, result in zip(batch, runner.run(tasks)):
                record(i, result)

        verdicts = [meets(expectations, props(i)) for i in range(n)]
        good = [i for i in range(n) if verdicts[i] is True]
        minimal = [i for i in good
                   if not any(j != i and lattice.at_least(i, j) for j in good)]

        # For each minimal assignment and parameter, each one-step weakening and
        # what goes wrong there (re-run with witnesses: implied rows kept none).
        plan = []
        for m in minimal:
            point = lattice.points[m]
            for c, p in enumerate(params):
                for weaker in p.weaker_by_one_step(point[c]):
                    w = lattice.where[point[:c] + (weaker,) + point[c + 1:]]
                    plan.append((m, p.name, weaker, w))
        tasks = [("witness", names, tuple(o.value for o in lattice.points[w]), expectations)
                 for _m, _name, _weaker, w in plan]
        progress.phase = "assignments decided; finding witnesses"
        found = runner.run(tasks) if tasks else []
    finally:
        runner.close()
        progress.finish()

    witnesses = []
    for (m, name, weaker, w), wit in zip(plan, found):
        entry = {"param": name, "weakened_to": weaker.value,
                 "minimal": _spell(lattice.orderings(m)),
                 "assignment": _spell(lattice.orderings(w)),
                 "meets_expectations": verdicts[w]}
        entry.update(wit)
        witnesses.append(entry)

    cond = base.condition
    rows = []
    for i in range(n):
        p = props(i)
        r = ran[i]
        own = r["props"] if r is not None else {}

        def count(prop, field):
            # A count only from this assignment's own run; otherwise only "none"
            # (0) is known, "some" is null.
            if own.get(prop) is True:
                return r[field]
            return 0 if p[prop] is False else None

        row = {"orderings": _spell(lattice.orderings(i)),
               "races": count("R", "races"),
               "condition_holds": condition_holds(cond, p),
               "assertion_failures": count("A", "assertion_failures"),
               "meets_expectations": verdicts[i],
               "decided_by": "run" if r is not None else "implied",
               "race": p["R"], "assertion_failed": p["A"]}
        if r is not None:
            row["executions"] = r["executions"]
            if r["bounded"]:
                row["bounded"] = r["bounded"]
            if r["incomplete"]:
                row["incomplete"] = r["incomplete"]
        rows.append(row)

    minimal_orderings = [_spell(lattice.orderings(m)) for m in minimal]
    weakest = []
    for e in base.expects:
        if e.kind == "weakest":
            full = [{**_spell(kept), **mo} for mo in minimal_orderings]
            met = any(all(f.get(name) == o.value for name, o in e.orderings) for f in full)
            weakest.append({"text": e.text, "met": met})
    run_count = sum(r is not None for r in ran)
    return {
        "file": job.path, "test": base.name, "model": job.model, "engine": job.engine,
        "unroll": job.unroll, "all_ops": job.all_ops,
        "params": {p.name: [o.value for o in p.domain] for p in params},
        "param_kinds": {p.name: list(p.kinds) for p in params},
        "fixed": _spell(kept), "unused": unused,
        "expectations": [text for _kind, text in expectations],
        "has_assertions": has_assertions(base),
        "condition": None if cond is None else {"kind": cond.kind, "text": cond.text},
        "assignments": rows, "minimal": minimal_orderings, "witnesses": witnesses,
        # the runs use the engine asked for; witness executions are always explicit replays
        "witness_engine": "enumerate",
        "implied": n - run_count, "run": run_count,
        "bounded": any(r is not None and r["bounded"] for r in ran),
        "undecided": sum(v is None for v in verdicts),
        "weakest": weakest, "monotonicity_violations": violations,
        "seconds": round(time.monotonic() - start, 3),
    }


def _spell(orderings: dict) -> dict:
    return {name: o.value for name, o in orderings.items()}


def sweep_exit_code(result) -> int:
    """0: some assignment meets the expectations, every `expect weakest` holds and the
    search is consistent; 1 otherwise."""
    ok = (result["minimal"] and not result["undecided"]
          and all(w["met"] for w in result["weakest"]) and not result["monotonicity_violations"])
    return 0 if ok else 1


# ---------------------------------------------------------------- compare

def compare(job: Job, before: dict, after: dict) -> dict:
    """What changing the orderings from `before` to `after` adds and removes."""
    from memorder.analyses.check import summarise
    from memorder.engines.explicit import explore
    from memorder.program.final import FinalStates as Judge
    from memorder.program.sites import access_info
    base = load_base(job)
    declared = {d.name: d.default for d in base.params}
    for name in list(before) + list(after):
        if name not in declared:
            raise MemorderError(f"unknown ordering parameter '{name}' (parameters: "
                                f"{', '.join(declared) or 'none'})", file=base.file)
    sides = {}
    for side, overrides in (("before", before), ("after", after)):
        program = _resolve(base, overrides)
        summary = explore(program, _settings(job, "enumerate"), witnesses=True)
        sides[side] = (program, summary, summarise(program, summary, job.model, "enumerate",
                                                    job.path))
    (pb, sb, rb), (pa, sa, ra) = sides["before"], sides["after"]
    judge = Judge(pb)   # outcome keys depend only on the program's shape: same on both sides

    ob, oa = set(sb.outcomes), set(sa.outcomes)
    outcomes = {
        "before": len(ob), "after": len(oa), "common": len(ob & oa),
        "removed": [outcome_dict(pb, judge, o, sb.outcomes[o]) for o in sorted(ob - oa)],
        "added": [outcome_dict(pa, judge, o, sa.outcomes[o]) for o in sorted(oa - ob)],
    }

    def race_index(program, summary):
        # AST nodes differ between the two resolved programs (their orderings differ),
        # so races are matched by location and source position.
        return {(loc, site_key(a), site_key(b)): (loc, a, b)
                for loc, a, b in summary.races}

    xb, xa = race_index(pb, sb), race_index(pa, sa)
    races = {
        "before": len(xb), "after": len(xa),
        "removed": [race_dict(pb, xb[k], sb.races[xb[k]]) for k in sorted(set(xb) - set(xa))],
        "added": [race_dict(pa, xa[k], sa.races[xa[k]]) for k in sorted(set(xa) - set(xb))],
    }

    def failure_index(summary):
        return {site_key(site): site for site in summary.failures}

    def failure_dict(program, summary, site):
        outcome, execution = summary.failures[site]
        info = access_info(program, *site)
        return {"thread": info["thread"], "line": info["line"], "assertion": info["access"],
                "state": judge.as_dict(outcome), "reads_from": reads_from(program, execution)}

    fb, fa = failure_index(sb), failure_index(sa)
    failures = {
        "before": len(fb), "after": len(fa),
        "removed": [failure_dict(pb, sb, fb[k]) for k in sorted(set(fb) - set(fa))],
        "added": [failure_dict(pa, sa, fa[k]) for k in sorted(set(fa) - set(fb))],
    }
    condition = None
    if rb["condition"] is not None:
        cb, ca = rb["condition"], ra["condition"]
        condition = {"kind": cb["kind"], "text": cb["text"],
                     "before": cb["holds"], "after": ca["holds"],
                     "positive": [cb["positive"], ca["positive"]],
                     "negative": [cb["negative"], ca["negative"]]}
    expectations = [{"text": eb["text"], "before": eb["met"], "after": ea["met"]}
                    for eb, ea in zip(rb["expectations"], ra["expectations"])]

    def chosen(program):
        return {d.name: d.default.value for d in program.params}

    return {
        "file": job.path, "test": base.name, "model": job.model, "unroll": job.unroll,
        "before": chosen(pb), "after": chosen(pa),
        "changed": sorted(n for n in declared if chosen(pb)[n] != chosen(pa)[n]),
        "executions": {"before": rb["executions"], "after": ra["executions"]},
        "bounded": {"before": rb["bounded"], "after": ra["bounded"]},
        "incomplete": {"before": rb["incomplete"], "after": ra["incomplete"]},
        "outcomes": outcomes, "races": races, "assertion_failures": failures,
        "condition": condition, "expectations": expectations,
        "verdict": {"before": rb["verdict"], "after": ra["verdict"]},
    }


# ---------------------------------------------------------------- text

def _site_text(site) -> str:
    if site is None or site.get("thread") is None:
        return site["access"] if site else "?"
    order = f" [{site['order']}]" if site.get("order") else ""
    return f"{site['thread']} line {site['line']} `{site['access']}`{order}"


def _rf_text(rf) -> list[str]:
    out = []
    for r in rf:
        src = "the initial value" if r["from"] is None else _site_text(r["from"])
        out.append(f"{_site_text(r)} reads {r['location']} = {r['value']} from {src}")
    return out


def _state_text(state) -> str:
    return " ".join(f"{k}={v};" for k, v in state.items())


def _race_text(race) -> str:
    return (f"data race on {race['location']}: {_site_text(race['first'])} vs "
            f"{_site_text(race['second'])}")


def _table(header, rows) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()
    return [fmt(header)] + [fmt(r) for r in rows]


def _yn(v, yes, no):
    return "?" if v is None else (yes if v else no)


def _open_text(why: str) -> str:
    """Why a run decides nothing it did not find, for the table."""
    if why in ("vacuous", "bounded"):
        return why
    return f"incomplete: {why}"


def sweep_text(r: dict) -> str:
    lines = [f"Sweep of {r['file']} ({r['test']}), model {r['model']}, unroll {r['unroll']}"]
    kinds = r["param_kinds"]
    if r["params"]:
        lines.append("Parameters:")
        for name, domain in r["params"].items():
            lines.append(f"  {name}: {', '.join(domain)}  (used by: {', '.join(kinds[name])})")
    else:
        lines.append("No ordering parameters to sweep (declare `order NAME = ...`, or use --all-ops).")
    if r["fixed"]:
        lines.append("Fixed: " + " ".join(f"{k}={v}" for k, v in r["fixed"].items()))
    if r["unused"]:
        lines.append("Unused (no operation uses them): " + ", ".join(r["unused"]))
    lines.append("Judged by: " + "; ".join(r["expectations"]))
    n = len(r["assignments"])
    lines.append(f"{n} assignments: {r['run']} run, {r['implied']} implied by monotonicity "
                 f"({r['seconds']:.2f}s)")
    lines.append("")
    minimal = r["minimal"]
    header = list(r["params"]) + ["race", "condition", "assertions", "meets", "decided_by"]
    rows = []
    for a in r["assignments"]:
        o = a["orderings"]
        cond = "-" if r["condition"] is None else _yn(a["condition_holds"], "holds", "fails")
        asserts = _yn(a["assertion_failed"], "fail", "hold") if r["has_assertions"] else "-"
        decided = a["decided_by"] + (" (bounded)" if a.get("bounded") else "") + \
            (f" ({_open_text(a['incomplete'])})" if a.get("incomplete") else "")
        mark = "  <- minimal" if o in minimal else ""
        rows.append([o[p] for p in r["params"]] + [
            _yn(a["race"], "race", "free"), cond, asserts,
            _yn(a["meets_expectations"], "yes", "no"), decided + mark])
    lines += _table(header, rows)
    lines.append("")
    if minimal:
        lines.append("Minimal sufficient assignments (weakest orderings meeting the expectations):")
        for m in minimal:
            lines.append("  " + (" ".join(f"{k}={v}" for k, v in m.items()) or "(no parameters)"))
    else:
        lines.append("No assignment meets the expectations.")
    if r["witnesses"]:
        lines.append("")
        lines.append("Why each ordering is needed (one step weaker fails)"
                     + (":" if r.get("engine", "enumerate") == "enumerate" else
                        f"; runs by --engine {r['engine']}, witnesses found by the explicit engine:"))
        for w in r["witnesses"]:
            head = f"  {w['param']}={w['minimal'][w['param']]} -> {w['weakened_to']}"
            if len(minimal) > 1:
                head += "  (from " + " ".join(f"{k}={v}" for k, v in w["minimal"].items()) + ")"
            lines.append(head + ":")
            if "race" in w:
                lines.append("    " + _race_text(w["race"]))
                lines.append("    in the execution where:")
                lines += ["      " + t for t in _rf_text(w["race"]["reads_from"])]
            if "outcome" in w:
                out = w["outcome"]
                if "unreachable" in out:
                    lines.append(f"    the condition {out['unreachable']} becomes unreachable")
                else:
                    lines.append(f"    reachable: {_state_text(out['state'])}")
                    lines += ["      " + t for t in _rf_text(out["reads_from"])]
            if "assertion" in w:
                a = w["assertion"]
                lines.append(f"    assertion fails: {a['thread']} line {a['line']} "
                             f"`{a['assertion']}`, e.g. in {_state_text(a['state'])}")
            if w.get("no_race"):
                lines.append("    the expected race disappears")
            if w.get("bounded"):
                lines.append(f"    ({w['bounded']} executions cut by the loop bound)")
    for w in r["weakest"]:
        lines.append(f"{w['text']}: {'met' if w['met'] else 'NOT met'}")
    if r["bounded"]:
        lines.append("Some executions were cut by the loop bound: verdicts hold up to "
                     f"--unroll {r['unroll']}.")
    if r["undecided"]:
        lines.append(f"{r['undecided']} assignments undecided (their runs were vacuous, bounded "
                     "or stopped early: what they did not find may still happen).")
    for v in r["monotonicity_violations"]:
        lines.append(f"INTERNAL INCONSISTENCY: property {v['property']} is present at "
                     f"{v['stronger']} but absent at the weaker {v['weaker']}")
    return "\n".join(lines)


def compare_text(r: dict) -> str:
    def assign(d):
        return " ".join(f"{k}={v}" for k, v in d.items()) or "(no parameters)"

    lines = [f"Compare {r['file']} ({r['test']}), model {r['model']}, unroll {r['unroll']}",
             f"  before: {assign(r['before'])}",
             f"  after:  {assign(r['after'])}"]
    o = r["outcomes"]
    lines.append(f"Outcomes: {o['before']} before, {o['after']} after: "
                 f"{len(o['removed'])} removed, {len(o['added'])} added")
    for label, items in (("removed", o["removed"]), ("added", o["added"])):
        for item in items:
            extra = ""
            if "satisfies_condition" in item:
                extra = "  (satisfies the condition)" if item["satisfies_condition"] else ""
            lines.append(f"  {label}: {_state_text(item['state'])}{extra}")
            side = "before" if label == "removed" else "after"
            lines.append(f"    witness ({side}):")
            lines += ["      " + t for t in _rf_text(item["reads_from"])]
    x = r["races"]
    lines.append(f"Races: {x['before']} before, {x['after']} after: "
                 f"{len(x['removed'])} removed, {len(x['added'])} added")
    for label, items in (("removed", x["removed"]), ("added", x["added"])):
        for item in items:
            lines.append(f"  {label}: {_race_text(item)}")
            lines.append(f"    witness ({'before' if label == 'removed' else 'after'}):")
            lines += ["      " + t for t in _rf_text(item["reads_from"])]
    f = r["assertion_failures"]
    lines.append(f"Assertion failures: {f['before']} before, {f['after']} after: "
                 f"{len(f['removed'])} removed, {len(f['added'])} added")
    for label, items in (("removed", f["removed"]), ("added", f["added"])):
        for item in items:
            lines.append(f"  {label}: {item['thread']} line {item['line']} `{item['assertion']}` "
                         f"fails, e.g. in {_state_text(item['state'])}")
    c = r["condition"]
    if c is not None:
        hold = lambda v: "holds" if v else "does not hold"
        lines.append(f"Condition {c['text']}: {hold(c['before'])} before "
                     f"(positive {c['positive'][0]}), {hold(c['after'])} after "
                     f"(positive {c['positive'][1]})")
    for e in r["expectations"]:
        if e["before"] is None and e["after"] is None:
            continue  # `expect weakest`: a claim about sweeps, not about one assignment
        met = lambda v: {True: "met", False: "NOT met", None: "-"}[v]
        lines.append(f"  {e['text']}: {met(e['before'])} -> {met(e['after'])}")
    if r["bounded"]["before"] or r["bounded"]["after"]:
        lines.append(f"Some executions were cut by the loop bound (--unroll {r['unroll']}).")
    for side in ("before", "after"):
        if r["incomplete"][side]:
            lines.append(f"Exploration {side} was stopped ({r['incomplete'][side]}): "
                         "the diff is partial.")
    return "\n".join(lines)


# ---------------------------------------------------------------- command line
