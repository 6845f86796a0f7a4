"""A study's results on disk: a hive-partitioned Parquet dataset plus a manifest.

Layout of an output directory::

    OUT/study.toml                      the study file as given (or the demo's text)
    OUT/manifest.jsonl                  one JSON line per event: header, shards, "complete"
    OUT/data/policy=P/scenario=S/part-<start>-<count>.parquet          (a study of one seed)
    OUT/data/policy=P/scenario=S/part-s<seed>-<start>-<count>.parquet  (several seeds)

One row per (episode, agent): the engine's common columns (``ENGINE_COLUMNS``, the same as
``heron.batch.result.COLUMNS``: seeds are columns), then the env's declared metric columns
(``env.metric_names``, float64, in declaration order), then ``mode`` (``"event"`` or ``"sync"``),
``preset`` and one column per timing axis (null where the scenario is not a grid point).
``policy`` and ``scenario`` live in the directory names (hive partitioning, values URI-encoded), so
filters on them prune whole directories. The provenance JSON sits in the schema metadata of every
file (key ``b"heron"``), and the metric names as a JSON list (key ``b"heron.metrics"``, also in
the manifest header), so readers tell metric columns from timing axes. Parquet settings follow
pyarrow practice for Monte Carlo rows: dictionary encoding only on low-cardinality columns, row
groups of ``ROW_GROUP_ROWS`` rows.

Atomicity: a shard is written to a hidden temporary file (``.part-....tmp``: pyarrow's discovery
ignores names starting with ``.``) and renamed into place, then recorded in the manifest with its
size and SHA-256 (``heron.study.manifest``). A shard counts as done only when the manifest lists it
*and* its file has the recorded size and checksum; so a crash at any moment leaves either a
recorded shard or one that is re-run (and rewritten identically), and a damaged file is found by
``heron report``, ``heron.analysis.load`` and resume. Parquet page checksums are written too.
Readers (``heron.analysis.load``) take the file list from the manifest, never from a directory scan.
"""
from __future__ import annotations

import hashlib
import json
import os
from urllib.parse import quote

from heron.study.manifest import (  # noqa: F401 - re-exported
    DATA_DIR, MANIFEST, Manifest, file_sha256, remove_partials,
)

STUDY_COPY = "study.toml"
ROW_GROUP_ROWS = 131_072
FORMAT = "heron-study/1"

# (name, arrow type name, low cardinality?) in file order: the engine's common columns
# (``heron.batch.result.COLUMNS``; not imported, so reading a dataset does not load the engine).
ENGINE_COLUMNS = (
    ("seed", "int64", True), ("episode", "int64", False), ("agent", "string", True),
    ("agent_index", "int64", True), ("agent_class", "string", True), ("return", "float64", False),
    ("n_ticks", "int64", False), ("n_effects", "int64", False), ("n_messages", "int64", False),
    ("obs_staleness_mean", "float64", False), ("obs_staleness_max", "float64", False),
    ("act_staleness_mean", "float64", False), ("act_staleness_max", "float64", False),
)
EPISODE_COLUMNS = ENGINE_COLUMNS   # the former name
METRIC_TYPE = "float64"            # every env metric column (never dictionary-encoded)
SCENARIO_COLUMNS = (("mode", "string", True), ("preset", "string", True))
PARTITIONS = ("policy", "scenario")
METRICS_KEY = b"heron.metrics"     # schema metadata: JSON list of the env's metric columns


def fixed_columns() -> set:
    """Names of the columns every study has: engine, scenario and partition columns."""
    return {n for n, _, _ in ENGINE_COLUMNS + SCENARIO_COLUMNS} | set(PARTITIONS)


def axis_names() -> frozenset:
    """Every possible timing-axis column name (``heron.study.grid``): the top-level axes and
    ``<agent class>_<tick field>``."""
    from heron.scheduling.presets import AGENT_CLASSES
    from heron.study.grid import TICK_FIELDS, TOP_AXES

    return frozenset(TOP_AXES) | {f"{c}_{f}" for c in AGENT_CLASSES for f in TICK_FIELDS}


def check_metric_names(metrics) -> tuple:
    """``metrics`` (an env's ``metric_names``) as a tuple of str, checked: distinct, and none
    named like a column the dataset already has (engine, scenario, partition or timing-axis
    column), so every reader can tell a metric column from the others."""
    if isinstance(metrics, str):
        raise ValueError(f"metric names must be a sequence of str, not one str; got {metrics!r}")
    out = tuple(metrics or ())
    bad = [m for m in out if not isinstance(m, str) or not m]
    if bad:
        raise ValueError(f"metric names must be non-empty strings; got {bad} in {list(out)}")
    dup = sorted({m for m in out if out.count(m) > 1})
    if dup:
        raise ValueError(f"metric names must be distinct; {dup} repeat(s) in {list(out)}")
    clash = [m for m in out if m in fixed_columns() or m in axis_names()]
    if clash:
        raise ValueError(f"metric name(s) {clash} clash with the study dataset's own columns "
                         f"(engine columns {[n for n, _, _ in ENGINE_COLUMNS]}, "
                         f"{[n for n, _, _ in SCENARIO_COLUMNS]}, {list(PARTITIONS)} and the "
                         "timing axes); rename the env's metric(s)")
    return out


def env_metric_names(env) -> tuple:
    """The metric columns ``env`` declares (``env.metric_names``; none if it has no such
    attribute), checked with ``check_metric_names``."""
    return check_metric_names(getattr(env, "metric_names", ()) or ())


def study_columns(axes, metrics=()) -> list:
    """``(name, arrow type name, low cardinality?)`` of every file column, in file order: engine
    columns, ``metrics``, scenario columns, ``axes``."""
    return [*ENGINE_COLUMNS, *((m, METRIC_TYPE, False) for m in metrics), *SCENARIO_COLUMNS,
            *((a, axis_type(a), True) for a in axes)]


def axis_type(axis: str) -> str:
    """Arrow type name of a timing-axis column: strings for jitter types, float64 otherwise."""
    return "string" if axis.endswith("jitter_type") else "float64"


def _arrow_type(name: str):
    import pyarrow as pa

    if name == "string":  # low-cardinality strings: dictionary arrays, written without hashing
        return pa.dictionary(pa.int32(), pa.string())
    return getattr(pa, name)()


def study_schema(axes, provenance_json: str, metrics=()):
    """The Arrow schema of every file of a study (partition columns excluded): engine columns,
    the env's ``metrics`` (float64), ``mode``, ``preset``, ``axes``. String columns are
    dictionary-typed (``heron.analysis.load`` returns them as plain strings). The metadata holds
    the provenance JSON and the metric names."""
    import pyarrow as pa

    metrics = check_metric_names(metrics)
    fields = [pa.field(n, _arrow_type(t)) for n, t, _ in study_columns(axes, metrics)]
    return pa.schema(fields, metadata={b"heron": provenance_json.encode(),
                                       METRICS_KEY: json.dumps(list(metrics)).encode()})


def schema_metrics(schema):
    """The metric column names recorded in a study file's Arrow ``schema`` (``None`` when the
    file predates the record)."""
    meta = schema.metadata or {}
    if METRICS_KEY not in meta:
        return None
    return tuple(json.loads(meta[METRICS_KEY]))


def dictionary_columns(axes, metrics=()) -> list:
    """Columns worth Parquet dictionary encoding (few distinct values per file): never the
    metric columns (continuous values), so ``metrics`` only documents the call."""
    return [n for n, _, low in study_columns(axes, metrics) if low]


def _constant(value, type_, n: int):
    import numpy as np
    import pyarrow as pa

    if pa.types.is_dictionary(type_):
        if value is None:
            return pa.nulls(n, type_)
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)),
                                              pa.array([value], pa.string()))
    return pa.repeat(pa.scalar(value, type_), n)


def _first_rows(agent_index):
    """``first[i]``: the first row of agent index ``i`` (-1 if absent), or None when the indices
    are not small non-negative integers. O(n), no sort."""
    import numpy as np

    if not len(agent_index):
        return None
    lo, hi = agent_index.min(), agent_index.max()
    if lo < 0 or hi >= 4096:
        return None
    first = np.full(hi + 1, -1, dtype=np.int64)
    rows = np.arange(len(agent_index) - 1, -1, -1)
    first[agent_index[::-1]] = rows   # later writes win: the smallest row of each index
    return first


def _agent_strings(values, agent_index, first):
    """Dictionary array of a per-agent string column (``agent``, ``agent_class``), built from
    ``agent_index`` without hashing every row (checked against the values)."""
    import numpy as np
    import pyarrow as pa

    values = np.asarray(values)
    if values.dtype.kind != "U":
        values = values.astype(str)
    if first is not None:
        present = first >= 0
        names = np.full(len(first), "", dtype=values.dtype)
        names[present] = values[first[present]]
        if (names[agent_index] == values).all():
            distinct, code = np.unique(names, return_inverse=True)  # e.g. "field" x n_agents
            return pa.DictionaryArray.from_arrays(pa.array(code.astype(np.int32)[agent_index]),
                                                  pa.array(distinct, pa.string()))
    return pa.array(values, pa.string()).dictionary_encode()


def episodes_to_table(columns, schema, *, mode: str, preset: str, axes: dict):
    """Arrow table of one shard: the engine's columns and the env's metric columns (a DataFrame
    or a dict of NumPy arrays; the metrics are the ones ``schema`` records, see
    ``study_schema``) plus the constant scenario columns."""
    import numpy as np
    import pyarrow as pa

    metrics = schema_metrics(schema) or ()
    own = [*ENGINE_COLUMNS, *((m, METRIC_TYPE, False) for m in metrics)]
    names = list(columns.columns) if hasattr(columns, "columns") else list(columns)
    missing = [n for n, _, _ in own if n not in names]
    if missing:
        raise ValueError(f"the engine's episodes table lacks column(s) {missing}; got {names}")
    n = len(columns[ENGINE_COLUMNS[0][0]])
    agent_index = np.asarray(columns["agent_index"], dtype=np.int64)
    first = _first_rows(agent_index)
    arrays = []
    for name, t, _ in own:
        col = columns[name]
        if t == "string":
            if hasattr(col, "to_numpy"):   # pandas: Arrow converts and encodes it in C++
                arr = pa.array(col)
                if not pa.types.is_string(arr.type):
                    arr = arr.cast(pa.string())
                arrays.append(arr.dictionary_encode())
            else:
                arrays.append(_agent_strings(col, agent_index, first))
        else:
            arrays.append(pa.array(np.asarray(col, dtype=t)))
    arrays.append(_constant(mode, schema.field("mode").type, n))
    arrays.append(_constant(preset, schema.field("preset").type, n))
    for field in list(schema)[len(own) + len(SCENARIO_COLUMNS):]:
        arrays.append(_constant(axes.get(field.name), field.type, n))
    return pa.Table.from_arrays(arrays, schema=schema)


def partition_dir(policy: str, scenario: str) -> str:
    """Relative directory of one cell: ``data/policy=P/scenario=S`` (values URI-encoded)."""
    return os.path.join(DATA_DIR, f"policy={quote(policy, safe='')}",
                        f"scenario={quote(scenario, safe='')}")


def shard_file(policy: str, scenario: str, start: int, count: int, seed=None) -> str:
    """Relative path of the file of a shard (episodes ``[start, start + count)``; ``seed``: the
    shard's seed, named in the file when the study has several, else None)."""
    tag = "" if seed is None else f"s{int(seed)}-"
    return os.path.join(partition_dir(policy, scenario),
                        f"part-{tag}{start:010d}-{count:010d}.parquet")


def _page_checksum_options() -> dict:
    """``write_page_checksum=True`` when this pyarrow supports Parquet page checksums (CRC32 of
    every data page, verified by readers that ask for it: ``heron.analysis.load`` does)."""
    import inspect

    import pyarrow.parquet as pq

    try:
        ok = "write_page_checksum" in inspect.signature(pq.write_table).parameters
    except (TypeError, ValueError):
        ok = False
    return {"write_page_checksum": True} if ok else {}


def write_shard(table, out_dir: str, relpath: str, *, dictionary=None, statistics=True) -> tuple:
    """Write ``table`` to ``out_dir/relpath`` atomically (a hidden temporary file, fsync,
    rename); returns ``(bytes, sha256 hex digest of those bytes)``. The file is encoded in
    memory, hashed and written in one pass, so the checksum is of exactly what was written.
    ``dictionary``/``statistics``: columns to dictionary-encode / to keep min-max statistics for
    (True: all). Parquet page checksums are on when pyarrow supports them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = os.path.join(out_dir, relpath)
    folder = os.path.dirname(final)
    os.makedirs(folder, exist_ok=True)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=ROW_GROUP_ROWS,
                   use_dictionary=dictionary if dictionary is not None else True,
                   compression="snappy", write_statistics=statistics, **_page_checksum_options())
    buf = sink.getvalue()
    digest = hashlib.sha256(memoryview(buf)).hexdigest()
    tmp = os.path.join(folder, f".{os.path.basename(final)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(memoryview(buf))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return buf.size, digest


def write_atomic(table, out_dir: str, relpath: str, *, dictionary=None, statistics=True) -> int:
    """``write_shard`` returning only the number of bytes written."""
    return write_shard(table, out_dir, relpath, dictionary=dictionary, statistics=statistics)[0]
