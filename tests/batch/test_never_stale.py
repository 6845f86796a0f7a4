"""Never stale: any edit to an env's code (a function, a helper in another module, a constant it
reads) changes the kernel that runs, in a new process and in the same process; an unchanged env
reuses Numba's on-disk cache."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
from numba import njit

from heron.batch import AgentSpec, BatchEnv, evaluate

HELPER = """
from numba import njit

@njit(cache=True)
def bonus(x):
    return {bonus}
"""

PLANT = """
from numba import njit
from heron.batch import AgentSpec, BatchEnv
from heron.batch.random import INIT, stream_key, uniform
import plant_helpers

TARGET = {target}

@njit(cache=True)
def init(st, e, p, seed, episode):
    st[e, 0].x = uniform(stream_key(seed, episode, 0, INIT), 0)

@njit(cache=True)
def observe(st, e, p, agent, out):
    out[0] = st[e, 0].x

@njit(cache=True)
def effect(st, e, p, agent, act):
    st[e, 0].u = act[0]

@njit(cache=True)
def advance(st, e, p, dt):
    st[e, 0].x += p.rate * st[e, 0].u * dt

@njit(cache=True)
def reward(st, e, p, agent):
    return -abs(st[e, 0].x - TARGET) + plant_helpers.bonus(st[e, 0].x)

def make():
    return BatchEnv(name="plant", agents=[AgentSpec("valve")], state_dtype={{"x": "f8", "u": "f8"}},
                    env_params={{"rate": 0.1}}, dt=1.0, horizon=20.0,
                    functions=dict(init=init, observe=observe, effect=effect, advance=advance,
                                   reward=reward))
"""

RUN = """
import json, time
t0 = time.perf_counter()
import plant
from heron.batch import evaluate
from heron.batch.policies import linear
r = evaluate(plant.make(), linear([[-1.0]], [0.5]), n_episodes=64, seed=3)
print(json.dumps({"mean": float(r.arrays["return"].mean()), "s": time.perf_counter() - t0}))
"""


def _write(tmp_path, target="0.5", bonus="0.0"):
    (tmp_path / "plant.py").write_text(PLANT.format(target=target))
    (tmp_path / "plant_helpers.py").write_text(HELPER.format(bonus=bonus))


def _run(tmp_path) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"),
               PYTHONPATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", RUN], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_edits_in_new_processes_are_never_stale(tmp_path):
    _write(tmp_path)
    first = _run(tmp_path)
    again = _run(tmp_path)                      # unchanged: same numbers, from the cache
    assert again["mean"] == first["mean"]
    _write(tmp_path, target="0.3")              # a global constant the reward reads
    const = _run(tmp_path)
    assert const["mean"] != first["mean"]
    _write(tmp_path, target="0.3", bonus="0.25 * x")   # a helper in another module
    helper = _run(tmp_path)
    assert helper["mean"] != const["mean"]
    # comments only: the kernel (and its results) stay the same
    (tmp_path / "plant.py").write_text("# a comment\n" + PLANT.format(target="0.3"))
    assert _run(tmp_path)["mean"] == helper["mean"]
    _write(tmp_path)                            # back to the original: the original numbers
    assert _run(tmp_path)["mean"] == first["mean"]


def _env(reward_fn):
    @njit
    def init(st, e, p, seed, episode):
        st[e, 0].x = 0.2

    @njit
    def observe(st, e, p, agent, out):
        out[0] = st[e, 0].x

    @njit
    def effect(st, e, p, agent, act):
        st[e, 0].u = act[0]

    @njit
    def advance(st, e, p, dt):
        st[e, 0].x += st[e, 0].u * dt

    return BatchEnv(name="same_process", agents=[AgentSpec("a")],
                    state_dtype={"x": "f8", "u": "f8"}, horizon=5.0,
                    functions=dict(init=init, observe=observe, effect=effect, advance=advance,
                                   reward=reward_fn))


def test_a_rebuilt_env_with_an_edited_function_runs_the_edit_in_the_same_process():
    src = textwrap.dedent("""
        from numba import njit
        @njit
        def reward(st, e, p, agent):
            return {expr}
    """)
    results = []
    for expr in ("st[e, 0].x", "2.0 * st[e, 0].x", "st[e, 0].x"):
        ns: dict = {}
        exec(src.format(expr=expr), ns)  # noqa: S102 - the test's own source
        r = evaluate(_env(ns["reward"]), "simple", n_episodes=4, seed=0)
        results.append(r.arrays["return"].copy())
    assert np.allclose(results[1], 2.0 * results[0]) and not np.allclose(results[1], results[0])
    np.testing.assert_array_equal(results[2], results[0])
