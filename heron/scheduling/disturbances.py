"""Disturbance schedules: exogenous events at listed times, or a Poisson process.

``Disturbance(timestamp, disturbance_type="disturbance", payload={}, index=0)`` is one arrival
(time in s). A ``DisturbanceSchedule`` is either

* a list: ``DisturbanceSchedule([Disturbance(12.3, "line_fault"), ...])``, or
  ``DisturbanceSchedule.from_list([{"t": 12.3, "type": "line_fault", "element": 7}, ...])``
  (other keys become the payload), or plain times ``DisturbanceSchedule.at([12.3, 45.0])``;
* a Poisson process: ``DisturbanceSchedule.poisson(mean_spacing=60.0)`` (or the reference's
  ``rate=`` in arrivals per second). Arrival ``j`` comes ``-mean_spacing * log(1 - u_j)`` seconds
  after the previous one (the first after the episode start), ``u_j`` being number ``j`` of the
  counter-based stream ``(seed, episode, ENV_AGENT + stream, Q_DISTURB_TIME)`` of
  ``heron._fast.rng``: with ``stream=0`` exactly the arrivals of the batch engine's disturbances
  (``BatchEnv(disturbance_mean=...)``). Other schedules take ``stream=1, 2, ...`` so their
  arrivals are independent.

In an env (``HeronEnvCore.add_disturbances``) arrivals are queued as ``CUSTOM``-class events
(after every other class at one instant, ``docs/timing-model.md`` s. 4; ties between schedules by
stream number), Poisson arrivals one at a time, and every episode replays the schedule afresh
from its own ``(seed, episode)``. ``enqueue(scheduler, ...)`` puts a whole schedule on a bare
``EventScheduler`` as ``ENV_UPDATE`` events with payload ``{"disturbance": d}`` (as the reference
does) but in the ``CUSTOM`` class's place in the tie order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from heron.scheduling.checks import check_count, check_seconds, check_time


@dataclass
class Disturbance:
    """One exogenous event: time (s), type, payload, and its number ``index`` in the episode."""

    timestamp: float
    disturbance_type: str = "disturbance"
    payload: Dict[str, Any] = field(default_factory=dict)
    index: int = 0

    def __post_init__(self):
        self.timestamp = check_time("disturbance timestamp", self.timestamp)
        if not isinstance(self.disturbance_type, str):
            raise TypeError(f"disturbance_type must be a str; got {self.disturbance_type!r}")


class DisturbanceSchedule:
    """Disturbances of an episode: a list, or a Poisson process (see the module docstring)."""

    def __init__(self, disturbances: Optional[List[Disturbance]] = None, *, stream: int = 0):
        items = list(disturbances or [])
        for d in items:
            if not isinstance(d, Disturbance):
                raise TypeError(f"DisturbanceSchedule takes Disturbance objects; got {d!r} (use "
                                "DisturbanceSchedule.at(times) or .from_list(dicts))")
        items.sort(key=lambda d: d.timestamp)
        self.disturbances = [Disturbance(d.timestamp, d.disturbance_type, dict(d.payload), j)
                             for j, d in enumerate(items)]
        self.stream = check_count("stream", stream)
        self.mean_spacing: Optional[float] = None
        self.disturbance_type = "disturbance"
        self.payload: Dict[str, Any] = {}

    @classmethod
    def at(cls, times, disturbance_type: str = "disturbance", *, stream: int = 0,
           **payload) -> "DisturbanceSchedule":
        """Disturbances of one type at ``times`` (s)."""
        return cls([Disturbance(t, disturbance_type, dict(payload)) for t in times], stream=stream)

    @classmethod
    def from_list(cls, specs, *, stream: int = 0) -> "DisturbanceSchedule":
        """From dicts with ``"t"`` (s) and ``"type"``; other keys make the payload."""
        out = []
        for s in specs:
            if not isinstance(s, dict) or "t" not in s:
                raise ValueError(f"each disturbance spec needs a 't' (seconds); got {s!r}")
            out.append(Disturbance(s["t"], s.get("type", "disturbance"),
                                   {k: v for k, v in s.items() if k not in ("t", "type")}))
        return cls(out, stream=stream)

    @classmethod
    def poisson(cls, mean_spacing: Optional[float] = None, *, rate: Optional[float] = None,
                disturbance_type: str = "disturbance", disturbance_types=None,
                payload: Optional[dict] = None, default_payload: Optional[dict] = None,
                stream: int = 0) -> "DisturbanceSchedule":
        """Poisson arrivals with mean spacing ``mean_spacing`` s (or ``rate`` per s). One type per
        schedule: several types take several schedules (``stream=1, 2, ...``)."""
        if (mean_spacing is None) == (rate is None):
            raise ValueError("give mean_spacing= (seconds between arrivals) or rate= (arrivals "
                             "per second), exactly one")
        if rate is not None:
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not (
                    0.0 < rate < math.inf):
                raise ValueError(f"rate must be a finite number of arrivals per second > 0; "
                                 f"got {rate!r}")
            mean = check_seconds("1 / rate (the mean spacing)", 1.0 / rate, positive=True)
        else:
            mean = check_seconds("mean_spacing", mean_spacing, positive=True)
        if disturbance_types is not None:
            types = list(disturbance_types)
            if len(types) != 1:
                raise ValueError(f"one disturbance type per Poisson schedule; got {types}. Add "
                                 "one schedule per type with stream=1, 2, ... (independent "
                                 "arrivals)")
            disturbance_type = types[0]
        sched = cls(stream=stream)
        sched.mean_spacing = mean
        sched.disturbance_type = str(disturbance_type)
        sched.payload = dict(payload or default_payload or {})
        return sched

    @property
    def is_poisson(self) -> bool:
        """True for a Poisson schedule (arrivals drawn per episode)."""
        return self.mean_spacing is not None

    def first(self, t_start: float, seed: int, episode: int) -> Optional[Disturbance]:
        """The episode's first arrival at or after ``t_start`` (s); None if there is none."""
        if not self.is_poisson:
            for d in self.disturbances:
                if d.timestamp >= t_start:
                    return d
            return None
        return self.after(None, t_start, seed, episode)

    def after(self, prev: Optional[Disturbance], t_start: float, seed: int,
              episode: int) -> Optional[Disturbance]:
        """The arrival after ``prev`` (None: the first), or None when the list is exhausted."""
        if not self.is_poisson:
            j = 0 if prev is None else prev.index + 1
            return self.disturbances[j] if j < len(self.disturbances) else None
        from heron._fast.rng import ENV_AGENT, Q_DISTURB_TIME, stream_key, uniform

        j = 0 if prev is None else prev.index + 1
        t0 = t_start if prev is None else prev.timestamp
        key = np.uint64(stream_key(seed, episode, ENV_AGENT + self.stream, Q_DISTURB_TIME))
        u = float(uniform(key, j))
        return Disturbance(t0 - self.mean_spacing * math.log1p(-u), self.disturbance_type,
                           dict(self.payload), j)

    def arrivals(self, t_start: float, t_end: float, seed: int = 0,
                 episode: int = 0) -> Iterator[Disturbance]:
        """The arrivals in ``[t_start, t_end]`` (s) of episode ``(seed, episode)``."""
        t_end = check_time("t_end", t_end)
        d = self.first(t_start, seed, episode)
        while d is not None and d.timestamp <= t_end:
            yield d
            d = self.after(d, t_start, seed, episode)

    def enqueue(self, scheduler, *, t_end: Optional[float] = None, seed: int = 0,
                episode: int = 0, priority: Optional[int] = None) -> list:
        """Queue the arrivals from now up to ``t_end`` (s; needed for a Poisson schedule) on a
        bare ``EventScheduler``: ``ENV_UPDATE`` events with payload ``{"disturbance": d}``,
        placed like ``CUSTOM`` events at equal times. Returns the events."""
        from heron.scheduling.event import EventType

        if self.is_poisson and t_end is None:
            raise ValueError("enqueue() of a Poisson schedule needs t_end (seconds): its "
                             "arrivals never end")
        end = math.inf if t_end is None else t_end
        now = scheduler.current_time
        prio = (EventType.CUSTOM.default_priority + len(scheduler.agents) + self.stream
                if priority is None else priority)
        return [scheduler.schedule_at(d.timestamp, EventType.ENV_UPDATE, None,
                                      {"disturbance": d}, prio)
                for d in self.arrivals(now, end if end < math.inf else 1e300, seed, episode)]

    def __len__(self) -> int:
        if self.is_poisson:
            raise TypeError("a Poisson DisturbanceSchedule has no fixed length")
        return len(self.disturbances)

    def __repr__(self) -> str:
        if self.is_poisson:
            return (f"DisturbanceSchedule.poisson(mean_spacing={self.mean_spacing:g}s, "
                    f"type={self.disturbance_type!r}, stream={self.stream})")
        return f"DisturbanceSchedule(n={len(self.disturbances)}, stream={self.stream})"
