"""Studies of a plain PettingZoo env: a registered factory returning a
``heron.pettingzoo.PettingZooSpec`` runs through ``heron.pettingzoo.evaluate``.

Everything else is the study layer's: the same shards, Parquet dataset, manifest and provenance,
so ``heron report`` and ``heron.analysis`` read the results unchanged. What differs:

* **Engines.** An event-driven scenario runs the env inside ``TimedParallelEnv`` (step-quantised
  timing, ``docs/pettingzoo-timing.md``); the synchronous baseline (``scenario = "sync"``) is the
  unwrapped env in lock-step, every agent deciding at every step on the current observation.
  Both reset the inner env with ``inner_seed(seed, episode)``: they pair by (seed, episode).
  ``[study] engine`` must be ``"batch"`` (the default; the event engine here).
* **Timing.** Every agent of a plain PettingZoo env is a ``"field"`` agent: a scenario's field
  ``TickConfig`` applies to every agent. Axes that cannot change such a study are refused
  (``msg_delay``, ``tick_ratio`` and the ``coordinator`` axes: there are no messages and no
  coordinator), so no two cells of the grid are silently the same run.
* **Horizon.** ``[study] horizon`` (seconds), else the spec's ``horizon``; ``floor(horizon/dt)``
  inner steps (the env may end an episode earlier).
* **Policies.** A policy is called as ``policy(agent_id, observation) -> action`` (or is a dict
  ``{agent_id or "field": fn(observation)}``). A study file may name: a registered policy
  (``heron.batch.policies.register(name, factory)`` in code, or an installed package's
  ``heron.policies`` entry point) whose factory returns such a callable or dict; or
  ``"module:object"``, a callable *defined in* a module the user imported for the study (``heron
  run --import MODULE``, ``imports=``) or a submodule of it. Anything else is refused: a
  function another module merely re-exports (``from shutil import rmtree``) or a callable of a
  module imported for other reasons, since the study would call it; weights files and the batch
  engine's policy objects (``CompiledPolicy``, ``BatchedPolicy``, ``@njit``, torch modules),
  which do not take ``(agent_id, observation)``.
* **Plan.** Events per episode count what the wrapper does: inner steps, sampled ticks (one per
  tick interval, also those that collapse into one step) and landed commands; the time estimate
  uses ``EVENTS_PER_SECOND["pettingzoo"]``, calibrated on the two-room thermostat of the tests (a
  light env: a slower ``step`` takes proportionally longer). The limits of ``heron.study.plan``
  apply unchanged.
"""
from __future__ import annotations

import math

from heron.registry import is_pettingzoo_spec

#: what runs a PettingZoo study's shards when the study uses the default evaluator
EVALUATOR = "heron.pettingzoo:evaluate"
KIND = "pettingzoo"
#: grid axes (``heron.study.grid``) that cannot change a run of a plain PettingZoo env
UNUSED_AXES = ("msg_delay", "field_msg_delay", "tick_ratio")


def is_pettingzoo(env) -> bool:
    """Whether the study's env (``resolve.resolve_env``) is a ``PettingZooSpec``."""
    return is_pettingzoo_spec(env)


def timing(scenario: dict):
    """The wrapper's timing of a scenario (``Scenario.to_dict()``): ``{"field": TickConfig
    fields}`` for every agent, or None (lock-step) for the synchronous baseline."""
    if scenario["mode"] == "sync":
        return None
    return {"field": dict(scenario["timing"]["field"])}


def _error(message: str):
    from heron.study.resolve import StudyResolveError

    return StudyResolveError(message)


def _is_batch_policy(obj) -> bool:
    from heron.study.resolve import _is_policy_object

    return _is_policy_object(obj)


def _check_callable(obj, what: str):
    if isinstance(obj, dict):
        bad = [k for k, v in obj.items() if not callable(v) or _is_batch_policy(v)]
        if not obj or bad:
            raise _error(f"{what}: a dict policy maps agent ids (or \"field\") to fn(observation) "
                         f"-> action; {'it is empty' if not obj else f'entries {bad} are not'}")
        return obj
    if _is_batch_policy(obj):
        raise _error(f"{what} is a {type(obj).__name__}, a policy of the batch engine; a "
                     "PettingZoo env is run with a Python callable policy(agent_id, observation) "
                     "-> action (or a dict of fn(observation) per agent id)")
    if not callable(obj):
        raise _error(f"{what} is a {type(obj).__name__}, not callable as policy(agent_id, "
                     "observation) -> action")
    return obj


def resolve_policy(policy: dict, user_modules=None):
    """The policy of a ``PolicySpec.to_dict()`` for a PettingZoo env (module docstring).

    ``user_modules``: names of the modules the user imported for the study (the driver's check);
    None in workers, which run only what the driver checked (the object must still be defined in
    the module the reference names)."""
    kind, ref = policy["kind"], policy["ref"]
    if kind == "builtin":
        from heron.study.resolve import _builtin

        return _check_callable(_builtin(ref), f"registered policy {ref!r}")
    if kind == "npz":
        raise _error(f"weights file {ref!r}: a .npz file gives a policy of the batch engine; a "
                     "PettingZoo env needs a callable policy(agent_id, observation) -> action "
                     "(load the weights in it, in a module you import)")
    module_name = ref.partition(":")[0]
    if user_modules is not None and not any(module_name == m or module_name.startswith(m + ".")
                                            for m in user_modules):
        imported = sorted(user_modules) or "none"
        raise _error(f"policy {ref!r}: a PettingZoo study calls a plain callable only from a "
                     f"module you import for the study (heron run --import {module_name}, or "
                     f"imports=[{module_name!r}]); imported for it: {imported}")
    from heron.study.resolve import _lookup

    obj = _lookup(ref, "policy")
    _check_callable(obj, f"policy {ref!r}")
    defined = getattr(obj, "__module__", None)
    if defined != module_name:
        raise _error(f"policy {ref!r} is defined in module {defined!r}, not in {module_name!r}: "
                     f"a study calls only callables defined in the module it names (write the "
                     f"policy in {module_name!r}, or name it where it is defined)")
    return obj


def agent_ids(env) -> list:
    """The ``possible_agents`` of the spec's env (one env is built and closed)."""
    probe = env.env_fn()
    try:
        return list(probe.possible_agents)
    finally:
        close = getattr(probe, "close", None)
        if close is not None:
            close()


def horizon_of(spec, env) -> float:
    """The study's horizon in seconds: ``[study] horizon``, else the spec's."""
    horizon = spec.horizon if spec.horizon is not None else env.horizon
    if horizon is None:
        raise _error(f"environment {spec.env_name!r} is a PettingZoo env without a default "
                     "horizon: give [study] horizon (seconds), or horizon= in its PettingZooSpec")
    return float(horizon)


def check(spec, env, user_imports=()) -> None:
    """Refuse, before any work, what a PettingZoo study cannot run: another engine, no horizon,
    axes without effect, policies of the wrong kind (``StudyResolveError`` naming each)."""
    if spec.engine != "batch":
        raise _error(f"[study] engine = {spec.engine!r}: a PettingZoo env runs on its own "
                     "event-driven wrapper (heron.pettingzoo.evaluate); use engine = \"batch\" "
                     "(the default)")
    from heron.pettingzoo.quantise import check_dt

    try:
        check_dt(env.dt)
    except (TypeError, ValueError) as exc:
        raise _error(f"environment {spec.env_name!r}: its PettingZooSpec's {exc}") from None
    horizon = horizon_of(spec, env)
    if math.floor(horizon / env.dt + 1e-9) < 1:
        raise _error(f"horizon {horizon:g} s is shorter than one step of environment "
                     f"{spec.env_name!r} (dt = {env.dt:g} s)")
    unused = [a for a in spec.axes if a in UNUSED_AXES or a.startswith("coordinator_")]
    if unused:
        raise _error(f"[timing.grid] axes {unused} do nothing for a PettingZoo env (every agent "
                     "is a field agent; there are no messages or coordinators): remove them")
    ids = agent_ids(env)
    from heron.pettingzoo.evaluate import resolve_policy as as_function

    modules = [i[0] for i in user_imports]
    for p in spec.policies:
        try:
            as_function(resolve_policy(p.to_dict(), modules), ids)
        except (ValueError, TypeError) as exc:
            raise _error(f"[policies] {p.name}: {exc}") from None


def size_plan(spec, env, workers: int = 1):
    """``heron.study.plan.size_plan`` for a PettingZoo env (module docstring)."""
    from heron.study.dataset import study_columns
    from heron.study.plan import BYTES_PER_CELL, EVENTS_PER_SECOND, Plan, _floor

    n_agents = len(agent_ids(env))
    horizon = horizon_of(spec, env)
    dt = float(env.dt)
    steps = max(1, math.floor(horizon / dt + 1e-9))
    scenarios = spec.all_scenarios()
    cells = len(spec.policies) * len(scenarios)
    n_seeds = len(getattr(spec, "seeds", None) or (spec.seed,))   # each runs every cell
    per_cell = n_seeds * -(-spec.n_episodes // spec.shard_size)
    columns = len(study_columns(spec.axes, getattr(env, "metric_names", ()))) + 2
    events, worst, worst_label = 0.0, 0.0, ""
    for sc in scenarios:
        tick = dt if sc.mode == "sync" else float(sc.timing["field"]["tick_interval"])
        sampled = horizon / max(tick, _floor(), 1e-12)
        ev = steps + n_agents * (sampled + min(sampled, steps))
        events += ev * spec.n_episodes * n_seeds * len(spec.policies)
        if ev > worst:
            worst, worst_label = ev, sc.label
    rows = cells * n_seeds * spec.n_episodes * n_agents
    workers = max(1, int(workers))
    seconds = events / EVENTS_PER_SECOND[KIND] / workers
    return Plan(spec.name, cells, cells * per_cell, cells * n_seeds * spec.n_episodes, rows,
                columns, rows * columns * BYTES_PER_CELL, events, seconds, workers,
                min(spec.shard_size, spec.n_episodes) * n_agents, worst, worst_label,
                seeds=n_seeds)
