"""Parquet writing of study results (target: >= 3 M rows/s).

One shard of ``n_rows`` rows (engine-shaped, ``heron.bench.datasets.episode_rows``) goes through
the study writer's two steps: ``episodes_to_table`` (pandas -> Arrow with the scenario columns)
and ``write_atomic`` (Parquet with the study's dictionary and row-group settings, temporary file,
fsync, rename). Files go to a temporary directory removed in ``teardown``.
"""
import os
import shutil
import tempfile

from heron.bench import datasets
from heron.study import dataset as ds

from .common import rate

AXES = {"jitter_ratio": 0.1}


class ParquetWrite:
    """Arrow conversion and Parquet writing of one shard of ``n_rows`` rows."""

    n_rows = 1_000_000
    number = 1
    repeat = (3, 10, 30.0)

    def setup(self):
        self.df = datasets.episode_rows(self.n_rows // 2, n_agents=2)
        self.schema = ds.study_schema(list(AXES), "{}", metrics=datasets.METRICS)
        self.table = self._to_table()
        self.dictionary = ds.dictionary_columns(list(AXES), datasets.METRICS)
        self.out = tempfile.mkdtemp(prefix="heron-asv-parquet-")
        self.count = 0

    def teardown(self):
        shutil.rmtree(self.out, ignore_errors=True)

    def _to_table(self):
        return ds.episodes_to_table(self.df, self.schema, mode="event", preset="", axes=AXES)

    def _write(self, table):
        self.count += 1
        rel = ds.shard_file("simple", "jitter", self.count * len(self.df), len(self.df))
        ds.write_atomic(table, self.out, rel, dictionary=self.dictionary)

    def time_to_table(self):
        self._to_table()

    def time_write(self):
        self._write(self.table)

    def track_write_rows_per_s(self):
        return rate(lambda: self._write(self.table), len(self.df))

    track_write_rows_per_s.unit = "rows/s"

    def track_to_table_and_write_rows_per_s(self):
        return rate(lambda: self._write(self._to_table()), len(self.df))

    track_to_table_and_write_rows_per_s.unit = "rows/s"

    def track_bytes_per_row(self):
        self._write(self.table)
        sizes = [os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(self.out) for f in fs]
        return sizes[-1] / len(self.df)

    track_bytes_per_row.unit = "bytes/row"
