"""Per-episode timing: one timing row per (episode, agent) for the batch engine.

``evaluate(env, policy, timing=..., timing_per_episode=table, ...)`` runs episode ``g`` with the
timing of row ``g`` of ``table``: rows are indexed by the **global** episode index, so a run of
episodes ``[episode_start, episode_start + n_episodes)`` reads rows ``episode_start ..
episode_start + n_episodes - 1`` (the table needs at least ``episode_start + n_episodes`` rows;
every shard of a study can be handed the same table). An episode's timing samples are then pure
functions of ``(seed, episode, agent, quantity, k)`` and of its row, as with one timing for every
episode: results do not depend on chunk size, threads or shards. Used by Sobol sensitivity
analysis (``heron.analysis.sobol``), where every design point has its own timing.

``table`` is either

* a dict ``{field: array of shape (rows, n_agents)}``, or
* a NumPy structured array of shape ``(rows, n_agents)`` with named fields,

the fields being any of ``PER_EPISODE_FIELDS``: ``tick_interval``, ``obs_delay``, ``act_delay``,
``msg_delay``, ``min_delay`` (seconds) and ``jitter_ratio`` (a ratio). Column ``i`` is agent ``i``
(registration order). Fields left out keep the value of the agent's ``TickConfig`` (from
``timing=``); the jitter type always comes from there. Values follow ``TickConfig``'s rules:
finite, ``tick_interval`` > 0 (floored at 1 ms, as every interval is), delays and ratios >= 0,
times at most 1e9 s, ratios at most 100; a ``jitter_ratio`` > 0 for an agent whose jitter type is
NONE is refused (it would have no effect).

Only the event-driven engine (``engine="batch"``) takes per-episode timing: the synchronous
baseline has no delays or jitter, and the interactive engine runs one ``TickConfig`` per agent.
"""
from __future__ import annotations

import hashlib

import numpy as np

from heron._fast.dtypes import agent_timing_dt

#: The timing fields a per-episode table may set (seconds, except ``jitter_ratio``).
PER_EPISODE_FIELDS = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "jitter_ratio",
                      "min_delay")
MAX_SECONDS = 1e9    # TickConfig's limit on intervals and delays (s)
MAX_RATIO = 100.0    # TickConfig's limit on jitter_ratio
ARG = "timing_per_episode"


def _fields_of(value) -> dict:
    """``{field: array}`` of a dict or a structured array (TypeError for anything else)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, np.ndarray) and value.dtype.names:
        return {name: value[name] for name in value.dtype.names}
    raise TypeError(f"{ARG} must be a dict {{field: array of shape (n_rows, n_agents)}} or a "
                    f"NumPy structured array of shape (n_rows, n_agents) with fields among "
                    f"{list(PER_EPISODE_FIELDS)}; got {type(value).__name__}")


def _first_bad(mask: np.ndarray) -> tuple:
    r, c = np.argwhere(mask)[0]
    return int(r), int(c)


def episode_timing_table(value, configs: list, agent_ids: list, n_rows: int,
                         t_start: float = 0.0) -> np.ndarray:
    """Validate ``value`` (see the module docstring) and return the kernels' table: an
    ``agent_timing_dt`` array of shape ``(rows, n_agents)`` (``rows >= n_rows``, the number of
    rows the run reads: ``episode_start + n_episodes``). ``configs``: one ``TickConfig`` per
    agent, for the fields ``value`` leaves out. Errors name the argument, the field, the
    expected and the received value (with its episode and agent)."""
    from heron._fast.jitter import JITTER_NONE, MIN_INTERVAL
    from heron.batch.timing import timing_array

    fields = _fields_of(value)
    if not fields:
        raise ValueError(f"{ARG} must set at least one of {list(PER_EPISODE_FIELDS)}; got no "
                         "field")
    unknown = [f for f in fields if f not in PER_EPISODE_FIELDS]
    if unknown:
        raise ValueError(f"{ARG}: unknown field(s) {unknown}; expected fields among "
                         f"{list(PER_EPISODE_FIELDS)}")
    n_agents = len(configs)
    rows = None
    arrays = {}
    for name, raw in fields.items():
        where = f"{ARG}[{name!r}]"
        arr = np.asarray(raw)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{where} must hold real numbers (float or int); got dtype "
                            f"{arr.dtype}")
        if arr.ndim != 2 or arr.shape[1] != n_agents:
            raise ValueError(f"{where} must have shape (n_rows, {n_agents}): one row per episode, "
                             f"one column per agent {list(agent_ids)}; got shape {arr.shape}")
        if rows is None:
            rows = arr.shape[0]
        elif arr.shape[0] != rows:
            raise ValueError(f"{where} has {arr.shape[0]} rows; expected {rows} like the other "
                             "fields")
        arrays[name] = arr.astype(np.float64, copy=False)
    if rows < n_rows:
        raise ValueError(f"{ARG} must have at least episode_start + n_episodes = {n_rows} rows "
                         f"(row g is episode g's timing); got {rows}")
    base = timing_array(configs, t_start)
    table = np.empty((rows, n_agents), dtype=agent_timing_dt)
    table[...] = base[None, :]
    for name, arr in arrays.items():
        where = f"{ARG}[{name!r}]"
        lo_strict = name == "tick_interval"
        hi = MAX_RATIO if name == "jitter_ratio" else MAX_SECONDS
        unit = "" if name == "jitter_ratio" else " s"
        bad = ~np.isfinite(arr) | (arr <= 0 if lo_strict else arr < 0) | (arr > hi)
        if bad.any():
            r, c = _first_bad(bad)
            rule = "> 0" if lo_strict else ">= 0"
            raise ValueError(f"{where} must be finite, {rule} and <= {hi:g}{unit}; got "
                             f"{float(arr[r, c])!r} for episode {r}, agent {agent_ids[c]!r}")
        if name == "tick_interval":
            arr = np.maximum(arr, MIN_INTERVAL)
        table[name] = arr
    if "jitter_ratio" in arrays:
        none = (table["jitter_code"] == JITTER_NONE) & (table["jitter_ratio"] > 0)
        if none.any():
            r, c = _first_bad(none)
            bad = float(table["jitter_ratio"][r, c])
            raise ValueError(f"{ARG}['jitter_ratio'] is {bad!r} for "
                             f"episode {r}, agent {agent_ids[c]!r}, whose jitter type is NONE: "
                             f"it would have no effect; expected 0 there, or give the agent a "
                             f"jitter type in timing=")
    return table


def chunk_timing(plan, episode_start: int, n: int, buffers: dict | None = None) -> np.ndarray:
    """The kernels' timing for episodes ``[episode_start, episode_start + n)``: a C-contiguous
    ``(n, n_agents)`` ``agent_timing_dt`` array, row ``r`` for episode ``episode_start + r``.
    With a per-episode table, its rows; otherwise the plan's one record per agent repeated
    (kept in ``buffers`` for the next chunk of the same size)."""
    table = getattr(plan, "timing_table", None)
    if table is not None:
        return table[episode_start:episode_start + n]
    key = ("timing", n)
    if buffers is not None and key in buffers:
        return buffers[key]
    arr = np.empty((n, plan.timing_arr.shape[0]), dtype=agent_timing_dt)
    arr[...] = plan.timing_arr[None, :]
    if buffers is not None:
        for k in [k for k in buffers if isinstance(k, tuple) and k[0] == "timing"]:
            del buffers[k]
        buffers[key] = arr
    return arr


def shortest_rows(table: np.ndarray) -> np.ndarray:
    """One record per agent: the row with the agent's shortest tick interval (sizes chunks so
    that the longest schedules fit the memory budget)."""
    idx = np.argmin(table["tick_interval"], axis=0)
    return table[idx, np.arange(table.shape[1])].copy()


def describe_table(table: np.ndarray, fields) -> dict:
    """What a result's config records of a per-episode table: rows, fields and a SHA-256 of
    its bytes (two runs with the same fingerprint had the same timing)."""
    return {"rows": int(table.shape[0]), "fields": sorted(fields),
            "sha256": hashlib.sha256(np.ascontiguousarray(table).tobytes()).hexdigest()}


def prepare_table(value, engine: str, configs: list, env, n_rows: int):
    """``evaluate``'s handling of ``timing_per_episode=value``: None stays None; otherwise the
    validated table (``episode_timing_table``), for ``engine="batch"`` only."""
    if value is None:
        return None
    if engine != "batch":
        raise ValueError(f"{ARG} applies to engine='batch' only (the synchronous baseline has no "
                         f"delays or jitter; the interactive engine takes one TickConfig per "
                         f"agent); got engine={engine!r}")
    return episode_timing_table(value, configs, env.agent_ids, n_rows)


def budget_timing(timing_arr: np.ndarray, table, episode_start: int, n_episodes: int):
    """The per-agent records that size chunks: ``timing_arr``, or with a table the rows of
    episodes ``[episode_start, episode_start + n_episodes)`` with the shortest tick intervals."""
    if table is None:
        return timing_arr
    return shortest_rows(table[episode_start:episode_start + n_episodes])


def table_config(table, value) -> dict:
    """``{"timing_per_episode": describe_table(...)}`` for a result's config (``{}`` without a
    table, so the config of a run without one is what it was)."""
    if table is None:
        return {}
    return {ARG: describe_table(table, _fields_of(value))}
