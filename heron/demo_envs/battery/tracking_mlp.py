"""The battery's setpoint-tracking MLP of W2 (2 x 32, tanh) and how its weights were made.

The weights (``tracking_mlp.npz``: ``W0 (32, 2), b0, W1 (32, 32), b1, W2 (1, 32), b2``) are a fit
of a tanh MLP to the proportional tracking rule ``action = clip(GAIN * (setpoint - soc), -1, 1)``
on a grid of ``(soc, setpoint)`` in ``[0.1, 0.9]^2``. ``fit_weights()`` regenerates them
deterministically (fixed seed, full-batch Adam on the squared error, a few seconds); run
``python -m heron.demo_envs.tracking_mlp`` to rewrite the file. Inputs are the raw observation
``[soc, setpoint]``; the output layer's tanh keeps actions in (-1, 1).
"""
from __future__ import annotations

import os

import numpy as np

GAIN = 4.0
HIDDEN = 32
FILE = "tracking_mlp.npz"


def weights_path() -> str:
    """Path of the shipped weights."""
    return os.path.join(os.path.dirname(__file__), FILE)


def target_rule(soc, setpoint):
    """The rule the MLP imitates: ``clip(GAIN * (setpoint - soc), -1, 1)``."""
    return np.clip(GAIN * (setpoint - soc), -1.0, 1.0)


def fit_weights(seed: int = 0, steps: int = 3000, lr: float = 0.01) -> dict:
    """Fit the MLP to ``target_rule`` (deterministic for a seed); returns the weight dict."""
    rng = np.random.default_rng(seed)
    g = np.linspace(0.1, 0.9, 41)
    soc, sp = np.meshgrid(g, g)
    X = np.stack([soc.ravel(), sp.ravel()], axis=1)
    Y = target_rule(X[:, 0], X[:, 1])[:, None]
    Xc = X  # raw inputs (the kernel feeds raw observations)
    shapes = [(HIDDEN, 2), (HIDDEN, HIDDEN), (1, HIDDEN)]
    P = {}
    for i, (o, n) in enumerate(shapes):
        P[f"W{i}"] = rng.normal(0.0, 1.0 / np.sqrt(n), size=(o, n)) * (3.0 if i == 0 else 1.0)
        P[f"b{i}"] = np.zeros(o)
    m = {k: np.zeros_like(v) for k, v in P.items()}
    v = {k: np.zeros_like(x) for k, x in P.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        h0 = np.tanh(Xc @ P["W0"].T + P["b0"])
        h1 = np.tanh(h0 @ P["W1"].T + P["b1"])
        out = np.tanh(h1 @ P["W2"].T + P["b2"])
        d = 2.0 * (out - Y) / len(X)
        d2 = d * (1 - out ** 2)
        G = {"W2": d2.T @ h1, "b2": d2.sum(0)}
        d1 = (d2 @ P["W2"]) * (1 - h1 ** 2)
        G["W1"], G["b1"] = d1.T @ h0, d1.sum(0)
        d0 = (d1 @ P["W1"]) * (1 - h0 ** 2)
        G["W0"], G["b0"] = d0.T @ Xc, d0.sum(0)
        for k in P:
            m[k] = b1 * m[k] + (1 - b1) * G[k]
            v[k] = b2 * v[k] + (1 - b2) * G[k] ** 2
            P[k] -= lr * (m[k] / (1 - b1 ** step)) / (np.sqrt(v[k] / (1 - b2 ** step)) + eps)
    return P


def predict(P: dict, X: np.ndarray) -> np.ndarray:
    """NumPy forward pass ``(B, 2) -> (B, 1)`` of weights ``P``."""
    h = X
    for i in range(3):
        h = np.tanh(h @ P[f"W{i}"].T + P[f"b{i}"])
    return h


def write_weights(path: str | None = None, seed: int = 0) -> str:
    """Fit and write the ``.npz``; returns its path."""
    path = path or weights_path()
    np.savez(path, **fit_weights(seed))
    return path


if __name__ == "__main__":  # pragma: no cover
    p = write_weights()
    print(f"wrote {p}")
