"""One way to run an engine: `run(program, settings)` -> Result, for every command.

`settings.engine` names the engine: "enumerate" (explicit exploration),
"smt" (Z3) or "both" (the two, compared; a disagreement is an internal error).
Questions only an explicit exploration answers (the first execution with some
outcome, the k-th execution, the candidates the model rejects) go through
`explicit_only`, which refuses another engine with a clear message instead of
quietly using the explicit one.
"""
from __future__ import annotations

from memorder.base.errors import MemorderError
from memorder.engines.result import Result, Settings
from memorder.model import MODELS

ENGINES = ("enumerate", "smt", "both")


def check_settings(settings: Settings) -> None:
    if settings.model not in MODELS:
        raise MemorderError(f"unknown model {settings.model!r} (choose from {', '.join(MODELS)})")
    if settings.engine not in ENGINES:
        raise MemorderError(f"unknown engine {settings.engine!r} (choose from {', '.join(ENGINES)})")


def run(program, settings: Settings, witnesses: bool = False) -> Result:
    """Every execution of a resolved program, summarised. With `witnesses`, each
    outcome and assertion failure keeps an execution showing it (races always do)."""
    check_settings(settings)
    if settings.engine == "enumerate":
        from memorder.engines.explicit import explore
        return explore(program, settings, witnesses=witnesses)
    from memorder.engines.smt import check_smt  # z3 is imported only there
    return check_smt(program, model=settings.model, unroll=settings.unroll,
                     timeout=settings.timeout, cross_check=(settings.engine == "both"))


def explicit_only(settings: Settings, what: str) -> None:
    """Refuse, with a message naming the command's need, an engine other than the explicit one."""
    check_settings(settings)
    if settings.engine != "enumerate":
        raise MemorderError(f"{what} needs explicit executions, which only the explicit engine "
                            f"builds: use --engine enumerate (not --engine {settings.engine})")


__all__ = ["ENGINES", "Result", "Settings", "check_settings", "explicit_only", "run"]
