"""Shipped environments, one folder per system, each written with the public authoring API
(``heron.batch.env``) exactly as a user's env would be: the battery fleet
(``heron.demo_envs.battery``: the tutorial's batteries, optionally under a coordinator), in its
compiled batch form (``battery_fleet``) with its interactive form attached
(``spec.interactive_env(...)``)."""
from heron.demo_envs.battery import battery_fleet

__all__ = ["battery_fleet"]
