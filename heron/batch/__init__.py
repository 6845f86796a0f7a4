"""The batch engine: thousands to millions of event-driven episodes per policy.

Write an env with ``BatchEnv`` and ``AgentSpec`` (``heron.batch.env``; random streams in
``heron.batch.random``; guide: ``docs/custom-env.md``), check it with ``check_env``, and run
``evaluate`` under a timing (``heron.batch.timing``) with compiled or Python policies
(``heron.batch.policies``; layer functions for compiled ones in ``heron.batch.nn``) on
counter-based schedules (``heron.batch.schedule``). Importing ``heron.batch`` compiles nothing
(kernels compile, or load from Numba's cache, on first use or by ``compile_kernels``).
"""
from __future__ import annotations

from heron.batch.check import EnvCheckError, check_env
from heron.batch.env import AgentSpec, BatchEnv
from heron.batch.evaluate import compile_kernels, evaluate, iter_chunks
from heron.batch.schedule import ScheduledTickConfig, Schedule, build_schedule

__all__ = ["evaluate", "iter_chunks", "compile_kernels", "build_schedule", "Schedule",
           "ScheduledTickConfig", "BatchEnv", "AgentSpec", "check_env", "EnvCheckError"]
