"""Wall-clock measurement for ``heron bench``: a warm-up, then the median of a few repeats.

A measured run is split in two so preparation never counts: ``prepare()`` builds fresh inputs
(untimed) and ``run(state)`` does the work and returns how many units it handled (events,
episodes, push+pop pairs). Times are wall-clock seconds from ``time.perf_counter``; the rate is
``units / median wall time``. Machines here vary by 25-30% between runs, so compare rates that
were measured in the same invocation (the ratios ``heron bench`` prints), not across runs.
"""
from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple


@dataclass(frozen=True)
class Measurement:
    """The timed repeats of one run: ``units`` per run and each run's wall time in seconds."""

    units: int
    wall_times_s: Tuple[float, ...]

    @property
    def median_s(self) -> float:
        """Median wall time of one run (s)."""
        return float(statistics.median(self.wall_times_s))

    @property
    def rate(self) -> float:
        """Units per second at the median wall time."""
        med = self.median_s
        return self.units / med if med > 0 else float("inf")


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}")
    return value


def _timed_once(run, prepare) -> Tuple[int, float]:
    """``prepare()`` untimed, then ``run(state)`` timed: ``(units, wall seconds)``."""
    state = prepare() if prepare is not None else None
    gc.collect()
    t0 = time.perf_counter()
    units = run(state)
    elapsed = time.perf_counter() - t0
    return int(units), elapsed


def measure(run: Callable[[Any], int], prepare: Optional[Callable[[], Any]] = None, *,
            repeats: int = 3, warmup: int = 1) -> Measurement:
    """Time ``run(prepare())``: ``warmup`` untimed runs, then ``repeats`` timed ones.

    ``run`` returns the number of units it handled; every timed run must handle the same number
    (a benchmark whose work changes between repeats is broken, so that raises ``RuntimeError``).
    Garbage is collected before each timed run; the collector stays enabled during it, as in
    real use (asv's ``time_*`` benchmarks disable it, so they can read a little faster).
    """
    _check_count("repeats", repeats, 1)
    _check_count("warmup", warmup, 0)
    if not callable(run):
        raise TypeError(f"run must be callable; got {run!r}")
    if prepare is not None and not callable(prepare):
        raise TypeError(f"prepare must be callable or None; got {prepare!r}")

    for _ in range(warmup):
        _timed_once(run, prepare)
    times = []
    units = None
    for _ in range(repeats):
        n, elapsed = _timed_once(run, prepare)
        if units is None:
            units = n
        elif n != units:
            raise RuntimeError(f"a benchmark run handled {n} units after an earlier run handled "
                               f"{units}: the measured work must not change between repeats")
        times.append(elapsed)
    return Measurement(units=units, wall_times_s=tuple(times))


def measure_interleaved(cases, *, repeats: int = 3, warmup: int = 1):
    """Time several cases round-robin so slow drifts of a noisy machine hit them all alike.

    ``cases`` maps a name to ``(run, prepare)`` as in ``measure`` (``prepare`` may be ``None``).
    Each round runs every case once; ``warmup`` untimed rounds come first. Returns a dict of
    ``Measurement`` by name, in the order of ``cases``.
    """
    _check_count("repeats", repeats, 1)
    _check_count("warmup", warmup, 0)
    names = list(cases)
    if not names:
        raise ValueError("cases must name at least one case; got an empty mapping")
    for name in names:
        pair = cases[name]
        if not (isinstance(pair, tuple) and len(pair) == 2 and callable(pair[0])
                and (pair[1] is None or callable(pair[1]))):
            raise TypeError(f"cases[{name!r}] must be a (run, prepare) pair of callables "
                            f"(prepare may be None); got {pair!r}")
    times = {name: [] for name in names}
    units = {}
    for round_no in range(warmup + repeats):
        for name in names:
            run, prepare = cases[name]
            n, elapsed = _timed_once(run, prepare)
            if round_no < warmup:
                continue
            if name in units and units[name] != n:
                raise RuntimeError(f"case {name!r} handled {n} units after an earlier run "
                                   f"handled {units[name]}: the measured work must not change "
                                   "between repeats")
            units[name] = n
            times[name].append(elapsed)
    return {name: Measurement(units=units[name], wall_times_s=tuple(times[name]))
            for name in names}
