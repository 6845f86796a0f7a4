"""Named timing presets: one definition each, applied at the scale of the env they time.

A preset sets the timing of a whole deployment: ``TickConfig`` fields per agent class
(``"field"`` agents actuate the environment, ``"coordinator"`` agents send them setpoints). It is
applied to an env's *nominal timing* (``heron.scheduling.nominal``: the tick each agent decides at
by design, read from the env's ``default_timing``), never at another system's scale. All times
are seconds. Its values are of two kinds, and this is the rule:

* **Relative** values follow the system. Training and workload timing (``deterministic``, ``w1``)
  describe the shape of a control loop, not a network: ticks are multiples of the agent's
  nominal tick, and delays are written at the reference timing (the battery fleet's: field 1 s,
  coordinator 5 s) and multiplied by ``nominal tick / reference tick`` (products rounded to 12
  significant digits, so 0.05 x 60 reads 3).
* **Absolute** values are seconds a standard fixes whatever the plant (SCADA's poll and link
  latencies, NTCIP 1202's controller timing). They apply as written and are never rescaled: a
  2 s SCADA latency is 2 s on a battery and on a thermostat. A preset that fixes the *field
  agents' tick* absolutely declares the nominal field ticks it fits (``fits``); on an env whose
  field agents nominally tick outside that range it is **refused** (``PresetMismatchError``, a
  ``ValueError`` naming the preset, the env, its tick and the presets that fit), not rescaled:
  the standard's numbers would describe another kind of system, and a silently rescaled
  "NTCIP" would not be NTCIP.

The presets (their sources are the tutorial's "CPS-Calibrated Timing Configurations"):

``scada`` (IEEE 2030-2011-style utility SCADA; fits every env)
    The SCADA master (the coordinator) polls every 60 s (or at its own nominal tick when that is
    slower: a preset about links never makes a controller decide faster than designed); telemetry
    arrives 2 s late and commands land 1.5 s late, absolute. Field devices keep their own local
    loop (their nominal tick) but read and act through the SCADA links; message delay 1.5 s.
    Latency on WAN/radio links is right-skewed: LOGNORMAL jitter, mean = the base value, standard
    deviation 40 % of it. (The tutorial's example wrote one config, tick 60 s with Gaussian
    40 %, approximating the log-normal it lacked; that is this preset's coordinator, and on a
    60 s plant its field agents too.)
``ntcip`` (NTCIP 1202 actuated traffic-signal controllers; fits field ticks 0.01 s to 1 s)
    Controllers update every 100 ms, detector inputs arrive 50 ms late, signal commands land
    200 ms later, UNIFORM jitter +/- 20 %; the central system (coordinator) polls once per
    second with the same latencies; message delay 50 ms. All absolute. It fits envs whose field
    agents nominally tick between 10 ms and 1 s (a factor of ten around the controller's 100 ms
    update); on a 60 s thermostat it is refused.
``deterministic`` (training timing; relative)
    Every agent ticks at its nominal tick, no delays, no jitter.
``w1`` (the canonical W1/W2 workload of ``docs/performance.md``; relative)
    At the reference timing: field 1 s ticks, 50 ms observation delay, 100 ms action delay,
    50 ms message delay, GAUSSIAN jitter 10 %; coordinator 5 s, 0.2 s observation delay, 0.1 s
    message delay, GAUSSIAN 5 % (as in W2). On a 60 s thermostat: 60 s ticks, 3 s, 6 s, 3 s.

On the battery fleet (nominal field 1 s, coordinator 5 s) every preset gives exactly the numbers
above. Use ``preset(name).for_env(env)`` for a ``timing=`` argument (one ``TickConfig`` per
agent); ``heron presets ENV`` prints what each preset does to each agent of an env, and study
files (``[timing] base``, ``presets``) apply them to the study's env. Without an env,
``tick_config(cls)`` / ``tick_configs()`` use the reference timing (or ``nominal_tick=``).

These are reference points for robustness studies, not a substitute for measuring a real
installation: override any field with ``tick_config(..., act_delay=0.8)`` or in a study grid.
Timings a system has of its own (measured links, a vendor's cycle) are declared by its env
(``BatchEnv(presets=...)``, ``heron.scheduling.env_presets``): ``preset(name, env)`` finds them
too, and their names never shadow these.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Mapping, Optional

from heron.scheduling.nominal import (
    AGENT_CLASSES, REFERENCE, NominalTiming, nominal_timing,
)
from heron.scheduling.tick_config import TickConfig

_FIELDS = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "jitter_type", "jitter_ratio",
           "min_delay")
_DELAYS = ("obs_delay", "act_delay", "msg_delay", "min_delay")
TICK_KINDS = ("nominal", "seconds", "at_least")


class PresetMismatchError(ValueError):
    """A preset does not fit an env's nominal timing (the message says why and what fits)."""


def _scaled(x: float, factor: float) -> float:
    """``x * factor`` rounded to 12 significant digits (exactly ``x`` when ``factor == 1``)."""
    return float(x) if factor == 1.0 else float(f"{float(x) * factor:.12g}")


@dataclass(frozen=True)
class ClassRule:
    """The timing of one agent class in a preset. ``tick``: ``("nominal", k)`` (k x the
    agent's nominal tick), ``("seconds", s)`` (s seconds) or ``("at_least", s)`` (s seconds, or
    the nominal tick when that is longer). Delays (s): absolute, or at the reference timing for
    a relative preset. ``jitter_ratio``: a ratio of each base value."""

    tick: tuple
    obs_delay: float = 0.0
    act_delay: float = 0.0
    msg_delay: float = 0.0
    jitter_type: str = "NONE"
    jitter_ratio: float = 0.0
    min_delay: float = 0.0

    def __post_init__(self):
        if len(self.tick) != 2 or self.tick[0] not in TICK_KINDS or not self.tick[1] > 0:
            raise ValueError(f"ClassRule: tick must be (kind, value > 0) with kind one of "
                             f"{list(TICK_KINDS)}; got {self.tick!r}")


@dataclass(frozen=True)
class TimingPreset:
    """A named, documented timing per agent class (module docstring). ``delays``:
    ``"relative"`` or ``"absolute"``; ``fits``: ``(lo, hi)``, the nominal field ticks (s) the
    preset applies to (None: every env); ``scaling``: the rule in words."""

    name: str
    title: str
    source: str
    classes: Mapping[str, ClassRule] = field(default_factory=dict)
    delays: str = "relative"
    fits: Optional[tuple] = None
    scaling: str = ""
    fits_why: str = ""

    def __post_init__(self):
        if self.delays not in ("relative", "absolute"):
            raise ValueError(f"TimingPreset {self.name!r}: delays must be 'relative' or "
                             f"'absolute'; got {self.delays!r}")
        if set(self.classes) != set(AGENT_CLASSES):
            raise ValueError(f"TimingPreset {self.name!r}: classes must be {list(AGENT_CLASSES)};"
                             f" got {sorted(self.classes)}")

    # -- fitting --------------------------------------------------------------------------------
    def _outside(self, nominal: NominalTiming) -> list:
        """The nominal field ticks (s) of ``nominal`` outside ``fits`` (empty: it fits)."""
        if self.fits is None:
            return []
        ticks = [a.tick for a in nominal.agents if a.agent_class == "field"] or \
            [nominal.tick_of("field")]
        lo, hi = self.fits
        return [t for t in ticks if not lo <= t <= hi]

    def mismatch(self, env=None) -> Optional[str]:
        """Why the preset does not fit ``env`` (a ``BatchEnv``, a ``PettingZooSpec`` or a
        ``NominalTiming``; None: the reference timing) in a few words, or None when it fits."""
        nominal = nominal_timing(env) if env is not None else REFERENCE
        bad = self._outside(nominal)
        if not bad:
            return None
        lo, hi = self.fits
        t = max(bad, key=lambda x: max(x / lo, hi / x))
        kind, own = self.classes["field"].tick
        speed = ""
        if kind == "seconds":
            ratio = t / own if t > own else own / t
            times = f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.3g}"
            speed = f"; here it would make them tick {times}x {'faster' if t > own else 'slower'}"
        return (f"its field agents nominally tick every {t:g} s, outside the {lo:g}-{hi:g} s "
                f"this preset applies to ({self.fits_why}{speed})")

    def fit_error(self, env=None) -> Optional[str]:
        """The full message of ``PresetMismatchError`` for ``env``, or None when it fits."""
        nominal = nominal_timing(env) if env is not None else REFERENCE
        why = self.mismatch(nominal)
        if why is None:
            return None
        fitting = [p.name for p in PRESETS.values() if not p._outside(nominal)] + \
            sorted(nominal.presets)
        return (f"timing preset {self.name!r} does not fit env {nominal.name!r}: {why}. "
                f"Presets that fit this env: {fitting}; or time it with explicit values (a "
                f"study's grid axes on base = \"deterministic\"); `heron presets ENV` shows "
                f"each preset on the env's agents")

    def check(self, env=None) -> None:
        """Raise ``PresetMismatchError`` when the preset does not fit ``env``."""
        why = self.fit_error(env)
        if why is not None:
            raise PresetMismatchError(why)

    # -- values ---------------------------------------------------------------------------------
    def fields(self, agent_class: str = "field", nominal_tick: Optional[float] = None) -> dict:
        """The ``TickConfig`` keyword arguments (a fresh dict, seconds) for an agent of
        ``agent_class`` whose nominal tick is ``nominal_tick`` seconds (default: the reference
        timing's, field 1 s, coordinator 5 s). A field tick outside ``fits`` is refused."""
        if agent_class not in self.classes:
            raise ValueError(f"agent_class must be one of {sorted(self.classes)} for preset "
                             f"{self.name!r}; got {agent_class!r}")
        ref = REFERENCE.tick_of(agent_class)
        if nominal_tick is None:
            nominal_tick = ref
        elif isinstance(nominal_tick, bool) or not isinstance(nominal_tick, numbers.Real) \
                or not 0 < float(nominal_tick) < float("inf"):
            raise ValueError(f"nominal_tick must be a finite number of seconds > 0; got "
                             f"{nominal_tick!r}")
        tick_n = float(nominal_tick)
        if agent_class == "field" and self.fits is not None:
            self.check(NominalTiming(f"with a {tick_n:g} s field tick", tick_n,
                                     {"field": tick_n, "coordinator": 5.0 * tick_n}))
        rule = self.classes[agent_class]
        kind, value = rule.tick
        tick = {"nominal": tick_n if value == 1 else _scaled(value, tick_n),
                "seconds": float(value), "at_least": max(float(value), tick_n)}[kind]
        factor = tick_n / ref if self.delays == "relative" else 1.0
        out = {"tick_interval": tick}
        for name in _DELAYS:
            out[name] = _scaled(getattr(rule, name), factor)
        out["jitter_type"] = rule.jitter_type
        out["jitter_ratio"] = float(rule.jitter_ratio)
        return {k: out[k] for k in _FIELDS}

    def tick_config(self, agent_class: str = "field", *, nominal_tick: Optional[float] = None,
                    seed: Optional[int] = None, **overrides) -> TickConfig:
        """A new ``TickConfig`` for ``agent_class`` at ``nominal_tick`` (``fields``);
        ``overrides`` replace preset fields."""
        unknown = set(overrides) - set(_FIELDS)
        if unknown:
            raise TypeError(f"unknown TickConfig field(s) {sorted(unknown)}; valid fields: "
                            f"{list(_FIELDS)}")
        kwargs = self.fields(agent_class, nominal_tick)
        kwargs.update(overrides)
        return TickConfig(seed=seed, **kwargs)

    def tick_configs(self, env=None, *, seed: Optional[int] = None) -> dict:
        """``{agent_class: TickConfig}`` for every class, at ``env``'s nominal class ticks
        (None: the reference timing)."""
        nominal = nominal_timing(env) if env is not None else REFERENCE
        self.check(nominal)
        return {cls: self.tick_config(cls, nominal_tick=nominal.tick_of(cls), seed=seed)
                for cls in self.classes}

    def agent_fields(self, env) -> list:
        """``[(agent id, class, TickConfig fields)]`` for every agent of ``env`` (one
        ``("*", "field", ...)`` row when its agents are unknown). Refused when it does not fit."""
        nominal = nominal_timing(env)
        self.check(nominal)
        if not nominal.agents:
            return [("*", "field", self.fields("field", nominal.tick_of("field")))]
        return [(a.id, a.agent_class, self.fields(a.agent_class, a.tick))
                for a in nominal.agents]

    def for_env(self, env, *, seed: Optional[int] = None) -> dict:
        """``{agent id: TickConfig}`` for every agent of ``env`` (``{"field": ...}`` when its
        agents are unknown): a ``timing=`` argument of ``heron.batch.evaluate``. Each config
        has its own generator (``seed``). Refused (``PresetMismatchError``) when it does not
        fit."""
        return {("field" if aid == "*" else aid): TickConfig(seed=seed, **f)
                for aid, _, f in self.agent_fields(env)}

    def scenario_timing(self, env=None) -> dict:
        """The preset as a study scenario's ``timing``: ``{class: fields}`` for both classes at
        the env's nominal class ticks, plus ``{agent id: fields}`` for each agent whose own
        nominal tick gives other values than its class's entry (agents of one class ticking at
        different rates). None: the reference timing. Refused when it does not fit."""
        nominal = nominal_timing(env) if env is not None else REFERENCE
        self.check(nominal)
        out = {cls: self.fields(cls, nominal.tick_of(cls)) for cls in AGENT_CLASSES}
        for a in nominal.agents:
            own = self.fields(a.agent_class, a.tick)
            if own != out[a.agent_class]:
                out[a.id] = own
        return out

    # -- text -----------------------------------------------------------------------------------
    def describe(self) -> str:
        """The definition: one line per agent class and the scaling rule (``heron presets``)."""
        lines = [f"{self.name}: {self.title}", f"    source: {self.source}",
                 f"    scaling: {self.scaling}"]
        for cls, rule in self.classes.items():
            kind, value = rule.tick
            tick = (f"tick {value:g} s" if kind != "nominal" else
                    "tick = nominal" if value == 1 else f"tick {value:g} x nominal")
            delays = any(getattr(rule, d) for d in _DELAYS)
            at = (f" (at a {REFERENCE.tick_of(cls):g} s nominal tick)"
                  if self.delays == "relative" and delays else "")
            lines.append(f"    {cls:<11} {tick}, obs {rule.obs_delay:g} s, "
                         f"act {rule.act_delay:g} s, msg {rule.msg_delay:g} s, "
                         f"{jitter_text(rule.jitter_type, rule.jitter_ratio)}{at}")
        return "\n".join(lines)


def jitter_text(jitter_type: str, ratio: float) -> str:
    """``"LOGNORMAL 40%"`` or ``"no jitter"``."""
    return f"{jitter_type} {100 * ratio:g}%" if ratio and jitter_type != "NONE" else "no jitter"


PRESETS: dict = {
    p.name: p for p in (
        TimingPreset(
            "deterministic", "training timing: no delays, no jitter",
            "tutorial 05, training configuration (TickConfig.deterministic)",
            {"field": ClassRule(("nominal", 1)), "coordinator": ClassRule(("nominal", 1))},
            scaling="relative: every agent at its nominal tick; fits every env"),
        TimingPreset(
            "ntcip", "NTCIP 1202 traffic signal controllers (100 ms tick, UNIFORM 20%)",
            "tutorial 05, CPS-calibrated timing; NTCIP 1202 actuated signal control",
            {"field": ClassRule(("seconds", 0.1), 0.05, 0.2, 0.05, "UNIFORM", 0.2),
             "coordinator": ClassRule(("seconds", 1.0), 0.05, 0.2, 0.05, "UNIFORM", 0.2)},
            delays="absolute", fits=(0.01, 1.0),
            fits_why="NTCIP 1202 fixes a 0.1 s controller update",
            scaling="absolute (the standard's seconds); fits envs whose field agents nominally "
                    "tick every 0.01-1 s, refused on others"),
        TimingPreset(
            "scada", "IEEE 2030-style utility SCADA (60 s polling, LOGNORMAL latency 40%)",
            "tutorial 05, CPS-calibrated timing; IEEE 2030-2011 SCADA latencies",
            {"field": ClassRule(("nominal", 1), 2.0, 1.5, 1.5, "LOGNORMAL", 0.4),
             "coordinator": ClassRule(("at_least", 60.0), 2.0, 1.5, 1.5, "LOGNORMAL", 0.4)},
            delays="absolute",
            scaling="field agents keep their nominal tick, the coordinator polls every 60 s (its "
                    "nominal tick if slower); latencies absolute; fits every env"),
        TimingPreset(
            "w1", "canonical W1/W2 workload timing (1 s ticks, GAUSSIAN 10%)",
            "docs/performance.md, workloads W1 battery-2 and W2 microgrid-8",
            {"field": ClassRule(("nominal", 1), 0.05, 0.1, 0.05, "GAUSSIAN", 0.1),
             "coordinator": ClassRule(("nominal", 1), 0.2, 0.0, 0.1, "GAUSSIAN", 0.05)},
            scaling="relative: ticks = nominal, delays (given at the reference ticks) scale "
                    "with nominal tick / reference tick; fits every env"),
    )
}


def preset(name: str, env=None):
    """The preset called ``name`` (case-insensitive): a built-in ``TimingPreset``, or one that
    ``env`` (a ``BatchEnv`` or its ``NominalTiming``) defines for itself (a ``DefinedPreset``,
    ``heron.scheduling.env_presets``)."""
    if isinstance(name, TimingPreset):
        return name
    if not isinstance(name, str):
        raise TypeError(f"preset name must be a str; got {name!r} ({type(name).__name__})")
    key = name.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    own = env_presets(env)
    if key in own:
        return own[key]
    where = f", then those env {nominal_timing(env).name!r} defines" if own else ""
    raise ValueError(f"unknown timing preset {name!r}; valid presets: "
                     f"{preset_names(env)} (built in{where})")


def env_presets(env) -> dict:
    """The presets ``env`` defines for itself (name -> ``DefinedPreset``; None: none)."""
    return dict(nominal_timing(env).presets) if env is not None else {}


def preset_names(env=None) -> list:
    """Names of the built-in presets, sorted, then those ``env`` defines, sorted."""
    return sorted(PRESETS) + sorted(env_presets(env))


def scada(agent_class: str = "field", *, nominal_tick: Optional[float] = None,
          seed: Optional[int] = None, **overrides) -> TickConfig:
    """IEEE 2030-style SCADA timing for ``agent_class`` (see the module docstring)."""
    return PRESETS["scada"].tick_config(agent_class, nominal_tick=nominal_tick, seed=seed,
                                        **overrides)


def ntcip(agent_class: str = "field", *, nominal_tick: Optional[float] = None,
          seed: Optional[int] = None, **overrides) -> TickConfig:
    """NTCIP 1202 traffic-signal timing for ``agent_class`` (see the module docstring)."""
    return PRESETS["ntcip"].tick_config(agent_class, nominal_tick=nominal_tick, seed=seed,
                                        **overrides)


def deterministic(agent_class: str = "field", *, nominal_tick: Optional[float] = None,
                  seed: Optional[int] = None, **overrides) -> TickConfig:
    """Training timing (no delay, no jitter) for ``agent_class`` at ``nominal_tick``."""
    return PRESETS["deterministic"].tick_config(agent_class, nominal_tick=nominal_tick,
                                                seed=seed, **overrides)
