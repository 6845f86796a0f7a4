"""Returns as time integrals (``docs/timing-model.md``): kernel templates that add each agent's
reward over an interval of ``dt`` seconds, actuators held, to ``acur[e, i].ret`` before the
kernels ``advance`` the state over it. ``heron._fast.specialise`` binds ``env_accrue`` to one:

* ``accrue_closed``: the env's exact ``reward_integral(st, e, p, agent, dt)``;
* ``accrue_simpson``: composite Simpson on the env's reward rate ``reward(st, e, p, agent)``,
  evaluated on a scratch copy of the episode's state advanced from the interval's start (row
  ``n + e`` of a state array of ``2 n`` rows: the runner allocates it). Panels double (2, 4, ...,
  ``MAX_PANELS``) until two successive estimates of every agent differ by at most
  ``15 * REWARD_TOL * dt`` (Simpson's error estimate; an absolute tolerance of ``REWARD_TOL``
  reward per second), so rates that are constant, linear, quadratic or cubic between events
  cost five evaluations and are exact.
"""
from __future__ import annotations

import numpy as np

REWARD_TOL = 1e-9
MAX_PANELS = 512


def accrue_closed(st, e, p, acur, dt):
    for i in range(acur.shape[1]):
        acur[e, i].ret += env_reward_integral(st, e, p, i, dt)  # noqa: F821 (bound)


def rates_at(st, e, p, tau, out):
    """Every agent's reward rate at ``tau`` s after the interval's start (scratch row)."""
    s = st.shape[0] // 2 + e
    for u in range(st.shape[1]):
        st[s, u] = st[e, u]
    if tau > 0.0:
        env_advance(st, s, p, tau)  # noqa: F821 (bound)
    for i in range(out.shape[0]):
        out[i] = env_reward(st, s, p, i)  # noqa: F821 (bound)


def accrue_simpson(st, e, p, acur, dt):
    m = acur.shape[1]
    buf = np.empty(5 * m)          # one allocation per interval for the five per-agent rows
    ends = buf[:m]
    tmp = buf[m:2 * m]
    odd = buf[2 * m:3 * m]
    even = buf[3 * m:4 * m]
    est = buf[4 * m:]
    even[:] = 0.0
    for i in range(m):
        ends[i] = env_reward(st, e, p, i)  # noqa: F821 (bound)
    rates_at(st, e, p, dt, tmp)
    ends += tmp
    rates_at(st, e, p, 0.5 * dt, odd)
    est[:] = dt / 6.0 * (ends + 4.0 * odd)
    n = 2
    tol = 15.0 * REWARD_TOL * dt
    while n < MAX_PANELS:
        n *= 2
        h = dt / n
        even += odd
        odd[:] = 0.0
        for k in range(1, n, 2):
            rates_at(st, e, p, k * h, tmp)
            odd += tmp
        worst = 0.0
        for i in range(m):
            new = h / 3.0 * (ends[i] + 4.0 * odd[i] + 2.0 * even[i])
            d = abs(new - est[i])
            if d > worst or d != d:
                worst = d if d == d else np.inf
            est[i] = new
        if worst <= tol:
            break
    for i in range(m):
        acur[e, i].ret += est[i]


TEMPLATES = ("rates_at",)
