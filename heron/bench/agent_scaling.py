"""Events/s of the batch engine against the number of agents (``heron bench --workload AS``, the
asv module ``bench_agent_scaling``).

The workload: a fleet of ``n`` batteries without coordinator (``heron.demo_envs.battery_fleet``),
the compiled ``"simple"`` policy, horizon 50 s, W1's timing (tick 1 s, observation delay 0.05 s,
action delay 0.1 s) either with W1's 10 % Gaussian jitter (``"w1"``: almost every event has an
instant of its own) or without jitter (``"deterministic"``: every battery's events fall on the
same instants, so most events tie). Each agent count runs about the same number of events.

Events are what the kernel counts (``EvaluationResult.stats["events"]``, the episode cursors'
``events``): every processed observation sample, tick (regular or out of cycle), message or
alarm delivery, action effect and disturbance; reward-clock instants only exist in traces, so
none here. Per agent: ``n_ticks + n_effects + n_messages`` of the result table plus its
observation samples. Events/s = events / wall seconds of ``heron.batch.evaluate`` (schedule
generation and result columns included), on one thread: the 1024-battery rows run a handful of
episodes, fewer than a parallel block, so more threads would only help the small fleets.

What stays O(n) per event: the env's ``advance`` and the reward integral visit every battery
each time simulated time moves. With jitter that is nearly every event, so there the rate falls
as 1/n once the fleet is large; without jitter it is paid once per shared instant.
"""
from __future__ import annotations

import contextlib
from typing import Dict, List, Sequence, Tuple

AGENT_COUNTS = (2, 16, 64, 256, 1024)
TIMINGS = ("w1", "deterministic")
HORIZON = 50.0  # seconds of simulated time per episode
SELECTIONS = {"auto": 0, "scan": 1, "tree": 2}


def timing_for(name: str) -> dict:
    """The fleet's timing (``TickConfig`` per agent class) for ``name`` in ``TIMINGS``."""
    from heron.scheduling import JitterType, TickConfig

    if name == "w1":
        return {"field": TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                                                jitter_type=JitterType.GAUSSIAN,
                                                jitter_ratio=0.1)}
    if name == "deterministic":
        return {"field": TickConfig.deterministic(tick_interval=1.0, obs_delay=0.05,
                                                  act_delay=0.1)}
    raise ValueError(f"timing must be one of {TIMINGS}; got {name!r}")


@contextlib.contextmanager
def next_event_selection(mode: str):
    """Within the block, make the event-driven kernel pick the next regular event by ``mode``:
    ``"auto"`` (by agent count, the default), ``"scan"`` (linear scan of the stream heads) or
    ``"tree"`` (tournament tree), by setting the episode cursors' ``select`` before each kernel
    call. Results are the same either way; this exists to compare the two (tests, benchmarks).
    Process-wide: not for use while other threads evaluate."""
    if mode not in SELECTIONS:
        raise ValueError(f"mode must be one of {tuple(SELECTIONS)}; got {mode!r}")
    from heron.batch import runner

    code = SELECTIONS[mode]
    original = runner._run_kernel

    def run_kernel(plan, arrs, sched_parts, episode_start):
        if plan.engine == "batch":
            arrs[1]["select"] = code
        return original(plan, arrs, sched_parts, episode_start)

    runner._run_kernel = run_kernel
    try:
        yield
    finally:
        runner._run_kernel = original


class FleetCase:
    """One measured size: ``n`` batteries under ``timing``, ``n_episodes`` chosen so a run has
    about ``events`` events. ``run()`` evaluates them and returns the kernel's event count."""

    def __init__(self, n: int, timing: str, events: int, selection: str = "auto"):
        from heron.demo_envs import battery_fleet

        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n (batteries) must be an int >= 1; got {n!r}")
        if isinstance(events, bool) or not isinstance(events, int) or events < 1:
            raise ValueError(f"events must be an int >= 1; got {events!r}")
        self.n = n
        self.timing_name = timing
        self.timing = timing_for(timing)
        self.selection = selection
        self.env = battery_fleet(n, coordinator=False, horizon=HORIZON)
        probe = self._evaluate(2)              # compiles or loads the kernels
        self.events_per_episode = probe / 2.0
        self.n_episodes = max(1, int(round(events / self.events_per_episode)))

    def _evaluate(self, n_episodes: int) -> int:
        from heron.batch import evaluate

        with next_event_selection(self.selection):
            res = evaluate(self.env, "simple", timing=self.timing, n_episodes=n_episodes, seed=0,
                           horizon=HORIZON, threads=1, as_arrays=True)
        return int(res.stats["events"])

    def run(self, _state=None) -> int:
        """Evaluate the case's episodes; returns the number of events processed."""
        return self._evaluate(self.n_episodes)


def engine_name(timing: str, n: int) -> str:
    """The ``heron bench`` engine column of a row: ``"<timing>-n<agents>"``."""
    return f"{timing}-n{n}"


def ratio_pairs(agents: Sequence[int] = AGENT_COUNTS, timings: Sequence[str] = TIMINGS) -> list:
    """``(workload, numerator, denominator)``: each fleet over the smallest, per timing."""
    base = min(agents)
    return [("AS", engine_name(t, n), engine_name(t, base)) for t in timings for n in agents
            if n != base]


def bench_agent_scaling(agents: Sequence[int] = AGENT_COUNTS, events: int = 500_000,
                        repeats: int = 3, timings: Sequence[str] = TIMINGS
                        ) -> Tuple[List, List[str]]:
    """``heron bench`` rows of workload ``AS``: events/s per (timing, agent count), every case
    warmed up, then timed round-robin (``measure_interleaved``) so the ratios between agent
    counts come from the same stretch of the machine's time."""
    from heron.bench.measure import measure_interleaved
    from heron.bench.results import BenchRow

    cases: Dict[str, FleetCase] = {}
    for t in timings:
        for n in agents:
            case = FleetCase(int(n), t, int(events))
            case.run()                            # warm-up at the measured size
            cases[engine_name(t, n)] = case
    measured = measure_interleaved({k: (c.run, None) for k, c in cases.items()},
                                   repeats=repeats, warmup=0)
    rows = []
    for name, m in measured.items():
        c = cases[name]
        rows.append(BenchRow("AS", name, "events/s", m,
                             {"n_agents": c.n, "timing": c.timing_name,
                              "n_episodes": c.n_episodes, "horizon_s": HORIZON, "threads": 1},
                             extra={"events_per_episode": c.events_per_episode}))
    return rows, []
