"""Named timing presets: calibrated ``TickConfig`` factories per agent class.

A preset describes the timing of a whole deployment: one set of ``TickConfig`` fields per agent
class (``"field"`` agents actuate the environment, ``"coordinator"`` agents send setpoints to
them). ``preset(name).tick_config(agent_class, seed=...)`` builds a fresh ``TickConfig`` (its own
generator); ``preset(name).tick_configs()`` builds one per class. All times are seconds.

The calibrations come from the tutorial's "CPS-Calibrated Timing Configurations" section:

``scada`` (IEEE 2030-2011-style utility SCADA)
    The SCADA master polls every 60 s; telemetry reaches it about 2 s late and commands reach the
    device about 1.5 s late. Latency on such WAN/radio links is right-skewed, so the jitter is
    LOGNORMAL (mean = the base value, standard deviation 40 % of it; the tutorial approximated it
    with a Gaussian because the reference had no log-normal). Field devices keep a 1 s local loop
    but see SCADA telemetry and receive commands with the SCADA latencies; the coordinator is the
    60 s poller. Message delay (coordinator -> field) equals the command latency, 1.5 s.
``ntcip`` (NTCIP 1202 actuated traffic signal controllers)
    Controllers update every 100 ms, detector inputs arrive 50 ms late, signal commands take
    effect 200 ms later, UNIFORM jitter +/- 20 %. The central system (coordinator) polls once per
    second with the same latencies; message delay 50 ms.
``deterministic`` (training timing)
    Synchronous-like timing without delays or jitter: field 1 s, coordinator 5 s.
``w1``
    The canonical W1 workload of ``docs/performance.md``: 1 s ticks, 50 ms observation delay,
    100 ms action delay, GAUSSIAN jitter 10 % (coordinator: 5 s, 0.2 s observation delay,
    0.1 s message delay, GAUSSIAN 5 %, as in W2).

These are reference points for robustness studies, not a substitute for measuring a real
installation: override any field with ``tick_config(..., act_delay=0.8)`` or in a study grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

from heron.scheduling.tick_config import TickConfig

AGENT_CLASSES = ("field", "coordinator")

_FIELDS = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "jitter_type", "jitter_ratio",
           "min_delay")


@dataclass(frozen=True)
class TimingPreset:
    """A named, documented set of ``TickConfig`` fields per agent class (seconds)."""

    name: str
    title: str
    source: str
    classes: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    def fields(self, agent_class: str = "field") -> dict:
        """The ``TickConfig`` keyword arguments of ``agent_class`` (a fresh dict)."""
        if agent_class not in self.classes:
            raise ValueError(f"agent_class must be one of {sorted(self.classes)} for preset "
                             f"{self.name!r}; got {agent_class!r}")
        return dict(self.classes[agent_class])

    def tick_config(self, agent_class: str = "field", *, seed: Optional[int] = None,
                    **overrides) -> TickConfig:
        """A new ``TickConfig`` for ``agent_class``; ``overrides`` replace preset fields."""
        kwargs = self.fields(agent_class)
        unknown = set(overrides) - set(_FIELDS)
        if unknown:
            raise TypeError(f"unknown TickConfig field(s) {sorted(unknown)}; valid fields: "
                            f"{list(_FIELDS)}")
        kwargs.update(overrides)
        return TickConfig(seed=seed, **kwargs)

    def tick_configs(self, *, seed: Optional[int] = None) -> dict:
        """``{agent_class: TickConfig}`` for every class of the preset."""
        return {cls: self.tick_config(cls, seed=seed) for cls in self.classes}

    def describe(self) -> str:
        """One line per agent class, for ``heron presets``."""
        lines = [f"{self.name}: {self.title}", f"    source: {self.source}"]
        for cls, f in self.classes.items():
            jit = (f"{f['jitter_type']} {100 * f['jitter_ratio']:g}%"
                   if f["jitter_ratio"] else "no jitter")
            lines.append(
                f"    {cls:<11} tick {f['tick_interval']:g} s, obs {f['obs_delay']:g} s, "
                f"act {f['act_delay']:g} s, msg {f['msg_delay']:g} s, {jit}")
        return "\n".join(lines)


def _cls(tick, obs, act, msg, jitter="NONE", ratio=0.0, min_delay=0.0) -> dict:
    return {"tick_interval": tick, "obs_delay": obs, "act_delay": act, "msg_delay": msg,
            "jitter_type": jitter, "jitter_ratio": ratio, "min_delay": min_delay}


PRESETS: dict = {
    p.name: p for p in (
        TimingPreset(
            "scada", "IEEE 2030-style utility SCADA (60 s polling, LOGNORMAL latency 40%)",
            "tutorial 05, CPS-calibrated timing; IEEE 2030-2011 SCADA latencies",
            {"field": _cls(1.0, 2.0, 1.5, 1.5, "LOGNORMAL", 0.4),
             "coordinator": _cls(60.0, 2.0, 1.5, 1.5, "LOGNORMAL", 0.4)}),
        TimingPreset(
            "ntcip", "NTCIP 1202 traffic signal controllers (100 ms tick, UNIFORM 20%)",
            "tutorial 05, CPS-calibrated timing; NTCIP 1202 actuated signal control",
            {"field": _cls(0.1, 0.05, 0.2, 0.05, "UNIFORM", 0.2),
             "coordinator": _cls(1.0, 0.05, 0.2, 0.05, "UNIFORM", 0.2)}),
        TimingPreset(
            "deterministic", "training timing: no delays, no jitter",
            "tutorial 05, training configuration (TickConfig.deterministic)",
            {"field": _cls(1.0, 0.0, 0.0, 0.0),
             "coordinator": _cls(5.0, 0.0, 0.0, 0.0)}),
        TimingPreset(
            "w1", "canonical W1/W2 workload timing (1 s ticks, GAUSSIAN 10%)",
            "docs/performance.md, workloads W1 battery-2 and W2 microgrid-8",
            {"field": _cls(1.0, 0.05, 0.1, 0.05, "GAUSSIAN", 0.1),
             "coordinator": _cls(5.0, 0.2, 0.0, 0.1, "GAUSSIAN", 0.05)}),
    )
}


def preset(name: str) -> TimingPreset:
    """The preset called ``name`` (case-insensitive)."""
    if isinstance(name, TimingPreset):
        return name
    if not isinstance(name, str):
        raise TypeError(f"preset name must be a str; got {name!r} ({type(name).__name__})")
    key = name.strip().lower()
    if key not in PRESETS:
        raise ValueError(f"unknown timing preset {name!r}; valid presets: {sorted(PRESETS)}")
    return PRESETS[key]


def preset_names() -> list:
    """Names of the built-in presets, sorted."""
    return sorted(PRESETS)


def scada(agent_class: str = "field", *, seed: Optional[int] = None, **overrides) -> TickConfig:
    """IEEE 2030-style SCADA timing for ``agent_class`` (see the module docstring)."""
    return PRESETS["scada"].tick_config(agent_class, seed=seed, **overrides)


def ntcip(agent_class: str = "field", *, seed: Optional[int] = None, **overrides) -> TickConfig:
    """NTCIP 1202 traffic-signal timing for ``agent_class`` (see the module docstring)."""
    return PRESETS["ntcip"].tick_config(agent_class, seed=seed, **overrides)


def deterministic(agent_class: str = "field", *, seed: Optional[int] = None,
                  **overrides) -> TickConfig:
    """Training timing (no delay, no jitter) for ``agent_class``."""
    return PRESETS["deterministic"].tick_config(agent_class, seed=seed, **overrides)
