"""Seeded, vectorised percentile bootstrap for means and paired gaps.

Method: draw ``n_boot`` resamples of the ``n`` episodes with replacement (``rng.integers`` index
matrices, ``chunk`` resamples at a time so memory stays below ~32 MB whatever ``n``), take the
mean of each resample (``heron.analysis.resample_nb``: summed in index order), and report the
``(1 - ci)/2`` and ``(1 + ci)/2`` percentiles of those means (the percentile interval). For a paired comparison the *same* indices resample the episode and its
synchronous twin (same seed and episode: common random numbers), so the interval reflects the
episode-by-episode gap rather than two independent spreads.

**Seeds as replicates** (``clusters``: each unit's seed). Episodes of one seed share that seed's
random streams; a study's seeds are its independent replicates. With units from several seeds the
interval is a *two-level (cluster) bootstrap*: each resample draws as many seeds as there are,
with replacement, then, within each drawn seed, as many of its units as it has, with replacement
(Davison & Hinkley 1997, section 3.8; paired units keep their pairs). When the seeds disagree
(their means differ by more than their episodes' noise explains) the resampled means spread with
them, so the pooled interval widens. When they agree it is somewhat wider than the one-level
interval of the same episodes: the within-seed noise enters at both levels, which errs on the
conservative side (for ``S`` equal seeds the variance of the resampled mean is about
``(2 - 1/S)`` times the one-level variance when seeds agree: intervals about 1.29 times as wide
for 3 seeds; the seed level alone would be too narrow by ``(S - 1)/S``). With few seeds (3 or
5) the seed level has few distinct resamples: read the pooled interval together with the per-seed
intervals and their spread (``seed_spread``). With one seed (or ``clusters=None``) the method,
and every number, is the one-level bootstrap above.

The generator is ``numpy.random.default_rng([seed, key])`` where ``key`` is a stable 32-bit hash of
the group's name (``summarize`` names a group by the (policy, scenario) cells it holds): a group's
interval depends on its own data and the seed, not on which other groups are summarised alongside
it, so the summary, sensitivity and interaction tables agree exactly.
"""
from __future__ import annotations

import zlib

import numpy as np

from heron.analysis.resample_nb import resample_means_nb

MAX_CELLS = 4_000_000  # resample-matrix elements per chunk (int64 indices: 32 MB)


def group_rng(seed: int, key) -> np.random.Generator:
    """The generator for the group named ``key`` (any value with a stable ``repr``)."""
    return np.random.default_rng([int(seed), zlib.crc32(repr(key).encode())])


def _clusters(clusters, n: int):
    """``(order, starts, sizes)`` of the clusters (units sorted by cluster, stable), or None when
    there is at most one cluster."""
    if clusters is None:
        return None
    clusters = np.asarray(clusters)
    if len(clusters) != n:
        raise ValueError(f"clusters must label every unit: {len(clusters)} labels for {n} units")
    _, codes = np.unique(clusters, return_inverse=True)
    codes = codes.reshape(-1)
    sizes = np.bincount(codes)
    if len(sizes) < 2:
        return None
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, starts, sizes


def _resample_clustered(arrays, n_boot, rng, order, starts, sizes) -> list:
    """Two-level resampling: seeds with replacement, then units within each drawn seed."""
    values = np.stack([a[order] for a in arrays])
    k, widest = len(sizes), int(sizes.max())
    equal = bool((sizes == widest).all())
    out = np.empty((len(arrays), n_boot))
    chunk = max(1, min(n_boot, MAX_CELLS // (k * widest)))
    for lo in range(0, n_boot, chunk):
        hi = min(n_boot, lo + chunk)
        pick = rng.integers(0, k, size=(hi - lo, k))                 # the seeds drawn
        size = sizes[pick]
        high = widest if equal else size[:, :, None]   # units within each drawn seed
        idx = starts[pick][:, :, None] + rng.integers(0, high, size=(hi - lo, k, widest))
        if not equal:   # a drawn seed contributes its own number of units (the first size of
            idx[np.arange(widest) >= size[:, :, None]] = -1    # widest): the rest is padding
        resample_means_nb(values, idx.reshape(hi - lo, k * widest), out, lo)
    return list(out)


def resample_means(arrays, n_boot: int, rng: np.random.Generator, clusters=None) -> list:
    """Means of ``n_boot`` joint resamples of the equal-length 1-D ``arrays`` (one array of
    ``n_boot`` means per input). ``clusters``: the seed (any label) of each unit; with several,
    the resamples are two-level (seeds, then units within seeds; see the module docstring)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"paired arrays must have equal lengths; got {[len(a) for a in arrays]}")
    if n == 0:
        raise ValueError("cannot bootstrap an empty sample")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive int; got {n_boot!r}")
    grouped = _clusters(clusters, n)
    if grouped is not None:
        return _resample_clustered(arrays, n_boot, rng, *grouped)
    values = np.stack(arrays)
    out = np.empty((len(arrays), n_boot))
    chunk = max(1, min(n_boot, MAX_CELLS // n))
    for lo in range(0, n_boot, chunk):
        hi = min(n_boot, lo + chunk)
        resample_means_nb(values, rng.integers(0, n, size=(hi - lo, n)), out, lo)
    return list(out)


def percentile_interval(samples, ci: float = 0.95):
    """``(low, high)`` percentile interval of bootstrap ``samples`` at confidence ``ci``."""
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be in (0, 1); got {ci!r}")
    samples = np.asarray(samples, dtype=np.float64)
    if not np.isfinite(samples).any():   # e.g. a percent gap against a baseline mean of 0
        return float("nan"), float("nan")
    lo, hi = np.nanpercentile(samples, [50 * (1 - ci), 50 * (1 + ci)])
    return float(lo), float(hi)


def mean_ci(x, *, n_boot: int = 1000, ci: float = 0.95, seed: int = 0, key="",
            clusters=None) -> tuple:
    """Bootstrap interval of the mean of ``x`` (``clusters``: each value's seed, see
    ``resample_means``)."""
    (means,) = resample_means([x], n_boot, group_rng(seed, key), clusters)
    return percentile_interval(means, ci)


def gap_pct(values, baseline):
    """Loss against the baseline in percent: ``100 * (mean(baseline) - mean(values)) /
    |mean(baseline)|`` (positive = worse than the baseline; NaN when the baseline mean is 0).
    Works elementwise on arrays of means."""
    values = np.asarray(values, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline != 0, 100.0 * (baseline - values) / np.abs(baseline), np.nan)


def paired_gap(x, base, *, n_boot: int = 1000, ci: float = 0.95, seed: int = 0, key="",
               clusters=None) -> dict:
    """Mean, its interval, and the paired gap against ``base`` with its intervals.

    ``x[i]`` and ``base[i]`` are the same episode under the scenario and synchronously. One sign
    convention (a *loss*: positive = worse than the baseline, returns being higher-is-better):
    ``gap_abs = mean(base) - mean(x)`` in return units and ``gap_pct`` in percent of
    ``|mean(base)|`` (``gap_pct()``). Every interval comes from the same resamples of the pairs:
    ``ci_low``/``ci_high`` (mean of ``x``), ``baseline_ci_low``/``baseline_ci_high``,
    ``gap_abs_ci_low``/``gap_abs_ci_high`` and ``gap_ci_low``/``gap_ci_high`` (the percent loss).
    ``clusters``: each pair's seed; with several seeds the pairs are resampled at two levels
    (``resample_means``), so the intervals include the between-seed spread.
    """
    x = np.asarray(x, dtype=np.float64)
    base = np.asarray(base, dtype=np.float64)
    mx, mb = resample_means([x, base], n_boot, group_rng(seed, key), clusters)
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


def seed_spread(x, base=None, clusters=None) -> dict:
    """Between-seed spread of a group: ``n_seeds``, ``seed_sd`` (standard deviation, ddof 1, of
    the per-seed means of ``x``) and ``seed_gap_sd`` (of the per-seed percent losses against
    ``base``, in percentage points); NaN with one seed (or no ``base``)."""
    x = np.asarray(x, dtype=np.float64)
    if clusters is None:
        clusters = np.zeros(len(x), dtype=np.int64)
    _, codes = np.unique(np.asarray(clusters), return_inverse=True)
    codes = codes.reshape(-1)
    counts = np.bincount(codes)
    nan = float("nan")
    out = {"n_seeds": int(len(counts)), "seed_sd": nan, "seed_gap_sd": nan}
    if len(counts) < 2:
        return out
    means = np.bincount(codes, weights=x) / counts
    out["seed_sd"] = float(means.std(ddof=1))
    if base is not None:
        b = np.asarray(base, dtype=np.float64)
        if not np.isnan(b).any():
            gaps = gap_pct(means, np.bincount(codes, weights=b) / counts)
            if np.isfinite(gaps).all():
                out["seed_gap_sd"] = float(gaps.std(ddof=1))
    return out


def iqm(x) -> float:
    """Interquartile mean: the mean of the middle 50 % of the sorted values (25 % trimmed off
    each end, as ``scipy.stats.trim_mean(x, 0.25)``)."""
    x = np.sort(np.asarray(x, dtype=np.float64))
    n = len(x)
    if n == 0:
        return float("nan")
    cut = int(0.25 * n)
    return float(x[cut:n - cut].mean())
