"""``TickConfig`` and ``JitterType``: an agent's timing (tick interval and delays, in seconds).

Sampling follows ``docs/timing-model.md`` section 2: each ``get_*`` call applies the config's
jitter to its base value using the next standard variate of one generator per config,
``numpy.random.default_rng(seed)``, in call order; nothing is drawn when the jitter type is NONE or
the base is 0. Variates are drawn in blocks by a compiled ``JitterSampler`` (bit-identical to
drawing them one call at a time), so a sample costs well under a microsecond.
"""
from __future__ import annotations

import enum
import math
from typing import Optional

import numpy as np

from heron._fast import heap as _compiled
from heron._fast.jitter import JITTER_GAUSSIAN, JITTER_LOGNORMAL, JITTER_NONE, JITTER_UNIFORM


class JitterType(enum.Enum):
    """How a timing sample varies around its base value (see ``heron._fast.jitter``)."""

    NONE = "none"
    UNIFORM = "uniform"
    GAUSSIAN = "gaussian"
    LOGNORMAL = "lognormal"

    @property
    def code(self) -> int:
        """Integer code used by compiled kernels."""
        return _CODES[self]

    @classmethod
    def parse(cls, value, name: str = "jitter_type") -> "JitterType":
        """Accept a ``JitterType``, its name or value in any case (``"GAUSSIAN"``), or its code."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            key = value.strip().upper()
            if key in cls.__members__:
                return cls[key]
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            for member, code in _CODES.items():
                if code == int(value):
                    return member
        choices = ", ".join(m.name for m in cls)
        raise ValueError(f"{name} must be one of {choices} (a JitterType or its name); got {value!r}")


_CODES = {
    JitterType.NONE: JITTER_NONE,
    JitterType.UNIFORM: JITTER_UNIFORM,
    JitterType.GAUSSIAN: JITTER_GAUSSIAN,
    JitterType.LOGNORMAL: JITTER_LOGNORMAL,
}


def _check_number(name: str, value, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number of seconds; got {value!r} ({type(value).__name__})")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite; got {value!r}")
    if positive and x <= 0.0:
        raise ValueError(f"{name} must be > 0 seconds; got {value!r}")
    if not positive and x < 0.0:
        raise ValueError(f"{name} must be >= 0 seconds; got {value!r}")
    return x


class TickConfig:
    """Timing of one agent: base values in seconds plus jitter.

    Parameters
    ----------
    tick_interval : float
        Seconds between ticks (> 0).
    obs_delay, act_delay, msg_delay : float
        Observation, action and message delays in seconds (>= 0).
    jitter_type : JitterType or str
        NONE, UNIFORM, GAUSSIAN or LOGNORMAL.
    jitter_ratio : float
        Relative spread (>= 0): half-width for UNIFORM, standard deviation otherwise.
    min_delay : float
        Floor of every jittered delay in seconds (>= 0). Intervals are floored at 1 ms.
    seed : int or None
        Seed of the config's generator (``numpy.random.default_rng(seed)``).
    """

    __slots__ = (
        "_tick_interval", "_obs_delay", "_act_delay", "_msg_delay", "_jitter_type",
        "_jitter_ratio", "_min_delay", "_seed", "_code", "_sampler",
    )

    def __init__(self, tick_interval: float = 1.0, obs_delay: float = 0.0, act_delay: float = 0.0,
                 msg_delay: float = 0.0, jitter_type=JitterType.NONE, jitter_ratio: float = 0.0,
                 min_delay: float = 0.0, seed: Optional[int] = None):
        self._tick_interval = _check_number("tick_interval", tick_interval, positive=True)
        self._obs_delay = _check_number("obs_delay", obs_delay)
        self._act_delay = _check_number("act_delay", act_delay)
        self._msg_delay = _check_number("msg_delay", msg_delay)
        self._jitter_type = JitterType.parse(jitter_type)
        ratio = _check_number("jitter_ratio", jitter_ratio)
        self._jitter_ratio = ratio
        self._min_delay = _check_number("min_delay", min_delay)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or int(seed) < 0):
            raise ValueError(f"seed must be a non-negative int or None; got {seed!r}")
        self._seed = None if seed is None else int(seed)
        self._code = self._jitter_type.code if ratio > 0.0 else JITTER_NONE
        self._sampler = _compiled.JitterSampler(self._code, ratio, self._min_delay, self._seed)

    # -- constructors of the tutorial ---------------------------------------------------------
    @classmethod
    def deterministic(cls, tick_interval: float = 1.0, obs_delay: float = 0.0,
                      act_delay: float = 0.0, msg_delay: float = 0.0) -> "TickConfig":
        """Timing without jitter (training mode). All values in seconds."""
        return cls(tick_interval, obs_delay, act_delay, msg_delay, JitterType.NONE, 0.0)

    @classmethod
    def with_jitter(cls, tick_interval: float = 1.0, obs_delay: float = 0.0,
                    act_delay: float = 0.0, msg_delay: float = 0.0,
                    jitter_type=JitterType.GAUSSIAN, jitter_ratio: float = 0.1,
                    seed: Optional[int] = None, min_delay: float = 0.0) -> "TickConfig":
        """Timing with jitter (testing mode). All values in seconds."""
        return cls(tick_interval, obs_delay, act_delay, msg_delay, jitter_type, jitter_ratio,
                   min_delay, seed)

    def replace(self, **changes) -> "TickConfig":
        """A new config with some fields changed (validated); the generator starts afresh."""
        fields = self.to_dict()
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"replace() got unknown field(s) {sorted(unknown)}; "
                            f"valid fields: {sorted(fields)}")
        fields.update(changes)
        return TickConfig(**fields)

    def to_dict(self) -> dict:
        """Plain-data description (jitter type by name), the inverse of ``TickConfig(**d)``."""
        return {
            "tick_interval": self._tick_interval, "obs_delay": self._obs_delay,
            "act_delay": self._act_delay, "msg_delay": self._msg_delay,
            "jitter_type": self._jitter_type.name, "jitter_ratio": self._jitter_ratio,
            "min_delay": self._min_delay, "seed": self._seed,
        }

    # -- read-only fields ---------------------------------------------------------------------
    tick_interval = property(lambda self: self._tick_interval, doc="Base tick interval (s).")
    obs_delay = property(lambda self: self._obs_delay, doc="Base observation delay (s).")
    act_delay = property(lambda self: self._act_delay, doc="Base action delay (s).")
    msg_delay = property(lambda self: self._msg_delay, doc="Base message delay (s).")
    jitter_type = property(lambda self: self._jitter_type, doc="The JitterType.")
    jitter_ratio = property(lambda self: self._jitter_ratio, doc="Relative jitter spread.")
    min_delay = property(lambda self: self._min_delay, doc="Floor of jittered delays (s).")
    seed = property(lambda self: self._seed, doc="Seed of the config's generator.")

    @property
    def jitter_code(self) -> int:
        """Integer jitter code for kernels (NONE when the ratio is 0)."""
        return self._code

    # -- sampling -----------------------------------------------------------------------------
    @property
    def sampler(self):
        """The config's ``JitterSampler`` (its generator state); used by the scheduler's loop."""
        return self._sampler

    def get_tick_interval(self) -> float:
        """Next tick interval (s): jittered, at least 1 ms."""
        return self._sampler.interval(self._tick_interval)

    def get_obs_delay(self) -> float:
        """Next observation delay (s): jittered, at least ``min_delay``; 0 stays 0."""
        return self._sampler.delay(self._obs_delay)

    def get_act_delay(self) -> float:
        """Next action delay (s): jittered, at least ``min_delay``; 0 stays 0."""
        return self._sampler.delay(self._act_delay)

    def get_msg_delay(self) -> float:
        """Next message delay (s): jittered, at least ``min_delay``; 0 stays 0."""
        return self._sampler.delay(self._msg_delay)

    def __repr__(self) -> str:
        jit = "" if self._jitter_type is JitterType.NONE else (
            f", jitter={self._jitter_type.name}({self._jitter_ratio:g})")
        seed = "" if self._seed is None else f", seed={self._seed}"
        return (f"TickConfig(tick={self._tick_interval:g}s, obs={self._obs_delay:g}s, "
                f"act={self._act_delay:g}s, msg={self._msg_delay:g}s{jit}{seed})")

    def __eq__(self, other) -> bool:
        return isinstance(other, TickConfig) and self.to_dict() == other.to_dict()

    __hash__ = None
