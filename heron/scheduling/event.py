"""``Event`` and ``EventType``: what the ``EventScheduler`` queues.

Event classes share the contract's tie-break order at one timestamp (``timing-model.md`` s. 4):
observation samples, agent ticks, message deliveries, action effects, environment updates
(reward samples), custom events. An event's default priority is its class code times
``AGENT_STRIDE``; the scheduler's agent-related helpers add the agent's registration index, so
ties break by class, then agent, then scheduling order.
"""
from __future__ import annotations

import enum
from typing import Any, Optional

from heron._fast.dtypes import (
    EV_ACTION_EFFECT, EV_CUSTOM, EV_MSG_DELIVERY, EV_OBS_SAMPLE, EV_REWARD, EV_TICK,
)

AGENT_STRIDE = 1 << 20  # priority units per event class: room for a million agents


class EventType(enum.Enum):
    """Kinds of scheduled events (value = the class code of the tie-break order)."""

    OBSERVATION_READY = EV_OBS_SAMPLE
    AGENT_TICK = EV_TICK
    MESSAGE_DELIVERY = EV_MSG_DELIVERY
    ACTION_EFFECT = EV_ACTION_EFFECT
    ENV_UPDATE = EV_REWARD
    CUSTOM = EV_CUSTOM

    @property
    def default_priority(self) -> int:
        """Priority given to events of this type when none is specified."""
        return self.value * AGENT_STRIDE


class Event:
    """One scheduled event.

    Attributes
    ----------
    timestamp : float
        Simulated time in seconds at which the event runs.
    event_type : EventType
    agent_id : str or None
        The agent the event concerns (recipient for a message delivery).
    payload : any
        Event data (an action, a message, ...).
    priority : int
        Lower runs first among events of equal timestamp.
    sequence : int
        Scheduling order (set by the scheduler); breaks remaining ties first-in first-out.
    """

    __slots__ = ("timestamp", "event_type", "agent_id", "payload", "priority", "sequence", "_chain")

    def __init__(self, timestamp: float, event_type: EventType = EventType.CUSTOM,
                 agent_id: Optional[str] = None, payload: Any = None,
                 priority: Optional[int] = None):
        self.timestamp = timestamp
        self.event_type = event_type
        self.agent_id = agent_id
        self.payload = payload
        self.priority = event_type.value * AGENT_STRIDE if priority is None else priority
        self.sequence = -1
        self._chain = None

    def __repr__(self) -> str:
        who = "" if self.agent_id is None else f", agent={self.agent_id!r}"
        data = "" if self.payload is None else f", payload={self.payload!r}"
        return f"Event({self.event_type.name}, t={self.timestamp:.6g}s{who}{data})"
