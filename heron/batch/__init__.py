"""The batch engine: thousands to millions of event-driven episodes per policy.

``evaluate`` runs Monte Carlo episodes of a ``BatchEnv`` (``heron.batch.env``) under a timing
(``heron.batch.timing``) with compiled or Python policies (``heron.batch.policies``) on
counter-based schedules (``heron.batch.schedule``). Importing ``heron.batch`` compiles nothing
(kernels compile, or load from Numba's cache, on first use or by ``compile_kernels``).
"""
from __future__ import annotations

from heron.batch.env import AgentSpec, BatchEnv
from heron.batch.evaluate import compile_kernels, evaluate, iter_chunks
from heron.batch.schedule import ScheduledTickConfig, Schedule, build_schedule

__all__ = ["evaluate", "iter_chunks", "compile_kernels", "build_schedule", "Schedule",
           "ScheduledTickConfig", "BatchEnv", "AgentSpec"]
