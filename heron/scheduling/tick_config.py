"""``TickConfig`` (alias ``ScheduleConfig``) and ``JitterType``: an agent's timing (tick interval
and delays, in seconds).

Sampling follows ``docs/timing-model.md`` section 2: each ``get_*`` call applies the config's
jitter to its base value using the next standard variate of one generator per config,
``numpy.random.default_rng(seed)`` (or the ``rng`` Generator given), in call order; nothing is
drawn when the jitter type is NONE or the base is 0. Variates are drawn in blocks by a compiled
``JitterSampler`` (bit-identical to drawing them one call at a time from a generator of its own),
so a sample costs well under a microsecond. Every tick interval, jittered or not, is at least
1 ms (a smaller ``tick_interval`` warns).

The public reference's spellings are accepted too: ``ScheduleConfig``, ``cfg.seed(n)`` (reseeds;
``cfg.seed`` still reads as the seed, see ``SeedValue``), ``rng=``, ``next_tick_interval()`` and
friends, and ``jitter_ratio`` defaulting to 0.1 when a jitter type is given.
"""
from __future__ import annotations

import enum
import warnings
from typing import Optional

import numpy as np

from heron._fast import heap as _compiled
from heron._fast.jitter import JITTER_GAUSSIAN, JITTER_LOGNORMAL, JITTER_NONE, JITTER_UNIFORM
from heron.scheduling.checks import check_ratio, check_seconds, interval_floor_note
from heron.scheduling.seed_value import SeedValue, Unseeded, check_seed

DEFAULT_JITTER_RATIO = 0.1  # the ratio a jitter type gets when none is given


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
    jitter_ratio : float or None
        Relative spread, a ratio of the base value (>= 0, at most 100): half-width for UNIFORM,
        standard deviation otherwise. Default: 0.1 with a jitter type, 0 with NONE.
    min_delay : float
        Floor of every jittered delay in seconds (>= 0). Intervals are floored at 1 ms.
    seed : int or None
        Seed of the config's generator (``numpy.random.default_rng(seed)``).
    rng : numpy.random.Generator, optional
        Draw from this generator instead (the reference's argument; not with ``seed``). The config
        draws variates from it in blocks: do not share it if the interleaving matters.

    Intervals and delays are at most 1e9 s. ``seed`` reads as the seed (an int, or an object
    equal to None) and can be called: ``cfg.seed(n)`` reseeds the config (``reseed``).
    """

    __slots__ = (
        "_tick_interval", "_obs_delay", "_act_delay", "_msg_delay", "_jitter_type",
        "_jitter_ratio", "_min_delay", "_seed", "_code", "_sampler", "_rng",
    )

    def __init__(self, tick_interval: float = 1.0, obs_delay: float = 0.0, act_delay: float = 0.0,
                 msg_delay: float = 0.0, jitter_type=JitterType.NONE,
                 jitter_ratio: Optional[float] = None, min_delay: float = 0.0,
                 seed: Optional[int] = None, *, rng: Optional[np.random.Generator] = None):
        self._tick_interval = check_seconds("tick_interval", tick_interval, positive=True)
        note = interval_floor_note(self._tick_interval)
        if note is not None:
            warnings.warn(note, UserWarning, stacklevel=2)
        self._obs_delay = check_seconds("obs_delay", obs_delay)
        self._act_delay = check_seconds("act_delay", act_delay)
        self._msg_delay = check_seconds("msg_delay", msg_delay)
        self._jitter_type = JitterType.parse(jitter_type)
        if jitter_ratio is None:
            jitter_ratio = 0.0 if self._jitter_type is JitterType.NONE else DEFAULT_JITTER_RATIO
        ratio = check_ratio("jitter_ratio", jitter_ratio)
        self._jitter_ratio = ratio
        self._min_delay = check_seconds("min_delay", min_delay)
        if isinstance(seed, np.random.Generator):  # the reference's 8th positional is rng
            seed, rng = (None, seed) if rng is None else (seed, rng)
        self._seed = check_seed(seed)
        if rng is not None:
            if not isinstance(rng, np.random.Generator):
                raise TypeError(f"rng must be a numpy.random.Generator or None; got "
                                f"{type(rng).__name__} {rng!r}")
            if self._seed is not None:
                raise ValueError(f"give seed= or rng=, not both (seed={self._seed}, rng={rng!r})")
        self._rng = rng
        self._code = self._jitter_type.code if ratio > 0.0 else JITTER_NONE
        self._sampler = _compiled.JitterSampler(self._code, ratio, self._min_delay,
                                                self._seed if rng is None else rng)

    # -- constructors of the tutorial ---------------------------------------------------------
    @classmethod
    def deterministic(cls, tick_interval: float = 1.0, obs_delay: float = 0.0,
                      act_delay: float = 0.0, msg_delay: float = 0.0) -> "TickConfig":
        """Timing without jitter (training mode). All values in seconds."""
        return cls(tick_interval, obs_delay, act_delay, msg_delay, JitterType.NONE, 0.0)

    @classmethod
    def with_jitter(cls, tick_interval: float = 1.0, obs_delay: float = 0.0,
                    act_delay: float = 0.0, msg_delay: float = 0.0,
                    jitter_type=JitterType.GAUSSIAN, jitter_ratio: Optional[float] = None,
                    seed: Optional[int] = None, min_delay: float = 0.0, *,
                    rng: Optional[np.random.Generator] = None) -> "TickConfig":
        """Timing with jitter (testing mode). All values in seconds; ``jitter_ratio`` defaults
        to 0.1. Asking for jitter with ``jitter_type=NONE`` (and a ratio > 0) is refused: NONE
        draws nothing, the ratio would be silently ignored."""
        if JitterType.parse(jitter_type) is JitterType.NONE and jitter_ratio is not None:
            ratio = check_ratio("jitter_ratio", jitter_ratio)
            if ratio > 0.0:
                raise ValueError(
                    f"with_jitter(jitter_type=NONE, jitter_ratio={jitter_ratio!r}): NONE applies "
                    "no jitter, so the ratio would be ignored. Pass jitter_type=UNIFORM, GAUSSIAN "
                    "or LOGNORMAL, or use TickConfig.deterministic(...) for no jitter")
        return cls(tick_interval, obs_delay, act_delay, msg_delay, jitter_type, jitter_ratio,
                   min_delay, seed, rng=rng)

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

    @property
    def seed(self):
        """The seed of the config's generator: an int (``SeedValue``), or an ``Unseeded`` object
        equal to None. Either can be called like the reference's method: ``cfg.seed(n)``
        reseeds the config (``reseed(n)``)."""
        s = self._seed
        return Unseeded(self) if s is None else SeedValue(s, self)

    @property
    def rng(self) -> Optional[np.random.Generator]:
        """The generator given as ``rng=`` (None when the config seeds its own)."""
        return self._rng

    def reseed(self, seed=None) -> None:
        """Restart sampling from ``numpy.random.default_rng(seed)`` (an int, a Generator or
        None for fresh entropy). Schedulers holding this config see the change at once."""
        if isinstance(seed, np.random.Generator):
            self._seed, self._rng = None, seed
        else:
            self._seed, self._rng = check_seed(seed), None
        self._sampler.reseed(self._seed if self._rng is None else self._rng)

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

    # the reference's names for the same samples
    def next_tick_interval(self) -> float:
        """``get_tick_interval()`` (the reference's name)."""
        return self.get_tick_interval()

    def next_obs_delay(self) -> float:
        """``get_obs_delay()`` (the reference's name)."""
        return self.get_obs_delay()

    def next_act_delay(self) -> float:
        """``get_act_delay()`` (the reference's name)."""
        return self.get_act_delay()

    def next_msg_delay(self) -> float:
        """``get_msg_delay()`` (the reference's name)."""
        return self.get_msg_delay()

    def __repr__(self) -> str:
        jit = "" if self._jitter_type is JitterType.NONE else (
            f", jitter={self._jitter_type.name}({self._jitter_ratio:g})")
        seed = "" if self._seed is None else f", seed={self._seed}"
        return (f"TickConfig(tick={self._tick_interval:g}s, obs={self._obs_delay:g}s, "
                f"act={self._act_delay:g}s, msg={self._msg_delay:g}s{jit}{seed})")

    def __eq__(self, other) -> bool:
        return isinstance(other, TickConfig) and self.to_dict() == other.to_dict()

    __hash__ = None


ScheduleConfig = TickConfig
"""The reference's newer name of ``TickConfig`` (the same class)."""

# The reference's per-level defaults (deterministic: nothing is drawn, so sharing them is safe).
DEFAULT_FIELD_AGENT_TICK_CONFIG = TickConfig.deterministic(tick_interval=1.0)
DEFAULT_COORDINATOR_AGENT_TICK_CONFIG = TickConfig.deterministic(tick_interval=60.0)
DEFAULT_SYSTEM_AGENT_TICK_CONFIG = TickConfig.deterministic(tick_interval=300.0)
DEFAULT_FIELD_AGENT_SCHEDULE_CONFIG = DEFAULT_FIELD_AGENT_TICK_CONFIG
DEFAULT_COORDINATOR_AGENT_SCHEDULE_CONFIG = DEFAULT_COORDINATOR_AGENT_TICK_CONFIG
DEFAULT_SYSTEM_AGENT_SCHEDULE_CONFIG = DEFAULT_SYSTEM_AGENT_TICK_CONFIG
