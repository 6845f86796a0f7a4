"""``EvaluationResult``: per-(episode, agent) metric columns, run statistics and the config.

``COLUMNS`` is the tidy table's schema (one row per (episode, agent)); the study layer writes
Parquet against it. ``chunk_columns`` turns a kernel chunk's metric records into those columns
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
    "time_outside_band": "float64",
}


def chunk_columns(env, acur: np.ndarray, seed: int, episode_start: int) -> dict:
    """Columns (episode-major, agent-minor rows) of one chunk's ``agent_cursor_dt`` array."""
    n, n_agents = acur.shape
    flat = acur.reshape(-1)
    ids = np.array([a.id for a in env.agents])
    classes = np.array([a.agent_class for a in env.agents])
    ticks = flat["n_ticks"]
    effs = flat["n_effects"]
    with np.errstate(invalid="ignore", divide="ignore"):
        obs_mean = np.where(ticks > 0, flat["obs_stale_sum"] / np.maximum(ticks, 1), np.nan)
        act_mean = np.where(effs > 0, flat["act_stale_sum"] / np.maximum(effs, 1), np.nan)
    return {
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
        "time_outside_band": flat["outside"].astype(np.float64),
    }


def concat_columns(parts: list) -> dict:
    """Concatenate chunk column dicts."""
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}


def to_frame(arrays: dict):
    """The tidy DataFrame of ``arrays`` with exactly ``COLUMNS`` and their dtypes."""
    import pandas as pd

    data = {}
    for k, dt in COLUMNS.items():
        if dt == "string":
            data[k] = pd.array(arrays[k].astype(object), dtype="string")
        else:
            data[k] = np.asarray(arrays[k], dtype=dt)
    return pd.DataFrame(data, columns=list(COLUMNS))


@dataclass
class EvaluationResult:
    """What ``heron.batch.evaluate`` returns.

    ``arrays``: dict of NumPy columns (``COLUMNS``); ``episodes``: the same as a pandas DataFrame
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
