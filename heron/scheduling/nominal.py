"""An env's nominal timing: the tick each agent decides at by design, and the synchronous
baseline's decision period. Timing presets (``heron.scheduling.presets``) are scaled to it.

``nominal_timing(env)`` reads what every env already declares; nothing new is needed:

* a ``heron.batch.BatchEnv``: an agent's nominal timing is its ``default_timing`` entry (per
  agent id, else per class; an agent with neither ticks every ``dt`` without delays), exactly
  what ``heron.batch.timing.resolve_timing(env)`` gives; the agent's nominal *tick* is that
  entry's ``tick_interval`` (seconds, the centre of any jitter);
* a ``heron.pettingzoo.PettingZooSpec``: every agent is a field agent on the env's step ``dt``.

**The synchronous baseline's decision period is the env's ``dt``** (seconds): the baseline runs
in lock-step every ``dt`` and an agent decides every ``sync_stride(tick, dt) = max(1,
round(tick / dt))`` steps (``heron._fast.sync_nb``), i.e. every ``sync_period(tick, dt)``
seconds. ``NominalTiming.sync_periods()`` lists them per class; reports print them.

Per agent class the nominal tick is that of the class's first agent (registration order). A
class the env has no agent of takes the env's ``default_timing`` entry for it when there is one,
else: field, ``dt``; coordinator, ``COORDINATOR_RATIO`` x the field tick (the ratio of the
reference timing below). Such a value never times an agent; it only fills that class's entry of a
study's scenario records.

``REFERENCE`` is the timing the presets' numbers are written at: the battery fleet's (field
1 s, coordinator 5 s, ``dt`` 1 s), so a preset on the battery fleet is exactly its numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

AGENT_CLASSES = ("field", "coordinator")
#: a coordinator's nominal tick as a multiple of the field tick when the env declares none
COORDINATOR_RATIO = 5.0
_TIMING_FIELDS = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "jitter_type",
                  "jitter_ratio", "min_delay")


def sync_stride(tick: float, dt: float) -> int:
    """Steps of the synchronous baseline (``dt`` s each) between two decisions of an agent whose
    nominal tick is ``tick`` seconds: ``max(1, round(tick / dt))``."""
    return max(1, int(round(float(tick) / float(dt))))


def sync_period(tick: float, dt: float) -> float:
    """Seconds between two decisions of that agent in the synchronous baseline."""
    return sync_stride(tick, dt) * float(dt)


@dataclass(frozen=True)
class AgentNominal:
    """One agent's nominal timing: ``config`` holds its ``TickConfig`` fields (seconds, jitter
    type by name, no seed); ``tick`` is ``config["tick_interval"]``."""

    id: str
    agent_class: str
    config: Mapping[str, object]

    @property
    def tick(self) -> float:
        return float(self.config["tick_interval"])


@dataclass(frozen=True)
class NominalTiming:
    """An env's nominal timing (module docstring). ``name``: the env's name; ``dt``: the
    synchronous baseline's decision period (s); ``ticks``: nominal tick per agent class (s);
    ``agents``: ``AgentNominal`` per agent in registration order (empty when unknown, as for a
    PettingZoo env whose agents are only known once it is built); ``presets``: the env's own
    presets (``heron.scheduling.env_presets.DefinedPreset`` by name)."""

    name: str
    dt: float
    ticks: Mapping[str, float]
    agents: tuple = ()
    presets: Mapping[str, object] = field(default_factory=dict)

    def tick_of(self, agent_class: str) -> float:
        """The nominal tick (s) of ``agent_class``."""
        if agent_class not in self.ticks:
            raise ValueError(f"agent_class must be one of {list(self.ticks)}; got "
                             f"{agent_class!r}")
        return float(self.ticks[agent_class])

    def class_of(self, agent_id: str) -> str:
        """The class of agent ``agent_id``."""
        for a in self.agents:
            if a.id == agent_id:
                return a.agent_class
        raise ValueError(f"env {self.name!r} has no agent {agent_id!r}; agents: "
                         f"{[a.id for a in self.agents]}")

    def classes_present(self) -> tuple:
        """The agent classes the env has agents of (field only when its agents are unknown)."""
        if not self.agents:
            return ("field",)
        return tuple(c for c in AGENT_CLASSES if any(a.agent_class == c for a in self.agents))

    def sync_periods(self) -> dict:
        """``{class: [seconds between decisions in the synchronous baseline, distinct]}`` for
        every class the env has agents of."""
        out = {}
        if not self.agents:
            return {"field": [sync_period(self.tick_of("field"), self.dt)]}
        for a in self.agents:
            p = sync_period(a.tick, self.dt)
            out.setdefault(a.agent_class, [])
            if p not in out[a.agent_class]:
                out[a.agent_class].append(p)
        return out

    def baseline_text(self) -> str:
        """One line: the synchronous baseline's decision period (``baseline_text``)."""
        return baseline_text(self.to_dict())

    def to_dict(self) -> dict:
        """Plain data (JSON-ready): ``dt``, ``tick`` per class, ``sync_period`` per class, and
        ``presets`` (each env preset's definition) when the env defines any."""
        out = {"dt": float(self.dt), "tick": {c: float(t) for c, t in self.ticks.items()},
               "sync_period": self.sync_periods()}
        if self.presets:
            out["presets"] = {n: p.to_dict() for n, p in self.presets.items()}
        return out


def baseline_text(record: dict) -> str:
    """The synchronous baseline's decision period in one line, from ``NominalTiming.to_dict()``
    (what studies record): ``"lock-step every dt = 60 s (the env's dt); decisions every: field
    60 s"``."""
    per = ", ".join(f"{cls} {' / '.join(f'{p:g}' for p in ps)} s"
                    for cls, ps in record["sync_period"].items())
    return f"lock-step every dt = {record['dt']:g} s (the env's dt); decisions every: {per}"


REFERENCE = NominalTiming("reference (battery fleet)", 1.0,
                          {"field": 1.0, "coordinator": COORDINATOR_RATIO})


def config_fields(tc) -> dict:
    """A ``TickConfig``'s keyword arguments without its seed (seconds, jitter type by name)."""
    d = tc.to_dict()
    return {k: d[k] for k in _TIMING_FIELDS}


def _class_ticks(agents, default_timing: Mapping, dt: float) -> dict:
    ticks = {}
    for cls in AGENT_CLASSES:
        first = next((a for a in agents if a.agent_class == cls), None)
        if first is not None:
            ticks[cls] = first.tick
        elif getattr(default_timing.get(cls), "tick_interval", None) is not None:
            ticks[cls] = float(default_timing[cls].tick_interval)
    ticks.setdefault("field", float(dt))
    ticks.setdefault("coordinator", COORDINATOR_RATIO * ticks["field"])
    return ticks


def nominal_timing(env) -> NominalTiming:
    """The nominal timing of ``env``: a ``BatchEnv``, a ``PettingZooSpec`` or a
    ``NominalTiming`` (returned as is)."""
    if isinstance(env, NominalTiming):
        return env
    from heron.registry import is_pettingzoo_spec

    if is_pettingzoo_spec(env):
        dt = float(env.dt)
        return NominalTiming(env.name or "PettingZoo env", dt,
                             {"field": dt, "coordinator": COORDINATOR_RATIO * dt})
    from heron.batch.env import BatchEnv

    if not isinstance(env, BatchEnv):
        raise TypeError(f"env must be a heron.batch.BatchEnv, a heron.pettingzoo.PettingZooSpec "
                        f"or a NominalTiming; got {type(env).__name__} {env!r}")
    from heron.batch.timing import resolve_timing

    configs = resolve_timing(env, None)
    agents = tuple(AgentNominal(a.id, a.agent_class, config_fields(tc))
                   for a, tc in zip(env.agents, configs))
    dt = float(env.dt)
    return NominalTiming(env.name, dt, _class_ticks(agents, env.default_timing or {}, dt),
                         agents, dict(env.presets))

