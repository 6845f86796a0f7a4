"""Irregular events in the interactive API (issue 13 items 2-3): condition monitors on the env's
state and on an agent's observation, out-of-cycle ticks (merged, preempting), one-shot per
episode, custom events in the contract's order, disturbance schedules replayed every episode,
``reset(seed)`` reproducibility and replayed schedules rewinding, the policy error note."""
import numpy as np
import pytest

from heron._fast import rng as heron_rng
from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.envs import irregular
from heron.envs.adapters import PettingZooParallelEnv
from heron.scheduling import (
    ConditionMonitor, DisturbanceSchedule, JitterType, TickConfig,
)


class Probe(FieldAgent):
    def set_action(self):
        self.action.set_specs(dim_c=1, range=(-10.0, 10.0))

    def observe(self, gs=None):
        return np.array([gs["level"] if gs else np.nan])


class LevelEnv(PettingZooParallelEnv):
    """A scalar ``level``: effects add the action; custom events and disturbances set it."""

    def __init__(self, agents):
        super().__init__(env_id="level_env")
        self.level = 0.0
        for a in agents:
            self.register_agent(a)
        self.setup_event_driven()
        self.setup_default_handlers(global_state_fn=lambda: {"level": self.level},
                                    on_action_effect=self._effect)

    def _effect(self, aid, action):
        self.level += float(action[0])

    def episode(self, t_end, seed=None, episode=0):
        self.level = 0.0
        if seed is not None:
            self.use_streams(seed, episode)
        self.reset_event_driven(0.0)
        self.run_event_driven(t_end)


def recorder(log, name, value=0.0):
    def policy(obs, message=None):
        log.append((name, float(obs[0])))
        return np.array([value])
    return policy


def tick_times(env, aid):
    return [(round(x["time"], 9), x["tick"]) for x in env.trace
            if x["kind"] == "tick" and x["agent"] == aid]


def test_out_of_cycle_ticks_indices_match_the_streams():
    assert (irregular.Q_OOC_OBS, irregular.Q_OOC_MSG, irregular.Q_OOC_ACT) == (
        heron_rng.Q_OOC_OBS, heron_rng.Q_OOC_MSG, heron_rng.Q_OOC_ACT)


def test_state_monitor_wakes_an_agent_out_of_cycle_with_cooldown():
    seen = []
    probe = Probe("probe", tick_config=TickConfig.deterministic(1.0, obs_delay=0.1),
                  policy=recorder(seen, "probe"))
    env = LevelEnv([probe])
    env.register_condition(ConditionMonitor.threshold("high", "probe", ["level"], 5.0,
                                                      direction="above", cooldown=3.0,
                                                      delay=0.5))
    env.on_custom("flood", lambda ev: setattr(env, "level", ev.payload["to"]))
    env.trace = []
    env.schedule_custom(2.3, "flood", {"to": 10.0})
    env.run_event_driven(7.05)
    # fires at 2.3 s (the flood), then at the first state change (an effect: every tick at
    # 0 s act delay) 3 s later or more: 6.0 s. Alarms 0.5 s later; out-of-cycle ticks 0.1 s
    # (obs_delay, drawn from the out-of-cycle stream) after an alarm arrives
    assert [x["time"] for x in env.trace if x["kind"] == "alarm"] == [2.8, 6.5]
    ticks = tick_times(env, "probe")
    assert [tk for tk in ticks if tk[1] < 0] == [(2.9, -1), (6.6, -2)]
    assert [t for t, k in ticks if k >= 0] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    ooc_obs = [v for (name, v), (t, k) in zip(seen, ticks) if k < 0]
    assert ooc_obs == [10.0, 10.0]  # the state sampled when the alarm arrived
    assert env.timing_stats()["probe"]["n_ticks"] == 10


def test_source_monitor_alarm_travels_like_a_message_and_merges():
    sub = Probe("f", tick_config=TickConfig.deterministic(1.0, msg_delay=0.3),
                policy=lambda obs, message=None: np.array([1.0]))
    coord_obs = []
    coord = CoordinatorAgent("c", subordinates=[sub], tick_config=TickConfig.deterministic(
        10.0, obs_delay=1.5, msg_delay=0.05), policy=recorder(coord_obs, "c", 0.5))
    coord.observe = lambda gs=None: np.array([gs["level"] if gs else np.nan])
    env = LevelEnv([sub, coord])
    env.register_condition(ConditionMonitor.threshold("over", "c", [0], 2.5, direction="above",
                                                      source="f"))
    env.trace = []
    env.run_event_driven(9.0)
    alarms = [round(x["time"], 9) for x in env.trace if x["kind"] == "alarm"]
    # f sees level 0, 1, 2, 3, ... (its effect lands after its tick): first above 2.5 at its tick
    # at 3 s, and at every tick after (level-triggered); each alarm takes its 0.3 s msg delay
    assert alarms == [3.3, 4.3, 5.3, 6.3, 7.3, 8.3]
    assert {x["source"] for x in env.trace if x["kind"] == "alarm"} == {"f"}
    assert env.timing_stats()["f"]["n_messages"] == 6  # an alarm counts as a message of f
    # the coordinator ticks 1.5 s (its obs delay) after an alarm; the alarm arriving while that
    # tick is pending merges into it
    assert [t for t, k in tick_times(env, "c") if k < 0] == [4.8, 6.8, 8.8]
    assert [v for name, v in coord_obs][1:] == [4.0, 6.0, 8.0]  # sampled at the arrivals


def test_preempting_alarm_replaces_the_next_regular_tick():
    probe = Probe("p", tick_config=TickConfig.deterministic(1.0, obs_delay=0.1),
                  policy=lambda obs, message=None: np.array([0.0]))
    other = Probe("q", tick_config=TickConfig.deterministic(1.0),
                  policy=lambda obs, message=None: np.array([0.0]))
    env = LevelEnv([probe, other])
    env.register_condition(ConditionMonitor("now", "p", lambda st: st["level"] > 0,
                                            preempt_next_tick=True, one_shot=True))
    env.on_custom("kick", lambda ev: setattr(env, "level", 1.0))
    env.trace = []
    env.schedule_custom(2.3, "kick")
    env.run_event_driven(5.0)
    assert tick_times(env, "p") == [(0.0, 0), (1.0, 1), (2.0, 2), (2.4, -1), (3.4, 3), (4.4, 4)]
    assert [t for t, _ in tick_times(env, "q")] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_one_shot_fires_once_per_episode_and_custom_events_follow_the_contract_order():
    order = []
    probe = Probe("p", tick_config=TickConfig.deterministic(1.0),
                  policy=lambda obs, message=None: order.append("tick") or np.array([0.0]))
    env = LevelEnv([probe])
    env.register_condition(ConditionMonitor("once", "p", lambda st: True, one_shot=True))
    env.on_custom("mark", lambda ev: order.append("custom") or False)
    env.on_env_update = lambda ev: order.append("env_update")
    for _ in range(2):
        env.trace = []
        env.reset_event_driven(0.0)
        env.schedule_custom(1.0, "mark")
        env.schedule_env_update(1.0)
        order.clear()
        env.run_event_driven(1.0)
        assert sum(x["kind"] == "alarm" for x in env.trace) == 1  # once per episode
        assert order[-3:] == ["tick", "env_update", "custom"]  # ticks, updates, then custom
    with pytest.raises(KeyError, match="no handler for custom event 'nope'"):
        env.schedule_custom(2.0, "nope")


def test_disturbance_schedules_replay_every_episode():
    probe = Probe("p", tick_config=TickConfig.deterministic(1.0),
                  policy=lambda obs, message=None: np.array([0.0]))
    env = LevelEnv([probe])
    hits = []
    env.add_disturbances(DisturbanceSchedule.at([1.5, 4.0], "spike"),
                         handler=lambda d: hits.append((d.timestamp, d.index)))
    env.add_disturbances(DisturbanceSchedule.poisson(mean_spacing=2.0, stream=1),
                         handler=lambda d: hits.append(("poisson", round(d.timestamp, 9))))
    runs = []
    for ep in (0, 0, 1):
        hits.clear()
        env.episode(10.0, seed=4, episode=ep)
        runs.append(list(hits))
    assert runs[0] == runs[1] != runs[2]  # the same episode replays; another one differs
    assert [h for h in runs[0] if h[0] != "poisson"] == [(1.5, 0), (4.0, 1)]
    want = [round(d.timestamp, 9) for d in DisturbanceSchedule.poisson(2.0, stream=1).arrivals(
        0.0, 10.0, seed=4, episode=0)]
    assert [h[1] for h in runs[0] if h[0] == "poisson"] == want
    with pytest.raises(TypeError, match="needs handler="):
        env.add_disturbances(DisturbanceSchedule.at([1.0]))


def test_seeded_episodes_are_reproducible_whatever_a_shared_config_did():
    shared = TickConfig.with_jitter(1.0, 0.2, 0.3, jitter_type=JitterType.GAUSSIAN,
                                    jitter_ratio=0.3, seed=1)

    def run(seed, episode, burn=0):
        for _ in range(burn):
            shared.get_tick_interval()  # another user of the shared config draws from it
        a = Probe("a", tick_config=shared, policy=lambda obs, message=None: np.array([0.5]))
        b = Probe("b", tick_config=shared, policy=lambda obs, message=None: np.array([-0.2]))
        env = LevelEnv([a, b])
        env.trace = []
        env.episode(20.0, seed=seed, episode=episode)
        return [(x["kind"], x["agent"], round(x["time"], 12)) for x in env.trace], env

    first, env = run(5, 2)
    assert run(5, 2, burn=7)[0] == first
    assert run(5, 3)[0] != first and run(6, 2)[0] != first
    assert env.get_agent("a").tick_config.base is shared  # the user's config is kept as base
    env.use_streams(None)
    env.reset_event_driven(0.0)
    assert env.get_agent("a").tick_config is shared  # unseeded: the config's own generator


def test_reset_agents_seed_seeds_the_timing_and_none_moves_to_the_next_episode():
    cfg = TickConfig.with_jitter(1.0, 0.1, jitter_type="UNIFORM", jitter_ratio=0.4)
    env = LevelEnv([Probe("a", tick_config=cfg,
                          policy=lambda obs, message=None: np.array([0.0]))])
    env.reset_agents(seed=9)
    assert (env.stream_seed, env.stream_episode) == (9, 0)
    env.reset_agents()
    assert env.stream_episode == 1
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        env.use_streams(-1)


def test_a_replayed_schedule_rewinds_with_every_episode():
    from heron.batch.schedule import build_schedule
    from heron.demo_envs import battery_fleet

    spec = battery_fleet(1, horizon=10.0)
    timing = {"field": TickConfig.with_jitter(1.0, 0.05, 0.1, jitter_type="GAUSSIAN",
                                              jitter_ratio=0.3)}
    replay = build_schedule(spec, timing, n_episodes=1, seed=2).tick_configs(0)["battery_1"]
    probe = Probe("battery_1", tick_config=replay,
                  policy=lambda obs, message=None: np.array([0.0]))
    env = LevelEnv([probe])
    runs = []
    for _ in range(2):
        env.trace = []
        env.reset_event_driven(0.0)
        env.run_event_driven(10.0)
        runs.append(tick_times(env, "battery_1"))
    assert runs[0] == runs[1] and len(runs[0]) >= 9


def test_a_policy_that_raises_is_named_with_its_agent_and_episode():
    def broken_policy(obs, message=None):
        raise ZeroDivisionError("boom")

    env = LevelEnv([Probe("pump_3", tick_config=TickConfig.deterministic(1.0),
                          policy=broken_policy)])
    env.use_streams(8, 4)
    env.reset_event_driven(0.0)
    with pytest.raises(ZeroDivisionError) as info:
        env.run_event_driven(3.0)
    notes = " ".join(getattr(info.value, "__notes__", []))
    if hasattr(info.value, "add_note"):
        assert "broken_policy" in notes and "'pump_3'" in notes
        assert "episode 4 of seed 8" in notes and "t=0.0 s" in notes
