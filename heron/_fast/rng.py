"""Counter-based random streams for the batch engine (Numba).

A sample is a pure function of ``(seed, episode, agent, quantity, index)``: nothing is carried
from one draw to the next, so episode ``e`` gets the same numbers whatever the chunk size, thread
count, shard split or the other episodes run alongside it.

Construction (SplitMix64 finaliser as the mixing function ``mix64``):

* ``stream_key(seed, episode, agent, quantity)`` chains ``mix64`` over the tuple (each component
  added with a distinct odd constant, so no component can cancel another);
* ``uniform(key, index)`` = top 53 bits of ``mix64(key + (index + 1) * GAMMA)`` scaled to
  ``[0, 1)`` (the SplitMix64 sequence of that key);
* ``uniform_open(key, index)`` the same bits shifted by half a unit: in ``(0, 1)``;
* ``normal(key, index)`` = ``Phi^-1(uniform_open(key, index))`` by Acklam's rational
  approximation (relative error below 1.2e-9), one uniform per normal.

Quantities (the ``quantity`` component) are the constants ``Q_*`` below; env-level streams use
agent ``ENV_AGENT``.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

# -- quantities: one place -------------------------------------------------------------------
Q_INTERVAL = 0        # tick interval I[k]
Q_OBS = 1             # observation delay O[k]
Q_ACT = 2             # action delay A[k]
Q_MSG = 3             # message delay M[k]
Q_INIT = 4            # env initial state (index = state component)
Q_DISTURB_TIME = 5    # env disturbance inter-arrival times (index = disturbance number)
Q_DISTURB_UNIT = 6    # which unit a disturbance hits
Q_DISTURB_SIZE = 7    # size of a disturbance
Q_OOC_OBS = 8         # observation delay of an out-of-cycle tick (index = out-of-cycle count)
Q_OOC_MSG = 9         # message delay of an out-of-cycle tick
Q_OOC_ACT = 10        # action delay of an out-of-cycle tick
ENV_AGENT = 0xFFFF    # agent index used by env-level streams

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
GAMMA = np.uint64(0x9E3779B97F4A7C15)
_C_EP = np.uint64(0xD1B54A32D192ED03)
_C_AG = np.uint64(0x8CB92BA72F3D8DD7)
_C_Q = np.uint64(0xAEF17502108EF2D9)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_INV53 = 1.0 / 9007199254740992.0
_BELOW_ONE = 1.0 - 1.0 / 9007199254740992.0   # the largest double below 1


@njit(inline="always", cache=True)
def mix64(z):
    """SplitMix64 finaliser of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def stream_key(seed, episode, agent, quantity):
    """uint64 key of the stream ``(seed, episode, agent, quantity)`` (all non-negative ints)."""
    h = mix64(np.uint64(seed) + GAMMA)
    h = mix64(h + (np.uint64(episode) + _ONE) * _C_EP)
    h = mix64(h + (np.uint64(agent) + _ONE) * _C_AG)
    h = mix64(h + (np.uint64(quantity) + _ONE) * _C_Q)
    return h


@njit(inline="always", cache=True)
def bits(key, index):
    """The uint64 number ``index`` of stream ``key``."""
    return mix64(np.uint64(key) + (np.uint64(index) + _ONE) * GAMMA)


@njit(inline="always", cache=True)
def uniform(key, index):
    """Uniform in ``[0, 1)`` with 53 random bits: number ``index`` of stream ``key``."""
    return np.float64(bits(key, index) >> _S11) * _INV53


@njit(inline="always", cache=True)
def uniform_open(key, index):
    """Uniform in ``(0, 1)`` (never 0 or 1): number ``index`` of stream ``key``. The top value
    ``(2**53 - 0.5) / 2**53`` rounds to 1.0 in float64, so it is held at the largest double
    below 1 (once in 2**53 draws)."""
    return min((np.float64(bits(key, index) >> _S11) + 0.5) * _INV53, _BELOW_ONE)


# Acklam's coefficients for the inverse standard normal CDF.
_A1, _A2, _A3 = -3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02
_A4, _A5, _A6 = 1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00
_B1, _B2, _B3 = -5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02
_B4, _B5 = 6.680131188771972e01, -1.328068155288572e01
_C1, _C2, _C3 = -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00
_C4, _C5, _C6 = -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00
_D1, _D2, _D3 = 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00
_D4 = 3.754408661907416e00
_P_LOW = 0.02425
P_LOW = _P_LOW  # the central region of norm_ppf is [P_LOW, 1 - P_LOW]


@njit(inline="always", cache=True)
def norm_ppf_central(p):
    """``norm_ppf`` for ``P_LOW <= p <= 1 - P_LOW`` (branch-free, so loops of it vectorise)."""
    q = p - 0.5
    r = q * q
    return (((((_A1 * r + _A2) * r + _A3) * r + _A4) * r + _A5) * r + _A6) * q / \
        (((((_B1 * r + _B2) * r + _B3) * r + _B4) * r + _B5) * r + 1.0)


@njit(inline="always", cache=True)
def norm_ppf(p):
    """Inverse standard normal CDF for ``p`` in ``(0, 1)`` (Acklam, rel. error < 1.2e-9)."""
    if p < _P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        return (((((_C1 * q + _C2) * q + _C3) * q + _C4) * q + _C5) * q + _C6) / \
            ((((_D1 * q + _D2) * q + _D3) * q + _D4) * q + 1.0)
    if p > 1.0 - _P_LOW:
        q = math.sqrt(-2.0 * math.log1p(-p))
        return -(((((_C1 * q + _C2) * q + _C3) * q + _C4) * q + _C5) * q + _C6) / \
            ((((_D1 * q + _D2) * q + _D3) * q + _D4) * q + 1.0)
    return norm_ppf_central(p)


@njit(inline="always", cache=True)
def normal(key, index):
    """Standard normal: number ``index`` of stream ``key``."""
    return norm_ppf(uniform_open(key, index))


@njit(cache=True)
def uniform_array(seed, episode, agent, quantity, n):
    """``n`` uniforms ``[0, 1)`` of one stream (indices ``0..n-1``); for tests and inspection."""
    key = stream_key(seed, episode, agent, quantity)
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(key, i)
    return out


@njit(cache=True)
def normal_array(seed, episode, agent, quantity, n):
    """``n`` standard normals of one stream (indices ``0..n-1``); for tests and inspection."""
    key = stream_key(seed, episode, agent, quantity)
    out = np.empty(n)
    for i in range(n):
        out[i] = normal(key, i)
    return out
