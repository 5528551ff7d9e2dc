"""What every engine returns, and the settings every engine is run with.

One Result type for both engines and every command, so a limit that cut the
search, a count the engine could not make and a witness it kept are reported
the same way everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Settings:
    """How to run an engine: the model, the engine, the loop bound and the limits."""
    model: str = "rc11"
    engine: str = "enumerate"
    unroll: int = 2
    timeout: float | None = None
    max_executions: int | None = None


@dataclass
class Result:
    """What an engine found. Witnesses are Execution snapshots (or None when not kept)."""
    executions: int = 0     # complete, consistent, passing the filter
    explored: int = 0       # complete, blocked and bounded executions the engine went through
    blocked: int = 0        # stopped by a false assume/await
    bounded: int = 0        # stopped by the loop bound
    filtered: int = 0       # complete, but the final state fails the filter
    outcomes: dict = field(default_factory=dict)      # outcome tuple -> witness
    positive: int = 0       # complete executions where the condition's proposition holds
    negative: int = 0       # ... and where it does not (the report applies ~exists' flip)
    races: dict = field(default_factory=dict)         # (loc, Site, Site) -> witness
    failures: dict = field(default_factory=dict)      # Site -> (outcome, witness)
    # Run-time findings other than assertions (out-of-bounds, division-by-zero,
    # shift-overflow, spins-forever): (kind, Site) -> (outcome or None, witness)
    findings: dict = field(default_factory=dict)
    incomplete: str | None = None                     # why the search stopped early
    counted: bool = True    # False: the figures above are not counts, only 0 / 1 for "some"
    # Whether some complete execution exists, where the engine did not count them
    # (None: read it off `executions`).
    complete_reached: bool | None = None

    @property
    def vacuous(self) -> bool:
        """No execution completed (every one blocked or cut by the loop bound),
        and nothing was found: there is nothing to judge."""
        reached = self.executions > 0 if self.complete_reached is None else self.complete_reached
        return not reached and not self.races and not self.failures and not self.findings
