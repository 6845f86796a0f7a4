"""Read a study's Parquet dataset into pandas.

``load(path, filters=...)`` takes a study output directory (its ``manifest.jsonl`` lists the
complete shards: temporary or unrecorded files are never read), a ``data/`` directory or one
Parquet file. ``filters`` prune partitions (``policy``, ``scenario``) before any file is opened and
filter rows on any column: a dict ``{column: value or list of values}``, a list of DNF tuples
(``[("policy", "==", "simple")]``, as ``pyarrow.parquet``) or a ``pyarrow.compute.Expression``.
Rows come back sorted by policy, scenario, seed, episode and agent index, so a dataset loads the
same whatever shard size or executor wrote it.

Columns: the partitions (``policy``, ``scenario``), the engine's columns, the env's metric columns
(whatever the study's env declares; ``metric_columns``), ``mode``, ``preset`` and the timing axes
(``axis_columns``). The metric names come from the dataset's own record (the files' schema
metadata, else the manifest header) and ride along in ``df.attrs["heron_metrics"]``.
"""
from __future__ import annotations

import json
import os

from heron.study.dataset import DATA_DIR, PARTITIONS, Manifest, axis_names, fixed_columns, \
    schema_metrics

METRICS_ATTR = "heron_metrics"   # df.attrs key: the metric columns the dataset records

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


def recorded_metrics(path, data=None):
    """The metric columns a study recorded (a tuple), or ``None`` for a dataset written before
    they were recorded: from the files' schema metadata, else the manifest header."""
    data = dataset(path) if data is None else data
    found = schema_metrics(data.schema)
    if found is not None:
        return found
    path = os.fspath(path)
    for folder in (path, os.path.dirname(os.path.abspath(path))):
        if os.path.isdir(folder):
            manifest = Manifest(folder)
            if manifest.exists and "metrics" in manifest.header:
                return tuple(manifest.header["metrics"])
    return None


def load(path, filters=None, columns=None):
    """The study's rows as a pandas DataFrame (one row per episode and agent); see the module
    docstring for ``filters``. ``columns`` restricts the columns read."""
    import pyarrow as pa

    data = dataset(path)
    metrics = recorded_metrics(path, data)
    table = data.to_table(columns=columns, filter=_filter_expression(filters))
    for i, field in enumerate(table.schema):   # dictionary-typed strings -> plain strings
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    df = table.to_pandas()
    keys = [k for k in SORT_KEYS if k in df.columns]
    if keys:
        df = df.sort_values(keys, kind="stable", ignore_index=True)
    front = [c for c in PARTITIONS if c in df.columns]
    df = df[front + [c for c in df.columns if c not in front]]
    if metrics is not None:
        df.attrs[METRICS_ATTR] = [m for m in metrics if m in df.columns]
    return df


def provenance(path) -> dict:
    """The provenance document of a study (from its first file's schema metadata)."""
    files, _ = _files(os.fspath(path))
    if not files:
        raise FileNotFoundError(f"{path!r} holds no completed shards yet")
    from heron.study.provenance import read

    return read(files[0])


def metric_columns(df) -> list:
    """The env's metric columns of a study DataFrame, in column order: the ones the dataset
    recorded (``df.attrs["heron_metrics"]``, set by ``load``), else every column that is not an
    engine, scenario or partition column or a timing axis."""
    recorded = df.attrs.get(METRICS_ATTR) if hasattr(df, "attrs") else None
    if recorded is not None:
        recorded = set(recorded)
        return [c for c in df.columns if c in recorded]
    fixed, axes = fixed_columns(), axis_names()
    return [c for c in df.columns if c not in fixed and c not in axes]


def axis_columns(df) -> list:
    """The timing-axis columns of a study DataFrame, in column order (never a metric column)."""
    fixed, axes, metrics = fixed_columns(), axis_names(), set(metric_columns(df))
    return [c for c in df.columns if c in axes and c not in fixed and c not in metrics]


def scenarios(path):
    """A DataFrame describing each scenario of a study (label, kind, preset, axes, timing JSON)."""
    import pandas as pd

    spec = provenance(path)["study"]["spec"]
    rows = [{"scenario": "sync", "kind": "sync", "preset": "", "timing": "synchronous step()"}]
    for s in spec["scenarios"]:
        rows.append({"scenario": s["label"], "kind": s["kind"], "preset": s["preset"],
                     "timing": json.dumps(s["timing"], sort_keys=True)})
    return pd.DataFrame(rows)
