"""Defaults for the optional functions of the batch-env protocol (``heron.batch.env``)."""
from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def no_trigger(st, e, p, agent, obs):
    """Default ``trigger``: never raises an alarm."""
    return -1


@njit(cache=True, inline="always")
def no_disturb(st, e, p, seed, episode, j):
    """Default ``disturb``: does nothing (envs without disturbances)."""
    return None


DEFAULTS = {"trigger": no_trigger, "disturb": no_disturb}
