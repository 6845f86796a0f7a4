"""``Event`` and ``EventType``: what the ``EventScheduler`` queues.

``EventType`` (defined with the event-class codes in ``heron._fast.dtypes``) orders events that
share a timestamp: observation samples, agent ticks, message deliveries, action effects,
environment updates (reward samples), custom events.

``Event`` is compiled (``heron._fast._dispatch``) unless ``HERON_NO_EXTENSIONS=1`` selects its
pure-Python twin; both have the same constructor and attributes:

``Event(timestamp, event_type=EventType.CUSTOM, agent_id=None, payload=None, priority=None)``

* ``timestamp``: simulated time in seconds at which the event runs;
* ``event_type``: an ``EventType``; ``agent_id``: the agent concerned (recipient of a message);
* ``payload``: event data (an action, a message, ...);
* ``priority``: lower runs first at equal timestamps (default: the type's class priority);
* ``sequence``: scheduling order, set by the scheduler (first-in first-out among equals).
"""
from heron._fast.heap import Event
from heron._fast.dtypes import AGENT_STRIDE, EventType

__all__ = ["AGENT_STRIDE", "Event", "EventType"]
