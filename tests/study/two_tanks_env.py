"""A small custom batch env for the study tests (not a shipped env): two tanks, each drained by
its own valve agent, with two declared metrics, ``spill_s`` (seconds above the high level) and
``energy`` (valve opening integrated over time). Importing the module registers the env as
``"TwoTanks-v0"`` (the name study files use; the study runs with ``imports=["two_tanks_env"]``,
what ``heron run --import two_tanks_env`` does); ``"two_tanks_env:drain"`` names its compiled
policy. It defines two timing presets of its own (``PRESETS``): ``plant_radio`` (every valve on
the plant's radio links) and ``valve_2_slow`` (only valve 2 is slower; valve 1 keeps its
nominal 1 s tick)."""
from numba import njit

import heron

from heron.batch import AgentSpec, BatchEnv
from heron.batch.policies import linear
from heron.batch.random import INIT, stream_key, uniform
from heron.scheduling import EnvPreset, JitterType, TickConfig

METRICS = ("spill_s", "energy")
PRESETS = {
    "plant_radio": EnvPreset(
        {"field": TickConfig.with_jitter(2.0, 0.5, 0.3, 0.0, JitterType.LOGNORMAL, 0.3)},
        title="the plant's radio links", source="made up for the tests"),
    "valve_2_slow": {"valve_2": TickConfig.deterministic(3.0)},
}


@njit(cache=True)
def init(st, e, p, seed, episode):
    for u in range(st.shape[1]):
        st[e, u].level = p.level0 + p.spread * uniform(stream_key(seed, episode, u, INIT), 0)
        st[e, u].valve = 0.0
        st[e, u].spill = 0.0
        st[e, u].energy = 0.0


@njit(cache=True)
def observe(st, e, p, agent, out):
    out[0] = st[e, agent].level


@njit(cache=True)
def effect(st, e, p, agent, act):
    st[e, agent].valve = act[0]


@njit(cache=True)
def advance(st, e, p, dt):
    for u in range(st.shape[1]):
        st[e, u].level += (p.inflow - p.outflow * st[e, u].valve) * dt
        if st[e, u].level > p.high:
            st[e, u].spill += dt
        st[e, u].energy += st[e, u].valve * dt


@njit(cache=True)
def reward(st, e, p, agent):
    return -abs(st[e, agent].level - p.target)


@njit(cache=True)
def spill_s(st, e, p, agent):
    return st[e, agent].spill


@njit(cache=True)
def energy(st, e, p, agent):
    return st[e, agent].energy


def make_env(n_tanks=2, horizon=10.0):
    return BatchEnv(
        name="two_tanks",
        agents=[AgentSpec(f"valve_{i + 1}", act_low=0.0, act_high=1.0) for i in range(n_tanks)],
        state_dtype={"level": "f8", "valve": "f8", "spill": "f8", "energy": "f8"},
        n_units=n_tanks,
        env_params={"level0": 0.4, "spread": 0.4, "inflow": 0.05, "outflow": 0.1,
                    "high": 0.7, "target": 0.5},
        functions={"init": init, "observe": observe, "effect": effect, "advance": advance,
                   "reward": reward},
        metrics={"spill_s": spill_s, "energy": energy},
        dt=1.0, horizon=horizon, presets=PRESETS,
    )


heron.register("TwoTanks-v0", make_env)

#: open the valve in proportion to the level above 0.3
drain = linear([[2.0]], [-0.6], clip=True)
