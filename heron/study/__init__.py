"""Robustness studies: a study file (TOML) -> a timing grid of scenarios x policies x episodes,
run in shards on an executor and written as a hive-partitioned Parquet dataset with a manifest.

``load_spec(path)`` validates a study file, ``run_study(spec, out_dir, executor=...)`` runs or
resumes it; ``heron.analysis`` reads the results. Importing this package is light (no pandas,
pyarrow or Numba until a study runs).
"""
from heron.study.errors import StudySpecError
from heron.study.grid import Scenario
from heron.study.runner import StudyConflictError, StudyRun, run_study
from heron.study.spec import PolicySpec, StudySpec, load_spec, parse_spec, parse_spec_dict

__all__ = ["PolicySpec", "Scenario", "StudyConflictError", "StudyRun", "StudySpec",
           "StudySpecError", "load_spec", "parse_spec", "parse_spec_dict", "run_study"]
