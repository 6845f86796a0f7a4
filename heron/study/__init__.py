"""Robustness studies: a study file (TOML) -> a timing grid of scenarios x policies x seeds x
episodes, run in shards on an executor and written as a hive-partitioned Parquet dataset with a
manifest.

``load_spec(path)`` validates a study file, ``run_study(spec, out_dir, executor=...)`` runs or
resumes it (names resolve through ``heron.registry``; the output directory is locked; shards are
checksummed; the plan is sized first); ``heron.analysis`` reads the results. Importing this package
is light (no pandas, pyarrow or Numba until a study runs).
"""
from heron.study.errors import StudySpecError
from heron.study.grid import Scenario
from heron.study.lock import StudyLockedError
from heron.study.plan import Limits, StudyTooLargeError
from heron.study.resolve import StudyResolveError, UserImportError
from heron.study.runner import OutputDirError, StudyConflictError, StudyRun, run_study
from heron.study.spec import PolicySpec, StudySpec, load_spec, parse_spec, parse_spec_dict

__all__ = ["Limits", "OutputDirError", "PolicySpec", "Scenario", "StudyConflictError",
           "StudyLockedError", "StudyResolveError", "StudyRun", "StudySpec", "StudySpecError",
           "StudyTooLargeError", "UserImportError", "load_spec", "parse_spec", "parse_spec_dict",
           "run_study"]
