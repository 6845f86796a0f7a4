"""``Event`` and ``EventType``: what the ``EventScheduler`` queues.

``EventType`` (defined with the event-class codes in ``heron._fast.dtypes``) orders events that
share a timestamp: observation samples, agent ticks, message deliveries (and alarms,
``CONDITION_TRIGGER``), action effects, environment updates (reward samples), custom events. Its
values are the public reference's strings: ``EventType("agent_tick") is EventType.AGENT_TICK``
(``EVENT_TYPE_FROM_STRING`` maps them too).

``Event`` is compiled (``heron._fast._dispatch``) unless ``HERON_NO_EXTENSIONS=1`` selects its
pure-Python twin; both have the same constructor and attributes:

``Event(timestamp, event_type=EventType.CUSTOM, agent_id=None, payload={}, priority=None)``

* ``timestamp``: simulated time in seconds at which the event runs;
* ``event_type``: an ``EventType``; ``agent_id``: the agent concerned (recipient of a message);
* ``payload``: event data (an action, a message, ...); without one, a new empty dict (as in the
  reference); ticks the scheduler queues itself carry an empty read-only mapping
  (``TICK_PAYLOAD``);
* ``priority``: lower runs first at equal timestamps (default: the type's class priority);
* ``sequence``: scheduling order, set by the scheduler (first-in first-out among equals).
"""
from heron._fast.dtypes import AGENT_STRIDE, TICK_PAYLOAD, EventType
from heron._fast.heap import Event

EVENT_TYPE_FROM_STRING = {e.value: e for e in EventType}
"""The reference's mapping from an event type's string to the ``EventType``."""

__all__ = ["AGENT_STRIDE", "EVENT_TYPE_FROM_STRING", "Event", "EventType", "TICK_PAYLOAD"]
