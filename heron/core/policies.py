"""The Python-side policy protocol of interactive agents.

A policy maps an observation (a 1-D array) to a command, or to ``None`` for "no new command".
Three forms are accepted and normalised once by ``as_policy``:

* an object with ``act(observation, message=None)`` (subclass ``Policy``);
* an object with the public reference's ``forward(observation)`` (a ``Policy`` subclass that
  overrides ``forward`` instead of ``act``, or any non-callable object with a ``forward`` method;
  ``forward(observation, message)`` gets the message too);
* a plain callable ``f(observation)`` or ``f(observation, message)``.

``message`` is the latest message delivered to the agent (a ``heron.protocols.base.Message``,
e.g. a setpoint from its coordinator) or ``None``. A callable gets it only if it declares a
parameter named ``message`` or a second positional parameter (``*args`` alone, as in a wrapped
``torch.nn.Module``, does not count); the signature is inspected once, when the policy is set.

For a field agent the command is its action (validated by ``heron.core.action.Action``); for a
coordinator it is the setpoints its protocol sends (see ``heron.protocols.vertical``).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Optional

import numpy as np

PolicyFn = Callable[[np.ndarray, Any], Optional[np.ndarray]]


class Policy:
    """Base class of object policies: override ``act`` (or the reference's ``forward``)."""

    def act(self, observation: np.ndarray, message: Any = None):
        """Return the command for ``observation`` (and the latest ``message``), or None.
        Default: ``forward(observation)`` when a subclass defines it."""
        if type(self).forward is not Policy.forward:
            if _message_mode(self.forward) == "none":
                return self.forward(observation)
            return self.forward(observation, message)
        raise NotImplementedError(f"{type(self).__name__} must implement act(observation, "
                                  "message=None) or forward(observation)")

    def forward(self, observation: np.ndarray):
        """The reference's name of the policy function: override it or ``act``."""
        raise NotImplementedError(f"{type(self).__name__} must implement act(observation, "
                                  "message=None) or forward(observation)")

    def __call__(self, observation: np.ndarray, message: Any = None):
        return self.act(observation, message)


class ConstantPolicy(Policy):
    """Always the same command (useful as a baseline and in tests)."""

    def __init__(self, command):
        self.command = np.array(command, dtype=np.float64)

    def act(self, observation, message=None):
        return self.command.copy()


class SetpointTrackingPolicy(Policy):
    """Proportional tracking of the latest setpoint: ``gain * (setpoint - observation[index])``.

    Without a delivered setpoint it tracks ``default_setpoint``. Command units are the action's.
    """

    def __init__(self, gain: float = 1.0, index: int = 0, default_setpoint: float = 0.0):
        self.gain = float(gain)
        self.index = int(index)
        self.default_setpoint = float(default_setpoint)

    def act(self, observation, message=None):
        target = self.default_setpoint if message is None else float(
            np.ravel(message.content)[0])
        return np.array([self.gain * (target - float(observation[self.index]))])


def as_policy(policy) -> Optional[PolicyFn]:
    """Normalise ``policy`` to a function ``f(observation, message)``; None stays None."""
    if policy is None:
        return None
    if isinstance(policy, Policy):
        return policy.act
    fn = getattr(policy, "act", None)
    if not callable(fn):
        fn = policy
    if not callable(fn):
        fn = getattr(policy, "forward", None)  # the reference's Policy.forward(observation)
    if not callable(fn):
        raise TypeError(f"policy must be callable or have an act(observation) or "
                        f"forward(observation) method; got {policy!r}")
    mode = _message_mode(fn)
    if mode == "positional":
        return fn
    if mode == "keyword":
        return lambda observation, message=None: fn(observation, message=message)
    return lambda observation, message=None: fn(observation)


def _message_mode(fn) -> str:
    """How ``fn`` takes the message: 'positional', 'keyword' or 'none' (not at all)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # builtins without a signature: assume one argument
        return "none"
    for p in params:
        if p.name == "message":
            return "positional" if p.kind is p.POSITIONAL_ONLY else "keyword"
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return "positional" if len(positional) >= 2 else "none"
