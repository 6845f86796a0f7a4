"""A proper dual-mode battery env on PettingZooParallelEnv: PettingZoo conformance and exact
synchronous/event-driven equivalence with zero delays (docs/timing-model.md s. 4)."""
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.core.feature import FeatureProvider
from heron.envs.adapters import PettingZooParallelEnv
from heron.protocols.vertical import SetpointProtocol
from heron.scheduling.tick_config import TickConfig


# -- the tutorial's battery (Tutorial 5, Step 3) -------------------------------------------------
@dataclass
class BatterySOC(FeatureProvider):
    visibility = ['owner', 'upper_level']
    soc: float = 0.5
    def vector(self): return np.array([self.soc], np.float32)
    def names(self): return ['soc']
    def to_dict(self): return {'soc': self.soc}
    @classmethod
    def from_dict(cls, d): return cls(**d)
    def set_values(self, **kw):
        if 'soc' in kw: self.soc = np.clip(float(kw['soc']), 0.1, 0.9)


class SimpleBattery(FieldAgent):
    def __init__(self, agent_id, upstream_id=None, tick_interval=1.0, obs_delay=0.0,
                 act_delay=0.0, initial_soc=0.5, policy=None):
        self.tick_interval = tick_interval
        self.initial_soc = initial_soc
        tick_config = TickConfig.deterministic(tick_interval=tick_interval, obs_delay=obs_delay,
                                               act_delay=act_delay)
        super().__init__(agent_id=agent_id, upstream_id=upstream_id, config={'name': agent_id},
                         tick_config=tick_config, policy=policy)

    def set_state(self):
        self.soc_feature = BatterySOC(soc=self.initial_soc)
        self.state.features.append(self.soc_feature)

    def set_action(self):
        self.action.set_specs(dim_c=1, range=(np.array([-1.0]), np.array([1.0])))

    def observe(self, gs=None):
        return self.state.vector()

    def step(self, action, dt=1.0):
        power = float(action[0]) * 0.5
        self.soc_feature.set_values(soc=self.soc_feature.soc + power * dt / 2.0)
        return {'power_mw': power, 'soc': self.soc_feature.soc}

    def reset(self, seed=None):
        self.soc_feature.soc = self.initial_soc
        return self.observe()


def simple_policy(obs):
    soc = obs[0]
    if soc < 0.45:
        return np.array([0.5])
    elif soc > 0.55:
        return np.array([-0.5])
    return np.array([0.0])


class BatteryFleetEnv(PettingZooParallelEnv):
    """Dual-mode fleet: synchronous ``step`` or event-driven windows of ``dt`` seconds.

    In event-driven mode ``reset`` runs the start instant (passive ticks: no command yet), so
    each step's window ``(t, t + dt]`` holds exactly one tick per 1 s agent, at its end.
    """

    metadata = {"name": "battery_fleet_v0", "render_modes": []}

    def __init__(self, initial_socs=(0.3, 0.5, 0.7), event_driven=False, max_steps=25,
                 coordinator=False, policy=None):
        super().__init__(env_id="battery_fleet")
        self.event_driven, self.max_steps, self.dt = event_driven, max_steps, 1.0
        self.batteries = [SimpleBattery(f"battery_{i + 1}", initial_soc=s, policy=policy)
                          for i, s in enumerate(initial_socs)]
        for b in self.batteries:
            self.register_agent(b)
        if coordinator:
            self.register_agent(CoordinatorAgent(
                "microgrid", subordinates=self.batteries,
                protocol=SetpointProtocol(low=0.1, high=0.9),
                tick_config=TickConfig.deterministic(2.0, msg_delay=0.3)))
        self.init_from_agents()
        self.effects = []
        if event_driven:
            self.setup_event_driven()
            self.setup_default_handlers(on_action_effect=self._apply)

    def _apply(self, aid, action):
        info = self.get_agent(aid).step(action, dt=self.dt)
        self.effects.append((aid, info["soc"]))

    def reset(self, seed=None, options=None):
        self._steps = 0
        self._agents = list(self._possible_agents)
        self._pending_actions.clear()
        self.reset_agents(seed=seed)
        if self.event_driven:
            self.reset_event_driven(0.0)
            self.run_event_driven(0.0)
        return self._obs(), {aid: {} for aid in self.agents}

    def _obs(self):
        return {aid: self.get_agent(aid).observe() for aid in self.agents}

    def step(self, actions):
        self._steps += 1
        if self.event_driven:
            self.set_pending_actions(actions)
            self.run_event_driven(self.scheduler.current_time + self.dt)
        else:
            self._check_pending(actions)
            for aid, act in actions.items():
                agent = self.get_agent(aid)
                if hasattr(agent, "route"):
                    for msg in agent.route(act, float(self._steps)):
                        agent.subordinates[msg.recipient].receive_message(msg)
                else:
                    self._apply(aid, agent.validate_command(act))
        obs = self._obs()
        rewards = {aid: -abs(0.5 - float(np.mean(obs[aid]))) for aid in self.agents}
        done = self._steps >= self.max_steps
        terminations = {aid: False for aid in self.agents}
        truncations = {aid: done for aid in self.agents}
        infos = {aid: {} for aid in self.agents}
        if done:
            self._agents = []
        return obs, rewards, terminations, truncations, infos


@pytest.mark.parametrize("event_driven", [False, True])
@pytest.mark.parametrize("coordinator", [False, True])
def test_pettingzoo_parallel_api(event_driven, coordinator):
    env = BatteryFleetEnv(event_driven=event_driven, coordinator=coordinator)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parallel_api_test(env, num_cycles=30)
    assert not [w for w in caught if "pettingzoo" in str(w.filename)], caught
    for aid in env.possible_agents:
        assert env.observation_space(aid).contains(env.get_agent(aid).observe())


def test_event_driven_with_pending_actions_reproduces_the_synchronous_loop_exactly():
    rng = np.random.default_rng(5)
    sync, event = BatteryFleetEnv(), BatteryFleetEnv(event_driven=True)
    obs_s, _ = sync.reset(seed=1)
    obs_e, _ = event.reset(seed=1)
    for _ in range(25):
        actions = {aid: rng.uniform(-1, 1, 1) for aid in sync.agents}
        for a, b in zip(sync.step(actions), event.step(actions)):
            assert a.keys() == b.keys()
            for k in a:
                np.testing.assert_array_equal(a[k], b[k])
    assert sync.effects == event.effects and len(event.effects) == 75


def test_event_driven_with_own_policies_reproduces_the_synchronous_loop_exactly():
    socs = (0.12, 0.3, 0.47, 0.5, 0.58, 0.71, 0.88)
    sync = BatteryFleetEnv(socs)
    sync.reset()
    for _ in range(20):  # each battery decides from its own current observation
        sync.step({b.agent_id: simple_policy(b.observe()) for b in sync.batteries})
    event = BatteryFleetEnv(socs, event_driven=True, policy=simple_policy)
    event.reset_agents()
    event.reset_event_driven(0.0)
    event.run_event_driven(19.0)  # ticks at 0, 1, ..., 19: 20 decisions each
    assert event.effects == sync.effects and len(event.effects) == 20 * len(socs)


def test_unknown_ids_in_step_are_rejected():
    for ed in (False, True):
        env = BatteryFleetEnv(event_driven=ed)
        env.reset()
        with pytest.raises(ValueError, match=r"unknown agent id\(s\) \['battery_9'\]"):
            env.step({"battery_9": np.array([0.1])})


def test_adapter_ids_and_spaces_validation():
    env = BatteryFleetEnv()
    with pytest.raises(ValueError, match="repeated"):
        env._set_agent_ids(["a", "a"])
    with pytest.raises(ValueError, match="unknown agent id 'zz'"):
        env._init_spaces(action_spaces={"zz": env.action_space("battery_1")})
    with pytest.raises(TypeError, match="gymnasium Space"):
        env._init_spaces(observation_spaces={"battery_1": (0, 1)})
    with pytest.raises(KeyError, match="no action space for agent 'nope'"):
        env.action_space("nope")
    env.agents = ["battery_2"]
    assert env.agents == ["battery_2"] and env._agents == ["battery_2"]
    assert env.num_agents == 1 and env.max_num_agents == 3


def test_adapter_import_stays_light(tmp_path):
    import subprocess
    import sys

    code = ("import sys, heron.envs.adapters; "
            "print(sorted(m for m in ('numba', 'pandas', 'pyarrow', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)  # outside the checkout: the installed heron
    assert out.stdout.strip() == "[]"
