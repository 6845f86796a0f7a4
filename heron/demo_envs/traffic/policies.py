"""The corridor's default policies: user compiled policies (``heron.batch.policies.compiled``),
run inside the batch, sync and interactive engines alike.

``queue_balance(margin=6.0, weight=0.5)`` (signals): an actuated queue-balancing rule. With
``w`` the coordinator's main-street weight (the last observation entry under a coordinator, else
``weight``), the main street scores ``2 w qm`` and the side street ``2 (1 - w) qs`` (veh; equal
weights score the queues themselves). The signal keeps requesting the street it is serving (the
green, or the one its clearance leads to) until the other street's score exceeds it by more than
``margin`` veh, then requests the other one. Action 1.0 requests the main street, 0.0 the side
street; the physics adds the minimum green and the clearance.

``corridor_lookahead(gain=0.4, low=0.2, high=0.8)`` (coordinator): platoon anticipation. The
main-street queue ``a`` held at the intersection upstream of signal ``u`` reaches ``u`` as a
platoon (at up to the saturation flow) once it is discharged, so ``u`` is told to serve its side
street first and have its main street free when the platoon arrives: its weight is
``0.5 - gain a / (a + qm_u + qs_u + 1)`` clipped to ``[low, high]`` (queues in veh; signal 1,
with nothing upstream, gets 0.5).

Tuning (4 intersections, default demands and timing, 30 episodes of 600 s, seed 1; return summed
over the signals, veh x s): the signals alone with margins 4, 5, 6 and 8 veh gave -29.7 k,
-25.3 k, -24.2 k and -26.1 k; at margin 6 under ``corridor_lookahead`` with gains 0 (every weight
0.5: the signals alone), 0.2, 0.4 and 0.6: -24.2 k, -23.7 k, -23.2 k and -24.3 k. Two other
coordinators did worse than the signals alone (at margin 5): weights favouring the longer queue,
``0.5 + 0.4 (qm - qs) / (qm + qs + 1)`` in [0.5, 0.8], -30.3 k, and max-pressure weights (the
downstream main queue discounting both streets' queues) in [0.35, 0.65], -29.8 k.
"""
from __future__ import annotations

import math

from numba import njit

from heron.batch import policies


@njit(cache=True)
def queue_balance_fn(obs, act, params):
    """``act[0]``: 1.0 (request the main street) or 0.0 (the side street); see the module
    docstring. ``obs = [qm, qs, phase, elapsed(, weight)]``, ``params = [margin, weight]``."""
    w = obs[4] if obs.shape[0] > 4 else params[1]
    main = 2.0 * w * obs[0]
    side = 2.0 * (1.0 - w) * obs[1]
    phase = obs[2]
    serving_main = phase == 0.0 or phase == 3.0   # main green, or clearing towards it
    if serving_main:
        act[0] = 0.0 if side > main + params[0] else 1.0
    else:
        act[0] = 1.0 if main > side + params[0] else 0.0


@njit(cache=True)
def corridor_lookahead_fn(obs, act, params):
    """One main-street weight per signal (see the module docstring). ``obs = [qm_0 .. qm_n-1,
    qs_0 .. qs_n-1]``, ``params = [gain, low, high]``."""
    n = act.shape[0]
    gain, lo, hi = params[0], params[1], params[2]
    for u in range(n):
        a = obs[u - 1] if u > 0 else 0.0
        w = 0.5 - gain * a / (a + obs[u] + obs[n + u] + 1.0)
        act[u] = min(max(w, lo), hi)


def queue_balance(margin: float = 6.0, weight: float = 0.5, *,
                  name: str = "queue_balance") -> policies.CompiledPolicy:
    """The signals' queue-balancing rule (module docstring); ``margin`` in veh, ``weight`` in
    [0, 1] (used without a coordinator)."""
    if not (isinstance(margin, (int, float)) and not isinstance(margin, bool)
            and math.isfinite(margin) and margin >= 0):
        raise ValueError(f"queue_balance: margin must be a number of vehicles >= 0; got "
                         f"{margin!r}")
    if not (isinstance(weight, (int, float)) and not isinstance(weight, bool)
            and 0.0 <= weight <= 1.0):
        raise ValueError(f"queue_balance: weight must be a number in [0, 1]; got {weight!r}")
    return policies.compiled(queue_balance_fn, (float(margin), float(weight)), name=name,
                             act_dim=1)


def corridor_lookahead(gain: float = 0.4, low: float = 0.2, high: float = 0.8, *,
                       name: str = "corridor_lookahead") -> policies.CompiledPolicy:
    """The coordinator's weights (module docstring); ``0 <= low <= high <= 1``."""
    for k, v in (("gain", gain), ("low", low), ("high", high)):
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)):
            raise ValueError(f"corridor_lookahead: {k} must be a finite number; got {v!r}")
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"corridor_lookahead: need 0 <= low <= high <= 1; got low={low!r}, "
                         f"high={high!r}")
    return policies.compiled(corridor_lookahead_fn, (float(gain), float(low), float(high)),
                             name=name)
