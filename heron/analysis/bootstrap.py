"""Seeded, vectorised percentile bootstrap for means and paired gaps.

Method: draw ``n_boot`` resamples of the ``n`` episodes with replacement (``rng.integers`` index
matrices, ``chunk`` resamples at a time so memory stays below ~32 MB whatever ``n``), take the
mean of each resample, and report the ``(1 - ci)/2`` and ``(1 + ci)/2`` percentiles of those
means (the percentile interval). For a paired comparison the *same* indices resample the episode and its
synchronous twin (same seed and episode: common random numbers), so the interval reflects the
episode-by-episode gap rather than two independent spreads.

The generator is ``numpy.random.default_rng([seed, key])`` where ``key`` is a stable 32-bit hash of
the group's name (``summarize`` names a group by the (policy, scenario) cells it holds): a group's
interval depends on its own data and the seed, not on which other groups are summarised alongside
it, so the summary, sensitivity and interaction tables agree exactly.
"""
from __future__ import annotations

import zlib

import numpy as np

MAX_CELLS = 4_000_000  # resample-matrix elements per chunk (int64 indices: 32 MB)


def group_rng(seed: int, key) -> np.random.Generator:
    """The generator for the group named ``key`` (any value with a stable ``repr``)."""
    return np.random.default_rng([int(seed), zlib.crc32(repr(key).encode())])


def resample_means(arrays, n_boot: int, rng: np.random.Generator) -> list:
    """Means of ``n_boot`` joint resamples of the equal-length 1-D ``arrays`` (one array of
    ``n_boot`` means per input)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"paired arrays must have equal lengths; got {[len(a) for a in arrays]}")
    if n == 0:
        raise ValueError("cannot bootstrap an empty sample")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive int; got {n_boot!r}")
    out = [np.empty(n_boot) for _ in arrays]
    chunk = max(1, min(n_boot, MAX_CELLS // n))
    for lo in range(0, n_boot, chunk):
        hi = min(n_boot, lo + chunk)
        idx = rng.integers(0, n, size=(hi - lo, n))
        for a, o in zip(arrays, out):
            o[lo:hi] = a[idx].mean(axis=1)
    return out


def percentile_interval(samples, ci: float = 0.95):
    """``(low, high)`` percentile interval of bootstrap ``samples`` at confidence ``ci``."""
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be in (0, 1); got {ci!r}")
    samples = np.asarray(samples, dtype=np.float64)
    if not np.isfinite(samples).any():   # e.g. a percent gap against a baseline mean of 0
        return float("nan"), float("nan")
    lo, hi = np.nanpercentile(samples, [50 * (1 - ci), 50 * (1 + ci)])
    return float(lo), float(hi)


def mean_ci(x, *, n_boot: int = 1000, ci: float = 0.95, seed: int = 0, key="") -> tuple:
    """Bootstrap interval of the mean of ``x``."""
    (means,) = resample_means([x], n_boot, group_rng(seed, key))
    return percentile_interval(means, ci)


def gap_pct(values, baseline):
    """Loss against the baseline in percent: ``100 * (mean(baseline) - mean(values)) /
    |mean(baseline)|`` (positive = worse than the baseline; NaN when the baseline mean is 0).
    Works elementwise on arrays of means."""
    values = np.asarray(values, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline != 0, 100.0 * (baseline - values) / np.abs(baseline), np.nan)


def paired_gap(x, base, *, n_boot: int = 1000, ci: float = 0.95, seed: int = 0, key="") -> dict:
    """Mean, its interval, and the paired gap against ``base`` with its intervals.

    ``x[i]`` and ``base[i]`` are the same episode under the scenario and synchronously. One sign
    convention (a *loss*: positive = worse than the baseline, returns being higher-is-better):
    ``gap_abs = mean(base) - mean(x)`` in return units and ``gap_pct`` in percent of
    ``|mean(base)|`` (``gap_pct()``). Every interval comes from the same resamples of the pairs:
    ``ci_low``/``ci_high`` (mean of ``x``), ``baseline_ci_low``/``baseline_ci_high``,
    ``gap_abs_ci_low``/``gap_abs_ci_high`` and ``gap_ci_low``/``gap_ci_high`` (the percent loss).
    """
    x = np.asarray(x, dtype=np.float64)
    base = np.asarray(base, dtype=np.float64)
    mx, mb = resample_means([x, base], n_boot, group_rng(seed, key))
    lo, hi = percentile_interval(mx, ci)
    blo, bhi = percentile_interval(mb, ci)
    alo, ahi = percentile_interval(mb - mx, ci)
    glo, ghi = percentile_interval(gap_pct(mx, mb), ci)
    return {"mean": float(x.mean()), "ci_low": lo, "ci_high": hi,
            "baseline_mean": float(base.mean()), "baseline_ci_low": blo,
            "baseline_ci_high": bhi, "gap_abs": float(base.mean() - x.mean()),
            "gap_abs_ci_low": alo, "gap_abs_ci_high": ahi,
            "gap_pct": float(gap_pct(x.mean(), base.mean())),
            "gap_ci_low": glo, "gap_ci_high": ghi}


def iqm(x) -> float:
    """Interquartile mean: the mean of the middle 50 % of the sorted values (25 % trimmed off
    each end, as ``scipy.stats.trim_mean(x, 0.25)``)."""
    x = np.sort(np.asarray(x, dtype=np.float64))
    n = len(x)
    if n == 0:
        return float("nan")
    cut = int(0.25 * n)
    return float(x[cut:n - cut].mean())
