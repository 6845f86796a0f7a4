"""``heron report DIR``: the summary table, plots and a short Markdown report of a study.

Writes into the study directory:

* ``summary.csv``: ``summarize(load(DIR), by=("policy", "scenario"))`` plus staleness columns;
* ``plots/degradation_<axis>.png`` for every timing axis with several values;
* ``plots/gap_heatmap_<policy>.png`` when the grid has two varying axes (the first two);
* ``plots/tick_pattern.png``: tick and effect times of representative scenarios (the tutorial's
  event plot);
* ``report.md``: what was run (provenance), the table, where each policy breaks, the plots.
"""
from __future__ import annotations

import json
import os
import re

from heron.analysis.load import axis_columns, load, provenance
from heron.analysis.plots import axis_label, plot_degradation, plot_gap_heatmap, plot_tick_pattern
from heron.analysis.sensitivity import interaction, sensitivity
from heron.analysis.summarize import summarize

BREAK_PCT = 10.0  # a scenario "breaks" a policy when the whole gap interval lies above this


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", str(text)).strip("_") or "x"


def _fmt(v) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.4g}"
    return str(v)


def markdown_table(df, columns=None) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (no extra dependency)."""
    columns = list(columns or df.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in df[columns].itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
    return "\n".join(lines)


def compact_summary(summary):
    """Policy, scenario, n, mean [CI] and loss % [CI] as strings, for terminals and reports."""
    import pandas as pd

    return pd.DataFrame({
        "policy": summary["policy"], "scenario": summary["scenario"],
        "episodes": summary["n_episodes"],
        "mean return [95% CI]": [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in
                                 zip(summary["mean"], summary["ci_low"], summary["ci_high"])],
        "loss vs sync % [95% CI]": [f"{g:.2f} [{lo:.2f}, {hi:.2f}]" for g, lo, hi in
                                    zip(summary["gap_pct"], summary["gap_ci_low"],
                                        summary["gap_ci_high"])],
        "obs staleness (s)": summary["obs_staleness_mean"].round(3),
        "act staleness (s)": summary["act_staleness_mean"].round(3),
    })


def _tick_configs(spec: dict, classes) -> dict:
    """Representative scenarios for the tick plot: the first and last grid points, each preset."""
    from heron.scheduling.tick_config import TickConfig

    grid = [s for s in spec["scenarios"] if s["kind"] == "grid"]
    chosen = ([grid[0], grid[-1]] if len(grid) > 1 else grid) + \
        [s for s in spec["scenarios"] if s["kind"] == "preset"]
    out = {}
    for i, s in enumerate(chosen):
        for cls in classes:
            out[f"{s['label']} ({cls})"] = TickConfig(**s["timing"][cls], seed=1000 + i)
    return out


def write_report(out_dir, *, n_boot: int = 1000, seed: int = 0, t_end: float = 10.0) -> dict:
    """Write ``summary.csv``, ``report.md`` and ``plots/*.png`` into ``out_dir``; returns
    ``{"summary": DataFrame, "summary_csv": path, "report": path, "plots": [paths]}``."""
    out_dir = os.fspath(out_dir)
    df = load(out_dir)
    prov = provenance(out_dir)
    spec = prov["study"]["spec"]
    summary = summarize(df, by=("policy", "scenario"), n_boot=n_boot, seed=seed)
    order = {label: i for i, label in
             enumerate(["sync"] + [sc["label"] for sc in spec["scenarios"]])}
    summary = summary.sort_values(["policy", "scenario"], key=lambda col: col.map(order)
                                  if col.name == "scenario" else col, ignore_index=True)
    csv_path = os.path.join(out_dir, "summary.csv")
    summary.to_csv(csv_path, index=False)

    plots_dir = os.path.join(out_dir, "plots")
    plots = []
    grid_rows = df[df["mode"] == "event"]
    varying = [a for a in axis_columns(df) if grid_rows[a].dropna().nunique() > 1]
    for axis in varying:
        # one line per value of the other axis with the fewest values; any further axes pinned
        # at their smallest value, so a panel stays readable
        others = sorted((a for a in varying if a != axis),
                        key=lambda a: grid_rows[a].dropna().nunique())
        at = {a: grid_rows[a].dropna().min() for a in others[1:]}
        curve = sensitivity(df, axis, at=at, n_boot=n_boot, seed=seed, summary=summary)
        pinned = "".join(f", {a}={v:g}" for a, v in at.items())
        plots.append(plot_degradation(curve, axis, os.path.join(
            plots_dir, f"degradation_{_slug(axis)}.png"),
            title=f"{spec['name']}: loss vs synchronous along {axis_label(axis)}{pinned}"))
    if len(varying) >= 2:
        a, b = varying[0], varying[1]
        at = {x: grid_rows[x].dropna().iloc[0] for x in varying[2:]}
        for policy in sorted(df["policy"].unique()):
            grid = interaction(df, a, b, policy=policy, at=at, n_boot=n_boot, seed=seed,
                               summary=summary)
            plots.append(plot_gap_heatmap(grid, os.path.join(
                plots_dir, f"gap_heatmap_{_slug(policy)}.png"),
                title=f"{spec['name']} / {policy}: loss vs synchronous (%)"))
    classes = sorted(df["agent_class"].unique())
    configs = _tick_configs(spec, classes)
    if configs:
        plots.append(plot_tick_pattern(configs, os.path.join(plots_dir, "tick_pattern.png"),
                                       t_end=t_end, title=f"{spec['name']}: agent tick patterns "
                                       "(bars: ticks, triangles: actions take effect)"))
    from heron.study.dataset import Manifest

    manifest = Manifest(out_dir)
    warning = None if manifest.complete else (
        f"the study is incomplete ({len(manifest.shards)} shards done): these results cover only "
        "the completed shards; run the study again to finish it")
    report_path = os.path.join(out_dir, "report.md")
    with open(report_path, "w") as fh:
        fh.write(_markdown(spec, prov, summary, plots, out_dir, n_boot, warning))
    return {"summary": summary, "summary_csv": csv_path, "report": report_path, "plots": plots,
            "warning": warning}


def _markdown(spec, prov, summary, plots, out_dir, n_boot, warning=None) -> str:
    env = spec["environment"]
    lines = [
        f"# Study `{spec['name']}`", "",
        f"- environment: `{env['name']}` {json.dumps(env['kwargs'])}",
        "- policies: " + ", ".join(f"`{p['name']}` ({p['kind']} {p['ref']})"
                                   for p in spec["policies"]),
        f"- scenarios: {len(spec['scenarios'])} timing scenarios + the synchronous baseline; "
        f"{spec['n_episodes']} episodes each, seed {spec['seed']}, horizon "
        f"{spec['horizon'] if spec['horizon'] is not None else 'env default'} s",
        f"- heron {prov['heron_version']}, git {prov['git_revision'] or 'n/a'}, Python "
        f"{prov['python']}, study fingerprint `{prov['study']['fingerprint'][:12]}`",
        "",
        "Loss = percentage of the synchronous return lost under the scenario's timing "
        "(positive = worse), paired episode by episode with the synchronous run of the same "
        "policy, seed and episode (common random numbers; the baseline runs once per policy); "
        f"intervals: {n_boot}-resample percentile bootstrap at 95 %. Staleness in seconds.",
        "", "## Summary", "",
        markdown_table(compact_summary(summary)), "", "## Where it breaks", "",
    ]
    if warning:
        lines[2:2] = [f"**Warning: {warning}.**", ""]
    for policy, g in summary[summary["scenario"] != "sync"].groupby("policy", sort=True):
        broken = g[g["gap_ci_low"] > BREAK_PCT].sort_values("gap_pct")
        worst = g.sort_values("gap_pct", ascending=False).iloc[0]
        if len(broken):
            first = broken.iloc[0]
            lines.append(f"- `{policy}`: {len(broken)} of {len(g)} scenarios lose more than "
                         f"{BREAK_PCT:g} % (whole interval); the mildest of them is "
                         f"`{first['scenario']}` ({first['gap_pct']:.1f} %). Worst: "
                         f"`{worst['scenario']}` ({worst['gap_pct']:.1f} %).")
        else:
            lines.append(f"- `{policy}`: no scenario loses more than {BREAK_PCT:g} % with "
                         f"confidence; worst: `{worst['scenario']}` ({worst['gap_pct']:.1f} %).")
    lines += ["", "## Plots", ""]
    for p in plots:
        rel = os.path.relpath(p, out_dir)
        lines += [f"![{os.path.basename(p)}]({rel})", ""]
    lines += ["Full table: `summary.csv`. Raw rows: `data/` (load with `heron.analysis.load`).", ""]
    return "\n".join(lines)
