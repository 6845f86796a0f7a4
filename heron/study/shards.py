"""Shards: the unit of work of a study, and the worker function that runs one.

A *cell* is (policy, scenario); a *shard* is a cell, a seed and an episode range
``[start, start + count)``. ``plan_shards(spec)`` lists them in a fixed order (per policy: the sync
baseline, then the scenarios; per cell the study's seeds in order; ranges ascending). The shard's
id and file name carry its seed when the study has several seeds (``seed=S/`` in the id,
``part-s<seed>-...`` files); a one-seed study keeps the names it had before seeds were a list.

``run_shard(task)`` runs in a worker (same process, a process pool or a Dask worker): it
rebuilds the environment and the policy from plain data (registered names, object references,
``.npz`` paths; nothing is pickled but the task dict), calls ``heron.batch.evaluate`` with
``seed=<the shard's seed>, episode_start=start``, writes the shard's Parquet file atomically
(the engine's columns, then the metric columns the env declares, ``task["metrics"]``) and returns
a small summary dict with the file's size and SHA-256. Names resolve as in the driver
(``heron.study.resolve``): the worker first imports the modules the driver hands it
(``task["imports"]``), never a module a study file names. The engine's counter-based streams make
episode ``e`` of seed ``s`` the same in any shard, so the dataset does not depend on the shard size
or the executor.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from heron.study.dataset import ENGINE_COLUMNS, dictionary_columns, env_metric_names, \
    episodes_to_table, shard_file, study_schema, write_shard
from heron.study.grid import Scenario
from heron.study.pettingzoo import is_pettingzoo
from heron.study.resolve import import_modules, resolve_env, resolve_policy

#: The function that runs episodes (``heron.batch.evaluate``'s signature); studies may name another.
DEFAULT_EVALUATOR = "heron.batch:evaluate"


@dataclass(frozen=True)
class Shard:
    """Episodes ``[start, start + count)`` of seed ``seed`` of one (policy, scenario) cell.
    ``tag_seed``: the id and file name include the seed (studies of several seeds)."""

    policy: object      # PolicySpec
    scenario: Scenario
    start: int
    count: int
    seed: int = 0
    tag_seed: bool = False

    @property
    def id(self) -> str:
        seed = f"seed={self.seed}/" if self.tag_seed else ""
        return f"{self.policy.name}/{self.scenario.label}/{seed}{self.start}+{self.count}"

    @property
    def file(self) -> str:
        return shard_file(self.policy.name, self.scenario.label, self.start, self.count,
                          seed=self.seed if self.tag_seed else None)


def plan_shards(spec) -> list:
    """Every shard of ``spec`` in the canonical order."""
    out = []
    for policy in spec.policies:
        for scenario in spec.all_scenarios():
            for seed in spec.seeds:
                for start in range(0, spec.n_episodes, spec.shard_size):
                    count = min(spec.shard_size, spec.n_episodes - start)
                    out.append(Shard(policy, scenario, start, count, seed, spec.multi_seed))
    return out


def make_task(spec, shard: Shard, out_dir: str, provenance_json: str, threads,
              evaluator: str = DEFAULT_EVALUATOR, metrics=(), env=None, imports=()) -> dict:
    """The plain-data task a worker needs for ``shard`` (picklable, small). ``metrics``: the
    metric columns of the study's env (``env.metric_names``), the same for every shard; ``env``:
    the driver's ``resolve.env_task`` (default: the study's env name and kwargs); ``imports``:
    modules the worker imports first (``resolve.check_study``)."""
    if env is None:
        env = {"name": spec.env_name, "kwargs": spec.env_kwargs, "ref": None, "module": None}
    return {
        "id": shard.id, "file": shard.file, "out_dir": out_dir,
        "env_name": spec.env_name, "env": env, "imports": [list(i) for i in imports],
        "policy": shard.policy.to_dict(), "scenario": shard.scenario.to_dict(),
        "start": shard.start, "count": shard.count, "seed": shard.seed, "horizon": spec.horizon,
        "engine": spec.engine, "axes": list(spec.axes), "provenance": provenance_json,
        "threads": threads, "evaluator": evaluator, "metrics": list(metrics),
    }


def import_object(path: str):
    """The object named by ``"package.module:attr.sub"`` (the evaluator: a command-line argument,
    never a study file's text)."""
    from heron.registry import load_reference

    try:
        return load_reference(path)
    except ImportError as exc:
        raise ValueError(str(exc)) from None


def _prepare(task: dict):
    """``(env, policy)`` of ``task`` in this worker: the driver's imports first. A PettingZoo
    env's policy resolves by the rules of ``heron.study.pettingzoo``."""
    import_modules(task.get("imports"))
    env = resolve_env(task["env"])
    if is_pettingzoo(env):
        from heron.study.pettingzoo import resolve_policy as pettingzoo_policy

        return env, pettingzoo_policy(task["policy"])
    return env, resolve_policy(task["policy"])


def _runner(task: dict, env) -> tuple:
    """``(evaluate, timing)`` of ``task`` on ``env``: the task's evaluator and the scenario's
    timing; a ``PettingZooSpec`` env runs through ``heron.pettingzoo.evaluate`` (unless the run
    names another evaluator) with the field timing of every agent (``heron.study.pettingzoo``)."""
    evaluator = task.get("evaluator") or DEFAULT_EVALUATOR
    if is_pettingzoo(env):
        from heron.study import pettingzoo

        if evaluator == DEFAULT_EVALUATOR:
            evaluator = pettingzoo.EVALUATOR
        return import_object(evaluator), pettingzoo.timing(task["scenario"])
    return import_object(evaluator), _timing(task["scenario"])


def load_npz_policy(path: str):
    """A compiled policy from ``.npz`` weights (read with ``allow_pickle=False``): keys ``W`` and
    ``b`` give a linear policy, ``W0, b0, W1, b1, ...`` a tanh MLP."""
    import numpy as np

    from heron.batch import policies

    with np.load(path, allow_pickle=False) as z:
        keys = set(z.files)
        if {"W", "b"} <= keys:
            return policies.linear(z["W"], z["b"], name="linear")
    if "W0" in keys and "b0" in keys:
        return policies.mlp_from_npz(path, name="mlp")
    raise ValueError(f"weights file {path!r} holds {sorted(keys)}; expected W and b (linear) or "
                     "W0, b0, W1, b1, ... (MLP)")


def _timing(scenario: dict):
    from heron.scheduling.tick_config import TickConfig

    if scenario["mode"] == "sync":
        return None
    return {cls: TickConfig(**fields) for cls, fields in scenario["timing"].items()}


def _check_episodes(columns, task: dict) -> None:
    """The engine must return exactly episodes ``[start, start + count)`` of the shard's seed:
    a shard that silently ran other episodes would duplicate rows across shards."""
    import numpy as np

    episode = np.asarray(columns["episode"])
    seed = np.asarray(columns["seed"])
    lo, hi = task["start"], task["start"] + task["count"] - 1
    if (len(episode) == 0 or episode.min() != lo or episode.max() != hi
            or len(np.unique(episode)) != task["count"] or (seed != task["seed"]).any()):
        raise RuntimeError(f"shard {task['id']}: the engine returned episodes "
                           f"{episode.min() if len(episode) else None}.."
                           f"{episode.max() if len(episode) else None} of seed(s) "
                           f"{sorted(set(seed.tolist()))[:3]}; expected {lo}..{hi} of seed "
                           f"{task['seed']}")


def _metrics(task: dict, env) -> tuple:
    """The metric columns of ``task``: the env's, which must be the ones the study planned
    (a worker with another version of the env would write another schema)."""
    declared = env_metric_names(env)
    planned = task.get("metrics")
    if planned is not None and tuple(planned) != declared:
        raise RuntimeError(f"shard {task['id']}: the environment {task['env_name']!r} declares "
                           f"the metric columns {list(declared)} on this worker, but the study "
                           f"was planned with {list(planned)} (another version of the env's code "
                           "on this worker?)")
    return declared


def _check_columns(columns, task: dict, metrics) -> None:
    """The engine must return the engine columns and exactly the env's metric columns."""
    names = list(columns.columns) if hasattr(columns, "columns") else list(columns)
    extra = [n for n in names if n not in {c for c, _, _ in ENGINE_COLUMNS} | set(metrics)]
    if extra:
        raise RuntimeError(f"shard {task['id']}: the engine returned column(s) {extra} that the "
                           f"environment {task['env_name']!r} does not declare as metrics "
                           f"(its metrics: {list(metrics)})")


def warm_jobs(task: dict) -> list:
    """The compile jobs of ``task``'s engine, as ``(task, part)`` pairs for ``warm_shard``: one
    per independent piece (``heron.batch.runner.COMPILE_PARTS``) with the default evaluator, so
    a pool compiles them side by side; one whole-episode job (``part=None``) with another, or
    for a PettingZoo env (its wrapper's schedule kernel)."""
    if (task.get("evaluator") or DEFAULT_EVALUATOR) != DEFAULT_EVALUATOR \
            or (task.get("env") or {}).get("kind") == "pettingzoo":
        return [(task, None)]
    from heron.batch.runner import COMPILE_PARTS

    return [(task, part) for part in COMPILE_PARTS.get(shard_engine(task), ())]


def warm_shard(task: dict, part=None) -> str:
    """Compile ``part`` of ``task``'s kernels into Numba's on-disk cache (``None``: run one
    episode of the task's evaluator and discard it), so the shards that follow load them instead
    of each worker compiling its own copy. Returns the engine name."""
    scenario = task["scenario"]
    engine = shard_engine(task)
    env, policy = _prepare(task)
    if part is not None:
        from heron.batch import compile_kernels

        compile_kernels(env, policy, timing=_timing(scenario), horizon=task["horizon"],
                        engine=engine, parts=(part,))
        return engine
    evaluate, timing = _runner(task, env)
    evaluate(env, policy, timing=timing, n_episodes=1, seed=task["seed"],
             horizon=task["horizon"], engine=engine, threads=task["threads"],
             episode_start=task["start"])
    return engine


# The episode counter of this worker's executor (``install_counter``): shards add the episodes
# of each finished chunk, so the driver's progress bar moves within a shard.
_COUNTER = None


def install_counter(counter) -> None:
    """Make ``run_shard`` report finished episodes to ``counter`` (a ``multiprocessing.Value``
    shared with the driver, or an ``executors.LocalCounter``); the pool initializer."""
    global _COUNTER
    _COUNTER = counter


def _counting():
    """``(callback, counted)``: the ``progress`` callback of ``evaluate`` adding to this worker's
    counter, and a one-item list holding how many episodes it has added."""
    counted = [0]
    counter = _COUNTER

    def add(n: int) -> None:
        with counter.get_lock():
            counter.value += int(n)
        counted[0] += int(n)
        notify = getattr(counter, "notify", None)
        if notify is not None:
            notify()

    return add, counted


@lru_cache(maxsize=4)
def _takes(evaluate, name: str) -> bool:
    """Whether ``evaluate`` accepts the keyword ``name``."""
    import inspect

    try:
        return name in inspect.signature(evaluate).parameters
    except (TypeError, ValueError):
        return False


def shard_engine(task: dict) -> str:
    """The engine a task runs on: ``"sync"`` for baseline shards, else the study's engine."""
    return "sync" if task["scenario"]["mode"] == "sync" else task["engine"]


def run_shard(task: dict) -> dict:
    """Run one shard and write its file; returns ``{id, file, rows, episodes, bytes, sha256,
    kernel_s, write_s, convert_s, counted, events}`` (seconds of wall time in the engine, in Arrow
    conversion + Parquet writing and in conversion alone; ``counted``: episodes already reported
    to the worker's counter)."""
    env, policy = _prepare(task)
    evaluate, timing = _runner(task, env)
    metrics = _metrics(task, env)
    scenario = task["scenario"]
    engine = shard_engine(task)
    # once-per-process imports (~0.15 s, mostly pandas, which pyarrow loads on its first
    # conversion) are start-up, not part of this shard's write_s
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    extra = {"as_arrays": True} if _takes(evaluate, "as_arrays") else {}
    counted = [0]
    if _COUNTER is not None and _takes(evaluate, "progress"):
        extra["progress"], counted = _counting()
    t0 = time.perf_counter()
    result = evaluate(env, policy, timing=timing, n_episodes=task["count"],
                      seed=task["seed"], horizon=task["horizon"], engine=engine,
                      threads=task["threads"], episode_start=task["start"], **extra)
    t1 = time.perf_counter()
    schema = study_schema(task["axes"], task["provenance"], metrics)
    columns = result.arrays if extra.get("as_arrays") else result.episodes
    _check_episodes(columns, task)
    _check_columns(columns, task, metrics)
    table = episodes_to_table(columns, schema, mode=scenario["mode"],
                              preset=scenario["preset"], axes=scenario["axes"])
    t_table = time.perf_counter()
    low = dictionary_columns(task["axes"], metrics)
    nbytes, sha256 = write_shard(table, task["out_dir"], task["file"], dictionary=low,
                                 statistics=[*low, "episode"])
    t2 = time.perf_counter()
    return {"id": task["id"], "file": task["file"], "rows": table.num_rows,
            "episodes": task["count"], "bytes": nbytes, "sha256": sha256,
            "kernel_s": t1 - t0, "write_s": t2 - t1,
            "convert_s": t_table - t1, "counted": counted[0],
            "events": int(result.stats.get("events", 0) or 0)}
