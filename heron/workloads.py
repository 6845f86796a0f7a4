"""The canonical workloads of ``docs/performance.md``, defined once: used by ``heron bench``,
the asv suite and the tests.

* ``W3`` (``scheduler-raw``): 1000 agents ticking through ``EventScheduler`` for 1000 s.
* ``W1`` (``battery-2``) and ``W2`` (``microgrid-8``): batch-engine workloads, ``w1()`` / ``w2()``
  return a ``Workload``; ``run_batch(workload, n_episodes, ...)`` measures one after warming the
  kernels (median of ``repeats`` runs).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class W3Result:
    """Outcome of one W3 run: events handled and the tick log length (should match)."""

    events: int
    ticks_logged: int
    final_time: float


def w3_scheduler(n_agents: int = 1000):
    """Build W3's scheduler: ``n_agents`` agents, each ``TickConfig.with_jitter(tick_interval=1.0,
    obs_delay=0.05, act_delay=0.1, jitter_type=UNIFORM, jitter_ratio=0.1, seed=i)``, and a tick
    handler appending ``(time, agent)`` to a list. Returns ``(scheduler, log)``."""
    from heron.scheduling import EventScheduler, EventType, JitterType, TickConfig

    scheduler = EventScheduler(start_time=0.0)
    for i in range(n_agents):
        scheduler.register_agent(
            f"agent_{i}",
            tick_config=TickConfig.with_jitter(
                tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                jitter_type=JitterType.UNIFORM, jitter_ratio=0.1, seed=i,
            ),
        )
    log: list = []

    def on_tick(event, sched):
        log.append((event.timestamp, event.agent_id))

    scheduler.set_handler(EventType.AGENT_TICK, on_tick)
    return scheduler, log


def run_w3(n_agents: int = 1000, t_end: float = 1000.0) -> W3Result:
    """Run W3 (about ``n_agents * t_end`` events for 1 s ticks); ``t_end`` in seconds."""
    scheduler, log = w3_scheduler(n_agents)
    events = scheduler.run_until(t_end)
    return W3Result(events=events, ticks_logged=len(log), final_time=scheduler.current_time)


# -- batch-engine workloads (W1, W2) ------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """A canonical batch workload: env (``BatchEnv``), policy (name or dict per agent class),
    timing (dict per agent class of ``TickConfig``), horizon (s) and a description."""

    name: str
    env: object
    policy: object
    timing: dict
    horizon: float
    description: str = ""


def w1() -> Workload:
    """W1 ``battery-2``: two batteries, tick 1 s, obs_delay 0.05 s, act_delay 0.1 s, GAUSSIAN
    jitter 10 %, horizon 50 s, reward clock 1 s, the tutorial's ``simple_policy`` (compiled)."""
    from heron.demo_envs import battery_fleet
    from heron.scheduling import JitterType, TickConfig

    timing = {"field": TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                                              jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.1)}
    return Workload("battery-2", battery_fleet(2, coordinator=False, horizon=50.0), "simple",
                    timing, 50.0, w1.__doc__.split(":", 1)[1].strip())


def w2() -> Workload:
    """W2 ``microgrid-8``: a coordinator (tick 5 s, obs 0.2 s, msg 0.1 s, GAUSSIAN 5 %) over eight
    batteries (tick 1 s, obs 0.05 s, act 0.1 s, msg 0.05 s, UNIFORM 10 %), horizon 300 s;
    coordinator rule ``setpoint``, batteries ``tracking_mlp``; alarms, out-of-cycle ticks and
    Poisson disturbances (mean 60 s) through the heap."""
    from heron.demo_envs import battery_fleet
    from heron.scheduling import JitterType, TickConfig

    timing = {
        "field": TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                                        msg_delay=0.05, jitter_type=JitterType.UNIFORM,
                                        jitter_ratio=0.1),
        "coordinator": TickConfig.with_jitter(tick_interval=5.0, obs_delay=0.2, msg_delay=0.1,
                                              jitter_type=JitterType.GAUSSIAN,
                                              jitter_ratio=0.05),
    }
    return Workload("microgrid-8", battery_fleet(8, coordinator=True, horizon=300.0),
                    {"field": "tracking_mlp", "coordinator": "setpoint"}, timing, 300.0,
                    w2.__doc__.split(":", 1)[1].strip())


def run_batch(workload: Workload, n_episodes: int, *, seed: int = 0, policy=None, threads=None,
              chunk_size=None, engine: str = "batch", repeats: int = 1) -> dict:
    """Run a batch workload ``repeats`` times (after one warm-up run of 64 episodes, which
    compiles or loads the kernels); returns the stats dict of the median run plus all
    ``episodes_per_s`` figures. For benchmarks and ``heron bench``."""
    import statistics

    from heron.batch import evaluate

    pol = workload.policy if policy is None else policy
    kw = dict(timing=workload.timing, seed=seed, horizon=workload.horizon, engine=engine,
              threads=threads, as_arrays=True)
    evaluate(workload.env, pol, n_episodes=64, **kw)
    runs = [evaluate(workload.env, pol, n_episodes=n_episodes, chunk_size=chunk_size, **kw).stats
            for _ in range(repeats)]
    eps = [r["episodes_per_s"] for r in runs]
    med = statistics.median(eps)
    best = min(runs, key=lambda r: abs(r["episodes_per_s"] - med))
    return dict(best, episodes_per_s_all=eps)


def w1_mlp_policy(framework: str = "numpy", hidden: int = 32, seed: int = 0):
    """A user's MLP policy for W1 as a Python policy: SOC -> ``hidden`` tanh units -> ``hidden``
    tanh units -> action in [-1, 1] (tanh), fixed random weights (``seed``; they stand for a
    trained network: what is measured is the cost of calling one). ``framework`` is
    ``"numpy"`` (matrix products through BLAS) or ``"torch"`` (an ``nn.Module``, float32; needs
    torch installed). For ``heron bench`` and the asv suite."""
    import numpy as np

    from heron.batch.policies import BatchedPolicy

    rng = np.random.default_rng(seed)
    shapes = [(1, hidden), (hidden, hidden), (hidden, 1)]
    weights = [(rng.normal(0.0, 1.0 / np.sqrt(i), size=(i, o)), rng.normal(0.0, 0.1, size=o))
               for i, o in shapes]
    if framework == "numpy":
        def mlp_numpy(obs):
            h = obs[:, :1]
            for w, b in weights:
                h = np.tanh(h @ w + b)
            return h

        return BatchedPolicy(mlp_numpy, name="mlp_numpy")
    if framework == "torch":
        import torch

        layers = []
        for w, b in weights:
            lin = torch.nn.Linear(*w.shape)
            with torch.no_grad():
                lin.weight.copy_(torch.as_tensor(w.T, dtype=torch.float32))
                lin.bias.copy_(torch.as_tensor(b, dtype=torch.float32))
            layers += [lin, torch.nn.Tanh()]
        return BatchedPolicy(torch.nn.Sequential(*layers), name="mlp_torch")
    raise ValueError(f"framework must be 'numpy' or 'torch'; got {framework!r}")
