"""What each timing preset does to each agent of an env, as text: ``heron presets ENV``.

``preset_table(env, label)`` prints the env's synchronous baseline (its decision period, the
env's ``dt``), its nominal timing (``heron.scheduling.nominal``), then one row per preset and
group of alike agents: tick, observation / action / message delay (seconds) and jitter, or why
the preset is refused on this env; then the presets the env defines for itself. Consecutive
agents of one class with the same timing share a row.
"""
from __future__ import annotations

from heron.scheduling.nominal import nominal_timing
from heron.scheduling.presets import jitter_text, preset, preset_names

_COLUMNS = ("preset", "agents", "class", "tick", "obs", "act", "msg", "jitter")


def _label(ids: list) -> str:
    return ", ".join(ids) if len(ids) <= 3 else f"{ids[0]} .. {ids[-1]} ({len(ids)})"


def _groups(rows) -> list:
    """``[(label, class, fields)]`` from ``[(agent id, class, fields)]``: runs of consecutive
    agents of one class with the same fields share a row."""
    runs = []
    for aid, cls, f in rows:
        if runs and runs[-1][1] == cls and runs[-1][2] == f:
            runs[-1][0].append(aid)
        else:
            runs.append(([aid], cls, f))
    return [(_label(ids), cls, f) for ids, cls, f in runs]


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
    if nominal.agents:
        own = [(a.id, a.agent_class, dict(a.config)) for a in nominal.agents]
    else:
        own = [("(every agent)", "field", {
            "tick_interval": nominal.tick_of("field"), "obs_delay": 0.0, "act_delay": 0.0,
            "msg_delay": 0.0, "jitter_type": "NONE", "jitter_ratio": 0.0})]
    for glabel, cls, f in _groups(own):
        rows.append(_cells("nominal", glabel, cls, f))
    refused = []
    for name in preset_names(nominal):
        p = preset(name, nominal)
        why = p.mismatch(nominal)
        if why is not None:
            refused.append(f"{name}: refused, {why}")
            continue
        per_agent = [("(every agent)" if aid == "*" else aid, cls, f)
                     for aid, cls, f in p.agent_fields(nominal)]
        for glabel, cls, f in _groups(per_agent):
            rows.append(_cells(name, glabel, cls, f))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    numeric = set(range(3, 7))
    for r in rows:
        lines.append("  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    if refused:
        lines += [""] + refused
    if nominal.presets:
        lines += ["", f"presets env {nominal.name!r} defines for itself (as written, never "
                      "rescaled; agents they do not name keep their nominal timing):"]
        lines += [f"  {p.name}: {p.title or '(no title)'}" + (f" [{p.source}]" if p.source else "")
                  for p in nominal.presets.values()]
    return "\n".join(lines)
