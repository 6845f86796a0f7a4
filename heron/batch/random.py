"""Random numbers for env functions: counter-based streams, public and compiled.

Use them in an env's ``init`` and ``disturb`` (or anywhere in its compiled functions) so that an
episode is the same whatever chunk size, thread count, shard or executor runs it::

    from heron.batch.random import INIT, stream_key, uniform

    @njit
    def init(st, e, p, seed, episode):
        for u in range(st.shape[1]):
            st[e, u].temp = 18.0 + 4.0 * uniform(stream_key(seed, episode, u, INIT), 0)

A stream is named by ``(seed, episode, unit, quantity)`` (non-negative ints); ``uniform(key, i)``,
``normal(key, i)`` and ``exponential(key, i)`` are its ``i``-th numbers. Nothing is carried from
one draw to the next, so draws never depend on call order.

Quantities: ``INIT`` for initial states, ``DISTURB_UNIT`` / ``DISTURB_SIZE`` for disturbances
(the engine itself draws disturbance *times* from its own stream); for anything else take
``USER + 0``, ``USER + 1``, ...: the engine never uses a quantity ``>= USER``. ``ENV`` is the
unit index for env-wide draws (not tied to a unit).

Every function here is ``@njit`` and can be called from Python too (for tests); there, pass
keys as ``np.uint64(stream_key(...))``: ``stream_key`` returns a Python int, and once a
dispatcher has compiled its int64 form (a key below 2**63 passed as a plain int), Numba converts
every later plain int to int64, and a key at or above 2**63 fails with "OverflowError: int too
big to convert". Inside compiled code keys are uint64 and none of this applies.
"""
from __future__ import annotations

import math

from numba import njit

from heron._fast.rng import (
    ENV_AGENT, Q_DISTURB_SIZE, Q_DISTURB_UNIT, Q_INIT, normal, stream_key, uniform, uniform_open,
)

INIT = Q_INIT
DISTURB_UNIT = Q_DISTURB_UNIT
DISTURB_SIZE = Q_DISTURB_SIZE
USER = 64
ENV = ENV_AGENT


@njit(inline="always", cache=True)
def exponential(key, index):
    """Exponential with mean 1: number ``index`` of stream ``key`` (``-log(1 - U)``)."""
    return -math.log1p(-uniform(key, index))


__all__ = ["stream_key", "uniform", "uniform_open", "normal", "exponential", "INIT",
           "DISTURB_UNIT", "DISTURB_SIZE", "USER", "ENV"]
