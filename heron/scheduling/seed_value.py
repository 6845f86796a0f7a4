"""``TickConfig.seed`` read both ways: heron's read-only seed and the reference's ``seed(n)``.

heron documents ``cfg.seed`` as the seed the config's generator was built from (an int or None);
the public reference has ``cfg.seed(n)``, a method that reseeds the generator. Both work:

* a seeded config returns a ``SeedValue``: an ``int`` (equal to, hashing like and usable wherever
  the seed is, ``numpy.random.default_rng(cfg.seed)`` included) that can also be called;
* an unseeded config returns an ``Unseeded`` object that compares equal to ``None``, is falsy,
  prints as ``None`` and can be called. (``cfg.seed is None`` is False; use ``== None`` or
  ``cfg.to_dict()["seed"] is None``.)

Calling either, ``cfg.seed(n)``, is ``cfg.reseed(n)``: the config restarts from
``numpy.random.default_rng(n)``.
"""
from __future__ import annotations

import numbers
from typing import Optional


def check_seed(seed) -> Optional[int]:
    """``seed`` as a non-negative int, or None (``Unseeded`` counts as None)."""
    if seed is None or isinstance(seed, Unseeded):
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise ValueError(f"seed must be a non-negative int or None; got {seed!r}")
    return int(seed)


class SeedValue(int):
    """The seed of a ``TickConfig`` (an int); calling it reseeds the config: ``cfg.seed(n)``."""

    def __new__(cls, value: int, config):
        obj = super().__new__(cls, value)
        obj._config = config
        return obj

    def __call__(self, seed=None) -> None:
        """Reseed the config this seed belongs to (the reference's ``TickConfig.seed(n)``)."""
        self._config.reseed(seed)

    def __repr__(self) -> str:
        return int.__repr__(self)

    def __reduce__(self):  # pickles (and copies) as a plain int
        return (int, (int(self),))


class Unseeded:
    """The seed of an unseeded ``TickConfig``: equal to None; calling it reseeds the config."""

    __slots__ = ("_config",)

    def __init__(self, config):
        self._config = config

    def __call__(self, seed=None) -> None:
        """Reseed the config (the reference's ``TickConfig.seed(n)``)."""
        self._config.reseed(seed)

    def __eq__(self, other) -> bool:
        return other is None or isinstance(other, Unseeded)

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(None)

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "None"

    def __reduce__(self):  # pickles (and copies) as None
        return (type(None), ())
