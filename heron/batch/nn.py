"""Compiled building blocks for a user's ``@njit`` policies (``heron.batch.policies.compiled``):
the layer arithmetic of heron's built-in MLP, so a network written by a user runs close to the
built-in's speed (a plain loop over ``math.tanh`` runs at about 0.55 of it: libm's tanh does not
vectorise).

Weights are read straight from the policy's flat parameter vector: a dense layer at offset
``off`` holds ``W`` (``n_out x n_in``, row-major) then ``b`` (``n_out``), the layout of
``heron.batch.policies.mlp`` without its header. Each layer function returns the offset of the
next layer:

* ``dense(params, off, n_in, n_out, x, out)``: ``out = W @ x + b``;
* ``dense_tanh(params, off, n_in, n_out, x, out)``: ``out = tanh(W @ x + b)``;
* ``tanh_inplace(x)``: ``x = tanh(x)`` elementwise, within 2.3e-16 of ``math.tanh``.

Example (1 -> 32 -> 32 -> 1)::

    @njit(fastmath=True)
    def net(obs, act, params):
        h0, h1 = np.empty(32), np.empty(32)
        q = dense_tanh(params, 0, 1, 32, obs, h0)
        q = dense_tanh(params, q, 32, 32, h0, h1)
        dense_tanh(params, q, 32, 1, h1, act)

They take and write float64 arrays and are inlined into the calling function at Numba's level
(no call and no reference counting per layer), so the caller's compiler flags apply: decorate
your policy with ``@njit(fastmath=True)`` and the dot products vectorise (measured on W1 with a
1-32-32-1 network: 0.87 of the built-in MLP's episodes/s with ``fastmath=True``, 0.70 without;
one scratch array sliced in two runs slower than two arrays).
"""
from __future__ import annotations

from numba import njit

from heron._fast.policy_nb import tanh_inplace_nb


@njit(cache=True, fastmath=True, inline="always")
def dense(params, off, n_in, n_out, x, out):
    """``out[:n_out] = W @ x[:n_in] + b`` with ``W``, ``b`` at ``params[off:]``; returns the
    offset after ``b``."""
    b0 = off + n_in * n_out
    for a in range(n_out):
        Wa = params[off + a * n_in:off + (a + 1) * n_in]
        acc = 0.0
        for j in range(n_in):
            acc += Wa[j] * x[j]
        out[a] = acc + params[b0 + a]
    return b0 + n_out


@njit(cache=True, inline="always")
def tanh_inplace(x):
    """``x[:] = tanh(x)``, within 2.3e-16 of ``math.tanh``; NaN stays NaN."""
    tanh_inplace_nb(x, x.shape[0])


@njit(cache=True, fastmath=True, inline="always")
def dense_tanh(params, off, n_in, n_out, x, out):
    """``out[:n_out] = tanh(W @ x[:n_in] + b)``; returns the offset after ``b``."""
    q = dense(params, off, n_in, n_out, x, out)
    tanh_inplace_nb(out, n_out)
    return q
