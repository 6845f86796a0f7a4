"""Interactive-engine scheduler: W3 (``scheduler-raw``) against SimPy and a plain heapq loop, and
events/s against the number of agents.

Every engine runs the same W3 (same agents, same random tick intervals, same handler): heron's
``EventScheduler`` (``heron.workloads``), ``heron.bench.baselines.heapq_w3`` and
``heron.bench.baselines.simpy_w3``. Baselines run in the same asv run so ratios are honest on a
noisy machine; ``track_speedup_*`` measures both sides back to back in one process.
"""
from heron import workloads
from heron.bench import baselines
from heron.bench.measure import measure

from .common import SCALING_AGENTS, SCALING_EVENTS, W3_AGENTS, W3_T_END, t_end_for


def _prepare(engine, n_agents):
    if engine == "heron":
        return workloads.w3_scheduler(n_agents)
    if engine == "heapq":
        return baselines.prepare_heapq_w3(n_agents)
    if engine == "simpy":
        return baselines.prepare_simpy_w3(n_agents)
    raise ValueError(f"engine must be 'heron', 'heapq' or 'simpy'; got {engine!r}")


def _run(engine, state, t_end) -> int:
    if engine == "heron":
        scheduler, _log = state
        return scheduler.run_until(t_end)
    if engine == "heapq":
        return baselines.run_heapq_w3(state, t_end).events
    return baselines.run_simpy_w3(state, t_end).events


def _rate(engine, n_agents, t_end, repeats=3) -> float:
    return measure(lambda state: _run(engine, state, t_end),
                   lambda: _prepare(engine, n_agents), repeats=repeats, warmup=0).rate


class W3:
    """W3 on each engine: 1000 agents x 1000 s (about 1 M events per run)."""

    params = [["heron", "heapq", "simpy"]]
    param_names = ["engine"]
    n_agents = W3_AGENTS
    t_end = W3_T_END
    number = 1
    repeat = (3, 5, 60.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, engine):
        if engine == "simpy" and not baselines.simpy_available():
            raise NotImplementedError("simpy is not installed (pip install 'heron[bench]')")
        self.state = _prepare(engine, self.n_agents)

    def time_run(self, engine):
        _run(engine, self.state, self.t_end)

    def track_events_per_s(self, engine):
        return _rate(engine, self.n_agents, self.t_end)

    track_events_per_s.unit = "events/s"


class W3Speedup:
    """heron's W3 rate divided by each baseline's, both measured back to back in one process."""

    params = [["heapq", "simpy"]]
    param_names = ["baseline"]
    n_agents = W3_AGENTS
    t_end = W3_T_END
    timeout = 600

    def setup(self, baseline):
        if baseline == "simpy" and not baselines.simpy_available():
            raise NotImplementedError("simpy is not installed (pip install 'heron[bench]')")

    def track_speedup(self, baseline):
        ours = _rate("heron", self.n_agents, self.t_end)
        theirs = _rate(baseline, self.n_agents, self.t_end)
        return ours / theirs

    track_speedup.unit = "x"


class SchedulerScaling:
    """Events/s against the number of agents at a fixed event count (heron and heapq)."""

    params = [SCALING_AGENTS, ["heron", "heapq"]]
    param_names = ["n_agents", "engine"]
    events = SCALING_EVENTS
    number = 1
    repeat = (3, 7, 30.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, n_agents, engine):
        self.t_end = t_end_for(n_agents, self.events)
        self.state = _prepare(engine, n_agents)

    def time_run(self, n_agents, engine):
        _run(engine, self.state, self.t_end)

    def track_events_per_s(self, n_agents, engine):
        return _rate(engine, n_agents, self.t_end)

    track_events_per_s.unit = "events/s"
