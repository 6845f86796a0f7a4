"""Baselines of W3 (``scheduler-raw``) outside heron: a SimPy model and a plain ``heapq`` loop.

Both run exactly W3's workload: the agents of ``heron.workloads.w3_scheduler(n_agents)``, each
ticking at ``now + tick_config.get_tick_interval()`` (the same ``TickConfig`` objects, so the same
random intervals), the first tick of every agent at 0 s, a handler appending ``(time, agent_id)``
to a list, and every tick with time ``<= t_end`` (s) handled. Ties at one time break by
registration order, as in ``EventScheduler``, so each baseline's log equals heron's log.

* ``heapq_w3``: a general event loop on ``(time, agent index)`` tuples: ``heappop`` the next
  event, call the handler, ``heappush`` what it schedules.
* ``simpy_w3``: SimPy 4 with timeouts and callbacks (its fastest style: no generator per agent);
  SimPy is a benchmark-only dependency (``pip install heron[bench]``) imported lazily.

Each returns a ``BaselineRun`` (events handled and the log) so callers can check equality.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any, List, Tuple

_SIMPY_HINT = ("the SimPy baseline needs simpy, a benchmark-only dependency: install it with "
               "`pip install 'heron[bench]'` (or `pip install simpy`)")


@dataclass(frozen=True)
class BaselineRun:
    """One baseline run: events handled and the ``(time, agent_id)`` log of the tick handler."""

    events: int
    log: List[Tuple[float, Any]]


def _check_args(n_agents, t_end) -> Tuple[int, float]:
    if isinstance(n_agents, bool) or not isinstance(n_agents, int) or n_agents < 1:
        raise ValueError(f"n_agents must be an int >= 1; got {n_agents!r}")
    if isinstance(t_end, bool) or not isinstance(t_end, (int, float)):
        raise TypeError(f"t_end must be a number of seconds; got {t_end!r}")
    t = float(t_end)
    if not (math.isfinite(t) and t >= 0.0):
        raise ValueError(f"t_end must be a finite number of seconds >= 0; got {t_end!r}")
    return n_agents, t


def w3_agents(n_agents: int) -> Tuple[list, list]:
    """W3's agent ids and fresh ``TickConfig`` objects, taken from ``w3_scheduler`` so the
    baselines cannot drift from heron's definition of the workload."""
    from heron.workloads import w3_scheduler

    scheduler, _ = w3_scheduler(n_agents)
    configs = scheduler.tick_configs
    return list(configs), list(configs.values())


def prepare_heapq_w3(n_agents: int = 1000):
    """Untimed preparation of ``heapq_w3``: agent ids and their configs (fresh generators)."""
    return w3_agents(n_agents)


def run_heapq_w3(prepared, t_end: float = 1000.0) -> BaselineRun:
    """The timed part of the heapq baseline, on the output of ``prepare_heapq_w3``."""
    ids, configs = prepared
    draw = [cfg.get_tick_interval for cfg in configs]
    log: list = []
    append = log.append
    heap = [(0.0, i) for i in range(len(ids))]  # sorted, hence a valid heap
    heappop, heappush = heapq.heappop, heapq.heappush
    events = 0
    while heap and heap[0][0] <= t_end:
        t, i = heappop(heap)
        append((t, ids[i]))  # the handler
        events += 1
        heappush(heap, (t + draw[i](), i))  # the agent's next tick
    return BaselineRun(events=events, log=log)


def heapq_w3(n_agents: int = 1000, t_end: float = 1000.0) -> BaselineRun:
    """W3 as a plain ``heapq`` loop on tuples; ``t_end`` in seconds (inclusive)."""
    n_agents, t_end = _check_args(n_agents, t_end)
    return run_heapq_w3(prepare_heapq_w3(n_agents), t_end)


def _import_simpy():
    try:
        import simpy
    except ImportError as exc:
        raise ImportError(f"{_SIMPY_HINT} (import failed with: {exc})") from exc
    return simpy


def simpy_available() -> bool:
    """Whether the SimPy baseline can run (simpy importable)."""
    try:
        _import_simpy()
    except ImportError:
        return False
    return True


def prepare_simpy_w3(n_agents: int = 1000):
    """Untimed preparation of ``simpy_w3``: imports simpy, builds agent ids and configs."""
    _import_simpy()
    return w3_agents(n_agents)


def run_simpy_w3(prepared, t_end: float = 1000.0) -> BaselineRun:
    """The timed part of the SimPy baseline, on the output of ``prepare_simpy_w3``."""
    simpy = _import_simpy()
    ids, configs = prepared
    env = simpy.Environment()
    timeout = env.timeout
    log: list = []
    append = log.append

    def agent(agent_id, cfg):
        draw = cfg.get_tick_interval

        def on_tick(_event):
            append((env.now, agent_id))  # the handler
            timeout(draw()).callbacks.append(on_tick)  # the agent's next tick

        return on_tick

    for agent_id, cfg in zip(ids, configs):  # creation order breaks ties, as registration does
        timeout(0.0).callbacks.append(agent(agent_id, cfg))
    # SimPy stops before events at exactly ``until``; heron's run_until includes t_end.
    env.run(until=math.nextafter(t_end, math.inf))
    return BaselineRun(events=len(log), log=log)


def simpy_w3(n_agents: int = 1000, t_end: float = 1000.0) -> BaselineRun:
    """W3 as a SimPy model (timeouts + callbacks); ``t_end`` in seconds (inclusive)."""
    n_agents, t_end = _check_args(n_agents, t_end)
    return run_simpy_w3(prepare_simpy_w3(n_agents), t_end)
