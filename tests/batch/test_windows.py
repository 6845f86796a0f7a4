"""Schedule windows (``heron.batch.windows``): an episode whose whole schedule would exceed the
schedule budget has it generated a window of ticks at a time, with the same results bit for bit.

The budget is lowered here (and windows shrunk to a few ticks, so every episode refills them
hundreds of times) to exercise the windows on short episodes; the long-horizon test only plans.
"""
import sys

import numpy as np
import pytest

import heron
from heron.batch import evaluate
from heron.batch import windows as win
from heron.batch.trace import trace_episodes
from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig
from heron.workloads import w1, w1_mlp_policy, w2

EVAL = sys.modules["heron.batch.evaluate"]
# observation delays longer than the tick interval, 40 % jitter: observation samples are taken
# out of tick order, so the windows' own orders must agree with the whole episode's
LATE = {"field": TickConfig.with_jitter(tick_interval=1.0, obs_delay=2.0, act_delay=0.3,
                                        jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.4)}
LOGN = {"field": TickConfig.with_jitter(tick_interval=1.0, obs_delay=1.5, act_delay=0.3,
                                        jitter_type=JitterType.LOGNORMAL, jitter_ratio=0.6)}


@pytest.fixture
def tiny_windows(monkeypatch):
    """Every episode windowed, windows of ``min_window`` ticks (grown when too short)."""
    def apply(min_window=16):
        monkeypatch.setattr(EVAL, "SCHEDULE_BUDGET", 64)
        monkeypatch.setattr(win, "MIN_WINDOW", min_window)
    return apply


def _same(a, b):
    assert a.arrays.keys() == b.arrays.keys()
    for k in a.arrays:
        x, y = np.asarray(a.arrays[k]), np.asarray(b.arrays[k])
        if x.dtype.kind in "fiub":
            np.testing.assert_array_equal(x, y, err_msg=k)


def _count_refills(monkeypatch):
    calls = [0]
    orig = win.refill

    def spy(*args, **kw):
        calls[0] += 1
        return orig(*args, **kw)

    monkeypatch.setattr(win, "refill", spy)
    return calls


CASES = {
    "w1-late-obs": lambda: (w1().env, "simple", LATE, 300.0, {}),
    "w1-numpy-policy": lambda: (w1().env, w1_mlp_policy("numpy"), LOGN, 200.0, {"threads": 1}),
    "w2": lambda: (w2().env, w2().policy, w2().timing, 300.0, {}),
    "heating": lambda: (heron.make("Heating-v0"), None, None, 3 * 3600.0, {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_windowed_episodes_equal_whole_schedules_bit_for_bit(case, tiny_windows, monkeypatch):
    env, policy, timing, horizon, kw = CASES[case]()
    whole = evaluate(env, policy, timing=timing, n_episodes=6, seed=3, horizon=horizon, **kw)
    tiny_windows()
    calls = _count_refills(monkeypatch)
    windowed = evaluate(env, policy, timing=timing, n_episodes=6, seed=3, horizon=horizon,
                        chunk_size=4, **kw)
    assert calls[0] > 20           # many windows per episode, not one
    _same(whole, windowed)


def test_a_window_shorter_than_the_observation_delays_grows(tiny_windows, monkeypatch):
    env = w1().env
    whole = evaluate(env, "simple", timing=LATE, n_episodes=4, seed=1, horizon=120.0)
    tiny_windows(min_window=2)      # 2 ticks span 2 s: less than the ~9 s delay bound
    grown = []
    orig = win.grow
    monkeypatch.setattr(win, "grow", lambda caps, *a: grown.append(caps) or orig(caps, *a))
    windowed = evaluate(env, "simple", timing=LATE, n_episodes=4, seed=1, horizon=120.0)
    assert grown and grown[0] == [2, 2]
    _same(whole, windowed)


def test_traces_and_per_episode_timing_are_windowed_too(tiny_windows):
    env = battery_fleet(2, coordinator=False, horizon=40.0)
    table = {"tick_interval": np.array([[1.0, 1.0], [0.5, 2.0], [1.0, 0.7]]),
             "obs_delay": np.array([[2.0, 0.1], [0.2, 1.5], [0.05, 0.05]])}
    whole_tr = trace_episodes(env, "simple", timing=LATE, n_episodes=2, seed=5)
    whole = evaluate(env, "simple", timing=LATE, n_episodes=3, seed=5, timing_per_episode=table)
    tiny_windows()
    tr = trace_episodes(env, "simple", timing=LATE, n_episodes=2, seed=5)
    windowed = evaluate(env, "simple", timing=LATE, n_episodes=3, seed=5,
                        timing_per_episode=table, chunk_size=2)
    assert tr.equals(whole_tr)
    _same(whole, windowed)


def test_a_horizon_whose_schedule_would_take_gigabytes_is_planned_in_windows():
    """W1 for 1e8 s: its whole schedule would take ~14 GB; the plan keeps windows that fit the
    schedule budget, whatever the chunk size asked for (running it is a benchmark's job)."""
    from heron.batch.evaluate import _prepare

    env = battery_fleet(2, horizon=50.0)
    for chunk_size in (None, 1, 500):
        plan, _, _, _, chunk, _ = _prepare(env, "simple", None, 10, 0, 1e8, "batch",
                                           chunk_size, None, 0)
        assert plan.windows is not None
        assert chunk == (10 if chunk_size is None else min(chunk_size, 10))
        window_bytes = sum(plan.windows) * 56 * chunk
        assert window_bytes <= max(EVAL.SCHEDULE_BUDGET, win.MIN_WINDOW * 56 * 2 * chunk)
    short, *_ = _prepare(env, "simple", None, 10, 0, 1e4, "batch", None, None, 0)
    assert short.windows is None    # short episodes: the whole schedule, as before


def test_a_window_that_cannot_grow_further_is_a_clear_error(tiny_windows, monkeypatch):
    tiny_windows(min_window=1)      # 1 tick spans 1 s: less than the ~9 s delay bound
    monkeypatch.setattr(win, "GROWTH_LIMIT", 1)
    with pytest.raises(ValueError, match=r"agent 'battery_\d' needs a schedule window of more "
                                         r"than 1 ticks"):
        evaluate(w1().env, "simple", timing=LATE, n_episodes=1, seed=1, horizon=60.0)
