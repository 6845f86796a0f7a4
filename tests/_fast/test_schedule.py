"""Schedule kernels: jitter distributions, floors, accumulation, regrowth, chunk invariance."""
import math

import numpy as np
import pytest
from scipy import stats

from heron.batch.schedule import ScheduledTickConfig, build_schedule, fill
from heron.batch.timing import timing_array
from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig

ENV = battery_fleet(2)


def _samples(tc, field, n_episodes=200, horizon=50.0, seed=11):
    s = build_schedule(ENV, tc, n_episodes=n_episodes, seed=seed, horizon=horizon)
    out = []
    for row in range(n_episodes):
        for i in range(2):
            n = s.n_ticks[row, i]
            out.append(s.sched[row, s.offsets[i]:s.offsets[i] + n][field])
    return np.concatenate(out)


@pytest.mark.parametrize("field,base", [("interval", 1.0), ("obs", 0.2), ("act", 0.3)])
def test_uniform_jitter_distribution(field, base):
    tc = TickConfig.with_jitter(1.0, 0.2, 0.3, 0.0, JitterType.UNIFORM, 0.2)
    x = _samples(tc, field)
    assert stats.kstest((x - base) / (0.2 * base), stats.uniform(-1, 2).cdf).pvalue > 0.001


@pytest.mark.parametrize("field,base", [("interval", 1.0), ("obs", 0.2), ("msg", 0.1)])
def test_gaussian_jitter_distribution(field, base):
    tc = TickConfig.with_jitter(1.0, 0.2, 0.3, 0.1, JitterType.GAUSSIAN, 0.1)
    x = _samples(tc, field)
    assert stats.kstest((x - base) / (0.1 * base), "norm").pvalue > 0.001


def test_lognormal_jitter_distribution():
    r = 0.5
    tc = TickConfig.with_jitter(1.0, 0.2, 0.0, 0.0, JitterType.LOGNORMAL, r)
    x = _samples(tc, "obs")
    s2 = math.log1p(r * r)
    dist = stats.lognorm(s=math.sqrt(s2), scale=0.2 * math.exp(-0.5 * s2))
    assert stats.kstest(x, dist.cdf).pvalue > 0.001
    assert abs(x.mean() - 0.2) < 0.01 and abs(x.std() - 0.1) < 0.01


def test_no_jitter_gives_base_values_exactly():
    tc = TickConfig.deterministic(1.0, 0.05, 0.1, 0.0)
    s = build_schedule(ENV, tc, n_episodes=3, seed=1, horizon=10.0)
    t = s.ticks(0, "battery_1")[: s.n_ticks[0, 0]]
    assert np.array_equal(t["t"], np.arange(11.0))
    assert np.all(t["obs"] == 0.05) and np.all(t["act"] == 0.1) and np.all(t["msg"] == 0.0)


def test_floors_and_zero_base():
    tc = TickConfig.with_jitter(0.01, 0.05, 0.1, 0.0, JitterType.GAUSSIAN, 3.0, min_delay=0.02)
    s = build_schedule(ENV, tc, n_episodes=20, seed=3, horizon=2.0)
    rec = s.sched
    assert rec["interval"].min() >= 0.001 and (rec["interval"] == 0.001).any()
    assert rec["obs"].min() >= 0.02 and (rec["obs"] == 0.02).any()
    assert rec["act"].min() >= 0.02
    assert np.all(rec["msg"] == 0.0)  # base 0 stays exactly 0, floor not applied


def test_tick_times_accumulate_in_order_and_obs_time():
    tc = TickConfig.with_jitter(1.0, 0.3, 0.1, 0.0, JitterType.GAUSSIAN, 0.2)
    s = build_schedule(ENV, tc, n_episodes=5, seed=2, horizon=30.0)
    for row in range(5):
        t = s.ticks(row, 1)
        acc = t["t"][0]
        for k in range(len(t) - 1):
            acc = acc + t["interval"][k]
            assert t["t"][k + 1] == acc
        assert np.array_equal(t["s"], np.maximum(0.0, t["t"] - t["obs"]))
        n = s.n_ticks[row, 1]
        assert t["t"][n - 1] <= 30.0 < t["t"][n]


def test_regrowth_matches_a_large_capacity():
    tarr = timing_array([TickConfig.with_jitter(1.0, 0.05, 0.1, 0.0, JitterType.GAUSSIAN, 0.3)] * 2)
    small = fill(tarr, 4, 0, 10, 40.0, caps=[3, 5])
    big = fill(tarr, 4, 0, 10, 40.0, caps=[200, 200])
    assert np.array_equal(small[1], big[1])
    for i in range(2):
        for row in range(10):
            n = small[1][row, i]
            a = small[0][row, small[2][i]:small[2][i] + n]
            b = big[0][row, big[2][i]:big[2][i] + n]
            assert np.array_equal(a, b)


def test_chunk_invariance_of_schedules():
    tc = TickConfig.with_jitter(1.0, 0.05, 0.1, 0.02, JitterType.UNIFORM, 0.1)
    whole = build_schedule(ENV, tc, n_episodes=10, seed=9, horizon=20.0)
    part = build_schedule(ENV, tc, n_episodes=4, seed=9, horizon=20.0, episode_start=6)
    assert np.array_equal(whole.sched[6:], part.sched)
    other = build_schedule(ENV, tc, n_episodes=4, seed=10, horizon=20.0, episode_start=6)
    assert not np.array_equal(other.sched["interval"], part.sched["interval"])


def test_reordered_observation_samples_are_sorted():
    # obs delays far larger than the interval: samples of later ticks can come first
    tc = TickConfig.with_jitter(0.1, 0.5, 0.0, 0.0, JitterType.UNIFORM, 0.9)
    s = build_schedule(ENV, tc, n_episodes=3, seed=1, horizon=5.0)
    for row in range(3):
        n = s.n_ticks[row, 0]
        t = s.ticks(row, 0)
        order = t["obs_k"][:n]
        assert sorted(order) == list(range(n))
        assert np.all(np.diff(t["s"][order]) >= 0)


def test_to_frame_view():
    tc = TickConfig.with_jitter(1.0, 0.05, 0.1, 0.0, JitterType.GAUSSIAN, 0.1)
    s = build_schedule(ENV, tc, n_episodes=3, seed=1, horizon=10.0)
    df = s.to_frame()
    assert list(df.columns) == ["episode", "agent", "agent_index", "k", "t", "interval",
                                "obs_delay", "act_delay", "msg_delay", "obs_time"]
    assert len(df) == int(s.n_ticks.sum())
    assert (df["t"] <= 10.0).all()
    one = df[(df.episode == 2) & (df.agent == "battery_2")]
    assert np.array_equal(one["t"].to_numpy(), s.ticks(2, 1)["t"][: s.n_ticks[2, 1]])


def test_scheduled_tick_config_replays_samples():
    tc = TickConfig.with_jitter(1.0, 0.05, 0.1, 0.02, JitterType.GAUSSIAN, 0.1)
    s = build_schedule(ENV, tc, n_episodes=2, seed=5, horizon=5.0)
    cfg = s.tick_config(1, "battery_2")
    assert isinstance(cfg, ScheduledTickConfig) and isinstance(cfg, TickConfig)
    ticks = s.ticks(1, "battery_2")
    big = build_schedule(ENV, tc, n_episodes=2, seed=5, horizon=200.0).ticks(1, "battery_2")
    for k in range(len(ticks) + 20):          # runs past the stored capacity
        assert cfg.tick_index == k
        assert cfg.get_obs_delay() == big["obs"][k]
        assert cfg.get_act_delay() == big["act"][k]
        assert cfg.get_msg_delay() == big["msg"][k]
        assert cfg.get_obs_delay() == big["obs"][k]     # same tick: same sample
        assert cfg.get_tick_interval() == big["interval"][k]
    cfg.rewind()
    assert cfg.get_tick_interval() == ticks["interval"][0]
    assert cfg.tick_interval == 1.0 and cfg.jitter_type is JitterType.GAUSSIAN
    with pytest.raises(ValueError, match="unknown agent id"):
        s.tick_config(0, "nope")
    with pytest.raises(ValueError, match="episode must be in"):
        s.tick_config(7, 0)


def test_partial_fill_for_the_kernels_and_its_ring_lag():
    """``full=False`` writes each agent's ticks up to its first one after the horizon, exactly as
    a full fill does, and reports the largest number of observation samples taken before the
    ticks that consume them (checked by brute force)."""
    tarr = timing_array([TickConfig.with_jitter(0.5, 1.3, 0.1, 0.0, JitterType.LOGNORMAL, 0.4),
                         TickConfig.with_jitter(1.0, 0.05, 0.1, 0.0, JitterType.UNIFORM, 0.3)])
    full = fill(tarr, 9, 3, 20, 25.0)
    part = fill(tarr, 9, 3, 20, 25.0, full=False)
    assert np.array_equal(full[1], part[1]) and full[3] == part[3]
    lag = 0
    for row in range(20):
        for i in range(2):
            n = full[1][row, i]
            o = full[2][i]
            assert np.array_equal(full[0][row, o:o + n + 1], part[0][row, o:o + n + 1])
            rec = full[0][row, o:o + n]
            for k in range(n):   # samples taken (S <= T[k]) but not consumed (index > k)
                lag = max(lag, int(np.sum(rec["s"][k + 1:] <= rec["t"][k])))
    assert part[3] == lag and lag >= 2


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_block_sampler_equals_the_scalar_sampler_bit_for_bit(code):
    from heron._fast.rng import stream_key
    from heron._fast.schedule_nb import sample_block_nb, timing_sample_nb

    n = 2000   # about 100 variates in the normal's tails
    out, scratch = np.empty(n), np.empty(n)
    sample_block_nb(stream_key(7, 3, 1, 2), 5, n, 0.8, code, 0.3, 0.05, out, scratch)
    ref = [timing_sample_nb(7, 3, 1, 2, 5 + j, 0.8, code, 0.3, 0.05) for j in range(n)]
    assert out.tobytes() == np.array(ref).tobytes()
    if code:
        assert len(np.unique(out)) > n // 2


def test_initial_capacities_per_agent_and_per_episode_table():
    from heron.batch.schedule import initial_capacities

    cfgs = [TickConfig.deterministic(tick_interval=t) for t in (1.0, 0.3, 7.0)]
    arr = timing_array(cfgs)
    # expected ticks over 50 s (floor(50 / interval) + 1), x 1.25 rounded up, + 8
    want = [math.ceil((math.floor(50.0 / t) + 1) * 1.25) + 8 for t in (1.0, 0.3, 7.0)]
    assert initial_capacities(arr, 50.0, 0.0) == want
    assert initial_capacities(arr, 50.0, 60.0) == [10, 10, 10]    # nothing left: one tick
    table = np.stack([arr, timing_array([TickConfig.deterministic(tick_interval=t)
                                         for t in (2.0, 0.1, 7.0)])])
    # a per-episode table: each agent's shortest interval over the chunk's episodes
    assert initial_capacities(table, 50.0, 0.0) == [want[0], math.ceil(501 * 1.25) + 8,
                                                    want[2]]
    assert initial_capacities(table[:0], 50.0, 0.0) == [72, 72, 72]   # no rows: 1 s
