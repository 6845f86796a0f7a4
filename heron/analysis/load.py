"""Read a study's Parquet dataset into pandas.

``load(path, filters=...)`` takes a study output directory (its ``manifest.jsonl`` lists the
complete shards: temporary or unrecorded files are never read), a ``data/`` directory or one
Parquet file. ``filters`` prune partitions (``policy``, ``scenario``) before any file is opened and
filter rows on any column: a dict ``{column: value or list of values}``, a list of DNF tuples
(``[("policy", "==", "simple")]``, as ``pyarrow.parquet``) or a ``pyarrow.compute.Expression``.
Rows come back sorted by policy, scenario, seed, episode and agent index, so a dataset loads the
same whatever shard size or executor wrote it.
"""
from __future__ import annotations

import json
import os

from heron.study.dataset import DATA_DIR, EPISODE_COLUMNS, PARTITIONS, SCENARIO_COLUMNS, Manifest

SORT_KEYS = ["policy", "scenario", "seed", "episode", "agent_index"]


def _filter_expression(filters):
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if filters is None:
        return None
    if isinstance(filters, pc.Expression):
        return filters
    if isinstance(filters, dict):
        expr = None
        for column, value in filters.items():
            if isinstance(value, (list, tuple, set, frozenset)):
                term = pc.field(column).isin(list(value))
            else:
                term = pc.field(column) == value
            expr = term if expr is None else expr & term
        return expr
    if isinstance(filters, list):
        return pq.filters_to_expression(filters)
    raise TypeError("filters must be a dict {column: value(s)}, a list of (column, op, value) "
                    f"tuples or a pyarrow.compute.Expression; got {type(filters).__name__}")


def _files(path: str):
    """(files, base directory of the hive partitions) for a study dir, data dir or file."""
    if os.path.isfile(path):
        return [path], None
    if not os.path.isdir(path):
        raise FileNotFoundError(f"no study results at {path!r}")
    manifest = Manifest(path)
    if manifest.exists:
        return manifest.files(), os.path.join(path, DATA_DIR)
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.basename(os.path.abspath(path)) == DATA_DIR and Manifest(parent).exists:
        return Manifest(parent).files(), path
    raise FileNotFoundError(f"{path!r} is not a heron study directory (no manifest.jsonl)")


def dataset(path):
    """The ``pyarrow.dataset.Dataset`` of a study (complete shards only)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    files, base = _files(os.fspath(path))
    if not files:
        raise FileNotFoundError(f"{path!r} holds no completed shards yet")
    part = ds.partitioning(pa.schema([(p, pa.string()) for p in PARTITIONS]), flavor="hive")
    if base is None:
        return ds.dataset(files, format="parquet")
    return ds.dataset(files, format="parquet", partitioning=part, partition_base_dir=base)


def load(path, filters=None, columns=None):
    """The study's rows as a pandas DataFrame (one row per episode and agent); see the module
    docstring for ``filters``. ``columns`` restricts the columns read."""
    import pyarrow as pa

    data = dataset(path)
    table = data.to_table(columns=columns, filter=_filter_expression(filters))
    for i, field in enumerate(table.schema):   # dictionary-typed strings -> plain strings
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    df = table.to_pandas()
    keys = [k for k in SORT_KEYS if k in df.columns]
    if keys:
        df = df.sort_values(keys, kind="stable", ignore_index=True)
    front = [c for c in PARTITIONS if c in df.columns]
    return df[front + [c for c in df.columns if c not in front]]


def provenance(path) -> dict:
    """The provenance document of a study (from its first file's schema metadata)."""
    files, _ = _files(os.fspath(path))
    if not files:
        raise FileNotFoundError(f"{path!r} holds no completed shards yet")
    from heron.study.provenance import read

    return read(files[0])


def axis_columns(df) -> list:
    """The timing-axis columns of a study DataFrame (everything that is not a fixed column)."""
    fixed = {n for n, _, _ in EPISODE_COLUMNS + SCENARIO_COLUMNS} | set(PARTITIONS)
    return [c for c in df.columns if c not in fixed]


def scenarios(path):
    """A DataFrame describing each scenario of a study (label, kind, preset, axes, timing JSON)."""
    import pandas as pd

    spec = provenance(path)["study"]["spec"]
    rows = [{"scenario": "sync", "kind": "sync", "preset": "", "timing": "synchronous step()"}]
    for s in spec["scenarios"]:
        rows.append({"scenario": s["label"], "kind": s["kind"], "preset": s["preset"],
                     "timing": json.dumps(s["timing"], sort_keys=True)})
    return pd.DataFrame(rows)
