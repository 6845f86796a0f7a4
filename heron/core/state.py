"""Agent states: an ordered list of ``FeatureProvider`` objects.

``State.features`` is a plain list the agent appends to in ``set_state()``. ``vector()``
concatenates the features' vectors (float32) in list order; ``vector_for(level)`` keeps only the
features visible to an observer at ``level`` (see ``FeatureProvider.visibility``), which is what a
coordinator sees of its field agents.
"""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from heron.core.feature import FeatureProvider


class State:
    """Ordered features of one agent."""

    def __init__(self, features: List[FeatureProvider] = None):
        self.features: List[FeatureProvider] = list(features or [])

    def _checked(self) -> List[FeatureProvider]:
        for i, f in enumerate(self.features):
            if not isinstance(f, FeatureProvider):
                raise TypeError(f"state.features[{i}] must be a FeatureProvider; got "
                                f"{type(f).__name__}")
        return self.features

    def vector(self) -> np.ndarray:
        """All features' vectors concatenated, as a 1-D float32 array."""
        return _concat([f.vector() for f in self._checked()])

    def vector_for(self, level: str) -> np.ndarray:
        """The features visible at ``level`` ('owner', 'upper_level', 'system', 'public')."""
        return _concat([f.vector() for f in self._checked() if f.is_visible_to(level)])

    def names(self) -> List[str]:
        """One name per entry of ``vector()``, prefixed by the feature's class name."""
        return [f"{type(f).__name__}.{n}" for f in self._checked() for n in f.names()]

    def to_dict(self) -> Dict[str, Dict[str, Any]]:
        """Feature class name -> the feature's ``to_dict()`` (names must be unique)."""
        out: Dict[str, Dict[str, Any]] = {}
        for f in self._checked():
            key = type(f).__name__
            if key in out:
                raise ValueError(f"to_dict() needs one feature per class; {key} appears twice")
            out[key] = f.to_dict()
        return out

    def feature(self, cls: type) -> FeatureProvider:
        """The first feature that is an instance of ``cls``."""
        for f in self.features:
            if isinstance(f, cls):
                return f
        raise KeyError(f"no feature of type {cls.__name__}; features: "
                       f"{[type(f).__name__ for f in self.features]}")

    def __len__(self) -> int:
        return int(self.vector().size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({[type(f).__name__ for f in self.features]})"


class FieldAgentState(State):
    """State of a field agent (a device that actuates the environment)."""


class CoordinatorAgentState(State):
    """State of a coordinator agent (its own features; subordinates are observed separately)."""


def _concat(parts) -> np.ndarray:
    if not parts:
        return np.zeros(0, np.float32)
    return np.concatenate([np.asarray(p, np.float32).ravel() for p in parts]).astype(np.float32,
                                                                                   copy=False)
