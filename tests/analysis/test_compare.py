"""``compare`` (the paired gap of two evaluate() runs), ``summarize`` on evaluate() results, and
the one sign convention (loss > 0 = worse; a gain is said as a gain)."""
import numpy as np
import pandas as pd
import pytest

from heron.analysis import compare, summarize
from heron.analysis.compare import COMPARE_COLUMNS, gap_phrase
from heron.batch.result import EvaluationResult

AGENTS = ("battery_1", "battery_2")


def run(returns, *, seed=1, episode_start=0, engine="batch", policy="simple", metric=None):
    """An ``EvaluationResult`` as ``evaluate`` builds it: rows episode-major, agent-minor."""
    returns = np.asarray(returns, dtype=np.float64)          # (n_episodes, n_agents)
    n, k = returns.shape
    arrays = {
        "seed": np.full(n * k, seed, np.int64),
        "episode": np.repeat(np.arange(episode_start, episode_start + n, dtype=np.int64), k),
        "agent": np.tile(np.array(AGENTS[:k]), n),
        "agent_index": np.tile(np.arange(k, dtype=np.int64), n),
        "agent_class": np.full(n * k, "field"),
        "return": returns.reshape(-1),
        "n_ticks": np.full(n * k, 50, np.int64), "n_effects": np.full(n * k, 50, np.int64),
        "n_messages": np.zeros(n * k, np.int64),
        "obs_staleness_mean": np.full(n * k, 0.05), "obs_staleness_max": np.full(n * k, 0.05),
        "act_staleness_mean": np.full(n * k, 0.1), "act_staleness_max": np.full(n * k, 0.1),
    }
    if metric is not None:
        arrays["time_outside_band"] = np.asarray(metric, np.float64).reshape(-1)
    config = {"engine": engine, "seed": seed,
              "policy": {a: {"name": policy, "type": "compiled"} for a in AGENTS[:k]}}
    return EvaluationResult(arrays=arrays, stats={}, config=config)


@pytest.fixture(scope="module")
def base_returns():
    rng = np.random.default_rng(11)
    return -10.0 - rng.gamma(3.0, size=(400, 2))          # widely spread, all negative


def test_known_case_constant_shift(base_returns):
    """Every agent loses exactly 0.25 per episode: the absolute gap and its interval are 0.25
    whatever the resamples; the percent loss is 0.5 / |mean baseline|."""
    sync = run(base_returns, engine="sync")
    real = run(base_returns - 0.25)
    out = compare(real, sync, n_boot=300)
    assert list(out.columns) == list(COMPARE_COLUMNS) and len(out) == 1
    row = out.iloc[0]
    totals = base_returns.sum(axis=1)
    assert row["n_episodes"] == 400
    assert row["baseline_mean"] == pytest.approx(totals.mean())
    assert row["mean"] == pytest.approx(totals.mean() - 0.5)
    assert row["gap_abs"] == pytest.approx(0.5)
    assert row["gap_abs_ci_low"] == pytest.approx(0.5)
    assert row["gap_abs_ci_high"] == pytest.approx(0.5)
    assert row["gap_pct"] == pytest.approx(100 * 0.5 / abs(totals.mean()))
    assert row["gap_ci_low"] < row["gap_pct"] < row["gap_ci_high"]
    assert row["verdict"].startswith("loses ")
    per_agent = compare(real, sync, by="agent", n_boot=300)
    assert list(per_agent["agent"]) == list(AGENTS)
    np.testing.assert_allclose(per_agent["gap_abs"], 0.25)
    np.testing.assert_allclose(per_agent["gap_abs_ci_low"], 0.25)
    np.testing.assert_allclose(per_agent["baseline_mean"], base_returns.mean(axis=0))


def test_known_case_constant_ratio_and_a_gain(base_returns):
    """Returns 10 % higher (less negative) in every episode: a 10 % *gain*, interval [10, 10];
    the loss column carries it as -10 (one convention) and the words say "gains"."""
    sync = run(base_returns, engine="sync")
    better = run(base_returns * 0.9)
    row = compare(better, sync, n_boot=300).iloc[0]
    assert row["gap_pct"] == pytest.approx(-10.0)
    assert row["gap_ci_low"] == pytest.approx(-10.0) and row["gap_ci_high"] == pytest.approx(-10.0)
    assert row["gap_abs"] < 0
    assert row["verdict"] == "gains 10.0 % [10.0, 10.0] over synchronous"
    assert compare(better.episodes, sync.episodes, n_boot=50).iloc[0]["verdict"].endswith(
        "over baseline")                           # a bare DataFrame does not say its engine


def test_intervals_by_construction():
    """Pairs whose differences are N(mu, sd): the interval of the absolute gap is the bootstrap
    interval of the mean difference (width ~ 2 * 1.96 * sd / sqrt(n)) and holds mu; pairing
    removes the between-episode spread, which is 100 times larger."""
    rng = np.random.default_rng(5)
    n, mu, sd = 2000, 0.3, 0.5
    base = -50.0 - 50.0 * rng.random((n, 1))                 # spread 50x the differences'
    diff = rng.normal(mu, sd, size=(n, 1))
    out = compare(run(base - diff), run(base, engine="sync"), n_boot=2000).iloc[0]
    expected_width = 2 * 1.959964 * diff.std(ddof=1) / np.sqrt(n)
    width = out["gap_abs_ci_high"] - out["gap_abs_ci_low"]
    assert width == pytest.approx(expected_width, rel=0.12)
    assert out["gap_abs_ci_low"] < mu < out["gap_abs_ci_high"]
    assert out["gap_abs"] == pytest.approx(diff.mean())
    # the percent interval is the absolute one over |baseline mean| (up to the baseline's own
    # resampling, which is small here)
    scale = 100.0 / abs(base.mean())
    assert out["gap_ci_low"] == pytest.approx(out["gap_abs_ci_low"] * scale, rel=0.05)
    assert out["gap_ci_high"] == pytest.approx(out["gap_abs_ci_high"] * scale, rel=0.05)
    scipy_stats = pytest.importorskip("scipy.stats")
    ref = scipy_stats.bootstrap((diff[:, 0],), np.mean, n_resamples=2000, method="percentile",
                                random_state=1).confidence_interval
    assert abs(out["gap_abs_ci_low"] - ref.low) < 0.1 * expected_width
    assert abs(out["gap_abs_ci_high"] - ref.high) < 0.1 * expected_width


def test_pairs_by_key_not_by_position(base_returns):
    sync = run(base_returns, engine="sync")
    real = run(base_returns - 0.25)
    shuffled = real.episodes.sample(frac=1.0, random_state=3)
    a = compare(real, sync, n_boot=200)
    b = compare(shuffled, sync.episodes, n_boot=200)              # DataFrames work too
    pd.testing.assert_frame_equal(a.drop(columns="verdict"), b.drop(columns="verdict"))
    assert compare(real, sync, n_boot=200).equals(a)              # reproducible


def test_mismatched_episodes_name_what_does_not_pair(base_returns):
    sync = run(base_returns, engine="sync")
    shifted = run(base_returns[5:], episode_start=5)
    with pytest.raises(ValueError) as err:
        compare(shifted, sync)
    msg = str(err.value)
    assert "pairs episodes by ('seed', 'episode')" in msg
    assert ("5 of baseline's episodes have no partner in result: (seed=1, episode=0), "
            "(seed=1, episode=1)") in msg
    assert "result: seeds [1], episodes 5..399; baseline: seeds [1], episodes 0..399" in msg
    with pytest.raises(ValueError, match=r"800 of result's \(episode, agent\) units have no "
                                         r"partner in baseline: \(seed=2, episode=0, "
                                         r"agent='battery_1'\)"):
        compare(run(base_returns, seed=2), sync, by="agent")
    with pytest.raises(ValueError, match=r"do not have the same agents: only in result: "
                                         r"\[\], only in baseline: \['battery_2'\]"):
        compare(run(base_returns[:, :1]), sync)


def test_two_runs_in_one_frame_and_bad_inputs(base_returns):
    sync = run(base_returns, engine="sync")
    both = pd.concat([run(base_returns).episodes.assign(scenario="a"),
                      run(base_returns).episodes.assign(scenario="b")])
    with pytest.raises(ValueError, match=r"result has several rows for \(seed=1, episode=0, "
                                         r"agent='battery_1'\).*several runs \(scenario \['a', "
                                         r"'b'\]\)"):
        compare(both, sync)
    bases = pd.concat([sync.episodes.assign(scenario="a"), sync.episodes.assign(scenario="b")])
    per_scenario = compare(both, bases, by="scenario", n_boot=50)   # by pairs within a group
    assert list(per_scenario["scenario"]) == ["a", "b"]
    np.testing.assert_allclose(per_scenario["gap_abs"], 0.0)
    with pytest.raises(TypeError, match="EvaluationResult .* or its .episodes DataFrame; got list"):
        compare([1, 2], sync)
    with pytest.raises(ValueError, match=r"baseline has no column\(s\) \['return'\]"):
        compare(sync, sync.episodes.drop(columns="return"))
    with pytest.raises(ValueError, match="already paired by seed and episode"):
        compare(sync, sync, by="episode")


def test_identical_runs_and_zero_baseline():
    zeros = run(np.zeros((50, 2)), engine="sync")
    row = compare(zeros, zeros, n_boot=50).iloc[0]
    assert np.isnan(row["gap_pct"]) and row["gap_abs"] == 0.0
    assert row["verdict"] == "no difference from synchronous"
    worse = run(np.full((50, 2), -0.5))
    row = compare(worse, zeros, n_boot=50).iloc[0]
    assert row["verdict"] == "loses 1.0 (return units) [1.0, 1.0] against synchronous"


def test_summarize_takes_evaluation_results(base_returns):
    sync = run(base_returns, engine="sync", metric=np.ones(base_returns.shape))
    real = run(base_returns - 0.25, metric=np.zeros(base_returns.shape))
    with pytest.raises(ValueError, match="summarize needs column"):   # study rows still checked
        summarize(real.episodes.assign(policy="p"))
    s = summarize(real, baseline=sync, n_boot=200)
    assert list(s[["policy", "scenario", "mode"]].itertuples(index=False, name=None)) == [
        ("simple", "result", "event"), ("simple", "sync", "sync")]
    c = compare(real, sync, n_boot=200).iloc[0]
    row = s.iloc[0]
    for col in ("mean", "baseline_mean", "gap_pct", "gap_abs", "n_episodes"):
        assert row[col] == pytest.approx(c[col])
    assert s.iloc[1]["gap_pct"] == 0.0
    assert row["time_outside_band"] == 0.0 and s.iloc[1]["time_outside_band"] == 2.0  # metrics
    per_agent = summarize(real, by="agent", baseline=sync, n_boot=50)
    assert list(per_agent.columns[:3]) == ["policy", "scenario", "agent"] and len(per_agent) == 4
    # a dict names the scenarios; a run of the synchronous engine is the baseline
    d = summarize({"jitter": real, "more jitter": run(base_returns - 1.0), "sync": sync},
                  n_boot=50).set_index("scenario")
    assert d.loc["jitter", "gap_abs"] == pytest.approx(0.5)
    assert d.loc["more jitter", "gap_abs"] == pytest.approx(2.0)
    alone = summarize(real, n_boot=50)                     # no baseline: means only
    assert alone["gap_pct"].isna().all() and alone["ci_low"].notna().all()
    with pytest.raises(ValueError, match="5 of baseline's episodes have no partner in result"):
        summarize(run(base_returns[5:], episode_start=5), baseline=sync)
    with pytest.raises(ValueError, match="more than one synchronous run"):
        summarize({"sync": sync}, baseline=sync)


def test_gap_phrase_never_says_a_negative_loss():
    assert gap_phrase(12.9, 12.4, 13.4) == "loses 12.9 % [12.4, 13.4] against synchronous"
    assert gap_phrase(-12.9, -13.4, -12.4) == "gains 12.9 % [12.4, 13.4] over synchronous"
    assert gap_phrase(0.4, -0.3, 1.1) == ("no clear difference from synchronous (loss 0.4 % "
                                          "[-0.3, 1.1])")
    assert gap_phrase(-3.654, -4.4, -2.94, digits=2, against=None) == "gains 3.65 % [2.94, 4.40]"
    assert gap_phrase(0.0, 0.0, 0.0) == "no difference from synchronous"
    assert gap_phrase(float("nan"), float("nan"), float("nan")).startswith("n/a")
