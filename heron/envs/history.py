"""``SnapshotHistory``: time-stamped snapshots for delayed observations (``heron.envs.base``).

``record(t, snapshot)`` appends in non-decreasing time ``t`` (s); ``record_initial(t0, snapshot)``
starts a new episode with a snapshot that sorts before every event. ``before(s)`` returns
``(time, snapshot)`` of the last recording with time strictly ``< s`` (the initial one if none):
events at exactly ``s`` run after an observation sampled at ``s`` in the tie order.

Memory bound: after each ``record(t, ...)`` snapshots older than ``t - window`` are dropped,
except the newest of them (it still answers lookups at ``s >= t - window``). Dropping happens in
batches (when at least ``PRUNE_MIN`` and half of the kept snapshots are dead), so at most
``2 * max(PRUNE_MIN, live) + 1`` snapshots are kept, ``live`` being those recorded in the last
``window`` seconds. A lookup reaching further back than what is kept gets the oldest kept snapshot
and counts in ``clamped`` (a one-time ``RuntimeWarning`` says so).
"""
from __future__ import annotations

import math
import warnings
from bisect import bisect_left as _bisect_left
from typing import Any, Optional, Tuple

PRUNE_MIN = 64


class SnapshotHistory:
    """Snapshots kept for ``window`` seconds (see the module docstring)."""

    def __init__(self, window: float):
        if not window >= 0.0:
            raise ValueError(f"window must be >= 0 seconds; got {window!r}")
        self.window = float(window)
        self._keys: list = []
        self._items: list = []
        self.clamped = 0
        self._warned = False

    @staticmethod
    def window_for(tick_configs) -> float:
        """Default window (s): the largest ``obs_delay * (1 + 10 * jitter_ratio)`` (a 10-sigma
        draw for Gaussian jitter; UNIFORM never exceeds ``1 + ratio``), at least ``min_delay``."""
        return max([0.0] + [max(c.obs_delay * (1.0 + 10.0 * c.jitter_ratio), c.min_delay)
                            for c in tick_configs])

    def record_initial(self, t0: float, snapshot: Any, window: Optional[float] = None) -> None:
        """Forget everything; keep ``snapshot`` as the state at the start time ``t0`` (s).
        ``window`` (s, >= 0), if given, replaces the kept window (an object reused across
        episodes)."""
        if window is not None:
            if not window >= 0.0:
                raise ValueError(f"window must be >= 0 seconds; got {window!r}")
            self.window = float(window)
        self._keys = [-math.inf]
        self._items = [(float(t0), snapshot)]

    def only_initial(self) -> bool:
        """True when nothing but the initial snapshot was recorded."""
        return self._keys == [-math.inf]

    def record(self, t: float, snapshot: Any) -> None:
        """Append ``snapshot`` taken after the events at time ``t`` (s, non-decreasing)."""
        keys = self._keys
        keys.append(t)
        self._items.append((t, snapshot))
        if len(keys) <= PRUNE_MIN:  # fewer than PRUNE_MIN can be dead: nothing to prune
            return
        dead = _bisect_left(keys, t - self.window) - 1
        if dead >= PRUNE_MIN and dead * 2 >= len(keys):
            del keys[:dead]
            del self._items[:dead]

    def before(self, s: float) -> Tuple[float, Any]:
        """``(time, snapshot)`` of the last recording with time ``< s`` (s)."""
        i = _bisect_left(self._keys, s) - 1
        if i >= 0:
            return self._items[i]
        # nothing recorded before ``s``: only the initial snapshot sorts there, unless the
        # lookup reaches back beyond the kept history
        if not self._items:
            raise RuntimeError("no observation snapshot recorded: call setup_event_driven()")
        if self._keys[0] != -math.inf:
            self.clamped += 1
            if not self._warned:
                self._warned = True
                warnings.warn(f"an observation delay reached back to t={s:.6g} s, beyond the "
                              f"kept history ({self.window:.6g} s); using the oldest kept "
                              "snapshot. Raise env.observation_history_seconds.",
                              RuntimeWarning, stacklevel=3)
        return self._items[0]

    def __len__(self) -> int:
        return len(self._keys)
