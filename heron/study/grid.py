"""The timing grid of a study: ``[timing]`` of the study file -> a list of ``Scenario``.

``[timing]`` keys:

* ``base`` (preset name, default ``"deterministic"``): the timing every grid cell starts from.
* ``presets`` (list of preset names): extra scenarios, each preset as it is.
* ``[timing.grid]``: axes, each a non-empty array of values; every combination is a scenario.
  Top-level axes apply to every agent class: ``tick_interval`` (s, > 0), ``obs_delay``,
  ``act_delay``, ``msg_delay``, ``min_delay`` (s, >= 0), ``jitter_type`` (NONE, UNIFORM, GAUSSIAN,
  LOGNORMAL), ``jitter_ratio`` (>= 0) and ``tick_ratio`` (> 0: the coordinator ticks every
  ``tick_ratio`` field ticks). ``[timing.grid.field]`` and ``[timing.grid.coordinator]`` hold the
  same axes (except ``tick_ratio``) for one agent class only.

A preset name is a built-in preset or one the study's env defines
(``heron.scheduling.env_presets``); before the env is known, a name that is not built in has no
timing yet (``{}``) and is checked, at its line, when ``StudySpec.for_env`` fits the study.

Presets are applied to the study env's nominal timing (``heron.scheduling.presets``: relative
values follow the env's ticks, absolute ones are the standard's seconds, and a preset that does
not fit the env is refused, naming the ``base`` or ``presets`` line). ``parse_timing(loc, table,
nominal)`` takes that nominal timing (``heron.scheduling.nominal``); without it (a study file
parsed before its env is resolved) the presets are at their reference timing (the battery
fleet's) until ``StudySpec.for_env`` fits them, which ``run_study`` does before anything runs.
A scenario's ``timing`` has one entry per agent class, plus one per agent whose own nominal tick
gives other values than its class's (agents of one class ticking at different rates); an axis
sets its field in every entry of its class(es).

A scenario's ``label`` names it in the dataset (the ``scenario`` partition): the preset name, or
``axis=value`` pairs joined by commas (``"jitter_ratio=0.2,act_delay=0.5"``). A value prints as
``%g`` when that reads back exactly, else as the shortest text that does (``repr``:
``0.30000000000000004``), so ``parse_label(label)`` returns the exact values and two values never
share a label; labels are checked distinct anyway. Its ``axes`` map the axis column names
(``jitter_ratio``, ``field_act_delay``, ...) to values (None for preset scenarios). The
synchronous baseline is the scenario ``SYNC`` (label ``"sync"``). A grid of more than
``MAX_SCENARIOS`` scenarios is refused before it is enumerated.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from heron.scheduling.env_presets import NAME, RESERVED
from heron.scheduling.presets import (
    AGENT_CLASSES, PRESETS, PresetMismatchError, preset, preset_names,
)
from heron.scheduling.tick_config import JitterType, TickConfig
from heron.study.errors import SourceLocator

TICK_FIELDS = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "min_delay",
               "jitter_type", "jitter_ratio")
TOP_AXES = TICK_FIELDS + ("tick_ratio",)
SYNC_LABEL = "sync"
#: the most scenarios a study may have (the grid is refused before it is enumerated)
MAX_SCENARIOS = 100_000


@dataclass(frozen=True)
class Scenario:
    """One timing configuration of a study.

    ``timing`` maps agent class (and the id of an agent whose own nominal rate gives it other
    values) to ``TickConfig`` keyword arguments (times in seconds); ``axes`` maps axis column
    names to this scenario's values; ``mode`` is ``"event"`` or ``"sync"``.
    """

    label: str
    kind: str            # "grid", "preset" or "sync"
    preset: str          # base preset (grid), the preset itself, or "" for sync
    axes: dict
    timing: dict
    mode: str = "event"

    def tick_configs(self) -> dict:
        """``{agent class or id: TickConfig}`` for this scenario (empty for the sync baseline)."""
        return {cls: TickConfig(**f) for cls, f in self.timing.items()}

    def to_dict(self) -> dict:
        """Plain data (JSON-ready)."""
        return {"label": self.label, "kind": self.kind, "preset": self.preset,
                "axes": dict(self.axes), "timing": {k: dict(v) for k, v in self.timing.items()},
                "mode": self.mode}


SYNC = Scenario(SYNC_LABEL, "sync", "", {}, {}, "sync")


def _fmt(value) -> str:
    """An axis value as label text that reads back exactly (``float(text) == value``)."""
    if isinstance(value, str):
        return value
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


def parse_label(label: str) -> dict:
    """The axis values of a grid scenario's ``label`` (``{"act_delay": 0.5, ...}``; jitter types
    as names): the exact values the scenario was built from."""
    out = {}
    for part in label.split(","):
        key, sep, text = part.partition("=")
        if not sep:
            raise ValueError(f"not a grid scenario label: {label!r}")
        out[key] = text if key.endswith("jitter_type") else float(text)
    return out


def _check_value(loc: SourceLocator, table, axis: str, value):
    """Validate one axis value; returns it normalised (floats, jitter names upper-case)."""
    if axis == "jitter_type":
        if not isinstance(value, str):
            raise loc.error(table, axis, f"values must be strings, one of "
                                         f"{[m.name for m in JitterType]}; got {value!r}")
        try:
            return JitterType.parse(value).name
        except ValueError:
            raise loc.error(table, axis, f"unknown jitter type {value!r}; valid choices: "
                                         f"{[m.name for m in JitterType]}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise loc.error(table, axis, f"values must be numbers (seconds or ratios); got {value!r} "
                                     f"({type(value).__name__})")
    x = float(value) + 0.0   # -0.0 -> 0.0: one value, one label
    if not math.isfinite(x):
        raise loc.error(table, axis, f"values must be finite; got {value!r}")
    if axis in ("tick_interval", "tick_ratio"):
        if x <= 0:
            raise loc.error(table, axis, f"values must be > 0; got {value!r}")
    elif x < 0:
        raise loc.error(table, axis, f"values must be >= 0; got {value!r}")
    return x


def _axis_values(loc, table, axis, values) -> list:
    if not isinstance(values, list):
        raise loc.error(table, axis, f"an axis must be an array of values (e.g. {axis} = "
                                     f"[0.0, 0.1])"
                                     f"; got {values!r} ({type(values).__name__})")
    if not values:
        raise loc.error(table, axis, "an axis must not be empty")
    out = [_check_value(loc, table, axis, v) for v in values]
    if len(set(out)) != len(out):
        raise loc.error(table, axis, f"values must be distinct; got {values!r}")
    return out


def _parse_axes(loc: SourceLocator, grid: dict) -> list:
    """``[(column, agent_class or None, field, values)]`` in file order."""
    axes = []
    for key, values in grid.items():
        if key in AGENT_CLASSES:
            if not isinstance(values, dict):
                raise loc.error(("timing", "grid"), key, "must be a table of axes "
                                f"([timing.grid.{key}]); got {values!r}")
            for sub, vals in values.items():
                table = ("timing", "grid", key)
                if sub not in TICK_FIELDS:
                    raise loc.error(table, sub, f"unknown axis; valid axes for an agent class: "
                                                f"{list(TICK_FIELDS)}")
                axes.append((f"{key}_{sub}", key, sub, _axis_values(loc, table, sub, vals)))
        elif key in TOP_AXES:
            axes.append((key, None, key, _axis_values(loc, ("timing", "grid"), key, values)))
        else:
            raise loc.error(("timing", "grid"), key, f"unknown axis; valid axes: {list(TOP_AXES)}"
                                                     f" and tables {list(AGENT_CLASSES)}")
    return axes


def _class_of(key: str, nominal) -> str:
    """The agent class of a scenario timing entry (a class, or an agent id of ``nominal``)."""
    return key if key in AGENT_CLASSES else nominal.class_of(key)


def _apply(base_timing: dict, point: dict, axes: list, nominal) -> dict:
    timing = {k: dict(v) for k, v in base_timing.items()}
    classes = {k: _class_of(k, nominal) for k in timing}
    ratio = None
    for column, cls, field, _ in axes:
        value = point[column]
        if field == "tick_ratio":
            ratio = value
            continue
        for key, c in classes.items():
            if cls is None or c == cls:
                timing[key][field] = value
    if ratio is not None:
        for key, c in classes.items():
            if c == "coordinator":
                timing[key]["tick_interval"] = ratio * timing["field"]["tick_interval"]
    for key, c in classes.items():   # an agent's entry the axes made equal to its class's
        if key not in AGENT_CLASSES and timing[key] == timing[c]:
            del timing[key]
    return timing


def _known(name: str, nominal) -> bool:
    """A built-in preset, one the env defines, or (env not known yet: ``nominal`` None) a
    name an env may define (checked by ``StudySpec.for_env``)."""
    key = name.lower()
    if key in PRESETS:
        return True
    if nominal is None:
        return bool(NAME.fullmatch(key)) and key not in RESERVED
    return key in nominal.presets


def _valid(nominal) -> str:
    own = " or one the study's env defines" if nominal is None else ""
    return f"{preset_names(nominal)}{own}"


def _preset_timing(loc, name: str, key: str, nominal) -> dict:
    """``preset(name, nominal).scenario_timing(nominal)``; a preset that does not fit the env
    is an error at the ``[timing] key`` line. An env preset named before the env is known
    (``nominal`` None) has no timing yet (``{}``): ``StudySpec.for_env`` fills it in."""
    if nominal is None and name.lower() not in PRESETS:
        return {}
    try:
        return preset(name, nominal).scenario_timing(nominal)
    except PresetMismatchError as exc:
        raise loc.error(("timing",), key, str(exc)) from None


def parse_timing(loc: SourceLocator, table: dict, nominal=None) -> list:
    """Validate ``[timing]`` and return the event-driven scenarios (``Scenario`` list), the
    presets applied to ``nominal`` (a ``NominalTiming``; None: the presets' reference timing)."""
    valid = ("base", "presets", "grid")
    for key in table:
        if key not in valid:
            raise loc.error(("timing",), key, f"unknown key; valid keys: {list(valid)}")
    base = table.get("base", "deterministic")
    if not isinstance(base, str) or not _known(base, nominal):
        raise loc.error(("timing",), "base", f"must be a preset name, one of "
                                             f"{_valid(nominal)}; got {base!r}")
    base = base.lower()
    names = table.get("presets", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise loc.error(("timing",), "presets", f"must be an array of preset names; got {names!r}")
    for n in names:
        if not _known(n, nominal):
            raise loc.error(("timing",), "presets", f"unknown preset {n!r}; valid presets: "
                                                    f"{_valid(nominal)}")
    if len(set(n.lower() for n in names)) != len(names):
        raise loc.error(("timing",), "presets", f"presets must be distinct; got {names!r}")
    grid = table.get("grid", {})
    if not isinstance(grid, dict):
        raise loc.error(("timing",), "grid", f"must be a table of axes; got {grid!r}")
    axes = _parse_axes(loc, grid)

    scenarios = []
    columns = [a[0] for a in axes]
    n_grid = math.prod(len(a[3]) for a in axes) if axes else 0
    if n_grid + len(names) > MAX_SCENARIOS:
        sizes = " x ".join(f"{len(a[3])} ({a[0]})" for a in axes)
        raise loc.error(("timing",), "grid", f"{n_grid + len(names):,} scenarios ({sizes}"
                        f"{f' + {len(names)} presets' if names else ''}); a study may have at "
                        f"most {MAX_SCENARIOS:,}: use fewer values per axis, or split the grid "
                        "into several studies")
    if axes:
        base_timing = _preset_timing(loc, base, "base", nominal)
        for combo in itertools.product(*(a[3] for a in axes)):
            point = dict(zip(columns, combo))
            timing = _apply(base_timing, point, axes, nominal) if base_timing else {}
            label = ",".join(f"{c}={_fmt(v)}" for c, v in point.items())
            scenarios.append(Scenario(label, "grid", base, point, timing))
    for n in names:
        scenarios.append(Scenario(n.lower(), "preset", n.lower(), {c: None for c in columns},
                                  _preset_timing(loc, n, "presets", nominal)))
    if not scenarios:
        scenarios.append(Scenario(base, "preset", base, {},
                                  _preset_timing(loc, base, "base", nominal)))
    labels = [s.label for s in scenarios]
    if len(set(labels)) != len(labels) or SYNC_LABEL in labels:
        dup = sorted({x for x in labels if labels.count(x) > 1 or x == SYNC_LABEL})
        raise loc.error(("timing",), None, f"scenario labels must be distinct (and not "
                                           f"{SYNC_LABEL!r}); {dup} repeat")
    _check_consistency(loc, scenarios, axes)
    return scenarios


def _check_consistency(loc, scenarios, axes) -> None:
    """Every scenario must build valid TickConfigs; jitter ratios need a jitter type."""
    for s in scenarios:
        for cls, fields in s.timing.items():
            try:
                TickConfig(**fields)
            except (TypeError, ValueError) as exc:
                who = f"{cls} agents" if cls in AGENT_CLASSES else f"agent {cls!r}"
                raise loc.error(("timing",), None, f"scenario {s.label!r}, {who}: "
                                                   f"{exc}") from None
            if (s.kind == "grid" and fields["jitter_ratio"] > 0
                    and fields["jitter_type"] == "NONE"
                    and any(a[2] == "jitter_ratio" for a in axes)):
                raise loc.error(("timing", "grid"), "jitter_ratio",
                                f"jitter_ratio {fields['jitter_ratio']:g} has no effect with "
                                f"jitter_type NONE (scenario {s.label!r}); add a jitter_type axis "
                                f"(e.g. jitter_type = [\"GAUSSIAN\"]) or a base preset with jitter")
