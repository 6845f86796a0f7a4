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

Reading never writes: ``load`` leaves the manifest and the data untouched. Before reading, every
shard file ``load`` will read (after partition pruning) is checked against the SHA-256 the manifest
recorded when the shard was committed (``verify=False`` skips it); a damaged or unreadable shard
raises ``StudyDataError`` naming the shard and its file, and Parquet page checksums are verified
while reading. Damaged manifest lines are reported with a ``StudyDataWarning`` (the shards they
recorded are missing); ``heron run`` on the study repairs both by recomputing.
"""
from __future__ import annotations

import json
import os
import warnings

from heron.study.dataset import DATA_DIR, PARTITIONS, Manifest, axis_names, fixed_columns, \
    schema_metrics
from heron.study.errors import StudyDataError, StudyDataWarning

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


def _manifest(path: str, warn: bool = True):
    """``(manifest or None, files, base directory of the hive partitions)`` for a study dir, a
    data dir or one file; warns (``StudyDataWarning``, with ``warn``) about damaged manifest
    lines."""
    if os.path.isfile(path):
        return None, [path], None
    if not os.path.isdir(path):
        raise FileNotFoundError(f"no study results at {path!r}")
    manifest, base = Manifest(path), os.path.join(path, DATA_DIR)
    if not manifest.exists:
        parent = os.path.dirname(os.path.abspath(path))
        if os.path.basename(os.path.abspath(path)) == DATA_DIR and Manifest(parent).exists:
            manifest, base = Manifest(parent), path
        elif manifest.header_damaged:
            raise StudyDataError(f"{manifest.path}:1: the manifest's header line is damaged; "
                                 "`heron run` on the study repairs it")
        else:
            raise FileNotFoundError(f"{path!r} is not a heron study directory "
                                    "(no manifest.jsonl)")
    for problem in manifest.problems() if warn else ():
        warnings.warn(problem, StudyDataWarning, stacklevel=4)
    return manifest, manifest.files(), base


def _files(path: str):
    """(files, base directory of the hive partitions) for a study dir, data dir or file."""
    _, files, base = _manifest(path)
    return files, base


def _parquet_format():
    """Parquet with page checksums verified (when this pyarrow can)."""
    import pyarrow.dataset as ds

    try:
        return ds.ParquetFileFormat(default_fragment_scan_options=ds.ParquetFragmentScanOptions(
            page_checksum_verification=True))
    except (TypeError, AttributeError):  # pragma: no cover - older pyarrow
        return ds.ParquetFileFormat()


def _first_line(exc) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _unreadable(path, exc, files=None) -> StudyDataError:
    """The error for a dataset that failed to read: names the first file among ``files`` that
    cannot be read on its own (re-read only now, on failure), else ``path``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for f in files or ():
        try:
            try:
                pf = pq.ParquetFile(f, page_checksum_verification=True)
            except TypeError:  # pragma: no cover - older pyarrow
                pf = pq.ParquetFile(f)
            pf.read()
        except (pa.ArrowException, OSError) as own:
            path, exc = f, own
            break
    return StudyDataError(f"{path!s}: a shard of the study cannot be read ({_first_line(exc)}); "
                          "`heron run` on the study recomputes damaged shards")


def dataset(path):
    """The ``pyarrow.dataset.Dataset`` of a study (complete shards only)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    files, base = _files(os.fspath(path))
    if not files:
        raise FileNotFoundError(f"{path!r} holds no completed shards yet")
    part = ds.partitioning(pa.schema([(p, pa.string()) for p in PARTITIONS]), flavor="hive")
    try:
        if base is None:
            return ds.dataset(files, format=_parquet_format())
        return ds.dataset(files, format=_parquet_format(), partitioning=part,
                          partition_base_dir=base)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, exc) from None


def verify(path, files=None) -> int:
    """Check the shard files of the study at ``path`` (all, or those in ``files``) against the
    SHA-256 its manifest recorded; raises ``StudyDataError`` naming the first damaged shard.
    Returns how many files were checked. Never writes."""
    manifest, all_files, _ = _manifest(os.fspath(path), warn=False)
    if manifest is None:
        return 0
    records = manifest.by_file()
    checked = 0
    for f in (all_files if files is None else files):
        rec = records.get(os.path.abspath(f))
        if rec is None:
            continue
        problem = manifest.verify(rec)
        if problem is not None:
            raise StudyDataError(f"shard {rec['id']} ({rec['file']}) is damaged: {problem}; "
                                 "`heron run` on the study recomputes it")
        checked += 1
    return checked


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


def load(path, filters=None, columns=None, *, verify_checksums: bool = True):
    """The study's rows as a pandas DataFrame (one row per episode and agent); see the module
    docstring for ``filters``. ``columns`` restricts the columns read. ``verify_checksums``:
    check each file read against its recorded SHA-256 first (``StudyDataError`` if damaged)."""
    import pyarrow as pa

    data = dataset(path)
    metrics = recorded_metrics(path, data)
    expr = _filter_expression(filters)
    if verify_checksums:
        try:
            read = [f.path for f in data.get_fragments(filter=expr)]
        except (pa.ArrowException, OSError):
            read = None
        verify(path, read)
    try:
        table = data.to_table(columns=columns, filter=expr)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, exc, data.files) from None
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

    import pyarrow as pa

    try:
        return read(files[0])
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(files[0], exc) from None


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
