"""Shared pieces of the asv suite: sizes, and the workload/baseline modules it times.

Nothing here defines a workload: W1-W3 live in ``heron.workloads`` and the SimPy/heapq baselines
and heap workloads in ``heron.bench``; this module only fixes the sizes the suite runs at and a
few helpers for asv's calling conventions. Sizes are class attributes on the benchmark classes so
the smoke test (``tests/test_bench.py``) can shrink them.
"""
from __future__ import annotations

# W3 as defined in docs/performance.md: 1000 agents x 1000 s of 1 s ticks = about 1 M events.
W3_AGENTS = 1000
W3_T_END = 1000.0  # seconds of simulated time

# scheduler scaling: the same number of events whatever the number of agents.
SCALING_AGENTS = [10, 100, 1000, 10000]
SCALING_EVENTS = 200_000


def t_end_for(n_agents: int, events: int) -> float:
    """Simulated seconds (s) for ``n_agents`` agents ticking every ~1 s to produce ``events``."""
    return float(events) / float(n_agents)


def fresh_process_setup(*lines: str) -> str:
    """Setup source for a ``timeraw_*`` benchmark (run untimed in the fresh interpreter)."""
    return "\n".join(lines)


# Setup lines that give the fresh interpreter an empty Numba cache (a cold compile).
COLD_NUMBA_CACHE = (
    "import os, tempfile",
    "_cache = tempfile.TemporaryDirectory(prefix='heron-asv-numba-')",
    "os.environ['NUMBA_CACHE_DIR'] = _cache.name",
)


def rate(fn, units: int, repeats: int = 3) -> float:
    """``units`` per second of ``fn()``: median of ``repeats`` timed calls after one warm-up."""
    from heron.bench.measure import measure

    def run(_state):
        fn()
        return units

    return measure(run, repeats=repeats, warmup=1).rate


def once_rate(fn, units: int) -> float:
    """``units`` per second of a single call of ``fn()`` (for runs long enough not to repeat;
    kernels must already be compiled, e.g. in ``setup()``)."""
    from heron.bench.measure import measure

    def run(_state):
        fn()
        return units

    return measure(run, repeats=1, warmup=0).rate


def evaluate_kwargs(workload, **overrides) -> dict:
    """Keyword arguments of ``heron.batch.evaluate`` for a ``heron.workloads.Workload``."""
    kw = dict(timing=workload.timing, seed=0, horizon=workload.horizon, as_arrays=True)
    kw.update(overrides)
    return kw


def warm_up(workload, policy, n_episodes: int = 64, **overrides) -> None:
    """Compile (or load from Numba's cache) a workload's kernels, untimed: 64 episodes, then
    ``min(n_episodes, 20000)`` (the first run at a new size can cost seconds more than later
    ones, e.g. W1 with a Python policy on 2 threads, so warm up at the measured size)."""
    from heron.batch import evaluate

    kw = evaluate_kwargs(workload, **overrides)
    evaluate(workload.env, policy, n_episodes=64, **kw)
    if n_episodes > 64:
        evaluate(workload.env, policy, n_episodes=min(int(n_episodes), 20_000), **kw)
