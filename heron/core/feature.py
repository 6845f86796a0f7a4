"""``FeatureProvider``: one named, typed piece of an agent's state.

A feature is usually written as a ``@dataclass`` subclass with float fields (the tutorial's
``BatterySOC``). The base class gives working defaults for every method, built from the dataclass
fields, so a subclass only overrides what it wants to:

* ``vector()``: the feature's values as a 1-D float32 array (field order);
* ``names()``: one name per vector entry (``field`` or ``field[i]`` for array fields);
* ``to_dict()`` / ``from_dict(d)``: plain-data round trip;
* ``set_values(**kw)``: assign fields by name (unknown names raise ``TypeError``).

``visibility`` (a class attribute, not a dataclass field) lists who may see the feature:
``'owner'`` (the agent itself), ``'upper_level'`` (its coordinator), ``'system'`` or ``'public'``
(everyone). ``is_visible_to(level)`` applies that rule; states use it to build the part of an
agent's state its coordinator observes.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List

import numpy as np

LEVELS = ("owner", "upper_level", "system", "public")


class FeatureProvider:
    """Base class of state features (subclass it as a ``@dataclass``).

    Class attributes
    ----------------
    visibility : list of str
        Levels allowed to observe the feature, from ``LEVELS``; default ``['owner']``.
    """

    visibility = ["owner"]  # a plain class attribute, never a dataclass field

    # -- defaults built from the dataclass fields ----------------------------------------------
    def _field_names(self) -> List[str]:
        if dataclasses.is_dataclass(self):
            return [f.name for f in dataclasses.fields(self)]
        raise TypeError(f"{type(self).__name__} is not a dataclass: decorate it with @dataclass "
                        "or override vector(), names(), to_dict() and set_values()")

    def vector(self) -> np.ndarray:
        """The feature's values as a 1-D float32 array, in field order."""
        parts = [np.asarray(getattr(self, n), dtype=np.float32).ravel()
                 for n in self._field_names()]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def names(self) -> List[str]:
        """One name per entry of ``vector()``."""
        out: List[str] = []
        for n in self._field_names():
            size = np.asarray(getattr(self, n)).size
            out.extend([n] if size == 1 else [f"{n}[{i}]" for i in range(size)])
        return out

    def to_dict(self) -> Dict[str, Any]:
        """Field name -> value (plain data)."""
        return {n: getattr(self, n) for n in self._field_names()}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "FeatureProvider":
        """Inverse of ``to_dict``."""
        return cls(**d)

    def set_values(self, **kw) -> None:
        """Assign fields by name; unknown names raise ``TypeError``."""
        known = self._field_names()
        for name, value in kw.items():
            if name not in known:
                raise TypeError(f"{type(self).__name__}.set_values() got unknown field {name!r}; "
                                f"fields: {known}")
            setattr(self, name, value)

    # -- visibility ----------------------------------------------------------------------------
    def is_visible_to(self, level: str) -> bool:
        """True when an observer at ``level`` (one of ``LEVELS``) may see this feature."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}; got {level!r}")
        vis = self.visibility
        return level in vis or "public" in vis or (level == "owner")

    @property
    def dim(self) -> int:
        """Length of ``vector()``."""
        return int(self.vector().size)
