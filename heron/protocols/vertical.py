"""``SetpointProtocol``: a coordinator sends a setpoint to each of its field agents.

A coordinator's command is either a dict ``{subordinate_id: setpoint}`` (only those subordinates
get a message) or an array with one setpoint row per subordinate, in subordinate order: shape
``(n, setpoint_dim)`` or flat ``(n * setpoint_dim,)``. Each setpoint must be finite; it is clipped
into ``[low, high]``. The message content is a float64 array of shape ``(setpoint_dim,)`` in the
environment's units (e.g. a target state of charge, 0..1).
"""
from __future__ import annotations

from typing import List

import numpy as np

from heron.core.action import check_real
from heron.protocols.base import Message, Protocol


class SetpointProtocol(Protocol):
    """Coordinator -> field agent setpoints.

    Parameters
    ----------
    setpoint_dim : int
        Entries per setpoint.
    low, high : float
        Bounds the setpoints are clipped into (environment units).
    """

    def __init__(self, setpoint_dim: int = 1, low: float = -np.inf, high: float = np.inf):
        if isinstance(setpoint_dim, bool) or not isinstance(setpoint_dim, (int, np.integer)) \
                or setpoint_dim < 1:
            raise ValueError(f"setpoint_dim must be a positive int; got {setpoint_dim!r}")
        low, high = float(low), float(high)
        if not low <= high:
            raise ValueError(f"low must be <= high; got low={low!r}, high={high!r}")
        self.setpoint_dim = int(setpoint_dim)
        self.low, self.high = low, high

    def command_space(self, sender):
        """``Box`` of shape ``(n_subordinates * setpoint_dim,)`` (float32)."""
        from gymnasium.spaces import Box

        n = len(sender.subordinates) * self.setpoint_dim
        return Box(low=self.low, high=self.high, shape=(n,), dtype=np.float32)

    def route(self, sender, command, time: float) -> List[Message]:
        """One message per addressed subordinate, in the sender's subordinate order."""
        subs = list(sender.subordinates)
        d = self.setpoint_dim
        who = f"coordinator {sender.agent_id!r}"
        if isinstance(command, dict):
            unknown = [k for k in command if k not in sender.subordinates]
            if unknown:
                raise ValueError(f"{who}: setpoints for unknown subordinate(s) {unknown}; "
                                 f"subordinates: {subs}")
            rows = {sid: self._row(who, sid, command[sid]) for sid in subs if sid in command}
        else:
            try:
                arr = np.array(check_real(command, f"{who}: setpoints"), dtype=np.float64)
            except (TypeError, ValueError) as exc:
                if "complex" in str(exc) or "string" in str(exc):
                    raise
                raise TypeError(f"{who}: setpoints must be a dict or an array of shape "
                                f"({len(subs)}, {d}); got {command!r}") from None
            if arr.size != len(subs) * d or arr.ndim > 2:
                raise ValueError(f"{who}: setpoints must have shape ({len(subs)}, {d}) or "
                                 f"({len(subs) * d},); got shape {arr.shape}: {command!r}")
            arr = arr.reshape(len(subs), d)
            rows = {sid: self._row(who, sid, arr[i]) for i, sid in enumerate(subs)}
        return [Message(sender.agent_id, sid, rows[sid], float(time)) for sid in subs
                if sid in rows]

    def _row(self, who: str, sid, value) -> np.ndarray:
        row = np.array(check_real(value, f"{who}: setpoint for {sid!r}"),
                       dtype=np.float64).reshape(-1)
        if row.shape != (self.setpoint_dim,):
            raise ValueError(f"{who}: setpoint for {sid!r} must have {self.setpoint_dim} "
                             f"entries; got {value!r}")
        if not np.all(np.isfinite(row)):
            raise ValueError(f"{who}: setpoint for {sid!r} must be finite; got {value!r}")
        return np.clip(row, self.low, self.high)

    def __repr__(self) -> str:
        return (f"SetpointProtocol(setpoint_dim={self.setpoint_dim}, low={self.low}, "
                f"high={self.high})")
