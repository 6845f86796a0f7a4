"""Long episodes: an episode's schedule generated a window of ticks at a time.

When one episode's whole schedule would not fit the schedule budget
(``heron.batch.evaluate.SCHEDULE_BUDGET``), ``evaluate`` keeps each agent's ticks in a window of
at most ``caps[i]`` ticks (``window_caps``) and the rollout kernel pauses whenever an agent runs
past its window; ``refill`` moves the windows on (``heron._fast.window_nb`` states the rules)
and the kernel resumes. The windows hold exactly the entries of the whole schedule, so results
are bit for bit those of the whole schedule; memory is the chunk's windows, whatever the
horizon. A window too short for the agent's observation delays (it must span more time than
the longest one) is doubled and the chunk run again (``WindowTooSmall``).
"""
from __future__ import annotations

import numpy as np

from heron._fast.dtypes import schedule_tick_dt

#: Ticks per agent and window, at least: a window must span more time than the agent's
#: longest observation delay.
MIN_WINDOW = 1024
#: Default episodes per chunk when episodes are windowed.
WINDOW_ROWS = 64
#: Ticks per agent and window, at most.
GROWTH_LIMIT = 1 << 24


class WindowTooSmall(Exception):
    """An agent's window spans less time than its observation delays (``agent``: its index)."""

    def __init__(self, agent: int):
        super().__init__(agent)
        self.agent = agent


def episode_caps(timing_rows, horizon: float) -> list:
    """Ticks per agent of one whole episode's schedule (``timing_rows``: one
    ``agent_timing_dt`` record per agent, the shortest tick interval of the chunk)."""
    from heron.batch.schedule import initial_capacities

    return initial_capacities(timing_rows, horizon, 0.0)


def window_caps(timing_rows, horizon: float, rows: int, budget: int) -> list:
    """Ticks per agent and window so that ``rows`` episodes' windows fit ``budget`` bytes (an
    agent whose whole schedule is shorter keeps all of it; at least ``MIN_WINDOW``)."""
    full = episode_caps(timing_rows, horizon)
    per_agent = budget // (schedule_tick_dt.itemsize * len(full) * max(1, rows))
    w = max(MIN_WINDOW, int(per_agent))
    return [min(c, w) for c in full]


def grow(caps: list, agent: int, agent_id: str) -> list:
    """``caps`` with agent ``agent``'s window doubled (``ValueError`` past ``GROWTH_LIMIT``)."""
    if caps[agent] * 2 > GROWTH_LIMIT:
        raise ValueError(
            f"agent {agent_id!r} needs a schedule window of more than {GROWTH_LIMIT} ticks to "
            f"span its observation delays: is its tick interval near the floor or its "
            f"observation delay jitter extreme?")
    return [c * 2 if i == agent else c for i, c in enumerate(caps)]


def allocate(caps: list, n: int, buffers: dict | None):
    """The chunk's schedule windows ``(sched, n_ticks, offsets, lag, stuck)`` for ``n`` rows
    (kept in ``buffers`` for the next chunk of the same shape)."""
    key = ("windows", n, tuple(caps))
    if buffers is not None and key in buffers:
        return buffers[key]
    offsets = np.zeros(len(caps) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(caps)
    arrs = (np.empty((n, int(offsets[-1])), dtype=schedule_tick_dt),
            np.zeros((n, len(caps)), dtype=np.int64), offsets,
            np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64))
    if buffers is not None:
        for k in [k for k in buffers if isinstance(k, tuple) and k[0] == "windows"]:
            del buffers[k]
        buffers[key] = arrs
    return arrs


def refill(plan, windows, timing, acur, heads, cur, episode_start: int,
           t_start: float = 0.0) -> int:
    """Fill the windows of the chunk's new rows and of its rows paused for a window; returns the
    largest observation lag of the windows filled. Raises ``WindowTooSmall`` naming an agent
    whose window must grow."""
    from heron._fast.window_nb import refill_windows_nb
    from heron.batch.threads import run_rows

    sched, n_ticks, offsets, lag, stuck = windows
    args = (sched, n_ticks, offsets, timing, acur, heads, cur, lag, stuck, int(plan.seed),
            int(episode_start), float(plan.horizon), float(t_start))
    if sum(run_rows(refill_windows_nb, args, cur.shape[0])):
        raise WindowTooSmall(int(stuck[np.nonzero(stuck)[0][0]]) - 1)
    return int(lag.max()) if lag.shape[0] else 0
