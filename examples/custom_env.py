"""Your own system in heron: a two-room heating plant, checked with ``check_env``, then tested
against synchronous timing, with confidence intervals. docs/custom-env.md walks through it.

    python examples/custom_env.py              # 2000 episodes per run; --episodes N for more/less

The env code (between the env markers below: imports, the @njit functions and the BatchEnv) is
39 lines, counting non-blank, non-comment lines; tests/test_custom_env_example.py keeps it <= 40.

Plant: two independent rooms, each with a thermostat (a "field" agent) that sets its heater to a
command in [0, 1] every 60 s; the reading it decides on is 2 s old, its command lands 1.5 s after
the decision, and tick intervals and delays jitter (GAUSSIAN, 40 %). A room's temperature T (degC)
follows dT/dt = (ua (t_out - T) + p_max heat) / cap. With the command held over dt seconds
(zero-order hold) the solution is exact: T relaxes exponentially, with time constant cap / ua
(1000 s), towards t_eq = t_out + p_max heat / ua. Reward rate per thermostat: -|T - target|
(K); the return is its time integral (K s, adaptive Simpson between events). Metric ``energy_kwh``: the heater's energy over the episode, exact (the integral
of p_max heat). Initial temperatures: uniform in [17, 21] degC, from heron.batch.random streams.
"""
import argparse
import sys

# --- env ---
import math

from numba import njit

from heron.batch import AgentSpec, BatchEnv
from heron.batch.random import INIT, stream_key, uniform
from heron.scheduling.tick_config import TickConfig


@njit
def init(st, e, p, seed, episode):      # row e of the state; unit u = room u = thermostat u
    for u in range(st.shape[1]):
        st[e, u].temp = p.t_init + p.t_spread * uniform(stream_key(seed, episode, u, INIT), 0)
        st[e, u].heat = st[e, u].kwh = 0.0


@njit
def observe(st, e, p, agent, out):      # what the thermostat measures
    out[0] = st[e, agent].temp


@njit
def effect(st, e, p, agent, act):       # a heater command lands
    st[e, agent].heat = act[0]


@njit
def advance(st, e, p, dt):              # dt seconds with the commands held: exact solution
    for u in range(st.shape[1]):
        t_eq = p.t_out + p.p_max * st[e, u].heat / p.ua       # where T settles with this command
        st[e, u].temp = t_eq + (st[e, u].temp - t_eq) * math.exp(-p.ua * dt / p.cap)
        st[e, u].kwh += p.p_max * st[e, u].heat * dt / 3.6e6    # joules -> kWh


@njit
def reward(st, e, p, agent):
    return -abs(st[e, agent].temp - p.target)


@njit
def energy_kwh(st, e, p, agent):        # a metric: one float64 column, read at episode end
    return st[e, agent].kwh


def make_env(horizon=7200.0):           # the factory a study file names: "custom_env:make_env"
    return BatchEnv(
        name="two_rooms",
        agents=[AgentSpec(f"thermostat_{i}", act_low=0.0, act_high=1.0) for i in (1, 2)],
        state_dtype={"temp": "f8", "heat": "f8", "kwh": "f8"}, n_units=2,
        env_params={"t_out": 5.0, "ua": 100.0, "cap": 1.0e5, "p_max": 3000.0,  # W/K, J/K, W
                    "target": 21.0, "t_init": 17.0, "t_spread": 4.0},           # degC
        functions=dict(init=init, observe=observe, effect=effect, advance=advance, reward=reward),
        metrics={"energy_kwh": energy_kwh}, dt=60.0, horizon=horizon,
        # ticks every 60 s, readings 2 s old, commands land 1.5 s late; GAUSSIAN jitter 40 %
        default_timing={"field": TickConfig.with_jitter(60.0, 2.0, 1.5, jitter_ratio=0.4)},
    )
# --- end env ---
import heron  # noqa: E402
heron.register("TwoRooms-v0", make_env)   # the id study files name (heron run --import ...)


# -- policies -------------------------------------------------------------------------------
from heron.batch import policies  # noqa: E402  (kept out of the env section)

# a compiled built-in: full heat below 20.5 degC, half between, off above 21.5 degC
thermostat = policies.step(20.5, 21.5, below=1.0, between=0.5, above=0.0, name="thermostat")


@njit
def pi_control(obs, act, params, memory, t):
    """PI controller: memory[0] is the integral term, memory[1] the last decision time (both 0
    at the start of an episode, so the first decision integrates from t = 0)."""
    kp, ki, target, bias = params[0], params[1], params[2], params[3]
    err = target - obs[0]
    memory[0] = min(max(memory[0] + ki * err * (t - memory[1]), -bias), 1.0 - bias)  # anti-windup
    memory[1] = t
    act[0] = bias + kp * err + memory[0]   # clip=True clips it to the heater's [0, 1]


# kp 0.3 /K, integral time 1200 s, target 21 degC, feed-forward 0.5 (about what holds 21 degC)
pi = policies.compiled(pi_control, params=(0.3, 0.3 / 1200.0, 21.0, 0.5), memory=2, clip=True,
                       name="pi")


# -- check, evaluate, compare ---------------------------------------------------------------
def per_episode(result):
    """Return and energy per episode (summed over the agents), indexed by (seed, episode)."""
    return result.episodes.groupby(["seed", "episode"], sort=True)[["return", "energy_kwh"]].sum()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=2000, help="episodes per run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from heron.analysis.bootstrap import paired_gap
    from heron.batch import check_env, evaluate

    env = make_env()
    print(check_env(env))  # on a mistake: EnvCheckError naming your file and line
    print(f"{env.name}: {len(env.agents)} agents, horizon {env.horizon:g} s, metrics "
          f"{list(env.metric_names)}; event timing: {env.default_timing['field']}")
    print(f"\nloss vs synchronous: {args.episodes} episodes per run, paired by (seed, episode); "
          f"return summed over both rooms;\nloss = (sync - event) / |sync| of the mean return, "
          f"> 0: worse under real timing; 95% bootstrap intervals")
    print(f"{'policy':<12}{'sync return':>12}{'event return':>13}{'loss %':>8}  {'95% CI':<16}"
          f"{'kWh sync':>9}{'kWh event':>10}")
    for name, policy in (("thermostat", thermostat), ("pi", pi)):
        runs = {engine: evaluate(env, policy, n_episodes=args.episodes, seed=args.seed,
                                 engine=engine) for engine in ("sync", "batch")}
        sync, event = per_episode(runs["sync"]), per_episode(runs["batch"])
        assert sync.index.equals(event.index), "episodes pair by (seed, episode)"
        g = paired_gap(event["return"], sync["return"], n_boot=2000, seed=args.seed, key=name)
        ci = f"[{g['gap_ci_low']:.2f}, {g['gap_ci_high']:.2f}]"
        print(f"{name:<12}{g['baseline_mean']:>12.2f}{g['mean']:>13.2f}{g['gap_pct']:>8.2f}  "
              f"{ci:<16}{sync['energy_kwh'].mean():>9.2f}{event['energy_kwh'].mean():>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
