"""Per-episode timing in the batch engine (``evaluate(..., timing_per_episode=...)``): row ``g``
of the table is episode ``g``'s timing, whatever the chunk size, thread count or shard split;
without a table nothing changes. Battery fleet kernels (shared with the other battery tests)."""
import numpy as np
import pytest

from heron._fast.dtypes import agent_timing_dt
from heron.batch import evaluate
from heron.batch.schedule import fill
from heron.batch.timing import timing_array
from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig

W1 = TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                            jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.1)
SLOW = TickConfig.with_jitter(tick_interval=1.7, obs_delay=0.4, act_delay=0.6,
                              jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.25)
N = 48


@pytest.fixture(scope="module")
def env():
    return battery_fleet(2, coordinator=False, horizon=20.0)


def _per_episode_returns(res):
    a = res.arrays
    return np.asarray(a["episode"]), np.asarray(a["agent"]), np.asarray(a["return"])


def _table(configs, n_rows):
    """A dict table whose row g is configs[g % len(configs)] for every agent (2 agents)."""
    fields = ("tick_interval", "obs_delay", "act_delay", "jitter_ratio")
    return {f: np.array([[getattr(configs[g % len(configs)], f)] * 2 for g in range(n_rows)])
            for f in fields}


def _same(a, b):
    for k in a.arrays:
        x, y = np.asarray(a.arrays[k]), np.asarray(b.arrays[k])
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(x, y, err_msg=k)
        else:
            assert (x == y).all(), k


def test_rows_equal_to_the_timing_reproduce_the_default_run_bit_for_bit(env):
    plain = evaluate(env, "simple", timing={"field": W1}, n_episodes=N, seed=3)
    table = evaluate(env, "simple", timing={"field": W1}, n_episodes=N, seed=3,
                     timing_per_episode=_table([W1], N))
    _same(plain, table)
    assert "timing_per_episode" not in plain.config
    assert table.config["timing_per_episode"]["rows"] == N
    # the same table as a NumPy structured array (one record per (episode, agent))
    d = _table([W1], N)
    rec = np.zeros((N, 2), dtype=[(f, "f8") for f in d])
    for f, v in d.items():
        rec[f] = v
    structured = evaluate(env, "simple", timing={"field": W1}, n_episodes=N, seed=3,
                          timing_per_episode=rec)
    _same(plain, structured)
    assert structured.config["timing_per_episode"] == table.config["timing_per_episode"]


def test_each_episode_runs_with_its_own_row(env):
    mixed = evaluate(env, "simple", timing={"field": W1}, n_episodes=N, seed=3,
                     timing_per_episode=_table([W1, SLOW], N))
    w1 = evaluate(env, "simple", timing={"field": W1}, n_episodes=N, seed=3)
    slow = evaluate(env, "simple", timing={"field": SLOW}, n_episodes=N, seed=3)
    ep, _, ret = _per_episode_returns(mixed)
    for ref, parity in ((w1, 0), (slow, 1)):
        ep_r, _, ret_r = _per_episode_returns(ref)
        sel = ep % 2 == parity
        np.testing.assert_array_equal(ret[sel], ret_r[ep_r % 2 == parity])
    assert not np.array_equal(ret, _per_episode_returns(w1)[2])


def test_chunks_threads_and_shards_do_not_change_results(env):
    rng = np.random.default_rng(0)
    rows = N + 10
    table = {"act_delay": rng.uniform(0.0, 0.8, (rows, 2)),
             "obs_delay": rng.uniform(0.0, 0.8, (rows, 2)),
             "tick_interval": rng.uniform(0.4, 2.0, (rows, 2)),
             "jitter_ratio": rng.uniform(0.0, 0.4, (rows, 2))}
    kw = dict(timing={"field": W1}, seed=11, timing_per_episode=table)
    a = evaluate(env, "simple", n_episodes=N, chunk_size=5, threads=1, **kw)
    b = evaluate(env, "simple", n_episodes=N, chunk_size=64, threads=2, **kw)
    _same(a, b)
    # a shard of episodes [20, 48) reads rows 20..47 of the same table
    part = evaluate(env, "simple", n_episodes=N - 20, episode_start=20, chunk_size=7, **kw)
    ep, _, ret = _per_episode_returns(a)
    np.testing.assert_array_equal(_per_episode_returns(part)[2], ret[ep >= 20])


def test_alarms_and_out_of_cycle_ticks_read_their_episode_row():
    """With a coordinator, alarms cause out-of-cycle ticks whose delays come from the timing
    table (rollout kernel): the mixed table equals the two single-timing runs row by row."""
    env = battery_fleet(3, coordinator=True, horizon=60.0)
    pol = {"field": "simple", "coordinator": "setpoint"}
    coord = TickConfig.with_jitter(tick_interval=5.0, obs_delay=0.2, msg_delay=0.1,
                                   jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.05)
    slow_coord = TickConfig.with_jitter(tick_interval=7.0, obs_delay=0.9, msg_delay=0.6,
                                        jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.3)
    timings = [{"field": W1, "coordinator": coord}, {"field": SLOW, "coordinator": slow_coord}]
    n = 24
    classes = [a.agent_class for a in env.agents]
    table = {f: np.array([[getattr(timings[g % 2][c], f) for c in classes] for g in range(n)])
             for f in ("tick_interval", "obs_delay", "act_delay", "msg_delay", "jitter_ratio")}
    mixed = evaluate(env, pol, timing=timings[0], n_episodes=n, seed=4, timing_per_episode=table)
    ep, _, ret = _per_episode_returns(mixed)
    for parity, timing in enumerate(timings):
        ref = evaluate(env, pol, timing=timing, n_episodes=n, seed=4)
        ep_r, _, ret_r = _per_episode_returns(ref)
        np.testing.assert_array_equal(ret[ep % 2 == parity], ret_r[ep_r % 2 == parity])
    assert int(np.asarray(mixed.arrays["n_messages"]).sum()) > 0


def test_a_table_row_fills_the_schedule_the_default_fill_would():
    tarr = timing_array([W1, SLOW])
    other = timing_array([SLOW, W1])
    table = np.empty((6, 2), dtype=agent_timing_dt)
    table[0::2] = tarr
    table[1::2] = other
    sched, n_ticks, offsets, _ = fill(table, 9, 100, 6, 30.0)
    for row in range(6):
        ref = tarr if row % 2 == 0 else other
        s_ref, n_ref, off_ref, _ = fill(ref, 9, 100 + row, 1, 30.0)
        for i in range(2):
            n = n_ticks[row, i]
            assert n == n_ref[0, i]
            np.testing.assert_array_equal(sched[row, offsets[i]:offsets[i] + n],
                                          s_ref[0, off_ref[i]:off_ref[i] + n])


@pytest.mark.parametrize("table, kind, words", [
    ([1, 2], TypeError, ["timing_per_episode must be a dict", "got list"]),
    ({"act_delay": np.zeros((N, 3))}, ValueError, ["shape (n_rows, 2)", "got shape (48, 3)"]),
    ({"act_delay": np.zeros(N)}, ValueError, ["shape (n_rows, 2)", "got shape (48,)"]),
    ({"act_delay": np.zeros((N - 1, 2))}, ValueError,
     ["at least episode_start + n_episodes = 48 rows", "got 47"]),
    ({"act_delay": np.full((N, 2), -0.1)}, ValueError,
     ["['act_delay'] must be finite, >= 0", "got -0.1", "episode 0", "agent 'battery_"]),
    ({"tick_interval": np.zeros((N, 2))}, ValueError, ["['tick_interval']", "> 0", "got 0.0"]),
    ({"obs_delay": np.full((N, 2), np.nan)}, ValueError, ["['obs_delay'] must be finite"]),
    ({"act_delay": np.zeros((N, 2), dtype=bool)}, TypeError, ["real numbers", "got dtype bool"]),
    ({"jitter_type": np.zeros((N, 2))}, ValueError, ["unknown field(s) ['jitter_type']"]),
    ({}, ValueError, ["at least one of"]),
])
def test_bad_tables_are_refused_naming_argument_expected_and_received(env, table, kind, words):
    with pytest.raises(kind) as err:
        evaluate(env, "simple", timing={"field": W1}, n_episodes=N, seed=0,
                 timing_per_episode=table)
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_per_episode_timing_is_refused_outside_the_batch_engine_and_without_jitter(env):
    with pytest.raises(ValueError, match="engine='batch' only.*got engine='sync'"):
        evaluate(env, "simple", n_episodes=4, seed=0, engine="sync",
                 timing_per_episode={"act_delay": np.zeros((4, 2))})
    flat = TickConfig.deterministic(tick_interval=1.0)
    with pytest.raises(ValueError, match="jitter type is NONE"):
        evaluate(env, "simple", timing={"field": flat}, n_episodes=4, seed=0,
                 timing_per_episode={"jitter_ratio": np.full((4, 2), 0.1)})
