"""What each timing preset does to each agent of an env, as text: ``heron presets ENV``.

``preset_table(env, label)`` prints the env's synchronous baseline (its decision period, the
env's ``dt``), its nominal timing (``heron.scheduling.nominal``), then one row per preset and
group of alike agents: tick, observation / action / message delay (seconds) and jitter, or why
the preset is refused on this env. Consecutive agents of one class with the same nominal timing
share a row (they get the same timing from every preset).
"""
from __future__ import annotations

from heron.scheduling.nominal import nominal_timing
from heron.scheduling.presets import PRESETS, jitter_text

_COLUMNS = ("preset", "agents", "class", "tick", "obs", "act", "msg", "jitter")


def _groups(nominal) -> list:
    """``[(label, class, nominal config)]``: runs of consecutive alike agents."""
    if not nominal.agents:
        return [("(every agent)", "field", None)]
    runs = []
    for a in nominal.agents:
        if runs and runs[-1][1] == a.agent_class and runs[-1][2] == a.config:
            runs[-1][0].append(a.id)
        else:
            runs.append(([a.id], a.agent_class, a.config))
    out = []
    for ids, cls, cfg in runs:
        label = ", ".join(ids) if len(ids) <= 3 else f"{ids[0]} .. {ids[-1]} ({len(ids)})"
        out.append((label, cls, cfg))
    return out


def _cells(name: str, label: str, cls: str, f: dict) -> list:
    return [name, label, cls] + [f"{f[k]:g}" for k in ("tick_interval", "obs_delay",
                                                        "act_delay", "msg_delay")] + \
        [jitter_text(f["jitter_type"], f["jitter_ratio"])]


def preset_table(env, label: str = "") -> str:
    """The text of ``heron presets ENV`` for ``env`` (a ``BatchEnv``, a ``PettingZooSpec`` or a
    ``NominalTiming``); ``label``: how the user named it (the env id)."""
    nominal = nominal_timing(env)
    n_agents = len(nominal.agents)
    head = f"{label} " if label and label != nominal.name else ""
    lines = [f"env {head}({nominal.name!r}"
             + (f", {n_agents} agent{'s' if n_agents != 1 else ''})" if n_agents else ")"),
             f"synchronous baseline: {nominal.baseline_text()}",
             "times in seconds; jitter: distribution and ratio of every interval and delay; "
             "'nominal': the env's own timing (its default_timing)", ""]
    rows = [list(_COLUMNS)]
    groups = _groups(nominal)
    for glabel, cls, cfg in groups:
        if cfg is None:
            cfg = {"tick_interval": nominal.tick_of("field"), "obs_delay": 0.0,
                   "act_delay": 0.0, "msg_delay": 0.0, "jitter_type": "NONE",
                   "jitter_ratio": 0.0}
        rows.append(_cells("nominal", glabel, cls, cfg))
    refused = []
    for name in sorted(PRESETS):
        p = PRESETS[name]
        why = p.mismatch(nominal)
        if why is not None:
            refused.append(f"{name}: refused, {why}")
            continue
        for glabel, cls, cfg in groups:
            tick = cfg["tick_interval"] if cfg is not None else nominal.tick_of("field")
            rows.append(_cells(name, glabel, cls, p.fields(cls, tick)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    numeric = set(range(3, 7))
    for r in rows:
        lines.append("  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    if refused:
        lines += [""] + refused
    return "\n".join(lines)
