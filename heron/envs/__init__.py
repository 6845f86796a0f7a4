"""Environments of the interactive engine: ``HeronEnvCore`` (event-driven core) and the
``PettingZooParallelEnv`` adapter (imported lazily so ``heron.envs`` stays light)."""
from heron.envs.base import HeronEnvCore

__all__ = ["HeronEnvCore", "PettingZooParallelEnv"]


def __getattr__(name):
    if name == "PettingZooParallelEnv":
        from heron.envs.adapters import PettingZooParallelEnv

        return PettingZooParallelEnv
    raise AttributeError(f"module 'heron.envs' has no attribute {name!r}")
