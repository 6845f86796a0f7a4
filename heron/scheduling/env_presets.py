"""Timing presets an env defines for itself (``BatchEnv(presets=...)``).

The built-in presets (``heron.scheduling.presets``) are written once for every system: relative
ones follow an env's nominal ticks, absolute ones fit only envs of the right time scale. A system
often has timings of its own that no standard names: a utility's measured SCADA links, a vendor's
controller cycle, the timing of one plant. An env declares them by name::

    BatchEnv(..., default_timing={"field": TickConfig.deterministic(60.0)},
             presets={"site_scada": EnvPreset(
                 {"field": TickConfig.with_jitter(60.0, 4.0, 2.5, 2.5, JitterType.LOGNORMAL, 0.5)},
                 title="our SCADA, measured 2026")})

(a plain ``{agent id or class: TickConfig}`` dict works too). The rule: an env preset applies to
**its own env only**, **as written** (seconds, never rescaled), and an agent it names neither by
id nor by class keeps its nominal timing (the env's ``default_timing``). A name must differ from
every built-in preset's (one definition per name), so ``scada`` means the same everywhere.

Env presets are used like the built-in ones: ``heron.scheduling.presets.preset(name, env)``
finds either (``.for_env(env)``: a ``timing=`` argument), study files name them in ``[timing]
base`` and ``presets`` (checked once the study's env is known, before anything runs), and
``heron presets ENV`` lists them with the built-in ones. ``DefinedPreset`` is an env preset bound
to its name, with the methods of a built-in ``TimingPreset`` that apply to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional

from heron.scheduling.nominal import AGENT_CLASSES, NominalTiming, config_fields, nominal_timing
from heron.scheduling.tick_config import TickConfig

#: a preset name: lower case letters, digits, ``_`` and ``-``, starting with a letter
NAME = re.compile(r"[a-z][a-z0-9_\-]*")
#: names a preset may not take: table rows and scenario labels of their own
RESERVED = ("nominal", "sync")


@dataclass(frozen=True)
class EnvPreset:
    """An env's own timing preset (module docstring): ``timing`` maps agent ids or classes to
    ``TickConfig`` (seconds, applied as written); ``title`` and ``source`` say what it is and
    where its numbers come from."""

    timing: Mapping[str, TickConfig]
    title: str = ""
    source: str = ""

    def __post_init__(self):
        if not isinstance(self.timing, Mapping) or not self.timing:
            raise TypeError(f"EnvPreset: timing must be a non-empty dict of agent id or class "
                            f"-> TickConfig; got {self.timing!r}")
        for key, tc in self.timing.items():
            if not isinstance(tc, TickConfig):
                raise TypeError(f"EnvPreset: timing[{key!r}] must be a TickConfig; got "
                                f"{type(tc).__name__} {tc!r}")
        for what in ("title", "source"):
            if not isinstance(getattr(self, what), str):
                raise TypeError(f"EnvPreset: {what} must be a str; got "
                                f"{getattr(self, what)!r}")


@dataclass(frozen=True)
class DefinedPreset:
    """An env preset bound to its name and env (``bind``). ``entries``: ``((key, fields), ...)``
    with ``fields`` the ``TickConfig`` keyword arguments as ``((name, value), ...)``, keys in
    declaration order (plain data: equal definitions compare equal)."""

    name: str
    env_name: str
    entries: tuple
    title: str = ""
    source: str = ""
    delays = "absolute"
    fits = None

    @property
    def scaling(self) -> str:
        return (f"defined by env {self.env_name!r} for its own agents: as written, never "
                f"rescaled; agents it does not name keep their nominal timing")

    def timing(self) -> dict:
        """``{agent id or class: TickConfig fields}`` as declared (fresh dicts)."""
        return {key: dict(fields) for key, fields in self.entries}

    def to_dict(self) -> dict:
        """Plain data (JSON-ready), as studies record it."""
        return {"title": self.title, "source": self.source, "timing": self.timing()}

    # -- fitting (an env preset fits its own env only) -------------------------------------------
    def mismatch(self, env=None) -> Optional[str]:
        """None when ``env`` (a ``BatchEnv`` or its ``NominalTiming``) defines this preset, else
        why not, in a few words."""
        nominal = nominal_timing(env) if env is not None else None
        if nominal is None:
            return (f"it is defined by env {self.env_name!r} for its own agents; no env was "
                    f"given")
        theirs = nominal.presets.get(self.name)
        if theirs == self:
            return None
        how = "defines it differently" if theirs is not None else "does not define it"
        return (f"it is defined by env {self.env_name!r} for its own agents, and the env given "
                f"({nominal.name!r}, {len(nominal.agents)} agents) {how}")

    def fit_error(self, env=None) -> Optional[str]:
        why = self.mismatch(env)
        return None if why is None else f"timing preset {self.name!r} does not apply: {why}"

    def check(self, env=None) -> None:
        """``PresetMismatchError`` unless ``env`` defines this preset."""
        from heron.scheduling.presets import PresetMismatchError

        why = self.fit_error(env)
        if why is not None:
            raise PresetMismatchError(why)

    # -- values ---------------------------------------------------------------------------------
    def _class_fields(self, nominal: NominalTiming, cls: str) -> dict:
        """A class's entry in a scenario: its first agent's timing, else the preset's entry for
        the class, else the class's nominal tick without delays."""
        first = next((a for a in nominal.agents if a.agent_class == cls), None)
        if first is not None:
            return self._agent(first)
        own = dict(self.entries).get(cls)
        if own is not None:
            return dict(own)
        return config_fields(TickConfig.deterministic(nominal.tick_of(cls)))

    def _agent(self, a) -> dict:
        """Agent ``a``'s (an ``AgentNominal``) fields: by id, else by class, else nominal."""
        entries = dict(self.entries)
        own = entries.get(a.id, entries.get(a.agent_class))
        return dict(own) if own is not None else dict(a.config)

    def agent_fields(self, env) -> list:
        """``[(agent id, class, TickConfig fields)]`` for every agent of ``env``."""
        nominal = nominal_timing(env)
        self.check(nominal)
        return [(a.id, a.agent_class, self._agent(a)) for a in nominal.agents]

    def for_env(self, env, *, seed: Optional[int] = None) -> dict:
        """``{agent id: TickConfig}`` for every agent of ``env`` (a ``timing=`` argument)."""
        return {aid: TickConfig(seed=seed, **f) for aid, _, f in self.agent_fields(env)}

    def scenario_timing(self, env=None) -> dict:
        """The preset as a study scenario's ``timing`` (``TimingPreset.scenario_timing``): one
        entry per class, plus one per agent whose timing differs from its class's entry."""
        nominal = nominal_timing(env) if env is not None else None
        self.check(nominal)
        out = {cls: self._class_fields(nominal, cls) for cls in AGENT_CLASSES}
        for a in nominal.agents:
            own = self._agent(a)
            if own != out[a.agent_class]:
                out[a.id] = own
        return out

    # -- text -----------------------------------------------------------------------------------
    def describe(self) -> str:
        """The definition: title, source, scaling rule, then one line per entry."""
        from heron.scheduling.presets import jitter_text

        lines = [f"{self.name}: {self.title or '(no title)'}"]
        if self.source:
            lines.append(f"    source: {self.source}")
        lines.append(f"    scaling: {self.scaling}")
        for key, fields in self.entries:
            f = dict(fields)
            lines.append(f"    {key:<11} tick {f['tick_interval']:g} s, obs {f['obs_delay']:g} s, "
                         f"act {f['act_delay']:g} s, msg {f['msg_delay']:g} s, "
                         f"{jitter_text(f['jitter_type'], f['jitter_ratio'])}")
        return "\n".join(lines)


def bind(env_name: str, presets, check_keys) -> tuple:
    """Validate ``BatchEnv(presets=...)`` of env ``env_name`` and return its ``DefinedPreset``s
    (declaration order). ``check_keys(mapping, name, noun)``: the env's agent-key check."""
    from heron.scheduling.presets import PRESETS

    if presets is None:
        return ()
    if not isinstance(presets, Mapping):
        raise TypeError(f"BatchEnv {env_name!r}: presets must be a dict of name -> EnvPreset "
                        f"(or a dict of agent id or class -> TickConfig); got "
                        f"{type(presets).__name__} {presets!r}")
    out = []
    for name, value in presets.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise ValueError(f"BatchEnv {env_name!r}: preset names must be lower case letters, "
                             f"digits, '_' or '-', starting with a letter; got {name!r}")
        if name in PRESETS or name in RESERVED:
            taken = "a built-in preset" if name in PRESETS else "reserved"
            raise ValueError(f"BatchEnv {env_name!r}: preset name {name!r} is {taken} (each name "
                             f"has one definition: {sorted(PRESETS)} are built in, "
                             f"{list(RESERVED)} reserved); choose another, e.g. "
                             f"'{env_name.lower()}_{name}'")
        if isinstance(value, DefinedPreset):   # an env rebuilt from another's presets
            value = EnvPreset({k: TickConfig(**f) for k, f in value.timing().items()},
                              value.title, value.source)
        elif isinstance(value, Mapping):
            value = EnvPreset(dict(value))
        if not isinstance(value, EnvPreset):
            raise TypeError(f"BatchEnv {env_name!r}: presets[{name!r}] must be an EnvPreset or a "
                            f"dict of agent id or class -> TickConfig; got "
                            f"{type(value).__name__} {value!r}")
        check_keys(value.timing, f"BatchEnv {env_name!r}: presets[{name!r}]",
                   "agent id(s) or class(es)")
        entries = tuple((key, tuple(config_fields(tc).items()))
                        for key, tc in value.timing.items())
        out.append(DefinedPreset(name, env_name, entries, value.title, value.source))
    return tuple(out)
