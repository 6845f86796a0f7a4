"""The env-level event-driven path: docs/timing-model.md sections 3-6."""
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.core.feature import FeatureProvider
from heron.envs.adapters import PettingZooParallelEnv
from heron.scheduling.tick_config import JitterType, TickConfig

HYPO = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclass
class Level(FeatureProvider):
    visibility = ["owner", "upper_level"]
    level: float = 0.0


class Probe(FieldAgent):
    """Observes the environment's scalar ``level`` through the global state."""

    def set_state(self):
        self.state.features.append(Level())

    def set_action(self):
        self.action.set_specs(dim_c=1, range=(-10.0, 10.0))

    def observe(self, gs=None):
        return np.array([gs["level"] if gs else np.nan], np.float32)


class LevelEnv(PettingZooParallelEnv):
    """``level`` changes by ENV_UPDATE events (payload = new value) and by action effects."""

    def __init__(self, agents, updates=(), initial=-1.0):
        super().__init__(env_id="level_env")
        self.level = initial
        self.updates = list(updates)
        for a in agents:
            self.register_agent(a)
        self.effects = []
        self.setup_event_driven()
        self.setup_default_handlers(global_state_fn=lambda: {"level": self.level},
                                    on_action_effect=self._effect)
        for t, v in self.updates:
            self.schedule_env_update(t, v)

    def _effect(self, aid, action):
        self.effects.append((self.scheduler.current_time, aid, float(action[0])))

    def on_env_update(self, event):
        self.level = event.payload


def recorder(log, command=None):
    def policy(obs):
        log.append(float(obs[0]))
        return None if command is None else np.array([command])
    return policy


def level_at(updates, s, initial=-1.0):
    """Value of the level after the last update strictly before ``s``."""
    v = initial
    for t, val in sorted(updates):
        if t < s:
            v = val
    return v


def test_observation_is_the_state_strictly_before_t_minus_obs_delay():
    seen = []
    cfg = TickConfig.deterministic(tick_interval=1.0, obs_delay=0.25)
    ups = [(0.25 * i, 0.25 * i) for i in range(1, 20)]
    env = LevelEnv([Probe("p", tick_config=cfg, policy=recorder(seen))], ups)
    env.run_event_driven(4.0)
    # tick at T sees the update at T - 0.5: the one at exactly S = T - 0.25 runs after the sample
    assert seen == [-1.0, 0.5, 1.5, 2.5, 3.5]
    seen0 = []
    env0 = LevelEnv([Probe("p", policy=recorder(seen0))], ups)
    env0.run_event_driven(4.0)
    assert seen0 == [-1.0, 0.75, 1.75, 2.75, 3.75]  # O = 0: updates at T run after the tick


@HYPO
@given(seed=st.integers(0, 2**31), ratio=st.floats(0.0, 0.9),
       jitter=st.sampled_from([JitterType.UNIFORM, JitterType.GAUSSIAN, JitterType.LOGNORMAL]),
       times=st.lists(st.floats(0.0, 12.0), min_size=1, max_size=30))
def test_property_observation_never_newer_than_t_minus_delay(heap_impl, seed, ratio, jitter,
                                                             times):
    ups = [(t, float(i)) for i, t in enumerate(times)]
    cfg = TickConfig.with_jitter(tick_interval=0.7, obs_delay=0.4, jitter_type=jitter,
                                 jitter_ratio=ratio, seed=seed)
    seen = []
    env = LevelEnv([Probe("p", tick_config=cfg, policy=recorder(seen))], ups)
    env.trace = []
    env.run_event_driven(12.0)
    ticks = [r for r in env.trace if r["kind"] == "tick"]
    assert len(ticks) == len(seen) > 0
    for rec, obs in zip(ticks, seen):
        assert rec["obs_time"] <= rec["time"]
        assert obs == level_at(ups, rec["obs_time"])


@HYPO
@given(seed=st.integers(0, 2**31), ratio=st.floats(0.0, 0.95), act=st.floats(0.0, 2.5))
def test_property_effects_never_early_and_never_overtake(heap_impl, seed, ratio, act):
    cfg = TickConfig.with_jitter(tick_interval=0.5, act_delay=act, jitter_type="UNIFORM",
                                 jitter_ratio=ratio, seed=seed)
    counter = iter(range(10**6))
    probe = Probe("p", tick_config=cfg, policy=lambda obs: np.array([next(counter) % 10]))
    env = LevelEnv([probe])
    env.trace = []
    env.run_event_driven(15.0)
    ticks = [r for r in env.trace if r["kind"] == "tick"]
    prev = -np.inf
    for r in ticks:
        assert r["effect_time"] >= r["time"] + r["act_delay"]
        assert r["effect_time"] == max(r["time"] + r["act_delay"], prev)
        prev = r["effect_time"]
    landed = [(t, v) for t, _, v in env.effects]
    scheduled = [(r["effect_time"], float(r["command"][0])) for r in ticks
                 if r["effect_time"] <= 15.0]
    assert landed == scheduled  # FIFO, each command exactly once, at its effect time


class CountingConfig(TickConfig):
    """Logs every draw with the simulated time it happens at."""

    def __init__(self, log, name, clock, *args, **kw):
        super().__init__(*args, **kw)
        self.log, self.name, self.clock = log, name, clock

    def get_obs_delay(self):
        self.log.append((self.name, "obs", self.clock()))
        return super().get_obs_delay()

    def get_act_delay(self):
        self.log.append((self.name, "act", self.clock()))
        return super().get_act_delay()

    def get_msg_delay(self):
        self.log.append((self.name, "msg", self.clock()))
        return super().get_msg_delay()


def test_delays_are_drawn_once_per_tick_inside_the_agents_own_tick():
    log, holder = [], {}
    clock = lambda: holder["env"].scheduler.current_time  # noqa: E731
    fcfg = CountingConfig(log, "f", clock, 1.0, 0.1, 0.2, 0.0, "GAUSSIAN", 0.2, seed=1)
    ccfg = CountingConfig(log, "c", clock, 2.5, 0.1, 0.0, 0.3, "GAUSSIAN", 0.2, seed=2)
    acting = iter([True, False] * 50)
    field = Probe("f", tick_config=fcfg,
                  policy=lambda obs: np.array([1.0]) if next(acting) else None)
    coord = CoordinatorAgent("c", subordinates=[field], tick_config=ccfg,
                             policy=lambda obs: [0.5])
    env = LevelEnv.__new__(LevelEnv)
    holder["env"] = env
    LevelEnv.__init__(env, [field, coord])
    env.trace = []
    env.run_event_driven(10.0)
    ticks = {(r["agent"], r["time"]): r for r in env.trace if r["kind"] == "tick"}
    for (aid, t), rec in ticks.items():
        draws = [q for a, q, tt in log if a == aid and tt == t]
        want = ["obs"]
        if rec["source"] is not None:
            want.append("act" if aid == "f" else "msg")
        assert draws == want, (aid, t, draws)
    assert len(log) == sum(1 + (r["source"] is not None) for r in ticks.values())


def test_setpoint_arrives_after_msg_delay_and_is_seen_at_the_next_tick_not_before():
    seen = []
    field = FieldAgent("b", tick_config=TickConfig.deterministic(1.0),
                       policy=lambda obs, msg: seen.append(
                           (None if msg is None else (msg.sent_at, msg.delivered_at,
                                                      float(msg.content[0])))) or None)
    sp = iter(np.arange(0.1, 1.0, 0.1))
    coord = CoordinatorAgent("mg", subordinates=[field],
                             tick_config=TickConfig.deterministic(2.0, msg_delay=1.3),
                             policy=lambda obs: [next(sp)])
    env = LevelEnv([field, coord])
    env.trace = []
    env.run_event_driven(4.5)
    deliveries = [(r["time"], r["sent_at"]) for r in env.trace if r["kind"] == "message"]
    assert deliveries == [(1.3, 0.0), (3.3, 2.0)]
    # field ticks at 0,1,2,3,4: the setpoint sent at 0 lands at 1.3, first seen at the tick at 2
    assert seen[:2] == [None, None]
    assert seen[2] == pytest.approx((0.0, 1.3, 0.1)) and seen[3] == seen[2]
    assert seen[4] == pytest.approx((2.0, 3.3, 0.2))


def test_messages_are_fifo_under_jitter():
    field = FieldAgent("b")
    coord = CoordinatorAgent("mg", subordinates=[field], policy=lambda obs: [1.0],
                             tick_config=TickConfig.with_jitter(0.3, msg_delay=1.0,
                                                                jitter_type="UNIFORM",
                                                                jitter_ratio=0.9, seed=3))
    env = LevelEnv([field, coord])
    env.trace = []
    env.run_event_driven(20.0)
    sends = [r for r in env.trace if r["kind"] == "tick" and r["agent"] == "mg"]
    got = [r["sent_at"] for r in env.trace if r["kind"] == "message"]
    assert got == sorted(got) and got == [r["time"] for r in sends][:len(got)]
    assert len(got) > 40


def test_zero_act_delay_lands_at_t_after_every_tick_at_t_in_registration_order():
    seen = {"z": [], "a": []}
    agents = [Probe(n, policy=recorder(seen[n], 5.0)) for n in ("z", "a")]
    env = LevelEnv(agents, initial=0.0)
    env._on_action_effect = lambda aid, act: setattr(env, "level", env.level + act[0])
    env.trace = []
    env.run_event_driven(0.0)
    order = [(r["kind"], r["agent"], r["time"]) for r in env.trace]
    assert order == [("tick", "z", 0.0), ("tick", "a", 0.0), ("effect", "z", 0.0),
                     ("effect", "a", 0.0)]
    assert seen == {"z": [0.0], "a": [0.0]} and env.level == 10.0
    assert env.scheduler.agents == ["z", "a"]


def test_decision_order_pending_then_policy_then_nothing():
    seen = []
    env = LevelEnv([Probe("p", policy=recorder(seen, 2.0)), Probe("q")])
    env.run_event_driven(0.0)
    assert env.effects == [(0.0, "p", 2.0)] and len(seen) == 1  # q is passive
    env.set_pending_actions({"p": np.array([-3.0]), "q": [4.0]})
    env.run_event_driven(2.0)
    assert env.effects[1:] == [(1.0, "p", -3.0), (1.0, "q", 4.0), (2.0, "p", -3.0),
                               (2.0, "q", 4.0)]
    assert len(seen) == 1  # the policy is not consulted while a pending action exists


def test_bad_actions_and_ids_raise_clear_errors():
    env = LevelEnv([Probe("p")])
    with pytest.raises(ValueError, match="registered twice"):
        env.register_agent(Probe("p"))
    with pytest.raises(ValueError, match=r"unknown agent id\(s\) \['ghost'\]"):
        env.set_pending_actions({"ghost": [1.0]})
    env._pending_actions.update({"ghost": [1.0]})  # the tutorial fills the dict directly
    with pytest.raises(ValueError, match="ghost"):
        env.run_event_driven(1.0)
    env._pending_actions.clear()
    env._pending_actions["p"] = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"agent 'p'.*shape \(1,\).*1\., 2\."):
        env.run_event_driven(1.0)
    env._pending_actions["p"] = np.array([np.nan])
    with pytest.raises(ValueError, match="agent 'p'.*finite"):
        env.run_event_driven(2.0)
    bare = PettingZooParallelEnv()
    with pytest.raises(RuntimeError, match="setup_event_driven"):
        bare.run_event_driven(1.0)
    with pytest.raises(ValueError, match="no agents registered"):
        bare.setup_event_driven()
    with pytest.raises(TypeError, match="on_action_effect must be callable"):
        env.setup_default_handlers(on_action_effect=3)


def test_setup_is_idempotent_and_keeps_own_tick_configs():
    cfgs = [TickConfig.with_jitter(1.0, 0.05, 0.1, 0.2, "UNIFORM", 0.1, seed=i) for i in (1, 2)]
    agents = [Probe(f"p{i}", tick_config=c) for i, c in enumerate(cfgs)]
    env = LevelEnv(agents)
    sched = env.scheduler
    assert sched.agents == ["p0", "p1"]
    assert all(sched.tick_configs[a.agent_id] is a.tick_config for a in agents)
    assert sched.tick_configs["p1"].msg_delay == 0.2
    for _ in range(2):  # as the tutorial's reset does: reset the scheduler, then set up again
        env.scheduler.reset(start_time=0.0)
        env.setup_event_driven()
        env.trace = []
        env.run_event_driven(0.0)
        assert env.scheduler is sched
        assert [r["agent"] for r in env.trace] == ["p0", "p1"]  # one tick chain each
    env.setup_event_driven()  # mid-run: no second chain either
    env.trace = []
    env.run_event_driven(5.0)
    assert [r["agent"] for r in env.trace if r["kind"] == "tick"].count("p0") in (4, 5)
    env.register_agent(Probe("p2"))
    env.setup_event_driven()  # agents changed: a new scheduler, handlers re-installed
    assert env.scheduler is not sched and env.scheduler.agents == ["p0", "p1", "p2"]
    env.trace = []
    env.run_event_driven(env.scheduler.current_time)
    assert [r["agent"] for r in env.trace] == ["p0", "p1", "p2"]


def test_jittered_step_loop_advances():
    cfg = TickConfig.with_jitter(1.0, 0.05, 0.1, jitter_type="GAUSSIAN", jitter_ratio=0.4,
                                 seed=7)
    env = LevelEnv([Probe("p", tick_config=cfg, policy=recorder([], 1.0))])
    for _ in range(30):
        env.run_event_driven(env.scheduler.current_time + 1.0)
    assert env.scheduler.current_time == 30.0


class Integrator(LevelEnv):
    """Continuous physics: level' = actuator, integrated in advance_to, exact delayed obs."""

    def __init__(self, *a, **kw):
        self.advanced = []
        super().__init__(*a, **kw)

    def advance_to(self, t):
        prev = self.advanced[-1] if self.advanced else self._t_start
        self.advanced.append(t)
        self.level += float(self.get_agent("p").actuator[0]) * (t - prev)

    def capture_snapshot(self):
        return (self.level, float(self.get_agent("p").actuator[0]))

    def delayed_observation(self, agent_id, s):
        t_e, (level, rate) = self.snapshot_before(s)
        return np.array([level + rate * (s - t_e)], np.float32)


def test_physics_hooks_give_exact_delayed_observations():
    seen = []
    cfg = TickConfig.deterministic(1.0, obs_delay=0.3)
    env = Integrator([Probe("p", tick_config=cfg, policy=recorder(seen, 0.5))], initial=0.0)
    env.advanced.clear()
    env.run_event_driven(5.0)
    assert env.advanced == sorted(env.advanced) and env.advanced[-1] == 5.0
    assert seen[0] == 0.0
    # rate 0.5 from t=0: the level at S = T - 0.3 is 0.5 * S
    np.testing.assert_allclose(seen[1:], [0.5 * (t - 0.3) for t in (1, 2, 3, 4, 5)], rtol=1e-6)


def test_history_is_bounded_and_overreach_warns():
    cfg = TickConfig.deterministic(0.1, obs_delay=0.2)
    env = LevelEnv([Probe("p", tick_config=cfg, policy=recorder([], 1.0))])
    env.run_event_driven(300.0)
    assert len(env.history) <= 2 * 64 + 1  # ~3000 effects recorded, at most 129 kept
    env.observation_history_seconds = 0.01
    env.reset_event_driven()
    with pytest.warns(RuntimeWarning, match="beyond the kept history"):
        env.run_event_driven(30.0)
    assert env.history.clamped > 0
    env.observation_history_seconds = None
    env.reset_event_driven()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.run_event_driven(30.0)
    assert env.scheduler.processed_count > 0


def _jittered_trace(seed):
    agents = [Probe(f"p{i}", tick_config=TickConfig.with_jitter(
        1.0, 0.2, 0.3, jitter_type="GAUSSIAN", jitter_ratio=0.3, seed=seed + i),
        policy=lambda obs: np.array([float(obs[0])])) for i in range(3)]
    env = LevelEnv(agents, [(0.5 * k, float(k)) for k in range(1, 30)])
    env.trace = []
    env.run_event_driven(12.0)
    return [(r["kind"], r["agent"], r["time"], r.get("obs_time")) for r in env.trace]


def test_same_seed_same_episode_different_seed_different():
    assert _jittered_trace(1) == _jittered_trace(1)
    assert _jittered_trace(1) != _jittered_trace(2)
