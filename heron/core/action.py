"""``Action``: the specification of an agent's continuous command and its validation.

``set_specs(dim_c, range)`` declares a command of ``dim_c`` float entries bounded by
``range = (low, high)`` (scalars or arrays of length ``dim_c``; infinite bounds allowed).
``validate(value, agent_id)`` is the one gate every command passes on its way to the environment:

* it must be array-like with shape ``(dim_c,)`` (a bare number is accepted when ``dim_c == 1``)
  of real numbers (complex numbers and strings are refused, never silently converted);
* every entry must be finite;
* entries outside ``[low, high]`` are clipped (an actuator saturates), or rejected when the spec
  was declared with ``out_of_range='raise'``.

Errors are ``ValueError``/``TypeError`` naming the agent, the expected shape and range, and the
received value. Units are the environment's (the tutorial's battery command is in per-unit power).
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

_OUT_OF_RANGE = ("clip", "raise")
_F64 = np.dtype(np.float64)
_NDARRAY = np.ndarray
_SHAPE1 = (1,)
_empty = np.empty


class Action:
    """A continuous command of ``dim_c`` entries in ``[low, high]``.

    Attributes
    ----------
    c : numpy.ndarray
        The last validated command (float64, shape ``(dim_c,)``); starts at ``neutral()``.
    """

    def __init__(self):
        self.dim_c = 0
        self.low = np.zeros(0)
        self.high = np.zeros(0)
        self.out_of_range = "clip"
        self.c = np.zeros(0)
        self._bounds = None  # (low, high, low[0], high[0]) cached for the 1-D fast path
        self._neutral = None  # (low, high, neutral command) cached

    def set_specs(self, dim_c: int, range: Tuple = (-np.inf, np.inf),
                  out_of_range: str = "clip") -> "Action":
        """Declare ``dim_c`` continuous entries bounded by ``range = (low, high)``."""
        if isinstance(dim_c, bool) or not isinstance(dim_c, (int, np.integer)) or dim_c < 1:
            raise ValueError(f"dim_c must be a positive int; got {dim_c!r}")
        dim_c = int(dim_c)
        try:
            low, high = range
        except (TypeError, ValueError):
            raise TypeError(f"range must be a (low, high) pair; got {range!r}") from None
        lo = _bound("range low", low, dim_c)
        hi = _bound("range high", high, dim_c)
        if np.any(lo > hi):
            raise ValueError(f"range low must be <= high entrywise; got low={lo}, high={hi}")
        if out_of_range not in _OUT_OF_RANGE:
            raise ValueError(f"out_of_range must be one of {_OUT_OF_RANGE}; got {out_of_range!r}")
        self.dim_c, self.low, self.high, self.out_of_range = dim_c, lo, hi, out_of_range
        self.c = self.neutral()
        return self

    def neutral(self) -> np.ndarray:
        """The neutral command: 0 clipped into the range (the initial actuator value); a new
        array on every call."""
        cache = self._neutral
        if cache is None or cache[0] is not self.low or cache[1] is not self.high:
            cache = self._neutral = (self.low, self.high,
                                     np.clip(np.zeros(self.dim_c), self.low, self.high))
        return cache[2].copy()

    def space(self):
        """The gymnasium ``Box`` of valid commands (float32)."""
        from gymnasium.spaces import Box

        if self.dim_c == 0:
            raise ValueError("the action has no specs yet: call action.set_specs(dim_c, range) "
                             "in the agent's set_action()")
        return Box(low=self.low.astype(np.float32), high=self.high.astype(np.float32),
                   dtype=np.float32)

    def validate(self, value, agent_id: Optional[str] = None) -> np.ndarray:
        """Return ``value`` as a float64 array of shape ``(dim_c,)`` or raise (see module doc).

        The result is always a new array (the caller's buffer may be reused)."""
        if type(value) is _NDARRAY and value.dtype is _F64 and value.shape == _SHAPE1:
            # fast path: one finite float64 within the bounds
            bounds = self._bounds
            if bounds is None or bounds[0] is not self.low or bounds[1] is not self.high:
                bounds = self._fast_bounds()
            x = value.item()
            if bounds[2] <= x <= bounds[3] and x - x == 0.0:
                return value.copy()
        try:
            arr = np.array(check_real(value, f"{self._who(agent_id)}action"), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            if "complex" in str(exc):
                raise
            raise TypeError(f"{self._who(agent_id)}action must be numeric with "
                            f"{self._want()}; got {value!r}") from None
        if arr.ndim == 0 and self.dim_c == 1:
            arr = arr.reshape(1)
        if arr.shape != (self.dim_c,):
            raise ValueError(f"{self._who(agent_id)}action must have {self._want()}; got "
                             f"shape {arr.shape}: {value!r}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{self._who(agent_id)}action must be finite with {self._want()}; "
                             f"got {value!r}")
        if np.any(arr < self.low) or np.any(arr > self.high):
            if self.out_of_range == "raise":
                raise ValueError(f"{self._who(agent_id)}action must have {self._want()}; got "
                                 f"{value!r}")
            arr = np.clip(arr, self.low, self.high)
        return arr

    def _fast_bounds(self) -> tuple:
        """``(low, high, low[0], high[0])`` for ``validate``'s one-entry fast path (an empty
        interval unless ``dim_c == 1``: the slow path then explains the shape error)."""
        if self.dim_c == 1:
            self._bounds = (self.low, self.high, float(self.low[0]), float(self.high[0]))
        else:
            self._bounds = (self.low, self.high, np.inf, -np.inf)
        return self._bounds

    @staticmethod
    def _who(agent_id) -> str:
        return f"agent {agent_id!r}: " if agent_id is not None else ""

    def _want(self) -> str:
        return f"shape ({self.dim_c},) within [{_fmt(self.low)}, {_fmt(self.high)}]"

    def set(self, value, agent_id: Optional[str] = None) -> np.ndarray:
        """Validate ``value`` and store it as ``c``; returns the stored command."""
        self.c = self.validate(value, agent_id)
        return self.c

    def __repr__(self) -> str:
        return f"Action(dim_c={self.dim_c}, low={_fmt(self.low)}, high={_fmt(self.high)})"


def check_real(value, what: str):
    """``value`` unchanged if it holds real numbers; ``TypeError`` for complex numbers (their
    imaginary part would be dropped) and strings (never parsed)."""
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is None:
        if isinstance(value, (complex, np.complexfloating)):
            kind = "c"
        elif isinstance(value, (str, bytes)):
            kind = "U"
        elif isinstance(value, (list, tuple)):
            kind = np.asarray(value).dtype.kind
    if kind == "c":
        raise TypeError(f"{what} must be real numbers; got the complex value(s) {value!r} (the "
                        "imaginary part would be lost)")
    if kind in ("U", "S"):
        raise TypeError(f"{what} must be numbers; got the string(s) {value!r}")
    return value


def _bound(name: str, value, dim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of {dim}; got {value!r}") from None
    if arr.ndim == 0:
        arr = np.full(dim, float(arr))
    if arr.shape != (dim,):
        raise ValueError(f"{name} must be a number or have shape ({dim},); got shape {arr.shape}")
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must not be NaN; got {value!r}")
    return arr


def _fmt(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=4, separator=", ")
