"""``heron report DIR``: the summary table, plots and a short Markdown report of a study.

Writes into the study directory:

* ``summary.csv``: ``summarize(load(DIR), by=("policy", "scenario"))`` plus staleness columns;
  with several seeds its intervals pool them (two-level bootstrap: seeds, then episodes within
  seeds) and ``n_seeds``, ``seed_sd`` and ``seed_gap_sd`` give the between-seed spread;
* ``summary_by_seed.csv`` (studies of several seeds): the same per seed (``seed_summary``);
* ``plots/scenarios.png``: the scenarios, presets included, as the loss against synchronous
  and as the absolute mean return, with intervals (beyond 30 grid scenarios, those with the
  largest and the smallest losses);
* ``plots/degradation_<axis>.png`` for every timing axis with several values;
* ``plots/gap_heatmap_<policy>.png`` when the grid has two varying axes (the first two; a third
  gives one panel per value; further axes are pinned and the title says where);
* ``plots/tick_pattern.png``: tick and effect times of representative scenarios (the tutorial's
  event plot) over ten ticks of the slowest agent;
* ``report.md``: what was run (provenance, and the synchronous baseline's decision period: the
  env's ``dt``, ``baseline_text``), the table, where each policy breaks, where it does
  better than synchronous (said as a gain, never as a negative loss), with several seeds how far
  they agree (per-seed intervals and their spread), the plots.

One sign convention: the loss against synchronous is positive when a scenario does worse; the
text says "loses x %" or "gains x %" with the interval (``heron.analysis.compare.gap_phrase``).
"""
from __future__ import annotations

import json
import os
import re

from heron.analysis.load import axis_columns, load, provenance
from heron.analysis.compare import row_phrase
from heron.analysis.plots import (
    axis_label, plot_degradation, plot_gap_heatmap, plot_scenarios, plot_tick_pattern, value_text,
)
from heron.analysis.sensitivity import interaction, sensitivity
from heron.analysis.summarize import episode_table, seed_summary, summarize

BREAK_PCT = 10.0  # a scenario "breaks" a policy when the whole gap interval lies above this
MAX_SEED_ROWS = 300  # per-seed rows shown in report.md (all of them: summary_by_seed.csv)
SEED_CSV = "summary_by_seed.csv"


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


def _is_baseline(row) -> bool:
    return row.get("mode") == "sync" if "mode" in row else row.get("scenario") == "sync"


def compact_summary(summary, ci: float = 0.95):
    """Policy, scenario, n, mean [CI] and the gap against synchronous as strings, for terminals
    and reports. The gap is said in words with one sign convention: ``loses 35.13 % [33.48,
    36.75]`` (worse than synchronous), ``gains 12.88 % [12.36, 13.38]`` (better: the gain and
    its interval), ``no clear difference (loss 0.41 % [-0.30, 1.12])`` when the interval holds
    0; the synchronous rows read ``(the baseline)``."""
    import pandas as pd

    pct = f"{100 * ci:g}% CI"
    rows = summary.to_dict("records")
    table = pd.DataFrame({
        "policy": summary["policy"], "scenario": summary["scenario"],
        "episodes": summary["n_episodes"],
        f"mean return [{pct}]": [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in
                                 zip(summary["mean"], summary["ci_low"], summary["ci_high"])],
        f"vs synchronous [{pct}]": ["(the baseline)" if _is_baseline(r) else
                                    row_phrase(r, digits=2, against=None) for r in rows],
        "obs staleness (s)": summary["obs_staleness_mean"].round(3),
        "act staleness (s)": summary["act_staleness_mean"].round(3),
    })
    if "n_seeds" in summary.columns and summary["n_seeds"].max() > 1:
        table.insert(3, "seeds", summary["n_seeds"])
        table.insert(len(table.columns) - 2, "between seeds (sd)",
                     [_spread_text(r) for r in rows])
    return table


def _spread_text(row) -> str:
    """The between-seed spread of a summary row: sd of the per-seed mean returns and (scenario
    rows) of the per-seed losses."""
    if not row.get("n_seeds", 1) > 1:
        return ""
    text = f"mean {row['seed_sd']:.3f}"
    gap = row.get("seed_gap_sd")
    if not _is_baseline(row) and gap == gap:
        text += f", loss {gap:.2f} pp"
    return text


def baseline_text(spec: dict) -> str:
    """The synchronous baseline's decision period, from the study's recorded ``env_timing``
    (``heron.study.spec``; studies run before it was recorded: the env's ``dt``, unknown)."""
    from heron.scheduling.nominal import baseline_text as text_of

    timing = spec.get("env_timing")
    if not timing:
        return "lock-step on the env's dt (not recorded by this study's version of heron)"
    return text_of(timing)


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


def _heatmaps(df, summary, spec, varying, grid_rows, plots_dir, n_boot, seed) -> list:
    """One heatmap per policy over the first two varying axes; with a third varying axis, one
    facet per value of it; any further axes pinned at their first value, said in the title."""
    a, b = varying[0], varying[1]
    facet = varying[2] if len(varying) >= 3 else None
    pinned = {x: grid_rows[x].dropna().iloc[0] for x in varying[3:]}
    slice_text = ("; slice at " + ", ".join(value_text(x, v) for x, v in pinned.items())
                  + " (other values of these axes: summary.csv)") if pinned else ""
    out = []
    for policy in sorted(df["policy"].unique()):
        if facet is None:
            grid = interaction(df, a, b, policy=policy, at=pinned, n_boot=n_boot, seed=seed,
                               summary=summary)
        else:
            grid = {value_text(facet, v): interaction(
                df, a, b, policy=policy, at={**pinned, facet: v}, n_boot=n_boot, seed=seed,
                summary=summary) for v in sorted(grid_rows[facet].dropna().unique())}
        facets = f", one panel per {axis_label(facet)}" if facet else ""
        out.append(plot_gap_heatmap(grid, os.path.join(
            plots_dir, f"gap_heatmap_{_slug(policy)}.png"),
            title=f"{spec['name']} / policy {policy}: loss vs synchronous (%){facets}"
                  f"{slice_text}"))
    return out


def write_report(out_dir, *, n_boot: int = 1000, seed: int = 0, t_end: float | None = None) -> dict:
    """Write ``summary.csv``, ``report.md`` and ``plots/*.png`` into ``out_dir``; returns
    ``{"summary": DataFrame, "summary_csv": path, "report": path, "plots": [paths]}``.
    ``t_end``: the tick plot's window in seconds (default: ten ticks of the slowest agent shown,
    at most the study's horizon, ``heron.analysis.plots.default_window``)."""
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
    by_seed, seed_csv = None, os.path.join(out_dir, SEED_CSV)
    if df["seed"].nunique() > 1:   # seeds as replicates: each seed's own intervals
        by_seed = seed_summary(df, n_boot=n_boot, seed=seed)
        by_seed = by_seed.sort_values(["policy", "scenario", "seed"], key=lambda col: col.map(
            order) if col.name == "scenario" else col, ignore_index=True)
        by_seed.to_csv(seed_csv, index=False)
    elif os.path.exists(seed_csv):   # left by an earlier report of another study
        os.unlink(seed_csv)

    plots_dir = os.path.join(out_dir, "plots")
    plots = []
    kinds = {"sync": "sync", **{sc["label"]: sc["kind"] for sc in spec["scenarios"]}}
    plots.append(plot_scenarios(
        summary, os.path.join(plots_dir, "scenarios.png"), kinds=kinds, order=list(order),
        title=f"{spec['name']}: scenarios against the synchronous baseline"))
    grid_rows = df[df["mode"] == "event"]
    varying = [a for a in axis_columns(df) if grid_rows[a].dropna().nunique() > 1]
    for axis in varying:
        # one line per value of the other axis with the fewest values; any further axes pinned
        # at their smallest value, so a panel stays readable
        others = sorted((a for a in varying if a != axis),
                        key=lambda a: grid_rows[a].dropna().nunique())
        at = {a: grid_rows[a].dropna().min() for a in others[1:]}
        curve = sensitivity(df, axis, at=at, n_boot=n_boot, seed=seed, summary=summary)
        pinned = ("; slice at " + ", ".join(value_text(a, v) for a, v in at.items())) \
            if at else ""
        plots.append(plot_degradation(curve, axis, os.path.join(
            plots_dir, f"degradation_{_slug(axis)}.png"),
            title=f"{spec['name']}: loss vs synchronous along {axis_label(axis)}{pinned} "
                  "(95% bootstrap bands)"))
    if len(varying) >= 2:
        plots += _heatmaps(df, summary, spec, varying, grid_rows, plots_dir, n_boot, seed)
    classes = sorted(df["agent_class"].unique())
    configs = _tick_configs(spec, classes)
    if configs:
        plots.append(plot_tick_pattern(configs, os.path.join(plots_dir, "tick_pattern.png"),
                                       t_end=t_end, horizon=spec.get("horizon"),
                                       title=f"{spec['name']}: agent tick patterns"))
    from heron.study.dataset import Manifest

    manifest = Manifest(out_dir)
    warning = None if manifest.complete else (
        f"the study is incomplete ({len(manifest.shards)} shards done): these results cover only "
        "the completed shards; run the study again to finish it")
    report_path = os.path.join(out_dir, "report.md")
    with open(report_path, "w") as fh:
        fh.write(_markdown(spec, prov, summary, plots, out_dir, n_boot, warning,
                           shares=episode_shares(df), by_seed=by_seed))
    return {"summary": summary, "summary_csv": csv_path, "report": report_path, "plots": plots,
            "baseline": baseline_text(spec),
            "warning": warning, "summary_by_seed": by_seed,
            "summary_by_seed_csv": seed_csv if by_seed is not None else None}


def _verdicts(summary) -> list:
    """The "Where it breaks" lines of the report, one per policy."""
    lines = []
    for policy, g in summary[summary["scenario"] != "sync"].groupby("policy", sort=True):
        broken = g[g["gap_ci_low"] > BREAK_PCT].sort_values("gap_pct")
        worst = g.sort_values("gap_pct", ascending=False).iloc[0]
        worst_text = f"`{worst['scenario']}` ({row_phrase(worst)})"
        if len(broken):
            first = broken.iloc[0]
            lines.append(f"- `{policy}`: {len(broken)} of {len(g)} scenarios lose more than "
                         f"{BREAK_PCT:g} % (whole interval); the mildest of them is "
                         f"`{first['scenario']}` ({row_phrase(first)}). Worst: {worst_text}.")
        elif worst["gap_ci_low"] > 0:
            lines.append(f"- `{policy}`: no scenario loses more than {BREAK_PCT:g} % with "
                         f"confidence; the largest loss: {worst_text}.")
        else:
            lines.append(f"- `{policy}`: no scenario does worse than synchronous with "
                         f"confidence; the highest estimate: {worst_text}.")
    return lines


def episode_shares(df):
    """Per (policy, scenario): the share of episodes that did better / worse than their
    synchronous twin (columns ``better``, ``worse``)."""
    ep = episode_table(df, ("policy", "scenario"))
    ep = ep.assign(better=ep["value"] > ep["baseline"], worse=ep["value"] < ep["baseline"])
    return ep.groupby(["policy", "scenario"], observed=True)[["better", "worse"]].mean()


def _gains(summary, shares=None) -> list:
    """Lines for the scenarios whose whole interval lies on the gain side (with the share of
    episodes that did better and worse, when ``shares`` (``episode_shares``) is given)."""
    lines = []
    for policy, g in summary[summary["scenario"] != "sync"].groupby("policy", sort=True):
        better = g[g["gap_ci_high"] < 0].sort_values("gap_pct")
        if not len(better):
            continue

        def share(r):
            if shares is None or (policy, r["scenario"]) not in shares.index:
                return ""
            b, w = shares.loc[(policy, r["scenario"])]
            return f"; {100 * b:.0f} % of its episodes did better, {100 * w:.0f} % worse"

        names = ", ".join(f"`{r['scenario']}` ({row_phrase(r)}{share(r)})"
                          for _, r in better.iterrows())
        lines.append(f"- `{policy}`: {len(better)} of {len(g)} scenarios do better than "
                     f"synchronous: {names}.")
    return lines


def _seed_lines(summary, by_seed) -> list:
    """The "Between seeds" section: per (policy, scenario) the spread of the per-seed results,
    then every seed's own row (up to ``MAX_SEED_ROWS``) next to the pooled one."""
    import pandas as pd

    seeds = sorted(by_seed["seed"].unique().tolist())
    lines = [
        "", "## Between seeds", "",
        f"The study ran {len(seeds)} seeds ({', '.join(map(str, seeds))}), each an independent "
        "replicate of every cell (its own random streams). The intervals above pool them: a "
        "two-level bootstrap resamples the seeds, then the episodes within each seed, so they "
        "widen when the seeds disagree. Below, the spread between the seeds: the standard "
        "deviation of the per-seed mean returns and of the per-seed losses (percentage points), "
        "and each seed's own result with its interval from its episodes alone "
        f"(`{SEED_CSV}`).", "",
    ]
    spread = pd.DataFrame({
        "policy": summary["policy"], "scenario": summary["scenario"],
        "seeds": summary["n_seeds"],
        "sd of per-seed mean return": summary["seed_sd"],
        "sd of per-seed loss (pp)": [float("nan") if _is_baseline(r) else r["seed_gap_sd"]
                                     for r in summary.to_dict("records")],
        "pooled vs synchronous [95% CI]": ["(the baseline)" if _is_baseline(r) else
                                           row_phrase(r, digits=2, against=None)
                                           for r in summary.to_dict("records")],
    })
    lines += [markdown_table(spread), ""]
    if len(by_seed) <= MAX_SEED_ROWS:
        table = compact_summary(by_seed)
        table.insert(2, "seed", by_seed["seed"].to_numpy())
        lines += ["Per seed:", "", markdown_table(table.drop(
            columns=["obs staleness (s)", "act staleness (s)"]))]
    else:
        lines += [f"Per seed: {len(by_seed):,} rows, in `{SEED_CSV}`."]
    return lines


def _markdown(spec, prov, summary, plots, out_dir, n_boot, warning=None, shares=None,
              by_seed=None) -> str:
    env = spec["environment"]
    seeds = spec.get("seeds") or [spec["seed"]]
    seed_text = (f"seed {seeds[0]}" if len(seeds) == 1 else
                 f"{len(seeds)} seeds ({', '.join(map(str, seeds))}) as replicates")
    lines = [
        f"# Study `{spec['name']}`", "",
        f"- environment: `{env['name']}` {json.dumps(env['kwargs'])}",
        "- policies: " + ", ".join(f"`{p['name']}` ({p['kind']} {p['ref']})"
                                   for p in spec["policies"]),
        f"- scenarios: {len(spec['scenarios'])} timing scenarios + the synchronous baseline; "
        f"{spec['n_episodes']} episodes each{' per seed' if len(seeds) > 1 else ''}, "
        f"{seed_text}, horizon "
        f"{spec['horizon'] if spec['horizon'] is not None else 'env default'} s",
        f"- synchronous baseline: {baseline_text(spec)}",
        f"- heron {prov['heron_version']}, git {prov['git_revision'] or 'n/a'}, Python "
        f"{prov['python']}, study fingerprint `{prov['study']['fingerprint'][:12]}`",
        "",
        "Every scenario is compared with the synchronous run of the same policy, seed and "
        "episode (paired episode by episode, common random numbers; the baseline runs once per "
        "policy). The table says whether a scenario *loses* (does worse than synchronous: the "
        "percentage of the synchronous return lost) or *gains* (does better: the percentage "
        "gained), with its interval; *no clear difference* when the interval holds 0. In "
        "`summary.csv` and the plots the same number is one signed loss (`gap_pct`, and "
        "`gap_abs` in return units): positive = worse, negative = better. Intervals: "
        f"{n_boot}-resample percentile bootstrap at 95 %"
        + ("" if len(seeds) == 1 else " (two-level: seeds, then episodes within seeds; see "
           "*Between seeds*)") + ". Staleness in seconds.",
        "", "## Summary", "", f"`sync` rows: the synchronous baseline, {baseline_text(spec)}.",
        "", markdown_table(compact_summary(summary)), "", "## Where it breaks", "",
    ]
    if warning:
        lines[2:2] = [f"**Warning: {warning}.**", ""]
    lines += _verdicts(summary)
    gains = _gains(summary, shares)
    if gains:
        lines += ["", "## Where it does better than synchronous", ""] + gains + [
            "", "A gain is measured like a loss: each episode against its synchronous twin (same "
            "seed, same random numbers), so it is a property of this policy on this plant as "
            "simulated, not a sign error: the timing changed when the policy's actions landed, "
            "and on average that helped (the shares say in how many episodes). How returns "
            "accumulate between events (the same way in both modes) is set out in "
            "`docs/timing-model.md`."]
    if by_seed is not None:
        lines += _seed_lines(summary, by_seed)
    lines += ["", "## Plots", ""]
    for p in plots:
        rel = os.path.relpath(p, out_dir)
        lines += [f"![{os.path.basename(p)}]({rel})", ""]
    lines += ["Full table: `summary.csv`. Raw rows: `data/` (load with `heron.analysis.load`).", ""]
    return "\n".join(lines)
