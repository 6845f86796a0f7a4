"""``heron.pettingzoo.evaluate``: Monte Carlo over a plain PettingZoo env (``pz_thermostat``),
event-driven vs the synchronous baseline, paired by (seed, episode)."""
import numpy as np
import pandas as pd
import pytest

from heron.analysis.bootstrap import paired_gap
from heron.batch.result import COLUMNS, EvaluationResult
from heron.pettingzoo import PettingZooSpec, evaluate
from heron.scheduling import JitterType, TickConfig

from pz_thermostat import DT, make_env, proportional

JITTERED = TickConfig(tick_interval=30.0, obs_delay=20.0, act_delay=15.0,
                      jitter_type=JitterType.UNIFORM, jitter_ratio=0.2)
KW = dict(dt=DT, n_episodes=40, seed=3, horizon_steps=90)


def same(a: EvaluationResult, b: EvaluationResult) -> None:
    assert list(a.arrays) == list(b.arrays) == list(COLUMNS)
    for k in COLUMNS:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k], err_msg=k)


def test_lockstep_event_engine_equals_the_sync_baseline():
    for timing in (None, TickConfig(tick_interval=30.0)):
        ev = evaluate(make_env, proportional, timing=timing, **KW)
        sy = evaluate(make_env, proportional, timing=timing, engine="sync", **KW)
        for k in ("return", "n_ticks", "n_effects", "obs_staleness_max", "act_staleness_max"):
            np.testing.assert_array_equal(ev.arrays[k], sy.arrays[k], err_msg=k)
    assert (ev.arrays["n_ticks"] == 30).all()  # every 3rd of 90 steps


def test_result_columns_and_config():
    res = evaluate(make_env, proportional, timing=JITTERED, **KW)
    df = res.episodes
    assert list(df.columns) == list(COLUMNS)
    assert str(df["agent"].dtype) == "string" and set(df["agent"]) == {"room_a", "room_b"}
    assert (df["agent_class"] == "field").all() and (df["n_messages"] == 0).all()
    assert df["episode"].tolist() == np.repeat(np.arange(40), 2).tolist()
    assert (df["seed"] == 3).all() and df["agent_index"].tolist() == [0, 1] * 40
    # staleness in seconds of whole steps: observation 20 s +- 20 % -> 2 or 3 steps
    assert set(np.unique(df["obs_staleness_max"])) <= {20.0, 30.0}
    assert (df["act_staleness_mean"] >= 30.0).all()  # >= 2 + 2 steps less a tick's slack
    assert res.config["timing"]["room_a"]["act_delay"] == 15.0
    assert res.config["policy"]["room_a"]["name"] == "pz_thermostat:proportional"
    assert res.stats["engine"] == "event" and res.stats["horizon_steps"] == 90
    import json

    json.dumps(res.config)


def test_thousand_episodes_paired_loss_table():
    """1,000 episodes under jittered delays and their synchronous twins: a paired loss table."""
    kw = dict(dt=DT, n_episodes=1000, seed=2026, horizon_steps=90, as_arrays=True)
    event = evaluate(make_env, proportional, timing=JITTERED, **kw)
    sync = evaluate(make_env, proportional, timing=JITTERED, engine="sync", **kw)
    np.testing.assert_array_equal(event.arrays["episode"], sync.arrays["episode"])
    rows = []
    for agent in ("room_a", "room_b", None):
        if agent is None:  # the whole episode: returns summed over agents
            x = event.arrays["return"].reshape(-1, 2).sum(axis=1)
            b = sync.arrays["return"].reshape(-1, 2).sum(axis=1)
        else:
            x, b = event.returns(agent), sync.returns(agent)
        g = paired_gap(x, b, n_boot=500, seed=0, key=str(agent))
        rows.append({"agent": agent or "all", "n_episodes": len(x), "event_mean": g["mean"],
                     "sync_mean": g["baseline_mean"], "loss_pct": g["gap_pct"],
                     "loss_ci_low": g["gap_ci_low"], "loss_ci_high": g["gap_ci_high"]})
    table = pd.DataFrame(rows)
    print("\n" + table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    assert (table["n_episodes"] == 1000).all()
    # delays and jitter cost the thermostat: a clear loss against lock-step, for every row
    assert (table["loss_ci_low"] > 0).all()
    assert (table["loss_ci_low"] <= table["loss_pct"]).all()
    assert (table["loss_pct"] <= table["loss_ci_high"]).all()
    assert (table["event_mean"] < table["sync_mean"]).all()


def test_heron_analysis_reads_the_results():
    compare = pytest.importorskip("heron.analysis.compare").compare
    ev = evaluate(make_env, proportional, timing=JITTERED, **KW)
    sy = evaluate(make_env, proportional, timing=JITTERED, engine="sync", **KW)
    table = compare(ev, sy, by="agent", n_boot=200)
    assert table["agent"].tolist() == ["room_a", "room_b"]
    assert (table["n_episodes"] == 40).all() and (table["gap_pct"] > 0).all()


def test_results_do_not_depend_on_executor_workers_or_chunks():
    base = evaluate(make_env, proportional, timing=JITTERED, **KW)
    same(base, evaluate(make_env, proportional, timing=JITTERED, chunk_size=7, **KW))
    proc = evaluate(make_env, proportional, timing=JITTERED, executor="process", workers=2,
                    chunk_size=6, **KW)
    same(base, proc)
    assert proc.stats["executor"] == "process" and proc.stats["workers"] == 2
    # an episode range gives the same rows as the same episodes of a longer run
    part = evaluate(make_env, proportional, timing=JITTERED, **{**KW, "n_episodes": 5},
                    episode_start=10)
    for k in COLUMNS:
        np.testing.assert_array_equal(part.arrays[k], base.arrays[k][20:30], err_msg=k)


def test_policy_forms_spec_and_horizon():
    full = evaluate(make_env, proportional, timing=JITTERED, **KW)
    per_agent = {"room_a": lambda o: proportional("room_a", o),
                 "field": lambda o: proportional("room_b", o)}
    same(full, evaluate(make_env, per_agent, timing=JITTERED, **KW))
    off = evaluate(make_env, {"room_a": per_agent["room_a"], "room_b": lambda o: [0.0]},
                   timing=JITTERED, **KW)
    assert (off.returns("room_b") < full.returns("room_b")).all()  # room_b never heats
    spec = PettingZooSpec(make_env, DT, horizon=900.0)
    same(full, evaluate(spec, proportional, timing=JITTERED, n_episodes=40, seed=3))
    same(full, evaluate(make_env, proportional, timing=JITTERED, dt=DT, n_episodes=40, seed=3,
                        horizon=900.0))
    # the env truncates itself after 90 steps: a longer horizon changes nothing
    same(full, evaluate(make_env, proportional, timing=JITTERED, **{**KW, "horizon_steps": 200}))
    short = evaluate(make_env, proportional, timing=JITTERED, **{**KW, "horizon_steps": 10})
    assert (short.arrays["n_ticks"] <= 4).all()


@pytest.mark.parametrize("kw, err, match", [
    ({"engine": "batchy"}, ValueError, "engine"),
    ({"executor": "dask"}, ValueError, "executor"),
    ({"horizon_steps": None}, ValueError, "horizon"),
    ({"horizon": 95.0}, ValueError, "horizon"),
    ({"dt": None}, TypeError, "dt"),
    ({"seed": -1}, ValueError, "seed"),
    ({"n_episodes": 0}, ValueError, "n_episodes"),
    ({"timing": {"room_z": JITTERED}}, ValueError, "unknown key"),
])
def test_argument_errors(kw, err, match):
    with pytest.raises(err, match=match):
        evaluate(make_env, proportional, **{**KW, **kw})


def test_policy_errors():
    with pytest.raises(ValueError, match="no entry"):
        evaluate(make_env, {"room_a": lambda o: [0.0]}, **KW)
    with pytest.raises(TypeError, match="callable"):
        evaluate(make_env, 3, **KW)
