"""Issue 12 through ``evaluate`` and ``run_interactive``: a Python policy returning complex actions
is refused (never silently truncated), and a policy that raises gets a note naming the policy,
the agent(s) and the episode(s)."""
import warnings

import numpy as np
import pytest

from heron.batch import evaluate
from heron.batch.interactive import run_interactive
from heron.batch.policies import BatchedPolicy, per_observation
from heron.demo_envs import battery_fleet

ENGINES = {
    "batch": lambda env, pol, **kw: evaluate(env, pol, **kw),
    "sync": lambda env, pol, **kw: evaluate(env, pol, engine="sync", **kw),
    "interactive": lambda env, pol, **kw: run_interactive(env, pol, **kw),
}


def boom(obs):
    raise ZeroDivisionError("policy bug")


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("policy", [
    per_observation(lambda o: np.array([0.2j]), name="cplx_obs"),
    BatchedPolicy(lambda obs: np.zeros((obs.shape[0], 1)) + 0.2j, name="cplx_batch"),
], ids=["per-observation", "batched"])
def test_complex_actions_are_refused(engine, policy):
    env = battery_fleet(2, horizon=5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning-and-truncate path
        with pytest.raises(TypeError, match="complex action.*must be real numbers"):
            ENGINES[engine](env, policy, n_episodes=2, seed=0)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_raising_policy_is_named_with_agent_and_episode(engine):
    env = battery_fleet(2, horizon=5.0)
    with pytest.raises(ZeroDivisionError, match="policy bug") as info:
        ENGINES[engine](env, per_observation(boom, name="buggy"), n_episodes=2, seed=3,
                        episode_start=7)
    if hasattr(info.value, "add_note"):
        notes = " ".join(info.value.__notes__)
        assert "'buggy'" in notes and "battery_1" in notes and "7" in notes
