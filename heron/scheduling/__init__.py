"""The interactive engine's core: ``EventScheduler``, ``Event``, ``EventType``, ``TickConfig``
(alias ``ScheduleConfig``), condition monitors and disturbance schedules; ``EnvPreset`` (a timing
an env defines for itself, ``heron.scheduling.env_presets``). Times in seconds."""
from heron.scheduling.disturbances import Disturbance, DisturbanceSchedule
from heron.scheduling.env_presets import EnvPreset
from heron.scheduling.event import EVENT_TYPE_FROM_STRING, Event, EventType
from heron.scheduling.monitors import ConditionMonitor
from heron.scheduling.scheduler import EventScheduler
from heron.scheduling.tick_config import (
    DEFAULT_COORDINATOR_AGENT_SCHEDULE_CONFIG, DEFAULT_COORDINATOR_AGENT_TICK_CONFIG,
    DEFAULT_FIELD_AGENT_SCHEDULE_CONFIG, DEFAULT_FIELD_AGENT_TICK_CONFIG,
    DEFAULT_SYSTEM_AGENT_SCHEDULE_CONFIG, DEFAULT_SYSTEM_AGENT_TICK_CONFIG, JitterType,
    ScheduleConfig, TickConfig,
)

__all__ = [
    "ConditionMonitor", "DEFAULT_COORDINATOR_AGENT_SCHEDULE_CONFIG",
    "DEFAULT_COORDINATOR_AGENT_TICK_CONFIG", "DEFAULT_FIELD_AGENT_SCHEDULE_CONFIG",
    "DEFAULT_FIELD_AGENT_TICK_CONFIG", "DEFAULT_SYSTEM_AGENT_SCHEDULE_CONFIG",
    "DEFAULT_SYSTEM_AGENT_TICK_CONFIG", "Disturbance", "DisturbanceSchedule", "EnvPreset",
    "EVENT_TYPE_FROM_STRING", "Event", "EventScheduler", "EventType", "JitterType",
    "ScheduleConfig", "TickConfig",
]
