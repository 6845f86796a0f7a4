"""A stand-in for ``heron.batch.evaluate`` with the same signature and output columns, used to
test the study machinery independently of the engine. Episode ``e`` of seed ``s`` depends only on
``(s, e, agent)`` and the timing, like the real engine's counter-based streams. Its env
(``make_env``, a real ``BatchEnv`` whose functions are never compiled) declares the metric columns
``METRICS`` (or ``make_env(metrics=[...])``); the results carry the engine's columns then one
float64 column per metric, like the real engine. Importing the module registers the env as
``"FakeEnv-v0"`` (so ``"fake_engine:make_env"`` resolves too) and its policies are policy objects,
as a user's module would."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
from numba import njit

import heron
from heron.batch.env import AgentSpec, BatchEnv
from heron.batch.policies import BatchedPolicy

N_AGENTS = 2
#: a small study on this engine (``{n}`` episodes per cell, shards of ``{shard}``)
STUDY = """\
[study]
name = "small"
seed = 11
n_episodes = {n}
shard_size = {shard}
horizon = 20.0

[environment]
name = "fake_engine:make_env"

[policies]
a = "fake_engine:policy_a"
b = "fake_engine:policy_b"

[timing]
base = "w1"
presets = ["scada"]

[timing.grid]
act_delay = [0.0, 0.5]
jitter_ratio = [0.1, 0.4]
"""
CALLS = []
METRICS = ("violation_s",)   # the stand-in env's metric columns (any names work)


def _u(seed, ep, agent, k):
    x = np.sin(seed * 0.001 + ep * 12.9898 + agent * 78.233 + k * 37.719) * 43758.5453
    return x - np.floor(x)


def evaluate(env, policy, *, timing=None, n_episodes, seed, horizon=None, engine="batch",
             chunk_size=None, threads=None, episode_start=0):
    CALLS.append((engine, episode_start, n_episodes))
    ep = np.repeat(np.arange(episode_start, episode_start + n_episodes, dtype=np.int64), N_AGENTS)
    agent = np.tile(np.arange(N_AGENTS, dtype=np.int64), n_episodes)
    base = -5.0 - 3.0 * _u(seed, ep, agent, 0)
    if timing is None:
        penalty = np.zeros(len(ep))
        stale = np.zeros(len(ep))
    else:
        f = timing["field"]
        scale = f.act_delay + f.obs_delay + f.jitter_ratio
        penalty = scale * (0.5 + _u(seed, ep, agent, 1))
        stale = np.full(len(ep), f.obs_delay)
    df = pd.DataFrame({
        "seed": np.full(len(ep), seed, np.int64), "episode": ep,
        "agent": np.array([f"unit_{i + 1}" for i in agent]), "agent_index": agent,
        "agent_class": np.array(["field"] * len(ep)), "return": base - penalty,
        "n_ticks": np.full(len(ep), 50, np.int64), "n_effects": np.full(len(ep), 50, np.int64),
        "n_messages": np.zeros(len(ep), np.int64), "obs_staleness_mean": stale,
        "obs_staleness_max": stale * 1.5, "act_staleness_mean": stale * 2,
        "act_staleness_max": stale * 3,
    })
    metrics = getattr(env, "metric_names", METRICS)
    for k, name in enumerate(metrics):
        df[name] = 10.0 * _u(seed, ep, agent, 2 + k)
    return SimpleNamespace(episodes=df, stats={"engine": engine, "n_episodes": n_episodes,
                                               "events": 200 * n_episodes}, config={})


@njit
def _noop(*args):
    return 0.0


def make_env(metrics=METRICS, **kwargs):
    """The stand-in env (``kwargs`` are recorded in ``env.params``); horizon 20 s, 1 s ticks."""
    return BatchEnv(name="fake", params=dict(kwargs), agents=[AgentSpec(f"unit_{i + 1}")
                                                              for i in range(N_AGENTS)],
                    state_dtype={"x": "f8"}, functions={n: _noop for n in (
                        "init", "observe", "effect", "advance", "reward")},
                    metrics={m: _noop for m in metrics}, horizon=20.0)


heron.register("FakeEnv-v0", make_env)

policy_a = BatchedPolicy(lambda obs: obs, name="policy_a")
policy_b = BatchedPolicy(lambda obs: -obs, name="policy_b")
not_a_policy = abs        # a plain callable: refused as a policy by study files


FAIL_AFTER = {"n": None}


def evaluate_slow(env, policy, **kwargs):
    """``evaluate`` taking 50 ms per shard (room to kill a run mid-way)."""
    import time

    time.sleep(0.05)
    return evaluate(env, policy, **kwargs)


def evaluate_failing(env, policy, **kwargs):
    """``evaluate`` that raises once ``FAIL_AFTER["n"]`` shards have run (in this process)."""
    if FAIL_AFTER["n"] is not None and len(CALLS) >= FAIL_AFTER["n"]:
        raise KeyboardInterrupt("injected interruption")
    return evaluate(env, policy, **kwargs)


def evaluate_ignoring_start(env, policy, *, episode_start=0, **kwargs):
    """A broken engine that always runs episodes from 0."""
    return evaluate(env, policy, episode_start=0, **kwargs)


def evaluate_chunked(env, policy, *, n_episodes, progress=None, **kwargs):
    """``evaluate`` reporting finished episodes in chunks of 2 through ``progress``."""
    for done in range(0, n_episodes, 2):
        if progress is not None:
            progress(min(2, n_episodes - done))
    return evaluate(env, policy, n_episodes=n_episodes, **kwargs)


def evaluate_broken(env, policy, **kwargs):
    """An engine that fails in the worker."""
    raise ValueError("broken engine")


def evaluate_extra_column(env, policy, **kwargs):
    """A broken engine returning a column its env does not declare as a metric."""
    result = evaluate(env, policy, **kwargs)
    result.episodes["surprise"] = 1.0
    return result
