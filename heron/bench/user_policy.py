"""A user's ``@njit`` policy against the built-in compiled MLP on W1 (same network, same
weights): what ``heron bench`` and the asv suite time to show that a user's policy compiled into
the kernel runs at the built-in's speed.

``user_mlp(obs, act, params)`` is a user's tanh MLP written with heron's public layer functions
(``heron.batch.nn``, in an ``@njit(fastmath=True)`` function: the layers are inlined, so the
caller's flags apply); ``user_mlp_loops`` the same network with plain loops and ``math.tanh``
(about 0.55 of the built-in's episodes/s: libm's tanh does not vectorise). Params: each layer's weights (row-major
``(n_out, n_in)``) and biases. ``w1_mlp_policies()`` returns the three policies for W1's
batteries (observation ``[soc]``, action in (-1, 1)) with weights drawn from a fixed seed.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from heron.batch.nn import dense_tanh

HIDDEN = 32


@njit(cache=True, fastmath=True)
def user_mlp(obs, act, params):
    """tanh MLP ``1 -> HIDDEN -> HIDDEN -> 1`` with heron's public layer functions
    (``heron.batch.nn``); params: ``[W0, b0, W1, b1, W2, b2]`` flattened."""
    h0 = np.empty(HIDDEN)
    h1 = np.empty(HIDDEN)
    q = dense_tanh(params, 0, 1, HIDDEN, obs, h0)
    q = dense_tanh(params, q, HIDDEN, HIDDEN, h0, h1)
    dense_tanh(params, q, HIDDEN, 1, h1, act)


@njit(cache=True, fastmath=True)
def user_mlp_loops(obs, act, params):
    """The same network with plain loops and ``math.tanh`` (no heron helpers)."""
    n = HIDDEN
    h0 = np.empty(n)
    for a in range(n):
        h0[a] = math.tanh(params[a] * obs[0] + params[n + a])
    q = 2 * n
    h1 = np.empty(n)
    for a in range(n):
        acc = params[q + n * n + a]
        for j in range(n):
            acc += params[q + a * n + j] * h0[j]
        h1[a] = math.tanh(acc)
    q += n * n + n
    acc = params[q + n]
    for j in range(n):
        acc += params[q + j] * h1[j]
    act[0] = math.tanh(acc)


def layers(seed: int = 0) -> list:
    """``[(W0, b0), (W1, b1), (W2, b2)]`` of the benchmark network (fixed seed)."""
    rng = np.random.default_rng(seed)
    shapes = [(HIDDEN, 1), (HIDDEN, HIDDEN), (1, HIDDEN)]
    return [(rng.normal(0, 1 / np.sqrt(s[1]), s), rng.normal(0, 0.1, s[0])) for s in shapes]


def w1_mlp_policies(seed: int = 0) -> dict:
    """``{"builtin_mlp": ..., "user_njit_mlp": ...}``: the same network both ways."""
    from heron.batch.policies import compiled, mlp

    net = layers(seed)
    flat = np.concatenate([a.ravel() for W, b in net for a in (W, b)])
    return {"builtin_mlp": mlp(net, name="builtin_mlp"),
            "user_njit_mlp": compiled(user_mlp, flat, name="user_njit_mlp"),
            "user_loops_mlp": compiled(user_mlp_loops, flat, name="user_loops_mlp")}
