"""Compiled building blocks for a user's ``@njit`` policies (``heron.batch.policies.compiled``):
the layer arithmetic of heron's built-in MLP, so a network written by a user runs at the
built-in's speed (a plain loop over ``math.tanh`` runs about half as fast: libm's tanh does not
vectorise).

* ``dense(W, b, x, out)``: ``out = W @ x + b`` for a C-contiguous ``W`` of shape ``(n_out, n_in)``;
* ``tanh_inplace(x)``: ``x = tanh(x)`` elementwise, within 2.3e-16 of ``math.tanh`` (vectorised);
* ``dense_tanh(W, b, x, out)``: both.

All take and write float64 arrays; call them from ``@njit`` code (they also work from Python).
"""
from __future__ import annotations

from numba import njit

from heron._fast.policy_nb import tanh_inplace_nb


@njit(cache=True, fastmath=True, inline="always")
def dense(W, b, x, out):
    """``out[:] = W @ x + b`` (``W``: ``(n_out, n_in)``, C-contiguous)."""
    n_out, n_in = W.shape
    for a in range(n_out):
        acc = 0.0
        Wa = W[a]
        for j in range(n_in):
            acc += Wa[j] * x[j]
        out[a] = acc + b[a]


@njit(cache=True, inline="always")
def tanh_inplace(x):
    """``x[:] = tanh(x)``, within 2.3e-16 of ``math.tanh``; NaN stays NaN."""
    tanh_inplace_nb(x, x.shape[0])


@njit(cache=True, inline="always")
def dense_tanh(W, b, x, out):
    """``out[:] = tanh(W @ x + b)``."""
    dense(W, b, x, out)
    tanh_inplace_nb(out, out.shape[0])
