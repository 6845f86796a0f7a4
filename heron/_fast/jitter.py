"""The jitter transform: one definition used by ``TickConfig`` (Python) and, wrapped with
``numba.njit`` where the kernels live, by the batch engine. No Numba import here.

A timing sample is a base value ``b`` (seconds) with jitter of ratio ``r`` applied, computed from
one *standard variate* ``v`` drawn by the caller:

===========  ==========================  ==========================================
code / type  standard variate ``v``       sample
===========  ==========================  ==========================================
0 NONE       (none drawn)                ``b``
1 UNIFORM    ``U[0, 1)``                 ``b + r*b*(2v - 1)``   (``b + U(-r*b, r*b)``)
2 GAUSSIAN   ``N(0, 1)``                 ``b + r*b*v``          (``b + N(0, (r*b)^2)``)
3 LOGNORMAL  ``N(0, 1)``                 ``exp(mu + s*v)``, ``s^2 = ln(1 + r^2)``,
                                         ``mu = ln(b) - s^2/2`` (mean ``b``, std ``r*b``)
===========  ==========================  ==========================================

Floors are applied by the caller: intervals at least ``MIN_INTERVAL``, delays at least the
config's ``min_delay``; a base of 0 stays exactly 0 (and draws nothing).
"""
import math

JITTER_NONE = 0
JITTER_UNIFORM = 1
JITTER_GAUSSIAN = 2
JITTER_LOGNORMAL = 3

MIN_INTERVAL = 0.001  # seconds: the floor of a jittered tick interval


def jitter_sample(base, code, ratio, v):
    """Apply jitter ``code`` of ``ratio`` to ``base`` (s) using standard variate ``v`` (no floor)."""
    if code == JITTER_UNIFORM:
        return base + ratio * base * (2.0 * v - 1.0)
    if code == JITTER_GAUSSIAN:
        return base + ratio * base * v
    if code == JITTER_LOGNORMAL:
        s2 = math.log1p(ratio * ratio)
        return math.exp(math.log(base) - 0.5 * s2 + math.sqrt(s2) * v)
    return base


def variate_is_normal(code):
    """True when ``code`` consumes a standard normal variate, False for a uniform one."""
    return code == JITTER_GAUSSIAN or code == JITTER_LOGNORMAL

