"""Input checks shared by ``EventScheduler``, ``TickConfig`` and the irregular events.

Every time, interval and delay is float64 **seconds**. A value is accepted when it is a real
number (``int``, ``float`` or a NumPy scalar; never a ``bool`` or a string), not NaN and, unless
stated, finite. Errors name the argument, what was expected and what came:
``TypeError`` for a non-number, ``ValueError`` for a number out of range.

Limits (``docs/timing-model.md`` s. 5.1): tick intervals and delays at most ``MAX_SECONDS``
(about 31.7 years), jitter ratios at most ``MAX_JITTER_RATIO``. Tick intervals below
``MIN_INTERVAL`` (1 ms) are floored there, deterministic or jittered.
"""
from __future__ import annotations

import math
import numbers
from typing import Optional

from heron._fast.jitter import MIN_INTERVAL

MAX_SECONDS = 1e9        # largest tick interval or delay accepted (s)
MAX_JITTER_RATIO = 100.0  # largest jitter ratio accepted (a standard deviation of 100x the base)

__all__ = ["MAX_JITTER_RATIO", "MAX_SECONDS", "MIN_INTERVAL", "check_count", "check_ratio",
           "check_seconds", "check_time"]


def _real(name: str, value, what: str) -> float:
    if type(value) is float:  # the common case, without the ABC check
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}; got {value!r} ({type(value).__name__})")
    return float(value)


def check_time(name: str, value, *, allow_inf: bool = False) -> float:
    """A point in simulated time (s): a real number, not NaN; finite unless ``allow_inf``."""
    t = _real(name, value, "a number of seconds")
    if math.isnan(t):
        raise ValueError(f"{name} must not be NaN; got {value!r}")
    if math.isinf(t) and not allow_inf:
        raise ValueError(f"{name} must be a finite number of seconds; got {value!r}")
    return t


def check_seconds(name: str, value, *, positive: bool = False,
                  upper: float = MAX_SECONDS) -> float:
    """A duration (s): finite, ``>= 0`` (``> 0`` when ``positive``) and at most ``upper``."""
    x = _real(name, value, "a number of seconds")
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite; got {value!r}")
    if positive and x <= 0.0:
        raise ValueError(f"{name} must be > 0 seconds; got {value!r}")
    if not positive and x < 0.0:
        raise ValueError(f"{name} must be >= 0 seconds; got {value!r}")
    if x > upper:
        raise ValueError(f"{name} must be at most {upper:g} seconds; got {value!r}")
    return x


def check_ratio(name: str, value, *, upper: float = MAX_JITTER_RATIO) -> float:
    """A dimensionless ratio (a fraction of a base value, not seconds): finite, in
    ``[0, upper]``."""
    x = _real(name, value, "a number (a ratio of the base value, without unit)")
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite; got {value!r}")
    if x < 0.0:
        raise ValueError(f"{name} must be >= 0 (a ratio of the base value); got {value!r}")
    if x > upper:
        raise ValueError(f"{name} must be at most {upper:g} (a ratio of the base value: "
                         f"{upper:g} is a spread of {upper:g} times the base); got {value!r}")
    return x


def check_count(name: str, value, *, allow_none: bool = False) -> Optional[int]:
    """A non-negative int (NumPy integers accepted, bools refused); None when ``allow_none``."""
    if value is None and allow_none:
        return None
    if type(value) is int and value >= 0:  # the common case, without the ABC check
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative int{' or None' if allow_none else ''}; "
                         f"got {value!r}")
    return int(value)


def interval_floor_note(value: float) -> Optional[str]:
    """The warning for a tick interval below the 1 ms floor, or None."""
    if value < MIN_INTERVAL:
        return (f"tick_interval {value!r} s is below the {MIN_INTERVAL:g} s floor of every tick "
                f"interval: the agent will tick every {MIN_INTERVAL:g} s")
    return None
