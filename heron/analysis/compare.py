"""``compare``: the paired gap between two ``heron.batch.evaluate`` runs, in one step.

::

    sync = evaluate(env, policy, n_episodes=10_000, seed=1, engine="sync")
    real = evaluate(env, policy, n_episodes=10_000, seed=1)          # the env's own timing
    compare(real, sync)              # one row: the whole episode (returns summed over agents)
    compare(real, sync, by="agent")  # one row per agent

Each episode of ``result`` is paired with the episode of ``baseline`` that has the same
``(seed, episode)`` (and the same ``by`` values, e.g. the same agent): the runs share their random
numbers, so the pairs differ only by the timing (or the policy) and the gap is measured episode by
episode. Both arguments may be ``EvaluationResult`` objects or their ``.episodes`` DataFrames.

**One sign convention** (the same as ``summarize`` and the reports): a *loss* is positive when
``result`` does worse than ``baseline`` (returns are higher-is-better).

* ``gap_abs = mean(baseline) - mean(result)``: return lost per episode (return units);
* ``gap_pct = 100 * gap_abs / |mean(baseline)|``: the same in percent of the baseline
  (NaN when the baseline's mean is 0);
* a negative value is a *gain*; ``verdict`` says it in words ("loses 3.1 % [2.8, 3.4]",
  "gains 12.9 % [12.4, 13.4]", or "no clear difference" when the interval holds 0).

Intervals: percentile bootstrap over the pairs (``heron.analysis.bootstrap``): the same
resampled episodes give the intervals of both means and of both gaps. Runs holding several seeds
(e.g. ``pd.concat`` of ``evaluate`` runs with ``seed=1, 2, 3``) are replicates: the pairs are
resampled at two levels (seeds, then episodes within seeds), and ``n_seeds``, ``seed_sd`` and
``seed_gap_sd`` give the between-seed spread (NaN with one seed).

``as_study_frame`` turns evaluation results into the rows ``summarize`` reads (with ``policy``,
``scenario`` and ``mode`` columns), which is how ``summarize(result, baseline=sync)`` works.
"""
from __future__ import annotations

import math

import numpy as np

from heron.analysis.bootstrap import paired_gap, seed_spread

#: The value columns of a ``compare`` table, after its ``by`` columns.
COMPARE_COLUMNS = ("n_episodes", "n_seeds", "mean", "ci_low", "ci_high", "baseline_mean",
                   "baseline_ci_low", "baseline_ci_high", "gap_abs", "gap_abs_ci_low",
                   "gap_abs_ci_high", "gap_pct", "gap_ci_low", "gap_ci_high", "seed_sd",
                   "seed_gap_sd", "verdict")
STUDY_KEYS = ("policy", "scenario", "mode")
MAX_LISTED = 5


# ---------------------------------------------------------------------------------------------
# Words for a gap (one sign convention: loss > 0 is worse)
# ---------------------------------------------------------------------------------------------
def _num(v: float, digits: int) -> str:
    return f"{v:.{digits}f}"


def gap_phrase(gap_pct: float, lo: float, hi: float, *, digits: int = 1,
               against: str | None = "synchronous", gap_abs: float | None = None,
               abs_lo: float | None = None, abs_hi: float | None = None) -> str:
    """The gap in words, with its interval, never as a negative loss.

    ``gap_pct`` and its interval ``[lo, hi]`` are a loss in percent (positive = worse):

    * the whole interval above 0: ``"loses 3.1 % [2.8, 3.4] against synchronous"``;
    * the whole interval below 0: ``"gains 12.9 % [12.4, 13.4] over synchronous"`` (the gain and
      its interval, i.e. the loss negated);
    * the interval holds 0: ``"no clear difference from synchronous (loss 0.4 % [-0.3, 1.1])"``;
    * identical returns (gap and interval exactly 0): ``"no difference from synchronous"``.

    ``against=None`` leaves out the baseline's name (for a table column that names it). When the
    percentage is undefined (baseline mean 0) and ``gap_abs`` (return units, same convention) is
    given, the phrase uses it instead.
    """
    unit = " %"
    if not all(math.isfinite(v) for v in (gap_pct, lo, hi)):
        absolute = (gap_abs, abs_lo, abs_hi)
        if any(v is None for v in absolute) or not all(math.isfinite(float(v)) for v in absolute):
            return "n/a (no baseline to compare with)"
        gap_pct, lo, hi, unit = float(gap_abs), float(abs_lo), float(abs_hi), " (return units)"
    to = f" against {against}" if against else ""
    over = f" over {against}" if against else ""
    frm = f" from {against}" if against else ""
    if gap_pct == 0.0 and lo == 0.0 and hi == 0.0:
        return f"no difference{frm}"
    if lo > 0.0:
        return f"loses {_num(gap_pct, digits)}{unit} [{_num(lo, digits)}, {_num(hi, digits)}]{to}"
    if hi < 0.0:
        return (f"gains {_num(-gap_pct, digits)}{unit} [{_num(-hi, digits)}, "
                f"{_num(-lo, digits)}]{over}")
    return (f"no clear difference{frm} (loss {_num(gap_pct, digits)}{unit} [{_num(lo, digits)}, "
            f"{_num(hi, digits)}])")


def row_phrase(row, *, digits: int = 1, against: str | None = "synchronous") -> str:
    """``gap_phrase`` of a ``summarize`` or ``compare`` row (a mapping with ``gap_pct``,
    ``gap_ci_low``, ``gap_ci_high`` and, optionally, the ``gap_abs`` columns)."""
    get = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    return gap_phrase(float(get("gap_pct")), float(get("gap_ci_low")), float(get("gap_ci_high")),
                      digits=digits, against=against, gap_abs=get("gap_abs", None),
                      abs_lo=get("gap_abs_ci_low", None), abs_hi=get("gap_abs_ci_high", None))


# ---------------------------------------------------------------------------------------------
# Inputs: EvaluationResult or DataFrame
# ---------------------------------------------------------------------------------------------
def is_evaluation(data) -> bool:
    """True for an ``EvaluationResult`` (or anything else with an ``episodes`` DataFrame)."""
    import pandas as pd

    return not isinstance(data, pd.DataFrame) and isinstance(getattr(data, "episodes", None),
                                                             pd.DataFrame)


def as_frame(data, what: str = "result"):
    """The per-(episode, agent) DataFrame of an ``EvaluationResult`` or a DataFrame; the env's
    metric columns are recorded in ``attrs["heron_metrics"]``."""
    import pandas as pd

    if is_evaluation(data):
        from heron.batch.result import COLUMNS

        frame = data.episodes
        metrics = [c for c in frame.columns if c not in COLUMNS]
        frame = frame.copy(deep=False)
        frame.attrs["heron_metrics"] = metrics
        return frame
    if isinstance(data, pd.DataFrame):
        return data
    raise TypeError(f"{what} must be a heron.batch EvaluationResult (what evaluate() returns) or "
                    f"its .episodes DataFrame; got {type(data).__name__}")


def _policy_label(data) -> str:
    """The policy's name when every agent of an evaluation ran the same named policy."""
    cfg = getattr(data, "config", None) or {}
    names = {p.get("name") for p in (cfg.get("policy") or {}).values() if isinstance(p, dict)}
    return names.pop() if len(names) == 1 and None not in names else "policy"


def _is_sync(data) -> bool:
    return ((getattr(data, "config", None) or {}).get("engine") == "sync")


def as_study_frame(data, *, scenario: str | None = None, policy: str | None = None,
                   mode: str | None = None):
    """The rows of one evaluation run as ``summarize`` reads them: ``policy`` (the policy's name
    when every agent ran one named policy, else ``"policy"``), ``scenario`` (``"sync"`` for a run
    of the synchronous engine, else ``"result"``) and ``mode`` (``"sync"`` or ``"event"``) added
    in front; pass any of them to override."""
    frame = as_frame(data)
    sync = _is_sync(data) if mode is None else mode == "sync"
    mode = mode or ("sync" if sync else "event")
    scenario = scenario or ("sync" if sync else "result")
    policy = policy or _policy_label(data)
    out = frame.assign(policy=policy, scenario=scenario, mode=mode)
    out = out[[*STUDY_KEYS, *[c for c in frame.columns if c not in STUDY_KEYS]]]
    out.attrs = dict(frame.attrs)
    return out


def evaluation_inputs(data, baseline):
    """``(df, baseline)`` for ``summarize`` when ``data`` is an evaluation run (an
    ``EvaluationResult``, a DataFrame without ``policy``/``scenario``/``mode`` columns, or a dict
    ``{scenario label: run}``); ``None`` when ``data`` is study rows. The baseline's rows join the
    data as the ``"sync"`` scenario of every policy, after a check that every episode pairs."""
    import pandas as pd

    if isinstance(data, dict):
        runs = dict(data)
    elif is_evaluation(data) or (isinstance(data, pd.DataFrame)
                                 and not set(STUDY_KEYS) & set(data.columns)):
        runs = {None: data}
    else:
        return None
    if not runs:
        raise ValueError("summarize got an empty dict of evaluation results")
    frames = []
    for label, run in runs.items():
        what = "result" if label is None else f"result {label!r}"
        as_frame(run, what)   # type check with a clear message
        label = None if label is None else str(label)
        frames.append(as_study_frame(run, scenario=label,
                                     mode="sync" if label == "sync" else None))
    if baseline is not None:
        base = as_frame(baseline, "baseline")
        for label, run in runs.items():   # every episode pairs (and the agents are the same)
            pair_units(as_frame(run), base,
                       names=("result" if label is None else f"result {label!r}", "baseline"))
        for policy in dict.fromkeys(f["policy"].iloc[0] for f in frames):
            frames.append(as_study_frame(baseline, scenario="sync", policy=policy, mode="sync"))
    per_policy = {}
    for f in frames:
        if f["mode"].iloc[0] == "sync":
            per_policy.setdefault(f["policy"].iloc[0], []).append(f["scenario"].iloc[0])
    twice = {p: n for p, n in per_policy.items() if len(n) > 1}
    if twice:
        raise ValueError(f"summarize got more than one synchronous run for policy "
                         f"{sorted(twice)}: one baseline per policy (the runs of "
                         "engine='sync', the 'sync' entry, or baseline=)")
    df = pd.concat(frames, ignore_index=True)
    df.attrs = dict(frames[0].attrs)
    return df, None


# ---------------------------------------------------------------------------------------------
# Pairing
# ---------------------------------------------------------------------------------------------
def _describe(keys, values) -> str:
    return "(" + ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}"
                           for k, v in zip(keys, values)) + ")"


def _listing(frame, keys, n: int) -> str:
    shown = [_describe(keys, row) for row in frame[keys].head(MAX_LISTED).itertuples(index=False)]
    more = f" and {n - len(shown)} more" if n > len(shown) else ""
    return ", ".join(shown) + more


def _units(frame, keys, metric: str, name: str):
    """Sum ``metric`` per unit ``keys`` (an episode, or an episode's agent / agent class) after
    checking that no unit is there twice (two runs in one frame)."""
    detail = [k for k in ("agent", "agent_index") if k in frame.columns and k not in keys][:1]
    row_keys = [*keys, *detail]
    dup = frame.duplicated(row_keys, keep=False)
    if dup.any():
        extra = [c for c in STUDY_KEYS if c in frame.columns and frame[c].nunique() > 1]
        runs = ", ".join(f"{c} {sorted(map(str, frame[c].unique()))}" for c in extra)
        hint = (f"; it holds several runs ({runs}): compare one run at a time or add them to by="
                if extra else ": it holds the same episode twice (two runs concatenated?)")
        first = frame.loc[dup, row_keys].drop_duplicates()
        raise ValueError(f"{name} has several rows for {_listing(first, row_keys, len(first))}"
                         f"{hint}")
    return frame.groupby(keys, sort=True, observed=True, dropna=False)[metric].sum()


def pair_units(result, baseline, *, by=(), metric: str = "return",
               names=("result", "baseline")):
    """A DataFrame with the pairing keys (``seed``, ``episode``, ``by``), ``value`` (the
    result's ``metric`` summed per unit) and ``baseline``; raises ``ValueError`` naming what does
    not pair (units of one side missing from the other, different agents, duplicates)."""
    import pandas as pd

    by = list(by)
    keys = ["seed", "episode", *by]
    for frame, name in ((result, names[0]), (baseline, names[1])):
        missing = [c for c in dict.fromkeys([*keys, metric]) if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} has no column(s) {missing}; its columns are "
                             f"{list(frame.columns)} (pass an EvaluationResult or its "
                             ".episodes DataFrame)")
    if "agent" in result.columns and "agent" in baseline.columns:
        ra, ba = set(result["agent"].astype(str)), set(baseline["agent"].astype(str))
        if ra != ba:
            raise ValueError(
                f"{names[0]} and {names[1]} do not have the same agents: only in {names[0]}: "
                f"{sorted(ra - ba)}, only in {names[1]}: {sorted(ba - ra)} (runs of the same "
                "env pair; compare them agent by agent with by='agent' only when the ids match)")
    x = _units(result, keys, metric, names[0]).rename("value")
    b = _units(baseline, keys, metric, names[1]).rename("baseline")
    merged = pd.merge(x.reset_index(), b.reset_index(), on=keys, how="outer", indicator=True)
    only_x = merged[merged["_merge"] == "left_only"]
    only_b = merged[merged["_merge"] == "right_only"]
    if len(only_x) or len(only_b):
        parts = []
        what = "episodes" if not by else f"(episode, {', '.join(by)}) units"
        for rows, side, other in ((only_x, names[0], names[1]), (only_b, names[1], names[0])):
            if len(rows):
                parts.append(f"{len(rows)} of {side}'s {what} have no partner in {other}: "
                             f"{_listing(rows, keys, len(rows))}")
        seeds = [sorted(f["seed"].unique().tolist()) for f in (result, baseline)]
        eps = [(int(f["episode"].min()), int(f["episode"].max())) for f in (result, baseline)]
        raise ValueError(
            f"compare pairs episodes by {tuple(keys)}; " + "; ".join(parts) +
            f". {names[0]}: seeds {seeds[0]}, episodes {eps[0][0]}..{eps[0][1]}; {names[1]}: "
            f"seeds {seeds[1]}, episodes {eps[1][0]}..{eps[1][1]}. Run both with the same seed, "
            "n_episodes and episode_start")
    return merged.drop(columns="_merge")


def compare(result, baseline, *, by=None, n_boot: int = 1000, ci: float = 0.95, seed: int = 0,
            metric: str = "return"):
    """The paired gap of ``result`` against ``baseline`` (see the module docstring).

    ``result``, ``baseline``: ``EvaluationResult`` objects (what ``heron.batch.evaluate``
    returns) or their ``.episodes`` DataFrames. ``by``: ``None`` (the unit is the episode: its
    agents' returns summed), ``"agent"`` (one row per agent), or any column(s) both hold, e.g.
    ``"agent_class"``. ``n_boot``, ``ci``, ``seed``: the bootstrap (reproducible). ``metric``: the
    column compared (default ``"return"``; any env metric column where higher is better).

    Returns a DataFrame with one row per group of ``by``: the ``by`` columns then
    ``COMPARE_COLUMNS``: ``n_episodes`` (pairs), ``n_seeds``, ``mean`` and ``baseline_mean``
    with their intervals, ``gap_abs`` and ``gap_pct`` (loss: positive = worse) with theirs,
    the between-seed spread ``seed_sd`` and ``seed_gap_sd`` (NaN with one seed), and
    ``verdict`` (``gap_phrase``: "against synchronous" when ``baseline`` is a run of the
    synchronous engine, else "against baseline"). Raises ``ValueError`` naming the episodes that
    do not pair.
    """
    import pandas as pd

    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [k for k in by if k in ("seed", "episode")]
    if bad:
        raise ValueError(f"by={by!r}: episodes are already paired by seed and episode; by groups "
                         "them further (e.g. by='agent')")
    x = as_frame(result, "result")
    b = as_frame(baseline, "baseline")
    against = "synchronous" if _is_sync(baseline) else "baseline"
    pairs = pair_units(x, b, by=by, metric=metric)
    rows = []
    groups = pairs.groupby(by, sort=True, observed=True, dropna=False) if by else [((), pairs)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        x, base = g["value"].to_numpy(np.float64), g["baseline"].to_numpy(np.float64)
        clusters = g["seed"].to_numpy()   # several seeds: two-level bootstrap
        stats = paired_gap(x, base, n_boot=n_boot, ci=ci, seed=seed,
                           key=("compare", *map(str, key)), clusters=clusters)
        row = dict(zip(by, key))
        row["n_episodes"] = len(g)
        row.update(seed_spread(x, base, clusters))
        row.update(stats)
        row["verdict"] = gap_phrase(stats["gap_pct"], stats["gap_ci_low"], stats["gap_ci_high"],
                                    against=against, gap_abs=stats["gap_abs"],
                                    abs_lo=stats["gap_abs_ci_low"],
                                    abs_hi=stats["gap_abs_ci_high"])
        rows.append(row)
    return pd.DataFrame(rows, columns=[*by, *COMPARE_COLUMNS])
