"""Seeds as replicates in the analysis: per-seed and pooled intervals, the pooled interval widens
when the seeds disagree (two-level bootstrap), the between-seed spread, and one seed = today."""
import numpy as np
import pandas as pd
import pytest

from heron.analysis import compare, seed_summary, summarize
from heron.analysis.bootstrap import mean_ci, paired_gap, resample_means, seed_spread

SEEDS = (1, 2, 3)
N = 300


def synthetic(shift: float):
    """Study rows of one policy: the sync baseline and one scenario, three seeds of ``N``
    episodes each (one agent). Within-seed noise is the same draw in every case; seed ``s``
    moves the scenario's return by ``shift * (s - 2)`` (``shift=0``: the seeds agree) and the
    baseline's by ``shift * (s - 2) / 2``."""
    rng = np.random.default_rng(7)
    rows = []
    for k, s in enumerate(SEEDS):
        noise_sync = rng.normal(0.0, 1.0, N)
        noise_loss = rng.normal(0.0, 0.5, N)
        sync = 20.0 + 0.5 * shift * (k - 1) + noise_sync
        event = sync - 2.0 - shift * (k - 1) + noise_loss
        for scenario, mode, value in (("sync", "sync", sync), ("late", "event", event)):
            rows.append(pd.DataFrame({
                "policy": "p", "scenario": scenario, "mode": mode, "seed": s,
                "episode": np.arange(N), "agent": "u1", "agent_index": 0,
                "agent_class": "field", "return": value, "obs_staleness_mean": 0.0,
                "act_staleness_mean": 0.0}))
    df = pd.concat(rows, ignore_index=True)
    df.attrs["heron_metrics"] = []
    return df


def width(row, lo="gap_ci_low", hi="gap_ci_high"):
    return row[hi] - row[lo]


@pytest.fixture(scope="module")
def tables():
    out = {}
    for name, shift in (("agree", 0.0), ("disagree", 1.0)):
        df = synthetic(shift)
        out[name] = (summarize(df, n_boot=400).set_index("scenario"),
                     seed_summary(df, n_boot=400))
    return out


def test_per_seed_and_pooled_intervals_exist(tables):
    pooled, per_seed = tables["disagree"]
    late = pooled.loc["late"]
    assert late["n_seeds"] == 3 and late["n_episodes"] == 3 * N
    assert late["ci_low"] < late["mean"] < late["ci_high"]
    assert late["gap_ci_low"] < late["gap_pct"] < late["gap_ci_high"]
    assert list(per_seed.columns[:3]) == ["policy", "scenario", "seed"]
    rows = per_seed[per_seed["scenario"] == "late"]
    assert list(rows["seed"]) == list(SEEDS) and (rows["n_episodes"] == N).all()
    assert (rows["n_seeds"] == 1).all() and rows["seed_sd"].isna().all()
    assert (rows["ci_low"] < rows["mean"]).all() and (rows["mean"] < rows["ci_high"]).all()
    assert (rows["gap_ci_low"] < rows["gap_ci_high"]).all()
    # the per-seed losses are far apart when the seeds disagree: intervals do not overlap
    assert rows["gap_ci_high"].iloc[0] < rows["gap_ci_low"].iloc[2]
    # the pooled point estimate is the mean over every episode (equal seeds: mean of seed means)
    assert late["mean"] == pytest.approx(rows["mean"].mean())


def test_pooled_interval_widens_when_seeds_disagree(tables):
    agree, disagree = tables["agree"][0].loc["late"], tables["disagree"][0].loc["late"]
    assert width(disagree) > 3 * width(agree)
    assert width(disagree, "ci_low", "ci_high") > 2 * width(agree, "ci_low", "ci_high")
    assert width(disagree, "gap_abs_ci_low", "gap_abs_ci_high") > 3 * width(
        agree, "gap_abs_ci_low", "gap_abs_ci_high")
    # between-seed spread: the sd of per-seed losses (pp) and of per-seed means
    assert disagree["seed_gap_sd"] > 10 * agree["seed_gap_sd"]
    assert disagree["seed_sd"] > 3 * agree["seed_sd"]
    # the pooled interval covers the spread of the per-seed losses when they disagree
    per_seed = tables["disagree"][1]
    gaps = per_seed[per_seed["scenario"] == "late"]["gap_pct"]
    assert disagree["gap_ci_high"] - disagree["gap_ci_low"] > 0.5 * (gaps.max() - gaps.min())


def test_within_seed_resampling_alone_would_not_widen():
    """The one-level bootstrap (seeds ignored) hardly notices the disagreement: the widening
    comes from resampling the seeds."""
    x_agree = synthetic(0.0).query("scenario == 'late'")["return"].to_numpy()
    x_dis = synthetic(1.0).query("scenario == 'late'")["return"].to_numpy()
    seeds = np.repeat(SEEDS, N)
    one = [np.subtract(*mean_ci(x, key="k")[::-1]) for x in (x_agree, x_dis)]
    two = [np.subtract(*mean_ci(x, key="k", clusters=seeds)[::-1]) for x in (x_agree, x_dis)]
    assert one[1] < 1.5 * one[0]
    assert two[1] > 2 * two[0]


def test_one_seed_gives_todays_numbers():
    df = synthetic(0.0)
    one = df[df["seed"] == 2]
    s = summarize(one, n_boot=300).set_index("scenario").loc["late"]
    ep = one[one["scenario"] == "late"]["return"].to_numpy()
    base = one[one["scenario"] == "sync"]["return"].to_numpy()
    # today's one-level bootstrap, keyed as summarize keys a (policy, scenario) cell
    ref = paired_gap(ep, base, n_boot=300, key=((("p", "late"),), ()))
    for col, value in ref.items():
        if col in s.index:
            assert s[col] == value, col
    assert s["n_seeds"] == 1 and np.isnan(s["seed_sd"]) and np.isnan(s["seed_gap_sd"])
    rng = np.random.default_rng
    assert np.array_equal(resample_means([ep], 50, rng(3))[0],
                          resample_means([ep], 50, rng(3), clusters=np.full(N, 2))[0])


def test_unequal_seed_sizes_and_spread():
    x = np.r_[np.zeros(10), np.ones(30), np.full(60, 2.0)]
    seeds = np.repeat([1, 2, 3], [10, 30, 60])
    (means,) = resample_means([x], 500, np.random.default_rng(0), clusters=seeds)
    assert means.min() >= 0.0 and means.max() <= 2.0 and means.std() > 0.2
    spread = seed_spread(x, np.full(100, 4.0), seeds)
    assert spread["n_seeds"] == 3 and spread["seed_sd"] == pytest.approx(1.0)
    assert spread["seed_gap_sd"] == pytest.approx(25.0)
    with pytest.raises(ValueError, match="label every unit"):
        resample_means([x], 5, np.random.default_rng(0), clusters=seeds[:-1])


def test_compare_pools_seeds_of_evaluation_frames():
    df = synthetic(1.0)
    cols = ["seed", "episode", "agent", "agent_index", "agent_class", "return"]
    late = df[df["scenario"] == "late"][cols].reset_index(drop=True)
    sync = df[df["scenario"] == "sync"][cols].reset_index(drop=True)
    row = compare(late, sync, n_boot=300).iloc[0]
    assert row["n_seeds"] == 3 and row["seed_gap_sd"] > 0
    one = compare(late[late["seed"] == 1], sync[sync["seed"] == 1], n_boot=300).iloc[0]
    assert one["n_seeds"] == 1 and np.isnan(one["seed_sd"])
    assert row["gap_ci_high"] - row["gap_ci_low"] > 2 * (one["gap_ci_high"] - one["gap_ci_low"])


def test_seed_summary_refuses_seed_in_by():
    with pytest.raises(ValueError, match="already holds 'seed'"):
        seed_summary(synthetic(0.0), by=("policy", "seed"))
