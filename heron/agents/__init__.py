"""Interactive agents: ``Agent`` (base), ``FieldAgent``, ``CoordinatorAgent``."""
from heron.agents.base import Agent
from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent

__all__ = ["Agent", "CoordinatorAgent", "FieldAgent"]
