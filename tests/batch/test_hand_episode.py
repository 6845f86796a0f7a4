"""A tiny episode worked out by hand: one battery, deterministic timing, 3 s horizon.

SOC starts at 0.3 (init range [0.3, 0.3]); tick 1 s, observation delay 0.2 s, action delay
0.5 s; policy = the tutorial's simple_policy; SOC rate = 0.25 x action per second. The return is
the time integral of -|0.5 - soc| over [0, 3] s (docs/timing-model.md).

t=0   tick sees S=max(0,-0.2)=0: soc 0.3 < 0.45 -> +0.5, lands at 0.5
t=0.5 effect: rate 0.125/s (soc 0.3 held until now)
t=1   tick sees soc(0.8) = 0.3375 -> +0.5, lands at 1.5 (no change)
t=2   tick sees soc(1.8) = 0.4625 -> 0, lands at 2.5
t=2.1 soc crosses 0.5
t=2.5 soc = 0.55, rate 0
t=3   tick sees soc(2.8) = 0.55 -> not > 0.55 -> 0 (lands at 3.5: after horizon)
integral of |0.5 - soc|: [0, 0.5] 0.2 * 0.5 = 0.1; [0.5, 2.1] 0.2 / 2 * 1.6 = 0.16;
[2.1, 2.5] 0.05 / 2 * 0.4 = 0.01; [2.5, 3] 0.05 * 0.5 = 0.025: return = -0.295.
Ticks 4; effects 3; obs staleness (0, .2, .2, .2): mean 0.15, max 0.2;
action staleness (0.5-0, 1.5-0.8, 2.5-1.8): mean 0.6333, max 0.7.
"""
import numpy as np

from heron.batch import evaluate
from heron.demo_envs import battery_fleet
from heron.scheduling import TickConfig


def test_hand_computed_episode():
    env = battery_fleet(1, horizon=3.0, init_range=(0.3, 0.3))
    tc = TickConfig.deterministic(tick_interval=1.0, obs_delay=0.2, act_delay=0.5)
    r = evaluate(env, "simple", timing=tc, n_episodes=1, seed=0)
    row = r.episodes.iloc[0]
    assert abs(row["return"] - (-0.295)) < 1e-12
    assert row["n_ticks"] == 4 and row["n_effects"] == 3 and row["n_messages"] == 0
    assert abs(row["obs_staleness_mean"] - 0.15) < 1e-12
    assert abs(row["obs_staleness_max"] - 0.2) < 1e-12
    assert abs(row["act_staleness_mean"] - 1.9 / 3) < 1e-12
    assert abs(row["act_staleness_max"] - 0.7) < 1e-12
    assert row["time_outside_band"] == 0.0
    # the synchronous baseline: act at 0, 1, 2 on the current state, instant effects:
    # soc 0.3 -> 0.425 on [0, 1] (|dev| 0.2 -> 0.075: 0.1375), 0.425 -> 0.55 on [1, 2] (crosses
    # 0.5 at 1.6: 0.0225 + 0.01), held at 0.55 on [2, 3] (0.05)  => -0.22
    s = evaluate(env, "simple", timing=tc, n_episodes=1, seed=0, engine="sync")
    assert abs(s.episodes["return"].iloc[0] - (-0.22)) < 1e-12


def test_time_outside_band_by_hand():
    # SOC 0.12 held (zero policy): outside [0.15, 0.85] for the whole 4 s
    from heron.batch.policies import linear

    env = battery_fleet(1, horizon=4.0, init_range=(0.12, 0.12))
    r = evaluate(env, linear(np.zeros((1, 1)), [0.0]), n_episodes=1, seed=0,
                 timing=TickConfig.deterministic(1.0))
    assert abs(r.arrays["time_outside_band"][0] - 4.0) < 1e-12
    # full charge (+1: 0.25/s) from 0.12: outside until 0.15 at t = 0.12 s, back out above 0.85
    # at t = 2.92 s, saturating at 0.9: outside 0.12 + (4 - 2.92) = 1.2 s
    r = evaluate(env, linear(np.zeros((1, 1)), [1.0]), n_episodes=1, seed=0,
                 timing=TickConfig.deterministic(1.0))
    assert abs(r.arrays["time_outside_band"][0] - 1.2) < 1e-9
