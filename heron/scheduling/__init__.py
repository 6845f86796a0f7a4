"""The interactive engine's core: ``EventScheduler``, ``Event``, ``EventType``, ``TickConfig``."""
from heron.scheduling.event import Event, EventType
from heron.scheduling.scheduler import EventScheduler
from heron.scheduling.tick_config import JitterType, TickConfig

__all__ = ["Event", "EventScheduler", "EventType", "JitterType", "TickConfig"]
