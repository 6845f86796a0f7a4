"""Next-event selection of the batch kernel (``heron._fast.rollout_nb``): from
``TREE_MIN_AGENTS`` agents a tournament tree picks the next regular event instead of a linear scan
of the stream heads. It must pick exactly the event the scan picks, ties included, so every
result is the same bit for bit.

Each case runs the same episodes with the scan and with the tree forced
(``heron.bench.agent_scaling.next_event_selection``) and compares whole event traces (every
event's time, class, agent and index, in processing order, reward-clock instants included) and
every result column: battery fleets without and with coordinator (messages, alarms, out-of-cycle
ticks, disturbances), jittered and deterministic timing (no jitter: most events tie), compiled and
Python policies (the kernel pauses for Python decisions and resumes). The tree's helpers are also
checked as plain Python against a scan on random heads full of ties.
"""
import numpy as np
import pandas.testing as pdt
import pytest

from heron._fast import tree_nb
from heron.batch import evaluate
from heron.batch.policies import BatchedPolicy
from heron.batch.trace import trace_episodes
from heron.bench.agent_scaling import next_event_selection
from heron.demo_envs import battery_fleet
from heron.scheduling import TickConfig

DET_FIELD = TickConfig.deterministic(tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                                     msg_delay=0.05)
DET_COORD = TickConfig.deterministic(tick_interval=2.0, obs_delay=0.05, act_delay=0.0,
                                     msg_delay=0.1)
# delays of one tick: an agent's observation sample, tick, delivery and effect share instants
LOCKSTEP = TickConfig.deterministic(tick_interval=1.0, obs_delay=1.0, act_delay=1.0,
                                    msg_delay=1.0)


def _scan_pick(heads, n):
    """The scan's choice over the agents' heads (agent ``i``'s class ``c`` at ``4 i + c``),
    class by class: the minimum's head index ``c * n + i`` in that order (-1 if all inf)."""
    best, bh = np.inf, -1
    for c in range(4):
        for i in range(n):
            if heads[4 * i + c] < best:
                best, bh = heads[4 * i + c], c * n + i
    return best, bh


def _tree_pick(tr):
    bt = tr[2]
    return bt, (int(tr[3]) if bt < np.inf else -1)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_tree_helpers_pick_what_the_scan_picks(n):
    rng = np.random.default_rng(n)
    times = np.array([0.0, 0.5, 1.0, 1.5, np.inf])      # few values: ties everywhere
    heads = rng.choice(times, size=(1, 4 * n + 1))
    P = 1 << max(0, (n - 1).bit_length())
    tr = np.empty(4 * P)
    tree_nb.tree_build(tr, heads, 0, n)
    assert _tree_pick(tr) == _scan_pick(heads[0], n)
    for _ in range(300):                                  # the kernel changes one agent at a time
        i = int(rng.integers(n))
        for c in rng.choice(4, size=int(rng.integers(1, 4)), replace=False):
            heads[0, 4 * i + c] = rng.choice(times)
        tree_nb.tree_fix(tr, heads, 0, i, n)
        assert _tree_pick(tr) == _scan_pick(heads[0], n)
    fresh = np.empty(4 * P)
    tree_nb.tree_build(fresh, heads, 0, n)
    np.testing.assert_array_equal(tr[2:], fresh[2:])       # node 0 is unused


def _both_ways(run):
    with next_event_selection("scan"):
        a = run()
    with next_event_selection("tree"):
        b = run()
    return a, b


def _assert_same_arrays(a, b):
    assert a.keys() == b.keys()
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), k


CASES = {
    # n, coordinator, timing, disturbance_mean (s)
    "w1-jitter": (9, False, None, None),
    "deterministic-ties": (10, False, {"field": DET_FIELD}, None),
    "coordinator-jitter": (6, True, None, 4.0),
    "coordinator-ties": (7, True, {"field": DET_FIELD, "coordinator": DET_COORD}, 3.0),
    "lockstep-ties": (8, True, {"field": LOCKSTEP, "coordinator": LOCKSTEP}, 2.0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tree_and_scan_give_the_same_episodes(case):
    n, coord, timing, dist = CASES[case]
    env = battery_fleet(n, coordinator=coord, horizon=30.0, disturbance_mean=dist)
    traces = _both_ways(lambda: trace_episodes(env, timing=timing, n_episodes=3, seed=4))
    pdt.assert_frame_equal(*traces)
    tr = traces[0]
    if timing is not None:      # no jitter: most events share their instant with others
        assert tr.duplicated(["episode", "t"]).mean() > 0.5
    if coord:                   # the irregular paths ran: alarms, out-of-cycle ticks, disturbances
        assert ((tr["event"] == "delivery") & (tr["k"] == -1)).any()
        assert ((tr["event"] == "tick") & (tr["k"] < 0)).any()
        assert (tr["event"] == "disturbance").any()
        assert ((tr["event"] == "delivery") & (tr["k"] >= 0)).any()
    res = _both_ways(lambda: evaluate(env, timing=timing, n_episodes=40, seed=5).arrays)
    _assert_same_arrays(*res)
    auto = evaluate(env, timing=timing, n_episodes=40, seed=5).arrays
    _assert_same_arrays(res[0], auto)


def _coordinator_rule(obs):
    """A Python coordinator: each battery's setpoint is 1 - its SOC, clipped to [0.2, 0.8]."""
    return np.clip(1.0 - obs, 0.2, 0.8)


@pytest.mark.parametrize("timing", [None, {"field": DET_FIELD, "coordinator": DET_COORD}],
                         ids=["jitter", "ties"])
def test_python_policies_pausing_give_the_same_episodes(timing):
    env = battery_fleet(8, coordinator=True, horizon=20.0, disturbance_mean=3.0)
    policy = {"field": "simple_numpy",
              "coordinator": BatchedPolicy(_coordinator_rule, name="coordinator_rule")}
    traces = _both_ways(lambda: trace_episodes(env, policy, timing=timing, n_episodes=2, seed=6))
    pdt.assert_frame_equal(*traces)
    res = _both_ways(lambda: evaluate(env, policy, timing=timing, n_episodes=24, seed=7,
                                      threads=1).arrays)
    _assert_same_arrays(*res)


def test_events_are_the_traced_events_without_reward_instants():
    """What ``heron bench --workload AS`` counts: every processed event of the kernel."""
    env = battery_fleet(5, coordinator=True, horizon=20.0, disturbance_mean=3.0)
    tr = trace_episodes(env, n_episodes=4, seed=8)
    res = evaluate(env, n_episodes=4, seed=8)
    assert res.stats["events"] == int((tr["event"] != "reward").sum())
    a = res.arrays
    assert int(a["n_ticks"].sum()) == int((tr["event"] == "tick").sum())
    assert int(a["n_effects"].sum()) == int((tr["event"] == "effect").sum())
    assert int(a["n_messages"].sum()) == int((tr["event"] == "delivery").sum())


def test_selection_mode_is_validated():
    with pytest.raises(ValueError, match="mode must be one of .*'sideways'"):
        with next_event_selection("sideways"):
            pass
