"""``heron bench --workload PZ``: the wrapper's episodes/s next to the interactive engine's."""
import json
import math

import numpy as np

import heron.bench
from heron.pettingzoo import TimedParallelEnv, evaluate
from heron.pettingzoo.bench import DT, BatteryPair, make_env, simple, w1_timing


def test_bench_pz_json(capsys):
    assert heron.bench.main(["--workload", "PZ", "--json", "--quick", "--repeats", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {r["engine"]: r for r in report["rows"] if r["workload"] == "PZ"}
    assert {"wrapper", "sync"} <= set(rows)
    assert "interactive" in rows or any(s.startswith("PZ interactive") for s in report["skipped"])
    for r in rows.values():
        assert r["unit"] == "episodes/s" and math.isfinite(r["rate"]) and r["rate"] > 0
        assert r["units_per_run"] == r["size"]["n_episodes"]
    assert rows["wrapper"]["size"]["horizon_steps"] == 500
    # the wrapper also counts its ticks and landed commands: more events than lock-step's
    assert (rows["wrapper"]["extra"]["events_per_episode"]
            > rows["sync"]["extra"]["events_per_episode"] >= 500)
    pairs = {(q["numerator"], q["denominator"]) for q in report["ratios"] if q["workload"] == "PZ"}
    assert ("wrapper", "sync") in pairs


def test_battery_pair_quantised_w1_timing():
    env = TimedParallelEnv(BatteryPair(), DT, w1_timing(), record=True)
    obs, _ = env.reset(seed=0)
    while env.agents:
        obs, *_ = env.step({a: simple(a, obs[a]) for a in env.ticking_agents()})
    assert env.step_index == 500
    log = env.tick_log["battery_1"]
    gaps = np.diff([n for _, n, _, _ in log])
    assert 46 <= len(log) <= 55 and set(gaps) <= set(range(5, 16))  # 1 s, sd 0.1 s = 1 step
    assert {n - m for _, n, m, _ in log[1:]} == {1}  # 0.05 s observation delay: one step
    assert {e - n for _, n, _, e in log} == {1, 2}  # 0.1 s +- jitter, rounded up: 1 or 2
    res = evaluate(make_env, simple, dt=DT, timing=w1_timing(), n_episodes=3, seed=0,
                   horizon_steps=500)
    assert (res.arrays["n_ticks"] > 40).all()
