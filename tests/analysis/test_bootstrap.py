"""Bootstrap intervals: reproducible, paired, and in agreement with scipy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from heron.analysis.bootstrap import gap_pct, iqm, mean_ci, paired_gap, resample_means


def test_seeded_and_key_dependent():
    x = np.random.default_rng(0).normal(size=500)
    assert mean_ci(x, seed=1, key="a") == mean_ci(x, seed=1, key="a")
    assert mean_ci(x, seed=1, key="a") != mean_ci(x, seed=2, key="a")
    assert mean_ci(x, seed=1, key="a") != mean_ci(x, seed=1, key="b")


def test_chunking_does_not_change_resamples(monkeypatch):
    import heron.analysis.bootstrap as b

    x = np.random.default_rng(1).normal(size=300)
    full = resample_means([x], 200, b.group_rng(0, "k"))[0]
    monkeypatch.setattr(b, "MAX_CELLS", 300 * 7)    # 7 resamples per chunk
    chunked = resample_means([x], 200, b.group_rng(0, "k"))[0]
    np.testing.assert_array_equal(full, chunked)


def test_agrees_with_scipy_percentile_bootstrap():
    scipy_stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(2).gamma(2.0, size=2000)
    lo, hi = mean_ci(x, n_boot=4000, seed=3)
    ref = scipy_stats.bootstrap((x,), np.mean, n_resamples=4000, method="percentile",
                                random_state=4).confidence_interval
    width = ref.high - ref.low
    assert abs(lo - ref.low) < 0.1 * width and abs(hi - ref.high) < 0.1 * width


def test_paired_gap_uses_the_pairs():
    base = -10.0 - np.random.default_rng(3).gamma(3.0, size=400)   # widely spread returns
    x = base * 1.1                                                  # every episode 10 % worse
    r = paired_gap(x, base, n_boot=500, seed=0)
    assert r["gap_pct"] == pytest.approx(10.0)
    # pairing: each resample keeps the 10 % ratio, so the interval has no width
    assert r["gap_ci_low"] == pytest.approx(10.0) and r["gap_ci_high"] == pytest.approx(10.0)
    assert r["ci_low"] < r["mean"] < r["ci_high"]


def test_gap_sign_and_zero_baseline():
    assert gap_pct(-12.0, -10.0) == pytest.approx(20.0)     # lower return: positive loss
    assert gap_pct(-8.0, -10.0) == pytest.approx(-20.0)
    assert np.isnan(gap_pct(1.0, 0.0))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60))
def test_iqm_matches_scipy_trim_mean(values):
    scipy_stats = pytest.importorskip("scipy.stats")
    assert iqm(values) == pytest.approx(scipy_stats.trim_mean(values, 0.25), rel=1e-9, abs=1e-9)


def test_coverage_of_the_true_mean():
    rng = np.random.default_rng(5)
    hits = sum(lo <= 1.0 <= hi for lo, hi in
               (mean_ci(rng.exponential(1.0, 200), n_boot=400, seed=i) for i in range(100)))
    assert 85 <= hits <= 100     # nominal 95 %


@pytest.mark.parametrize("call, match", [
    (lambda: resample_means([[]], 10, np.random.default_rng()), "empty sample"),
    (lambda: resample_means([[1, 2], [1]], 10, np.random.default_rng()), "equal lengths"),
    (lambda: mean_ci([1.0, 2.0], n_boot=0), "n_boot must be a positive int"),
    (lambda: mean_ci([1.0, 2.0], ci=1.5), r"ci must be in \(0, 1\)"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_summary_intervals_do_not_depend_on_threads():
    """summarize bootstraps its groups side by side in threads; every group has its own
    generator, so one thread and two give the same table, bit for bit."""
    import pandas as pd

    from heron.analysis import summarize
    from heron.batch.threads import kernel_threads
    from heron.bench.datasets import study_frame

    df = study_frame(40_000)
    with kernel_threads(1):
        one = summarize(df, n_boot=100)
    with kernel_threads(2):
        two = summarize(df, n_boot=100)
    assert len(one) > 2
    pd.testing.assert_frame_equal(one, two)
