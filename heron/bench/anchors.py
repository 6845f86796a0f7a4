"""Reference anchors and targets of ``docs/performance.md``, as data (the one place in code).

``heron bench`` divides what it measures by these to print "x the reference" and "x the target".
Anchors are rates measured on this machine class (2 cores); a range is stored as ``(low, high)``
and ratios use the HIGH end, so a printed speed-up never flatters heron.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class Anchor:
    """A published figure to compare against: ``rate`` range in ``unit`` (per second)."""

    name: str
    unit: str
    rate: Tuple[float, float]
    source: str

    @property
    def conservative_rate(self) -> float:
        """The high end of the range: dividing by it gives the least flattering ratio."""
        return float(self.rate[1])


@dataclass(frozen=True)
class Target:
    """A goal of ``docs/performance.md``: at least ``rate`` in ``unit`` (per second)."""

    unit: str
    rate: float
    text: str


# public HERON reference (commit 997a6bf): what heron is measured against.
REFERENCES = {
    "W1": Anchor("public HERON reference, event-driven path", "episodes/s", (400.0, 500.0),
                 "docs/performance.md anchors: W1 shape, one episode at a time"),
    "W3": Anchor("public HERON reference EventScheduler", "events/s", (100e3, 120e3),
                 "docs/performance.md anchors: W3"),
}

# targets keyed by (workload, engine) as named by ``heron bench``: those of 2026-12
# (docs/performance.md; the 2026-11 ones are history there).
TARGETS = {
    ("W1", "batch-compiled"): Target("episodes/s", 400e3,
                                     ">= 400,000 episodes/s on both cores (2026-12)"),
    ("W1", "batch-python"): Target("episodes/s", 20e3, ">= 20,000 episodes/s (2026-11)"),
    ("W1", "batch-python-mlp"): Target("episodes/s", 25e3,
                                       ">= 25,000 episodes/s, default settings (2026-12)"),
    ("W1", "interactive"): Target("episodes/s", 6 * 500.0, ">= 6x the reference (2026-12)"),
    ("W2", "batch-compiled"): Target("episodes/s", 5e3, ">= 5,000 episodes/s (2026-12)"),
    ("W3", "heron"): Target("events/s", 1e6, ">= 1,000,000 events/s (>= 8x the reference)"),
}


def reference_for(workload: str) -> Optional[Anchor]:
    """The reference anchor of ``workload`` (``None`` when docs/performance.md gives none)."""
    return REFERENCES.get(workload)


def target_for(workload: str, engine: str) -> Optional[Target]:
    """The target of ``(workload, engine)`` (``None`` when docs/performance.md sets none)."""
    return TARGETS.get((workload, engine))
