"""evaluate(): the result table, the sync baseline, invariance under chunks/threads/shards."""
import json

import numpy as np
import pandas as pd
import pytest

from heron.batch import evaluate
from heron.batch.result import COLUMNS
from heron.demo_envs import battery_fleet
from heron.scheduling import TickConfig
from heron.workloads import w1, w2

W1 = w1()
W2_ENV = battery_fleet(8, coordinator=True, horizon=60.0)


def test_result_columns_dtypes_stats_and_config():
    r = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=5, seed=1)
    df = r.episodes
    assert list(df.columns) == list(COLUMNS) + ["time_outside_band"]   # the env's metric
    assert df["time_outside_band"].dtype == np.float64
    for col, dt in COLUMNS.items():
        if dt == "string":
            assert isinstance(df[col].dtype, pd.StringDtype), col
        else:
            assert str(df[col].dtype) == dt, col
    assert len(df) == 10
    assert df["agent"].tolist()[:2] == ["battery_1", "battery_2"]
    assert set(df["agent_class"]) == {"field"}
    assert (df["n_ticks"] >= 45).all() and (df["obs_staleness_mean"] > 0.03).all()
    assert (df["act_staleness_mean"] > df["obs_staleness_mean"]).all()
    assert set(r.stats) >= {"engine", "n_episodes", "events", "wall_time_s", "episodes_per_s",
                            "events_per_s", "threads", "chunk_size"}
    cfg = json.loads(json.dumps(r.config))
    assert cfg["env"]["name"] == "battery_fleet" and cfg["seed"] == 1
    assert cfg["timing"]["battery_1"]["jitter_type"] == "GAUSSIAN"
    assert cfg["policy"]["battery_1"]["name"] == "simple"
    assert "heron_version" in cfg and cfg["n_episodes"] == 5 and cfg["episode_start"] == 0


def test_as_arrays_path_matches_frame():
    r = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=4, seed=1, as_arrays=True)
    assert r._frame is None
    assert np.array_equal(r.arrays["return"], r.episodes["return"].to_numpy())


@pytest.mark.parametrize("jitter", [False, True])
def test_zero_delays_reproduce_the_sync_baseline(jitter):
    tc = TickConfig.deterministic(1.0)
    a = evaluate(W1.env, "simple", timing=tc, n_episodes=50, seed=4)
    b = evaluate(W1.env, "simple", timing=tc, n_episodes=50, seed=4, engine="sync")
    np.testing.assert_allclose(a.arrays["return"], b.arrays["return"], rtol=0, atol=1e-9)
    if jitter:  # with real delays the event-driven run differs from the baseline
        c = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=50, seed=4)
        assert np.abs(c.arrays["return"] - b.arrays["return"]).max() > 1e-3


def test_w2_zero_delays_reproduce_the_sync_baseline_with_alarms():
    tz = {"field": TickConfig.deterministic(1.0), "coordinator": TickConfig.deterministic(5.0)}
    a = evaluate(W2_ENV, None, timing=tz, n_episodes=40, seed=2)
    b = evaluate(W2_ENV, None, timing=tz, n_episodes=40, seed=2, engine="sync")
    np.testing.assert_allclose(a.arrays["return"], b.arrays["return"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.arrays["time_outside_band"], b.arrays["time_outside_band"],
                               atol=1e-9)
    field = a.episodes[a.episodes.agent_class == "field"]
    assert field["n_messages"].sum() > 0          # alarms happened and were compared


def test_sync_and_batch_share_initial_state():
    # with a zero policy the SOC never moves: rewards are -|0.5 - soc0| * n_rewards in both
    from heron.batch.policies import linear

    zero = linear(np.zeros((1, 1)), np.zeros(1))
    a = evaluate(W1.env, zero, timing=W1.timing, n_episodes=20, seed=8)
    b = evaluate(W1.env, zero, n_episodes=20, seed=8, engine="sync")
    np.testing.assert_allclose(a.arrays["return"], b.arrays["return"], atol=1e-12)


def _same(a, b):
    for k in COLUMNS:
        x, y = np.asarray(a.arrays[k]), np.asarray(b.arrays[k])
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), k
        else:
            assert np.array_equal(x, y), k


@pytest.mark.parametrize("workload", ["w1", "w2"])
def test_invariance_chunks_threads_shards(workload):
    if workload == "w1":
        env, pol, timing, n = W1.env, "simple", W1.timing, 100
    else:
        env, pol, timing, n = W2_ENV, None, w2().timing, 20
    base = evaluate(env, pol, timing=timing, n_episodes=n, seed=3, threads=1, as_arrays=True)
    _same(base, evaluate(env, pol, timing=timing, n_episodes=n, seed=3, threads=2,
                         chunk_size=7, as_arrays=True))
    half = n // 2
    s1 = evaluate(env, pol, timing=timing, n_episodes=half, seed=3, as_arrays=True)
    s2 = evaluate(env, pol, timing=timing, n_episodes=n - half, seed=3, episode_start=half,
                  chunk_size=3, as_arrays=True)
    for k in ("return", "n_ticks", "act_staleness_max", "time_outside_band"):
        assert np.array_equal(np.concatenate([s1.arrays[k], s2.arrays[k]]), base.arrays[k],
                              equal_nan=True)
    assert np.array_equal(s2.arrays["episode"][:2], [half, half])
    other = evaluate(env, pol, timing=timing, n_episodes=n, seed=4, as_arrays=True)
    assert not np.array_equal(other.arrays["return"], base.arrays["return"])


def test_iter_chunks_streams_columns():
    from heron.batch import iter_chunks

    parts = list(iter_chunks(W1.env, "simple", timing=W1.timing, n_episodes=25, seed=1,
                             chunk_size=10))
    assert [len(c["episode"]) for c, _ in parts] == [20, 20, 10]
    whole = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=25, seed=1)
    assert np.array_equal(np.concatenate([c["return"] for c, _ in parts]),
                          whole.arrays["return"])


def test_w2_metrics_are_plausible():
    r = evaluate(W2_ENV, None, timing=w2().timing, n_episodes=30, seed=0)
    df = r.episodes
    coord = df[df.agent == "coordinator"]
    field = df[df.agent_class == "field"]
    assert (coord["n_ticks"] >= 12).all() and (coord["n_effects"] == 0).all()
    assert (coord["n_messages"] >= 12).all()
    assert (field["n_effects"] > 50).all()
    assert coord["act_staleness_mean"].isna().all()
    assert 0.15 < coord["obs_staleness_mean"].mean() < 0.25
    # the coordinator's reward is the mean of its batteries'
    for ep, g in df.groupby("episode"):
        f = g[g.agent_class == "field"]["return"].mean()
        assert abs(f - g[g.agent == "coordinator"]["return"].iloc[0]) < 1e-9
    assert r.stats["events"] > 30 * 1000   # ~25 events per second of a 60 s episode


@pytest.mark.parametrize("engine, parts", [("batch", ("kernel", "schedule")), ("sync", ("kernel",)),
                                           ("interactive", ())])
def test_compile_kernels_compiles_without_running(engine, parts):
    from heron.batch import compile_kernels

    assert compile_kernels(W1.env, "simple", timing=W1.timing, engine=engine) == parts
    if parts:
        assert compile_kernels(W1.env, "simple", engine=engine, parts=parts[-1:]) == parts[-1:]
        with pytest.raises(ValueError, match=r"part must be one of .*got 'physics'"):
            compile_kernels(W1.env, "simple", engine=engine, parts=["physics"])
    with pytest.raises(ValueError, match="engine must be one of"):
        compile_kernels(W1.env, "simple", engine="turbo")


@pytest.mark.parametrize("engine", ["batch", "sync"])
def test_progress_reports_each_chunk(engine):
    seen = []
    evaluate(W1.env, "simple", timing=W1.timing, n_episodes=10, seed=1, chunk_size=3,
             engine=engine, progress=seen.append)
    assert seen == [3, 3, 3, 1]
    with pytest.raises(TypeError, match="progress must be a callable"):
        evaluate(W1.env, "simple", n_episodes=1, seed=1, progress=5)
