"""The canonical workloads of ``performance.md``, defined once: used by ``heron bench``, the asv
suite and the tests.

* ``W3`` (``scheduler-raw``): 1000 agents ticking through ``EventScheduler`` for 1000 s.
* ``W1`` (``battery-2``) and ``W2`` (``microgrid-8``): batch-engine workloads (added with the
  batch engine).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class W3Result:
    """Outcome of one W3 run: events handled and the tick log length (should match)."""

    events: int
    ticks_logged: int
    final_time: float


def w3_scheduler(n_agents: int = 1000):
    """Build W3's scheduler: ``n_agents`` agents, each ``TickConfig.with_jitter(tick_interval=1.0,
    obs_delay=0.05, act_delay=0.1, jitter_type=UNIFORM, jitter_ratio=0.1, seed=i)``, and a tick
    handler appending ``(time, agent)`` to a list. Returns ``(scheduler, log)``."""
    from heron.scheduling import EventScheduler, EventType, JitterType, TickConfig

    scheduler = EventScheduler(start_time=0.0)
    for i in range(n_agents):
        scheduler.register_agent(
            f"agent_{i}",
            tick_config=TickConfig.with_jitter(
                tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                jitter_type=JitterType.UNIFORM, jitter_ratio=0.1, seed=i,
            ),
        )
    log: list = []

    def on_tick(event, sched):
        log.append((event.timestamp, event.agent_id))

    scheduler.set_handler(EventType.AGENT_TICK, on_tick)
    return scheduler, log


def run_w3(n_agents: int = 1000, t_end: float = 1000.0) -> W3Result:
    """Run W3 (about ``n_agents * t_end`` events for 1 s ticks); ``t_end`` in seconds."""
    scheduler, log = w3_scheduler(n_agents)
    events = scheduler.run_until(t_end)
    return W3Result(events=events, ticks_logged=len(log), final_time=scheduler.current_time)
