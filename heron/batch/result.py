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


def agent_names(env) -> dict:
    """``{"agent": ids, "agent_class": classes}`` of ``env``'s agents, by agent index."""
    return {"agent": [a.id for a in env.agents],
            "agent_class": [a.agent_class for a in env.agents]}


def columns_of(env) -> dict:
    """Column name -> dtype of ``env``'s result tables: ``COLUMNS`` then its metrics."""
    return {**COLUMNS, **{m: "float64" for m in env.metric_names}}


def chunk_columns(env, acur: np.ndarray, seed: int, episode_start: int, met=None) -> dict:
    """Columns (episode-major, agent-minor rows) of one chunk's ``agent_cursor_dt`` array and
    its env metrics ``met`` (``(n, n_agents, >= n_metrics)``, float64)."""
    n, n_agents = acur.shape
    flat = acur.reshape(-1)
    # object arrays of shared str objects: 8 bytes a row (a unicode array costs 4 per character)
    ids = np.array([a.id for a in env.agents], dtype=object)
    classes = np.array([a.agent_class for a in env.agents], dtype=object)
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
        # a copy: ``met`` is a working array the next chunk reuses
        cols[name] = np.array(met[:, :, m], dtype=np.float64, order="C").reshape(-1)
    return cols


def concat_columns(parts: list) -> dict:
    """Concatenate chunk column dicts."""
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


class ColumnBuffer:
    """Columns of ``n_rows`` rows filled chunk by chunk (``add``), allocated once at the first
    chunk: collecting a million episodes never holds the chunks and their concatenation at
    once."""

    def __init__(self, n_rows: int):
        self.n_rows = int(n_rows)
        self.filled = 0
        self.columns = None

    def add(self, cols: dict) -> None:
        n = len(next(iter(cols.values())))
        if self.columns is None:
            self.columns = {k: np.empty(self.n_rows, dtype=v.dtype) for k, v in cols.items()}
        for k, v in cols.items():
            self.columns[k][self.filled:self.filled + n] = v
        self.filled += n

    def result(self) -> dict:
        """The filled columns (trimmed if fewer rows came than announced)."""
        if self.filled != self.n_rows:
            return {k: v[:self.filled] for k, v in self.columns.items()}
        return self.columns


def _string_column(values, agent_index, names=None):
    """A pandas string column (Arrow-backed) of a per-agent string column, built from the agent
    index codes: no Python string object per row. ``names`` (the value of each agent index, as
    the engine wrote them) skips looking them up and checking them."""
    import pandas as pd
    import pyarrow as pa

    if names is None:
        codes, first = np.unique(agent_index, return_index=True)
        if codes.size and codes[0] >= 0 and codes[-1] < 1 << 20:
            table = np.array([""] * (int(codes[-1]) + 1), dtype=object)
            table[codes] = np.asarray(values)[first]
            if (table[agent_index] == values).all():
                names = table.tolist()
    if names is not None:
        arr = pa.DictionaryArray.from_arrays(pa.array(agent_index),   # int64 codes, no copy
                                             pa.array(list(names), pa.string()))
        # large_string is what pandas keeps: casting to it directly avoids a second copy
        return pd.array(arr.cast(pa.large_string()), dtype=pd.StringDtype("pyarrow"))
    return pd.array(np.asarray(values, dtype=object), dtype=pd.StringDtype("pyarrow"))


def to_frame(arrays: dict, agents=None):
    """The tidy DataFrame of ``arrays``: ``COLUMNS`` with their dtypes, then the env's metric
    columns (float64) in their order. Numeric columns are shared with ``arrays``, not copied;
    string columns are Arrow-backed. ``agents``: ``{"agent": ids, "agent_class": classes}`` by
    agent index, when the engine wrote the columns."""
    import pandas as pd

    data = {}
    agent_index = np.asarray(arrays["agent_index"]) if "agent_index" in arrays else None
    for k in arrays:
        dt = COLUMNS.get(k, "float64")
        if dt == "string":
            if agent_index is not None:
                data[k] = _string_column(arrays[k], agent_index, (agents or {}).get(k))
            else:
                data[k] = pd.array(np.asarray(arrays[k], dtype=object),
                                   dtype=pd.StringDtype("pyarrow"))
        else:
            data[k] = np.asarray(arrays[k], dtype=dt)
    return pd.DataFrame(data, columns=list(arrays), copy=False)


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
    agents: dict = field(default=None, repr=False)   # {"agent": ids, "agent_class": classes}

    @property
    def episodes(self):
        if self._frame is None:
            self._frame = to_frame(self.arrays, self.agents)
        return self._frame

    def returns(self, agent=None) -> np.ndarray:
        """Returns per row, or per episode for one agent id."""
        if agent is None:
            return self.arrays["return"]
        return self.arrays["return"][self.arrays["agent"] == agent]
