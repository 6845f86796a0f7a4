"""How continuous timing samples (seconds) become whole inner steps of a fixed-step env.

The rules (``docs/pettingzoo-timing.md`` states them with examples). ``dt`` is the inner env's
step length in seconds; inner step ``n`` runs from ``n * dt`` to ``(n + 1) * dt``. For tick ``k``
of an agent, with the continuous samples of ``docs/timing-model.md`` (``T[k]``, ``O[k]``,
``A[k]``):

* **tick step** ``n_k = floor(T[k] / dt + 1/2)``: the tick time rounded to the nearest step
  (a time exactly halfway rounds up). Rounding the *accumulated* time, not each interval, keeps
  the long-run tick rate and the drifting phase of a free-running controller: a 15 s interval on
  a 10 s grid ticks at steps 0, 2, 3, 5, 6, ... (mean spacing 1.5 steps).
* **one tick per step**: when several ticks of one agent round to the same step, that step holds
  one tick, the *last* of them (its samples are used; the earlier ones are dropped and not
  counted). So an agent never ticks more often than the env steps.
* **delays round up**: ``d_obs = ceil(O[k] / dt)``, ``d_act = ceil(A[k] / dt)`` whole steps. A
  quantised delay is never shorter than the sampled one; a zero delay stays zero.
* **observation**: the tick at step ``n_k`` sees the inner env's observation after step
  ``m_k = max(0, n_k - d_obs)`` (step 0: the ``reset`` observation), the discrete form of
  ``S[k] = max(t_start, T[k] - O[k])``.
* **action (first in, first out)**: the command lands at step ``e_k = max(n_k + d_act, e_{k-1})``,
  so a command never overtakes an earlier one. From step ``e_k`` on, the inner env receives it at
  every step (zero-order hold) until the next command lands; before an agent's first command
  lands the env receives the agent's initial (neutral) action. ``d_act = 0`` means the action is
  used by the step taken right after the decision, as in lock-step.

Comparisons carry a tolerance of ``EPS = 1e-9`` steps, so float round-off in ``T[k] / dt`` (e.g.
``0.3 / 0.1 = 2.9999999999999996``) never moves a value that is on the grid.
"""
from __future__ import annotations

import math

import numpy as np

from heron._fast.jitter import JITTER_NONE, JITTER_UNIFORM, MIN_INTERVAL, jitter_sample

EPS = 1e-9  # tolerance in steps


def check_dt(dt) -> float:
    """``dt`` as a float number of seconds > 0 (TypeError / ValueError otherwise)."""
    if isinstance(dt, bool) or not isinstance(dt, (int, float, np.integer, np.floating)):
        raise TypeError(f"dt must be a number of seconds; got {type(dt).__name__} {dt!r}")
    x = float(dt)
    if not (math.isfinite(x) and x > 0.0):
        raise ValueError(f"dt must be a finite number of seconds > 0; got {dt!r}")
    return x


def tick_steps(t, dt: float) -> np.ndarray:
    """Tick times ``t`` (s, array) rounded to the nearest step: ``floor(t / dt + 1/2)``."""
    return np.floor(np.asarray(t, dtype=np.float64) / dt + (0.5 + EPS)).astype(np.int64)


def delay_steps(d, dt: float) -> np.ndarray:
    """Delays ``d`` (s, array, >= 0) rounded up to whole steps: ``ceil(d / dt)``; 0 stays 0."""
    q = np.ceil(np.asarray(d, dtype=np.float64) / dt - EPS).astype(np.int64)
    return np.maximum(q, 0)


def one_per_step(steps: np.ndarray) -> np.ndarray:
    """Indices of the ticks kept by the one-tick-per-step rule among ``steps`` (non-decreasing),
    the last element excluded (its successor is unknown): ``k`` is kept when tick ``k + 1``
    rounds to a later step."""
    steps = np.asarray(steps)
    return np.flatnonzero(steps[1:] != steps[:-1])


def _max_variate(code: int) -> float:
    """An upper bound of the standard variates the counter-based streams produce for ``code``:
    1 for UNIFORM (``U[0, 1)``); for GAUSSIAN and LOGNORMAL the magnitude of the most extreme
    normal, ``-Phi^-1`` of the smallest ``uniform_open`` value ``2**-54`` (about 8.29; the
    largest uniform below 1 gives less, by symmetry of the quantile)."""
    if code == JITTER_UNIFORM:
        return 1.0
    from heron._fast.rng import norm_ppf

    return -float(norm_ppf(0.5 / float(2 ** 53)))


def max_sample(base: float, code: int, ratio: float, floor: float) -> float:
    """An upper bound (s) of every sample of ``base`` under jitter ``code``/``ratio`` with
    ``floor`` (each jitter transform increases with its variate)."""
    if code == JITTER_NONE or base == 0.0:
        return base
    return max(jitter_sample(base, code, ratio, _max_variate(code)), floor)


def max_delay_steps(config, dt: float, field: str = "obs_delay") -> int:
    """Upper bound of the quantised ``field`` delay (whole steps) of a ``TickConfig``."""
    base = getattr(config, field)
    bound = max_sample(base, config.jitter_code, config.jitter_ratio, config.min_delay)
    return int(delay_steps(bound, dt)) + 1


__all__ = ["EPS", "MIN_INTERVAL", "check_dt", "delay_steps", "max_delay_steps", "max_sample",
           "one_per_step", "tick_steps"]
