"""Analysis of study results with pandas: ``load`` (partition pruning), ``summarize`` (mean, std,
95 % bootstrap interval, interquartile mean, paired gap against the synchronous baseline; study
rows or ``heron.batch.evaluate`` results; seeds as replicates: pooled two-level intervals and the
between-seed spread, ``seed_summary`` per seed), ``compare`` (the paired gap of two ``evaluate``
results, absolute and in percent, with intervals),
``sensitivity`` and ``interaction`` (degradation along one or two timing axes), ``run_sobol`` /
``sobol_indices`` (Sobol indices of the loss over timing ``Factor`` distributions), ``staleness``,
plots (``heron.analysis.plots``) and the report (``heron.analysis.report``).

pandas, pyarrow and matplotlib are imported only when a function needs them.
"""
from heron.analysis.load import axis_columns, dataset, load, metric_columns, provenance, \
    scenarios
from heron.analysis.compare import compare
from heron.analysis.sensitivity import interaction, sensitivity
from heron.analysis.sobol import Factor, run_sobol, sobol_indices
from heron.analysis.summarize import episode_table, seed_summary, staleness, summarize


def write_report(*args, **kwargs):
    """See ``heron.analysis.report.write_report``."""
    from heron.analysis.report import write_report as _write_report

    return _write_report(*args, **kwargs)


__all__ = ["Factor", "axis_columns", "compare", "dataset", "episode_table", "interaction", "load",
           "metric_columns", "provenance", "run_sobol", "scenarios", "seed_summary",
           "sensitivity", "sobol_indices", "staleness", "summarize", "write_report"]
