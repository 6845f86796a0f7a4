"""PNG plots of a study (matplotlib, Agg backend: headless), readable for any system.

* ``plot_degradation``: the loss against the synchronous baseline along one timing axis, one
  panel per policy, one line per value of another varying axis, the bootstrap interval as a band.
* ``plot_gap_heatmap``: the loss over two axes, values written in the cells; given a dict of
  grids, one facet per value of a third axis with a shared colour scale.
* ``plot_scenarios``: the scenarios of a study (every one up to ``MAX_SCENARIO_ROWS`` grid
  scenarios, then the largest and smallest losses), presets included and marked, in two panels:
  the loss against synchronous (with its interval) and the absolute mean return per episode
  (with its interval, the synchronous baseline as a reference line).
* ``plot_tick_pattern``: the tutorial's event plot of agent ticks and of the instants actions take
  effect, one row per (scenario, agent class), sampled with ``TickConfig`` through the
  ``EventScheduler``, over a window of ten ticks of the slowest agent (``default_window``).

One sign convention (as everywhere in heron): the plotted loss is positive when a scenario does
worse than synchronous and negative when it does better; the axis labels say so. Times are in
seconds. Each function saves the figure to ``path`` and returns ``path``.
"""
from __future__ import annotations

import os
import textwrap

import numpy as np

AXIS_LABELS = {
    "tick_interval": "tick interval (s)", "obs_delay": "observation delay (s)",
    "act_delay": "action delay (s)", "msg_delay": "message delay (s)",
    "min_delay": "minimum delay (s)", "jitter_ratio": "jitter (fraction of the base value)",
    "jitter_type": "jitter distribution", "tick_ratio": "coordinator tick (in field ticks)",
}
#: Short names for legends and titles (``value_text`` adds the unit).
AXIS_NAMES = {
    "tick_interval": "tick interval", "obs_delay": "observation delay",
    "act_delay": "action delay", "msg_delay": "message delay", "min_delay": "minimum delay",
    "jitter_ratio": "jitter", "jitter_type": "jitter distribution",
    "tick_ratio": "coordinator tick",
}
SECONDS = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "min_delay")
LOSS_LABEL = "loss vs synchronous (%)\n> 0: worse, < 0: better"
RETURN_LABEL = "mean return per episode (higher is better)"
WINDOW_TICKS = 10   # the tick plot shows about this many ticks of the slowest agent


def _split_class(axis: str):
    for cls in ("field_", "coordinator_"):
        if axis.startswith(cls) and axis[len(cls):] in AXIS_LABELS:
            return cls[:-1], axis[len(cls):]
    return None, axis


def axis_label(axis: str) -> str:
    """Plain label with units for a timing-axis column (``act_delay`` -> ``action delay (s)``,
    ``field_act_delay`` -> ``field action delay (s)``)."""
    cls, base = _split_class(axis)
    label = AXIS_LABELS.get(base, axis)
    return f"{cls} {label}" if cls else label


def value_text(axis: str, value) -> str:
    """``"action delay 0.5 s"``, ``"jitter 0.2"``, ``"field tick interval 60 s"``."""
    cls, base = _split_class(axis)
    name = AXIS_NAMES.get(base, axis)
    name = f"{cls} {name}" if cls else name
    if isinstance(value, (float, np.floating, int, np.integer)):
        v = f"{float(value):g}"
        if base in SECONDS:
            v += " s"
        elif base == "tick_ratio":
            v = f"x{v}"
    else:
        v = str(value)
    return f"{name} {v}"


def _wrap(text: str, width: int) -> str:
    """Wrap each line of ``text`` at ``width`` characters (titles must never be cut)."""
    return "\n".join(textwrap.fill(line, width, break_long_words=False,
                                   break_on_hyphens=False) or line
                     for line in str(text).split("\n"))


def _wrap_label(label: str, width: int = 24) -> str:
    """Wrap a scenario label (``a=1,b=2 (field)``) at its commas and spaces."""
    return textwrap.fill(str(label).replace(",", ", "), width, break_long_words=False,
                         break_on_hyphens=False)


def _title_width(fig_width_in: float, fontsize: float = 12.0) -> int:
    """Characters of a title that fit on a figure ``fig_width_in`` inches wide."""
    return max(30, int(fig_width_in * 72 / (0.62 * fontsize)) - 4)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight", pad_inches=0.15)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


# ---------------------------------------------------------------------------------------------
# Degradation curves
# ---------------------------------------------------------------------------------------------
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
    legend_w = 2.6 if series_keys else 0.0
    width = 5.4 * ncols + legend_w + 0.8
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, 4.0 * nrows + 1.0),
                             sharey=True, squeeze=False)
    numeric = curve[axis].dtype.kind in "fi"
    n_series = curve.groupby(series_keys).ngroups if series_keys else 1
    colors = plt.get_cmap("tab10" if n_series <= 10 else "tab20").colors
    handles = {}
    for ax, panel in zip(axes.flat, panels):
        sub = curve if panel_key is None else curve[curve[panel_key] == panel]
        groups = sub.groupby(series_keys, sort=True, dropna=False) if series_keys else [((), sub)]
        for i, (key, g) in enumerate(groups):
            key = key if isinstance(key, tuple) else (key,)
            g = g.sort_values(axis)
            x = g[axis].to_numpy() if numeric else np.arange(len(g))
            if len(series_keys) == 1:   # the legend's title names the axis and its unit
                label = _fmt(key[0])
            else:
                label = ", ".join(value_text(k, v) for k, v in zip(series_keys, key))
            color = colors[i % len(colors)]
            line, = ax.plot(x, g["gap_pct"], marker="o", color=color, label=label)
            ax.fill_between(x, g["gap_ci_low"], g["gap_ci_high"], color=color, alpha=0.2,
                            linewidth=0)
            handles.setdefault(label, line)
            if not numeric:
                ax.set_xticks(x, g[axis].astype(str))
        ax.axhline(0.0, color="0.3", linewidth=0.9, linestyle="--")
        ax.set_xlabel(axis_label(axis))
        ax.grid(True, alpha=0.3)
        if panel is not None:
            ax.set_title(f"policy {panel}", fontsize=10)
    for ax in axes[:, 0]:
        ax.set_ylabel(LOSS_LABEL)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if series_keys:
        legend_title = axis_label(series_keys[0]) if len(series_keys) == 1 else "other axes"
        fig.legend(list(handles.values()), list(handles), loc="center left",
                   bbox_to_anchor=(1.0 - legend_w / width, 0.5), fontsize=9,
                   title=_wrap(legend_title, 22), title_fontsize=9, frameon=False)
    text = title or f"Loss vs synchronous along {axis_label(axis)} (95% bootstrap bands)"
    fig.suptitle(_wrap(text, _title_width(width)), fontsize=12)
    fig.tight_layout(rect=(0, 0, 1.0 - legend_w / width, 1))
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------
# Heatmap (optionally faceted)
# ---------------------------------------------------------------------------------------------
def _cell(v) -> str:
    return f"{v:+.1f}%" if v != 0 else "0.0%"


def plot_gap_heatmap(grid, path: str, *, title: str | None = None) -> str:
    """Heatmap of an ``interaction`` table (rows: axis a, columns: axis b, values: loss %); or of
    a dict ``{facet title: table}`` (one panel per value of a third axis, shared colour scale).
    Positive cells (worse than synchronous) are red, negative ones (better) blue."""
    plt = _pyplot()
    facets = dict(grid) if isinstance(grid, dict) else {None: grid}
    tables = list(facets.values())
    allv = np.concatenate([t.to_numpy(dtype=float).ravel() for t in tables])
    lim = float(np.nanmax(np.abs(allv))) if np.isfinite(allv).any() else 1.0
    lim = lim or 1.0
    ncols = min(3, len(tables))
    nrows = -(-len(tables) // ncols)
    cell_w = 1.3 * max(t.shape[1] for t in tables) + 1.6
    cell_h = 0.65 * max(t.shape[0] for t in tables) + 1.5
    width = cell_w * ncols + 1.8
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, cell_h * nrows + 1.2), squeeze=False,
                             layout="constrained")   # room for the title, facets and colour bar
    image = None
    for ax, (name, table) in zip(axes.flat, facets.items()):
        values = table.to_numpy(dtype=float)
        image = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto",
                          origin="lower")
        ax.set_xticks(range(table.shape[1]), [_fmt(v) for v in table.columns])
        ax.set_yticks(range(table.shape[0]), [_fmt(v) for v in table.index])
        ax.set_xlabel(_wrap(axis_label(str(table.columns.name)), 34))
        ax.set_ylabel(_wrap(axis_label(str(table.index.name)), 30))
        for i in range(table.shape[0]):
            for j in range(table.shape[1]):
                v = values[i, j]
                if np.isfinite(v):
                    ax.text(j, i, _cell(v), ha="center", va="center", fontsize=9,
                            color="white" if abs(v) > 0.6 * lim else "black")
        if name is not None:
            ax.set_title(_wrap(name, int(cell_w * 10)), fontsize=10)
    for ax in list(axes.flat)[len(tables):]:
        ax.set_visible(False)
    bar = fig.colorbar(image, ax=list(axes.flat[:len(tables)]), shrink=0.9)
    bar.set_label(LOSS_LABEL.replace("\n", " (") + ")")
    text = title or "Loss against the synchronous baseline (%)"
    fig.suptitle(_wrap(text, _title_width(width)), fontsize=12)
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------
# Every scenario: loss and absolute return
# ---------------------------------------------------------------------------------------------
def scenario_kinds(summary, axes=()) -> dict:
    """``{scenario: "sync" | "grid" | "preset"}`` from a ``summarize`` table: the synchronous
    rows, grid points (a timing-axis value set) and presets (no axis value)."""
    kinds = {}
    axes = [a for a in axes if a in summary.columns]
    for _, row in summary.iterrows():
        if row.get("mode", "event") == "sync" or row["scenario"] == "sync":
            kinds[row["scenario"]] = "sync"
        elif axes and all(row[a] != row[a] or row[a] is None for a in axes):
            kinds[row["scenario"]] = "preset"
        else:
            kinds.setdefault(row["scenario"], "grid" if axes else "preset")
    return kinds


MAX_SCENARIO_ROWS = 30   # scenarios one plot_scenarios figure shows (more are unreadable)


def _readable_subset(summary, scen: list, kinds: dict):
    """At most ``MAX_SCENARIO_ROWS`` scenarios: the baseline and the presets, then the grid
    scenarios with the largest and the smallest loss (any policy), in their original order.
    Returns ``(scenarios, note)``; ``note`` says what is shown, None when all are."""
    if len(scen) <= MAX_SCENARIO_ROWS:
        return scen, None
    fixed = [s for s in scen if kinds.get(s) in ("sync", "preset")]
    grid = [s for s in scen if s not in fixed]
    room = max(2, MAX_SCENARIO_ROWS - len(fixed))
    gap = summary.groupby("scenario")["gap_pct"]
    worst = gap.max().reindex(grid).fillna(-np.inf).sort_values(ascending=False)
    best = gap.min().reindex(grid).fillna(np.inf).sort_values()
    keep = set(worst.index[:(room + 1) // 2]) | set(best.index[:room // 2])
    chosen = [s for s in scen if s in fixed or s in keep]
    note = (f"{len(chosen) - len(fixed)} of {len(grid)} grid scenarios: the largest and the "
            f"smallest losses; every scenario is in summary.csv")
    return chosen, note


def _common_parts(labels: list):
    """``(common, short)``: the ``key=value`` parts every label shares, and each label without
    them (labels are ``a=1,b=2``; one label, or none shared, leaves them whole)."""
    parts = {lab: str(lab).split(",") for lab in labels}
    if len(parts) < 2:
        return [], {}
    common = [x for x in next(iter(parts.values())) if all(x in p for p in parts.values())]
    short = {lab: ",".join(x for x in p if x not in common) or lab for lab, p in parts.items()}
    return common, short


def plot_scenarios(summary, path: str, *, kinds: dict | None = None, title: str | None = None,
                   order=None) -> str:
    """Every scenario of a ``summarize(df, by=("policy", "scenario"))`` table in two panels
    sharing the scenario axis: left, the loss against synchronous with its interval (presets
    marked, the zero line dashed); right, the absolute mean return per episode with its interval
    and the synchronous baseline as a vertical line per policy. ``kinds``:
    ``scenario_kinds`` (default: inferred); ``order``: the scenarios top to bottom."""
    plt = _pyplot()
    kinds = kinds or scenario_kinds(summary)
    scen = list(order) if order is not None else list(dict.fromkeys(summary["scenario"]))
    scen = [s for s in scen if s in set(summary["scenario"])]
    scen = sorted(scen, key=lambda s: {"sync": 0, "grid": 1, "preset": 2}.get(kinds.get(s), 1))
    scen, shown = _readable_subset(summary, scen, kinds)
    policies = sorted(summary["policy"].unique())
    n = len(scen)
    common, short = _common_parts([s for s in scen if kinds.get(s) == "grid"])
    labels = []
    for s in scen:
        k = kinds.get(s)
        labels.append("synchronous (baseline)" if k == "sync" else
                      f"{_wrap_label(s, 34)}\n(preset)" if k == "preset" else
                      _wrap_label(short.get(s, s), 34))
    lines = sum(lab.count("\n") + 1 for lab in labels)
    height = max(3.2, 0.24 * lines + 0.12 * n + 2.0)
    width = 13.0
    fig, (ax_gap, ax_ret) = plt.subplots(1, 2, figsize=(width, height), sharey=True)
    y = np.arange(n)
    offsets = (np.arange(len(policies)) - (len(policies) - 1) / 2) * min(0.25, 0.7 / len(policies))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, s in enumerate(scen):
        if kinds.get(s) == "preset":
            for ax in (ax_gap, ax_ret):
                ax.axhspan(k - 0.5, k + 0.5, color="#f3e6c4", alpha=0.6, linewidth=0)
    for p_i, policy in enumerate(policies):
        sub = summary[summary["policy"] == policy].set_index("scenario")
        color = colors[p_i % len(colors)]
        rows = [s for s in scen if s in sub.index]
        yy = np.array([scen.index(s) for s in rows]) + offsets[p_i]
        g = sub.loc[rows]
        event = np.array([kinds.get(s) != "sync" for s in rows])
        gp = g["gap_pct"].to_numpy(float)
        err = np.vstack([gp - g["gap_ci_low"].to_numpy(float),
                         g["gap_ci_high"].to_numpy(float) - gp])
        ax_gap.errorbar(gp[event], yy[event], xerr=err[:, event], fmt="o", color=color,
                        capsize=3, markersize=5, label=f"policy {policy}")
        m = g["mean"].to_numpy(float)
        merr = np.vstack([m - g["ci_low"].to_numpy(float), g["ci_high"].to_numpy(float) - m])
        ax_ret.errorbar(m, yy, xerr=merr, fmt="o", color=color, capsize=3, markersize=5,
                        label=f"policy {policy}")
        base = sub["baseline_mean"].dropna()
        if len(base):
            ax_ret.axvline(float(base.iloc[0]), color=color, linestyle=":", linewidth=1.2)
        if len(policies) == 1:   # the number itself, next to each point
            for xv, yv, hv in zip(gp[event], yy[event], g["gap_ci_high"].to_numpy(float)[event]):
                if np.isfinite(xv):
                    ax_gap.annotate(f"{xv:+.1f}%", (hv, yv), xytext=(5, 0),
                                    textcoords="offset points", va="center", fontsize=8,
                                    color="0.25")
    if any(kinds.get(s) == "sync" for s in scen):
        k = next(i for i, s in enumerate(scen) if kinds.get(s) == "sync")
        ax_gap.annotate("the reference (0 %)", (0.0, k), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize=8, color="0.35")
    ax_gap.axvline(0.0, color="0.3", linestyle="--", linewidth=0.9)
    ax_gap.margins(x=0.14)           # room for the numbers written right of the intervals
    ax_gap.set_yticks(y, labels, fontsize=8.5)
    ax_gap.set_ylim(n - 0.5, -0.5)   # first scenario on top
    ax_gap.set_xlabel("loss vs synchronous (%): > 0 worse, < 0 better")
    ax_ret.set_xlabel(RETURN_LABEL + "\ndotted line: the synchronous baseline")
    ax_gap.set_title("relative: loss vs synchronous, 95% interval", fontsize=10)
    ax_ret.set_title("absolute: mean return, 95% interval", fontsize=10)
    for ax in (ax_gap, ax_ret):
        ax.grid(True, axis="x", alpha=0.3)
    if len(policies) > 1:
        ax_ret.legend(loc="best", fontsize=8)
    text = title or ("Every scenario against the synchronous baseline" if shown is None else
                     "Scenarios against the synchronous baseline")
    if shown is not None:
        text += f" ({shown})"
    if any(kinds.get(s) == "preset" for s in scen):
        text += " (shaded rows: presets)"
    if common:
        text += f"\nevery grid scenario: {', '.join(common)}"
    text = _wrap(text, _title_width(width))
    fig.suptitle(text, fontsize=12)
    title_in = 0.25 * (text.count("\n") + 1) + 0.15      # inches the title takes
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 1.0 - title_in / height))
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------
# Tick patterns
# ---------------------------------------------------------------------------------------------
MAX_FAST_TICKS = 600   # ticks of the fastest agent a tick-pattern window holds at most


def default_window(tick_configs, n_ticks: int = WINDOW_TICKS,
                   horizon: float | None = None) -> float:
    """The tick-pattern window (s): ``n_ticks`` ticks of the slowest agent (the largest base
    tick interval among ``tick_configs``, a dict of ``TickConfig`` or an iterable of them), but
    at most ``MAX_FAST_TICKS`` ticks of the fastest (beyond that its ticks merge into one bar:
    a 1 s field under a 600 s coordinator shows 600 s, not 6,000) and at most ``horizon`` s."""
    configs = list(tick_configs.values() if isinstance(tick_configs, dict) else tick_configs)
    if not configs:
        raise ValueError("no tick configs to plot")
    ticks = [c.tick_interval for c in configs]
    window = min(n_ticks * max(ticks), MAX_FAST_TICKS * min(ticks))
    if horizon is not None and horizon > 0:
        window = min(window, float(horizon))
    return float(window)


def tick_pattern(tick_configs: dict, t_end: float | None = None) -> dict:
    """Tick and action-effect times (s) of each named ``TickConfig`` over ``[0, t_end]``
    (default ``default_window``), from an ``EventScheduler`` run: ``{name: (ticks, effects)}``."""
    from heron.scheduling import EventScheduler, EventType

    t_end = default_window(tick_configs) if t_end is None else t_end
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


def plot_tick_pattern(tick_configs: dict, path: str, *, t_end: float | None = None,
                      title: str | None = None, horizon: float | None = None) -> str:
    """The tutorial's tick-pattern event plot for ``{row label: TickConfig}``: ticks as bars,
    the instants actions take effect as triangles under them. The window (``t_end``, s) defaults
    to ten ticks of the slowest agent (``default_window``: no longer than the episode
    ``horizon`` (s) nor 600 ticks of the fastest agent), so a 60 s system shows as many ticks as
    a 1 s one. Long row labels are wrapped; the title never is cut."""
    from matplotlib.lines import Line2D

    plt = _pyplot()
    natural = default_window(tick_configs)
    t_end = default_window(tick_configs, horizon=horizon) if t_end is None else float(t_end)
    pattern = tick_pattern(tick_configs, t_end)
    names = list(pattern)
    labels = [_wrap_label(n, 26) for n in names]
    n_lines = [lab.count("\n") + 1 for lab in labels]
    heights = [max(0.62, 0.2 * k + 0.2) for k in n_lines]
    width = 12.0
    fig, ax = plt.subplots(figsize=(width, sum(heights) + 1.9))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for row, name in enumerate(names):
        ticks, effects = pattern[name]
        c = colors[row % len(colors)]
        ax.eventplot([ticks], lineoffsets=row - 0.08, linelengths=0.6, colors=[c],
                     linewidths=1.5 if len(ticks) > 200 else 2)
        if len(effects):
            ax.plot(effects, np.full(len(effects), row + 0.33), "^", color=c,
                    markersize=4 if len(effects) > 100 else 5)
    ax.set_yticks(range(len(names)), labels, fontsize=9)
    ax.set_xlim(-0.015 * t_end, 1.015 * t_end)   # ticks at 0 and t_end clear of the frame
    ax.set_ylim(len(names) - 0.4, -0.6)  # first row on top
    ax.set_xlabel("simulated time (s)")
    handles = [Line2D([], [], color="0.3", marker="|", linestyle="none", markersize=12,
                      markeredgewidth=2, label="tick (the agent observes and decides)"),
               Line2D([], [], color="0.3", marker="^", linestyle="none", markersize=6,
                      label="its action takes effect")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=9,
              frameon=False)
    slowest = max(c.tick_interval for c in tick_configs.values())
    text = title or "Agent tick patterns"
    text = f"{text}, the first {t_end:g} s" + (
        f" ({WINDOW_TICKS} ticks of the slowest agent, {slowest:g} s base interval)"
        if t_end == natural == WINDOW_TICKS * slowest else "")
    ax.set_title(_wrap(text, _title_width(width)), fontsize=11)
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
