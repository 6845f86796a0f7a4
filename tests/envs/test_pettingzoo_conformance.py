"""PettingZoo's own tests on the interactive battery fleet (issue 13 item 3): the parallel API
test, the seed test (``reset(seed=...)`` reproduces the whole episode, timing included) and the
AEC API test of ``parallel_to_aec(env)``, with and without a coordinator (alarms,
out-of-cycle ticks and disturbances included)."""
import warnings

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test
from pettingzoo.utils import parallel_to_aec

from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig

FLEETS = {
    "w2-coordinator-8": lambda: battery_fleet(8, coordinator=True),
    "alarms-and-disturbances": lambda: battery_fleet(4, coordinator=True, band=(0.4, 0.6),
                                                     disturbance_mean=5.0),
    "w1-2": lambda: battery_fleet(2),
}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PettingZoo's advice (infinite bounds, names, ...)
        yield


@pytest.mark.parametrize("name", sorted(FLEETS))
def test_parallel_api_test(name):
    parallel_api_test(FLEETS[name]().interactive_env(), num_cycles=60)


@pytest.mark.parametrize("name", sorted(FLEETS))
def test_parallel_seed_test(name):
    spec = FLEETS[name]()  # both envs share the spec's TickConfig objects (and generators)
    parallel_seed_test(lambda: spec.interactive_env(), num_cycles=60)


@pytest.mark.parametrize("name", sorted(FLEETS))
def test_aec_api_test(name):
    api_test(parallel_to_aec(FLEETS[name]().interactive_env()), num_cycles=60)


def test_seed_test_with_user_configs_shared_between_envs():
    spec = battery_fleet(3, coordinator=True, band=(0.45, 0.55), disturbance_mean=4.0)
    timing = {"field": TickConfig.with_jitter(1.0, 0.4, 0.3, 0.2, JitterType.LOGNORMAL, 0.5,
                                              seed=1),
              "coordinator": TickConfig.with_jitter(2.0, 0.3, 0.0, 0.2, JitterType.UNIFORM, 0.4)}
    parallel_seed_test(lambda: spec.interactive_env(timing=timing), num_cycles=60)


def rollout(env, seed, episode=None):
    options = None if episode is None else {"episode": episode}
    obs, _ = env.reset(seed=seed, options=options)
    out = [obs]
    for t in range(20):
        obs, rew, *_ = env.step({a: np.array([0.3 * np.sin(t + i)] * env.action_space(a).shape[0])
                                 for i, a in enumerate(env.agents)})
        out.append((obs, rew))
    return repr(out)


def test_reset_seed_reproduces_and_distinguishes_episodes():
    spec = battery_fleet(3, coordinator=True, band=(0.4, 0.6), disturbance_mean=6.0)
    a, b = spec.interactive_env(), spec.interactive_env()
    assert rollout(a, 5) == rollout(b, 5) == rollout(a, 5)
    assert rollout(a, 5) != rollout(a, 6)
    assert rollout(a, 5, episode=1) != rollout(a, 5, episode=2) == rollout(b, 5, episode=2)
