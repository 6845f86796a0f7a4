"""PNG plots of a study (matplotlib, Agg backend: headless).

* ``plot_degradation``: gap against the synchronous baseline along one timing axis, one line per
  policy (and per value of any other varying axis), with the bootstrap interval as a band.
* ``plot_gap_heatmap``: the gap over two axes, values written in the cells.
* ``plot_tick_pattern``: the tutorial's event plot of agent ticks (and, with action delays, when
  the actions take effect) over the first seconds, one row per (scenario, agent class), sampled
  with ``TickConfig`` through the ``EventScheduler``.
Each function saves the figure to ``path`` and returns ``path``.
"""
from __future__ import annotations

import os

import numpy as np

AXIS_LABELS = {
    "tick_interval": "tick interval (s)", "obs_delay": "observation delay (s)",
    "act_delay": "action delay (s)", "msg_delay": "message delay (s)",
    "min_delay": "minimum delay (s)", "jitter_ratio": "jitter ratio (std or half-width / base)",
    "jitter_type": "jitter type", "tick_ratio": "coordinator / field tick ratio",
}


def axis_label(axis: str) -> str:
    """Human label with units for a timing-axis column (``field_act_delay`` -> ``field action
    delay (s)``)."""
    for cls in ("field_", "coordinator_"):
        if axis.startswith(cls) and axis[len(cls):] in AXIS_LABELS:
            return f"{cls[:-1]} {AXIS_LABELS[axis[len(cls):]]}"
    return AXIS_LABELS.get(axis, axis)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def plot_degradation(curve, axis: str, path: str, *, title: str | None = None) -> str:
    """Line plot of ``gap_pct`` (with ``gap_ci_low``/``gap_ci_high`` bands) against ``axis`` from
    a ``sensitivity`` table: one panel per policy, one line per value of the other grouping keys
    (the columns before ``axis``), a shared legend on the right."""
    plt = _pyplot()
    # sensitivity tables start with their grouping keys, the studied axis last among them
    keys = list(curve.columns[:list(curve.columns).index(axis)])
    panel_key = "policy" if "policy" in keys else None
    series_keys = [k for k in keys if k != panel_key]
    panels = sorted(curve[panel_key].unique()) if panel_key else [None]
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    width = 5.2 * ncols + 2.4
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, 4.0 * nrows + 0.6),
                             sharey=True, squeeze=False)
    numeric = curve[axis].dtype.kind in "fi"
    colors = plt.get_cmap("tab10" if curve.groupby(series_keys).ngroups <= 10 else "tab20").colors \
        if series_keys else ["C0"]
    handles = {}
    for ax, panel in zip(axes.flat, panels):
        sub = curve if panel_key is None else curve[curve[panel_key] == panel]
        groups = sub.groupby(series_keys, sort=True, dropna=False) if series_keys else [((), sub)]
        for i, (key, g) in enumerate(groups):
            key = key if isinstance(key, tuple) else (key,)
            g = g.sort_values(axis)
            x = g[axis].to_numpy() if numeric else np.arange(len(g))
            label = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                              for k, v in zip(series_keys, key))
            color = colors[i % len(colors)]
            line, = ax.plot(x, g["gap_pct"], marker="o", color=color, label=label)
            ax.fill_between(x, g["gap_ci_low"], g["gap_ci_high"], color=color, alpha=0.2,
                            linewidth=0)
            handles.setdefault(label, line)
            if not numeric:
                ax.set_xticks(x, g[axis].astype(str))
        ax.axhline(0.0, color="0.4", linewidth=0.8, linestyle="--")
        ax.set_xlabel(axis_label(axis))
        ax.grid(True, alpha=0.3)
        if panel is not None:
            ax.set_title(f"policy {panel}", fontsize=10)
    for ax in axes[:, 0]:
        ax.set_ylabel("return lost vs synchronous (%)")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if series_keys:
        fig.legend(list(handles.values()), list(handles), loc="center right", fontsize=8,
                   title="other axes", title_fontsize=8, frameon=False)
    fig.suptitle(title or f"Degradation along {axis_label(axis)} (95% bootstrap bands)")
    fig.tight_layout(rect=(0, 0, 1.0 - 2.2 / width if series_keys else 1.0, 1))
    return _save(fig, path)


def plot_gap_heatmap(grid, path: str, *, title: str | None = None) -> str:
    """Heatmap of an ``interaction`` table (rows: axis a, columns: axis b, values: gap %)."""
    plt = _pyplot()
    values = grid.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(1.4 * grid.shape[1] + 3.0, 0.7 * grid.shape[0] + 2.2))
    lim = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", origin="lower")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v)
                                        for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v)
                                        for v in grid.index])
    ax.set_xlabel(axis_label(str(grid.columns.name)))
    ax.set_ylabel(axis_label(str(grid.index.name)))
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = values[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.1f}%", ha="center", va="center", fontsize=9,
                        color="white" if abs(v) > 0.6 * lim else "black")
    fig.colorbar(image, ax=ax, label="return lost vs synchronous (%)")
    ax.set_title(title or "Loss against the synchronous baseline")
    fig.tight_layout()
    return _save(fig, path)


def tick_pattern(tick_configs: dict, t_end: float = 10.0) -> dict:
    """Tick and action-effect times (s) of each named ``TickConfig`` over ``[0, t_end]``, from an
    ``EventScheduler`` run: ``{name: (ticks, effects)}``."""
    from heron.scheduling import EventScheduler, EventType

    sched = EventScheduler(start_time=0.0)
    log = {name: ([], []) for name in tick_configs}
    last_effect = {name: 0.0 for name in tick_configs}
    for name, cfg in tick_configs.items():
        sched.register_agent(name, tick_config=cfg)

    def on_tick(event, s):
        ticks, _ = log[event.agent_id]
        ticks.append(event.timestamp)
        # first-in first-out command channel (docs/timing-model.md s. 3): E[k] >= E[k-1]
        effect = max(event.timestamp + s.tick_configs[event.agent_id].get_act_delay(),
                     last_effect[event.agent_id])
        last_effect[event.agent_id] = effect
        s.schedule_at(effect, EventType.ACTION_EFFECT, agent_id=event.agent_id)

    def on_effect(event, s):
        log[event.agent_id][1].append(event.timestamp)

    sched.set_handler(EventType.AGENT_TICK, on_tick)
    sched.set_handler(EventType.ACTION_EFFECT, on_effect)
    sched.run_until(t_end)
    return {k: (np.array(t), np.array(e)) for k, (t, e) in log.items()}


def plot_tick_pattern(tick_configs: dict, path: str, *, t_end: float = 10.0,
                      title: str | None = None) -> str:
    """The tutorial's tick-pattern event plot for ``{row label: TickConfig}``: ticks as bars,
    action effects as thin markers on the same row."""
    plt = _pyplot()
    pattern = tick_pattern(tick_configs, t_end)
    names = list(pattern)
    fig, ax = plt.subplots(figsize=(12, 0.6 * len(names) + 1.6))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for row, name in enumerate(names):
        ticks, effects = pattern[name]
        c = colors[row % len(colors)]
        ax.eventplot([ticks], lineoffsets=row, linelengths=0.8, colors=[c], linewidths=2)
        if len(effects):
            ax.plot(effects, np.full(len(effects), row + 0.32), "^", color=c, markersize=5)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlim(0, t_end)
    ax.set_ylim(len(names) - 0.3, -0.7)  # first row on top
    ax.set_xlabel("simulated time (s)")
    ax.set_title(title or "Agent tick patterns (bars: ticks, triangles: actions take effect)")
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
