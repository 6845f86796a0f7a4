"""Any PettingZoo ``ParallelEnv`` with a fixed step under event-driven timing.

* ``TimedParallelEnv(env, dt, timing)``: the wrapper (itself a ``ParallelEnv``): per-agent tick
  periods, observation delays, first-in first-out action delays and jitter, quantised to the
  step ``dt`` (``heron.pettingzoo.quantise``; ``docs/pettingzoo-timing.md``).
* ``evaluate(env_fn, policy, dt=..., timing=..., n_episodes=..., seed=..., horizon_steps=...,
  engine="event" | "sync", executor="inline" | "process")``: Monte Carlo with the batch
  engine's result columns, paired with the synchronous baseline by (seed, episode).
* ``inner_seed(seed, episode)``: the seed the inner env is reset with in both modes.
"""
from heron.pettingzoo.evaluate import PettingZooSpec, evaluate
from heron.pettingzoo.schedule import resolve_timing
from heron.pettingzoo.seeding import inner_seed
from heron.pettingzoo.wrapper import TimedParallelEnv, neutral_action

__all__ = ["PettingZooSpec", "TimedParallelEnv", "evaluate", "inner_seed", "neutral_action",
           "resolve_timing"]
