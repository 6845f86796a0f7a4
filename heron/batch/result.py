"""``EvaluationResult``: per-(episode, agent) metric columns, run statistics and the config.

``COLUMNS`` are the engine's columns (one row per (episode, agent)); an env's declared metrics
(``BatchEnv.metrics``) follow them as float64 columns (``columns_of(env)``); the study layer
writes Parquet against that. ``chunk_columns`` turns a kernel chunk's metric records into those columns
(NumPy arrays; ``agent``/``agent_class`` as NumPy unicode) without building a DataFrame.
Staleness columns are in seconds: observation staleness ``T - S`` over ticks, action staleness
``E - S`` over applied effects (NaN when an agent had no tick / no effect).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COLUMNS = {
    "seed": "int64", "episode": "int64", "agent": "string", "agent_index": "int64",
    "agent_class": "string", "return": "float64", "n_ticks": "int64", "n_effects": "int64",
    "n_messages": "int64", "obs_staleness_mean": "float64", "obs_staleness_max": "float64",
    "act_staleness_mean": "float64", "act_staleness_max": "float64",
}


def columns_of(env) -> dict:
    """Column name -> dtype of ``env``'s result tables: ``COLUMNS`` then its metrics."""
    return {**COLUMNS, **{m: "float64" for m in env.metric_names}}


def chunk_columns(env, acur: np.ndarray, seed: int, episode_start: int, met=None) -> dict:
    """Columns (episode-major, agent-minor rows) of one chunk's ``agent_cursor_dt`` array and
    its env metrics ``met`` (``(n, n_agents, >= n_metrics)``, float64)."""
    n, n_agents = acur.shape
    flat = acur.reshape(-1)
    ids = np.array([a.id for a in env.agents])
    classes = np.array([a.agent_class for a in env.agents])
    ticks = flat["n_ticks"]
    effs = flat["n_effects"]
    with np.errstate(invalid="ignore", divide="ignore"):
        obs_mean = np.where(ticks > 0, flat["obs_stale_sum"] / np.maximum(ticks, 1), np.nan)
        act_mean = np.where(effs > 0, flat["act_stale_sum"] / np.maximum(effs, 1), np.nan)
    cols = {
        "seed": np.full(n * n_agents, seed, dtype=np.int64),
        "episode": np.repeat(np.arange(episode_start, episode_start + n, dtype=np.int64),
                             n_agents),
        "agent": np.tile(ids, n),
        "agent_index": np.tile(np.arange(n_agents, dtype=np.int64), n),
        "agent_class": np.tile(classes, n),
        "return": flat["ret"].astype(np.float64),
        "n_ticks": ticks.astype(np.int64),
        "n_effects": effs.astype(np.int64),
        "n_messages": flat["n_messages"].astype(np.int64),
        "obs_staleness_mean": obs_mean,
        "obs_staleness_max": np.where(ticks > 0, flat["obs_stale_max"], np.nan),
        "act_staleness_mean": act_mean,
        "act_staleness_max": np.where(effs > 0, flat["act_stale_max"], np.nan),
    }
    for m, name in enumerate(env.metric_names):
        cols[name] = np.ascontiguousarray(met[:, :, m], dtype=np.float64).reshape(-1)
    return cols


def concat_columns(parts: list) -> dict:
    """Concatenate chunk column dicts."""
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def to_frame(arrays: dict):
    """The tidy DataFrame of ``arrays``: ``COLUMNS`` with their dtypes, then the env's metric
    columns (float64) in their order."""
    import pandas as pd

    data = {}
    for k in arrays:
        dt = COLUMNS.get(k, "float64")
        if dt == "string":
            data[k] = pd.array(arrays[k].astype(object), dtype="string")
        else:
            data[k] = np.asarray(arrays[k], dtype=dt)
    return pd.DataFrame(data, columns=list(arrays))


@dataclass
class EvaluationResult:
    """What ``heron.batch.evaluate`` returns.

    ``arrays``: dict of NumPy columns (``COLUMNS``, then the env's metrics); ``episodes``: the same as a pandas DataFrame
    (built on first access); ``stats``: engine, n_episodes, events, wall_time_s, episodes_per_s,
    events_per_s, threads, chunk_size; ``config``: JSON-serialisable reproduction recipe.
    """

    arrays: dict
    stats: dict
    config: dict
    _frame: object = field(default=None, repr=False)

    @property
    def episodes(self):
        if self._frame is None:
            self._frame = to_frame(self.arrays)
        return self._frame

    def returns(self, agent=None) -> np.ndarray:
        """Returns per row, or per episode for one agent id."""
        if agent is None:
            return self.arrays["return"]
        return self.arrays["return"][self.arrays["agent"] == agent]
