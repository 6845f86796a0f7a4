"""Hot-path shortcuts of the env core that must not change what an episode does: a policy's
``fixed_commands`` (validated once per setup, then applied as they are), and ``advance_to``
called only when an env overrides it."""
import numpy as np
import pytest

from heron.agents.field_agent import FieldAgent
from heron.core.policies import Policy
from heron.envs.adapters import PettingZooParallelEnv
from heron.scheduling.tick_config import TickConfig


def frozen(*values):
    arr = np.array(values, dtype=np.float64)
    arr.flags.writeable = False
    return arr


class Unit(FieldAgent):
    def set_action(self):
        self.action.set_specs(dim_c=1, range=(-1.0, 1.0))

    def observe(self, gs=None):
        return np.zeros(1)


class Clamped(Unit):
    """Overrides ``validate_command``: every command must still go through it."""

    calls = 0

    def validate_command(self, command):
        Clamped.calls += 1
        return super().validate_command(command)


class Cycle(Policy):
    """Returns its commands in turn; ``fixed`` is what it declares as ``fixed_commands``."""

    def __init__(self, commands, fixed):
        self.commands = list(commands)
        self.fixed_commands = fixed
        self.k = 0

    def act(self, observation, message=None):
        cmd = self.commands[self.k % len(self.commands)]
        self.k += 1
        return cmd


class Recorder(PettingZooParallelEnv):
    def __init__(self, agent):
        super().__init__(env_id="recorder")
        self.register_agent(agent)
        self.applied = []
        self.setup_event_driven()
        self.setup_default_handlers(on_action_effect=lambda aid, a: self.applied.append(a))


def run(agent, t_end=3.0):
    env = Recorder(agent)
    env.run_event_driven(t_end)
    return env


def test_fixed_commands_are_applied_as_they_are_and_others_are_copied():
    a, b = frozen(0.5), frozen(-0.25)
    loose = np.array([0.75])
    agent = Unit("u", tick_config=TickConfig.deterministic(1.0, 0.0, 0.1),
                 policy=Cycle([a, loose, b], fixed=(a, b)))
    env = run(agent)
    assert [float(x[0]) for x in env.applied] == [0.5, 0.75, -0.25]
    assert env.applied[0] is a and env.applied[2] is b  # validated once at setup: no copy
    assert env.applied[1] is not loose  # any other command: validated and copied per tick
    assert agent.actuator is b


def test_bad_or_writable_fixed_commands_are_checked_at_their_tick():
    writable = np.array([0.5])
    agent = Unit("u", tick_config=TickConfig.deterministic(1.0, 0.0, 0.1),
                 policy=Cycle([writable], fixed=(writable,)))
    env = run(agent, 1.0)
    assert env.applied[0] is not writable  # not read-only: copied like any command
    out_of_range = frozen(3.0)  # clipped by the action (out_of_range="clip"): a new array
    env = run(Unit("u", tick_config=TickConfig.deterministic(1.0, 0.0, 0.1),
                   policy=Cycle([out_of_range], fixed=(out_of_range,))), 1.0)
    assert env.applied[0] is not out_of_range and float(env.applied[0][0]) == 1.0
    nan = frozen(np.nan)
    env = Recorder(Unit("u", tick_config=TickConfig.deterministic(1.0, 0.0, 0.1),
                        policy=Cycle([nan], fixed=(nan,))))  # setup does not raise
    with pytest.raises(ValueError, match="agent 'u'.*finite"):  # the tick does, as before
        env.run_event_driven(1.0)


def test_fixed_commands_follow_new_specs_and_validate_command_overrides():
    a = frozen(0.5)
    agent = Unit("u", tick_config=TickConfig.deterministic(1.0, 0.0, 0.1),
                 policy=Cycle([a], fixed=(a,)))
    env = run(agent, 1.0)
    assert env.applied[-1] is a
    agent.action.set_specs(dim_c=1, range=(0.0, 0.2))  # a is no longer valid as it is
    env.setup_event_driven()  # a new episode re-checks the fixed commands
    env.run_event_driven(2.5)  # the tick at 2 s: its command lands at 2.1 s
    assert float(env.applied[-1][0]) == 0.2 and env.applied[-1] is not a
    Clamped.calls = 0
    env = run(Clamped("c", tick_config=TickConfig.deterministic(1.0, 0.0, 0.1),
                      policy=Cycle([a], fixed=(a,))), 2.0)
    assert Clamped.calls == 3 and all(x is not a for x in env.applied)


class Lazy(Recorder):
    """Records every ``advance_to`` call."""

    def __init__(self, agent):
        self.advances = []
        super().__init__(agent)

    def advance_to(self, t):
        self.advances.append(t)


def test_advance_to_is_called_when_overridden_and_the_clock_moves_either_way():
    agent = Unit("u", tick_config=TickConfig.deterministic(1.0, 0.0, 0.5),
                 policy=Cycle([frozen(0.1)], fixed=()))
    env = Lazy(agent)
    env.run_event_driven(2.0)
    assert env.advances == [0.5, 1.0, 1.5, 2.0]  # every new event time, then the end time
    plain = Recorder(Unit("v", tick_config=TickConfig.deterministic(1.0, 0.0, 0.5),
                          policy=Cycle([frozen(0.1)], fixed=())))
    assert plain._advance_hook is None  # the default no-op is not called at all
    plain.run_event_driven(2.0)
    assert plain._advanced_to == 2.0
