"""Summary statistics of a study, with the gap against the synchronous baseline.

The unit is the *episode*: an episode's return is the sum of its agents' returns (unless ``by``
names ``agent``, ``agent_index`` or ``agent_class``: then each agent's own return is the unit). For
every group of ``by`` the summary gives ``n_episodes``, ``mean``, ``std`` (ddof 1), a bootstrap
interval of the mean (``ci_low``, ``ci_high``), the interquartile mean ``iqm``, and the gap:

* each episode is paired with the same (policy, seed, episode) run synchronously (``mode ==
  "sync"``, the baseline shards of the study: common random numbers);
* ``gap_pct = 100 * (mean(sync) - mean(scenario)) / |mean(sync)|``: the percentage of the
  synchronous return lost under the scenario's timing; ``gap_abs = mean(sync) - mean(scenario)``
  the same in return units. One sign convention everywhere in heron: a *loss*, positive = worse
  (returns are higher-is-better); a negative loss is a *gain* over synchronous, and the reports
  say so in words (``heron.analysis.compare.gap_phrase``). The intervals (``gap_ci_low``/
  ``gap_ci_high`` for ``gap_pct``, ``gap_abs_ci_low``/``gap_abs_ci_high``) come from resampling
  the *pairs* (``heron.analysis.bootstrap``).

**Seeds as replicates.** Episodes are nested in seeds (a study's ``seeds = [...]``: each seed an
independent replicate). A group holding several seeds gets a *pooled* interval from a two-level
bootstrap (seeds resampled, then episodes within each seed: ``heron.analysis.bootstrap``), which
widens when the seeds disagree, and the between-seed spread: ``n_seeds``, ``seed_sd`` (standard
deviation of the per-seed mean returns) and ``seed_gap_sd`` (of the per-seed losses, percentage
points; both NaN with one seed). ``seed_summary`` gives the per-seed rows (``by`` plus ``seed``,
each with its own interval). With one seed every number is the one-level bootstrap's.

Also: the per-episode means of observation and action staleness (s), and one column per metric
the study's env declares (``heron.analysis.load.metric_columns``: each summed over the episode's
agents, then averaged over the group's episodes). Bootstrap settings: ``n_boot`` resamples
(default 1000), confidence ``ci`` (0.95), ``seed`` (0); results are reproducible.
"""
from __future__ import annotations

import numpy as np

from heron.analysis.bootstrap import iqm, mean_ci, paired_gap, seed_spread
from heron.analysis.load import axis_columns, metric_columns

AGENT_KEYS = ("agent", "agent_index", "agent_class")
#: The statistics of every summary row; the env's metric columns follow them (``summary_columns``).
SUMMARY_COLUMNS = ("n_episodes", "n_seeds", "mean", "std", "ci_low", "ci_high", "iqm",
                   "baseline_mean", "gap_pct", "gap_ci_low", "gap_ci_high", "gap_abs",
                   "gap_abs_ci_low", "gap_abs_ci_high", "seed_sd", "seed_gap_sd",
                   "obs_staleness_mean", "act_staleness_mean")
STALENESS = ("obs_staleness_mean", "act_staleness_mean")


def _metrics(df, keys=()) -> list:
    """The env's metric columns of ``df`` that ``summarize`` carries (not grouping keys)."""
    metrics = [m for m in metric_columns(df) if m not in keys]
    clash = [m for m in metrics if m in SUMMARY_COLUMNS or m in ("value", "baseline")]
    if clash:
        raise ValueError(f"metric column(s) {clash} have the name of a summary column; rename "
                         f"them (summary columns: {[*SUMMARY_COLUMNS, 'value', 'baseline']})")
    return metrics


def summary_columns(df, by=()) -> list:
    """The value columns of ``summarize(df, by)``: ``SUMMARY_COLUMNS`` then ``df``'s metric
    columns."""
    by = (by,) if isinstance(by, str) else tuple(by)
    return [*SUMMARY_COLUMNS, *_metrics(df, by)]


def _check(df, by):
    if isinstance(by, str):
        by = (by,)
    by = list(by)
    required = {"policy", "scenario", "mode", "seed", "episode", "return"}
    missing = sorted((required | set(by)) - set(df.columns))
    if missing:
        raise ValueError(f"summarize needs column(s) {missing}; the DataFrame has "
                         f"{list(df.columns)} (load a study with heron.analysis.load; pass "
                         "evaluate() results as they are: summarize(result, baseline=sync), or "
                         "use heron.analysis.compare(result, baseline))")
    if not by:
        raise ValueError("by must name at least one column, e.g. ('policy', 'scenario')")
    return by


def episode_table(df, by, *, baseline=None, metric: str = "return"):
    """One row per unit (episode, or episode x agent) with ``value`` and its sync ``baseline``."""
    by = _check(df, by)
    unit = [k for k in AGENT_KEYS if k in by]
    # an episode is (policy, scenario, seed, episode): never sum across scenarios
    keys = list(dict.fromkeys([*by, "policy", "scenario", "mode", "seed", "episode", *unit]))
    aggs = {"value": (metric, "sum"), **{c: (c, "mean") for c in STALENESS},
            **{m: (m, "sum") for m in _metrics(df, keys)}}   # env metrics: summed over agents
    ep = df.groupby(keys, dropna=False, sort=True, observed=True).agg(**aggs).reset_index()
    base_df = df[df["mode"] == "sync"] if baseline is None else baseline
    pair = ["policy", "seed", "episode", *unit]
    base = (base_df.groupby(pair, sort=False, observed=True)[metric].sum()
            .rename("baseline").reset_index())
    return ep.merge(base, on=pair, how="left", validate="many_to_one")


def _group_interval(job, n_boot: int, ci: float, seed: int) -> dict:
    """The bootstrap columns of one group: its mean's interval, and with a baseline the paired
    gap (``paired_gap``)."""
    x, b, clusters, key = job
    if np.isnan(b).any():
        lo, hi = mean_ci(x, n_boot=n_boot, ci=ci, seed=seed, key=key, clusters=clusters)
        nan = float("nan")
        return dict(mean=float(x.mean()), ci_low=lo, ci_high=hi, baseline_mean=nan,
                    gap_pct=nan, gap_ci_low=nan, gap_ci_high=nan, gap_abs=nan,
                    gap_abs_ci_low=nan, gap_abs_ci_high=nan)
    return paired_gap(x, b, n_boot=n_boot, ci=ci, seed=seed, key=key, clusters=clusters)


def _bootstrap_groups(jobs: list, n_boot: int, ci: float, seed: int) -> list:
    """``_group_interval`` of every group, in order. Groups run side by side in threads (the
    index draws and the resampling kernel release the GIL); each group's generator is its own
    (``group_rng``), so the numbers do not depend on the thread count."""
    from heron.batch.threads import current_threads

    threads = min(current_threads(), len(jobs))
    if threads <= 1:
        return [_group_interval(job, n_boot, ci, seed) for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="heron-bootstrap") as pool:
        return list(pool.map(lambda job: _group_interval(job, n_boot, ci, seed), jobs))


def summarize(df, by=("policy", "scenario"), *, baseline=None, n_boot: int = 1000,
              ci: float = 0.95, seed: int = 0, metric: str = "return"):
    """Summary table per group of ``by`` (see the module docstring). ``baseline`` overrides the
    synchronous rows (default: ``df[df["mode"] == "sync"]``).

    ``df`` is a study's rows (``heron.analysis.load``) or ``heron.batch.evaluate`` output: an
    ``EvaluationResult``, its ``.episodes`` DataFrame, or a dict ``{scenario label: result}``.
    Such runs become one scenario each (``heron.analysis.compare.as_study_frame``: ``policy`` is
    the policy's name, ``scenario`` the dict key, else ``"result"``, or ``"sync"`` for a run of
    the synchronous engine); ``baseline`` (a synchronous run, also an ``EvaluationResult`` or
    DataFrame) joins them as the ``"sync"`` row, after a check that every episode pairs (the
    check names what does not); ``by`` then always starts with ``policy`` and ``scenario``, so a
    run is never pooled with its baseline. ``heron.analysis.compare`` gives the gap of two runs
    without the study columns."""
    import pandas as pd

    from heron.analysis.compare import evaluation_inputs

    converted = evaluation_inputs(df, baseline)
    if converted is not None:   # never pool a run with its baseline: one row set per scenario
        df, baseline = converted
        by = (by,) if isinstance(by, str) else tuple(by)
        by = tuple(dict.fromkeys(["policy", "scenario", *by]))
    by = _check(df, by)
    ep = episode_table(df, by, baseline=baseline, metric=metric)
    means = [*STALENESS, *_metrics(df, [*by, "policy", "scenario", "mode", "seed", "episode"])]
    rows, jobs = [], []
    for key, g in ep.groupby(by, dropna=False, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        x = g["value"].to_numpy(dtype=np.float64)
        b = g["baseline"].to_numpy(dtype=np.float64)
        row = dict(zip(by, key))
        # the resamples depend on which cells the group holds (not on how it was asked for), so
        # sensitivity and interaction tables repeat the summary table's intervals exactly
        pairs = g[["policy", "scenario"]].drop_duplicates()
        cells = tuple(sorted(zip(pairs["policy"], pairs["scenario"])))
        key = (cells, tuple(row[k] for k in by if k in AGENT_KEYS))
        if "seed" in by:   # per-seed rows: each seed its own resamples
            key = (*key, ("seed", int(row["seed"])))
        clusters = g["seed"].to_numpy()   # episodes nested in seeds (two-level bootstrap)
        row["n_episodes"] = len(x)
        row["std"] = float(x.std(ddof=1)) if len(x) > 1 else float("nan")
        row["iqm"] = iqm(x)
        row.update(seed_spread(x, b, clusters))
        jobs.append((x, b, clusters, key))
        for col in means:
            row[col] = float(g[col].mean())
        rows.append(row)
    for row, stats in zip(rows, _bootstrap_groups(jobs, n_boot, ci, seed)):
        row.update(stats)
    out = pd.DataFrame(rows, columns=[*by, *SUMMARY_COLUMNS, *means[len(STALENESS):]])
    if "scenario" in by:
        info_cols = [c for c in ["mode", "preset", *axis_columns(df)] if c in df.columns
                     and c not in by]
        if info_cols:
            info = df.drop_duplicates("scenario")[["scenario", *info_cols]]
            out = out.merge(info, on="scenario", how="left")
    return out


def seed_summary(df, by=("policy", "scenario"), **summary_kw):
    """Per-seed rows: ``summarize(df, by=(*by, "seed"))``, each seed's interval from its own
    episodes (``summary_kw``: ``n_boot``, ``ci``, ``seed``, ``baseline``, ``metric``). Next to
    ``summarize(df, by)``, whose rows pool the seeds (two-level bootstrap), it shows how far the
    replicates agree."""
    by = (by,) if isinstance(by, str) else tuple(by)
    if "seed" in by:
        raise ValueError(f"by={by!r} already holds 'seed'; seed_summary adds it")
    return summarize(df, by=(*by, "seed"), **summary_kw)


def staleness(df, by=("policy", "scenario")):
    """Staleness statistics per group (seconds): mean and 95th percentile of the per-agent mean
    observation/action staleness, the largest staleness seen, and mean ticks and effects."""
    by = _check(df, by)
    g = df.groupby(by, dropna=False, sort=True, observed=True)
    out = g.agg(obs_staleness_mean=("obs_staleness_mean", "mean"),
                obs_staleness_p95=("obs_staleness_mean", lambda s: s.quantile(0.95)),
                obs_staleness_max=("obs_staleness_max", "max"),
                act_staleness_mean=("act_staleness_mean", "mean"),
                act_staleness_p95=("act_staleness_mean", lambda s: s.quantile(0.95)),
                act_staleness_max=("act_staleness_max", "max"),
                n_ticks_mean=("n_ticks", "mean"), n_effects_mean=("n_effects", "mean"))
    return out.reset_index()
