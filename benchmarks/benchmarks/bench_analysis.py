"""Analysis: ``heron.analysis.summarize`` on a loaded study of 1 M rows (2 policies x 5
scenarios including the synchronous baseline x 50,000 episodes x 2 agents; default 1000 bootstrap
resamples per group). Data from ``heron.bench.datasets.study_frame``, built in ``setup()``.
"""
from heron.analysis.summarize import summarize
from heron.bench import datasets

from .common import rate


class Summarize:
    """``summarize(df)`` by policy and scenario, with the paired gap against ``sync``."""

    n_rows = 1_000_000
    number = 1
    repeat = (2, 5, 60.0)
    timeout = 600

    def setup(self):
        self.df = datasets.study_frame(self.n_rows)

    def time_summarize(self):
        summarize(self.df)

    def peakmem_summarize(self):
        summarize(self.df)

    def track_rows_per_s(self):
        return rate(lambda: summarize(self.df), len(self.df), repeats=1)

    track_rows_per_s.unit = "rows/s"
