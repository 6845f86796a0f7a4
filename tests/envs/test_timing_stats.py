"""The env core's timing statistics and the hooks envs use to add their own decisions."""
import numpy as np
import pytest

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.envs.adapters import PettingZooParallelEnv
from heron.protocols.base import Message
from heron.scheduling.tick_config import TickConfig


class Dev(FieldAgent):
    def set_action(self):
        self.action.set_specs(dim_c=1, range=(-1.0, 1.0))


class Env(PettingZooParallelEnv):
    def __init__(self, agents, updates=()):
        super().__init__("stats_env")
        for a in agents:
            self.register_agent(a)
        self.decisions, self.updates = [], []
        self.setup_event_driven()
        self.setup_default_handlers()
        for t, changes in updates:
            self.schedule_env_update(t, changes)

    def after_decision(self, agent_id, T, S, observation, command):
        self.decisions.append((agent_id, T, S, command))

    def on_env_update(self, event):
        self.updates.append(event.timestamp)
        return event.payload  # False: nothing observable changed


def test_staleness_and_counts_follow_the_timing():
    cfg = TickConfig.deterministic(1.0, obs_delay=0.25, act_delay=0.5)
    env = Env([Dev("d", tick_config=cfg, policy=lambda obs: np.array([0.1]))])
    env.run_event_driven(4.0)
    st = env.timing_stats()["d"]
    assert st["n_ticks"] == 5 and st["n_effects"] == 4  # the tick at 4 s lands at 4.5 s
    # tick 0 observes t=0 (clamped to the start), the others T - 0.25
    assert st["obs_staleness_sum"] == pytest.approx(4 * 0.25)
    assert st["obs_staleness_max"] == pytest.approx(0.25)
    # effects at k + 0.5 of commands observing max(0, k - 0.25): 0.5, then 0.75
    assert st["act_staleness_mean"] == pytest.approx((0.5 + 3 * 0.75) / 4)
    assert st["act_staleness_max"] == pytest.approx(0.75)
    assert [d[1] for d in env.decisions] == [0.0, 1.0, 2.0, 3.0, 4.0]
    env.reset_event_driven()
    assert env.timing_stats()["d"]["n_ticks"] == 0 and env.decisions


def test_message_rounds_count_once_per_sending_tick():
    subs = [Dev(f"b{i}", tick_config=TickConfig.deterministic(1.0)) for i in range(3)]
    coord = CoordinatorAgent("c", subordinates=subs,
                             tick_config=TickConfig.deterministic(2.0, msg_delay=0.5),
                             policy=lambda obs: np.zeros(3))
    env = Env([*subs, coord])
    env.run_event_driven(4.0)
    assert env.timing_stats()["c"]["n_messages"] == 2  # sent at 0 and 2; 4 -> 4.5 not yet
    assert subs[2].latest_message.delivered_at == 2.5


def test_uses_after_decision_false_disables_the_hook_and_extra_decisions():
    env = Env([Dev("d", tick_config=TickConfig.deterministic(1.0), policy=lambda o: [0.0])])
    env.uses_after_decision = False
    env.reset_event_driven()
    env.run_event_driven(2.0)
    assert env.decisions == []
    env.record_tick("d", 2.5, 2.0)
    E = env.queue_effect("d", np.array([0.3]), 2.5, 0.1, 2.0)
    env.send_messages("d", [Message("d", "d", "ping", 2.5)], 2.5, 1.0)
    env.run_event_driven(4.0)
    st = env.timing_stats()["d"]
    assert E == pytest.approx(2.6) and st["act_staleness_max"] == pytest.approx(0.6)
    assert env.get_agent("d").latest_message.content == "ping"


def test_env_update_returning_false_takes_no_snapshot():
    cfg = TickConfig.deterministic(1.0, obs_delay=0.5)
    env = Env([Dev("d", tick_config=cfg)], updates=[(0.2, False), (0.3, None)])
    env.run_event_driven(1.0)
    assert env.updates == [0.2, 0.3]
    assert [k for k in env.history._keys[1:]] == [0.3]  # only the update that changed state
