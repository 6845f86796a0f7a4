"""Shipped environments, one folder per system, each written with the public authoring API
(``heron.batch.env``) exactly as a user's env would be, each in its compiled batch form with its
interactive form attached (``env.interactive_env(...)``) and registered with ``heron.make``:

* ``battery_fleet`` (``BatteryFleet-v0``): the tutorial's batteries, optionally under a
  coordinator (``heron.demo_envs.battery``);
* ``heating_house`` (``Heating-v0``): rooms with thermostats, a vent woken by a threshold alarm,
  a zone coordinator and a floor controller, weather profiles and random window openings
  (``heron.demo_envs.heating``, docs/heating.md);
* ``traffic_corridor`` (``TrafficCorridor-v0``): signalised intersections along a corridor on
  NTCIP timing, with a corridor coordinator (``heron.demo_envs.traffic``).
"""
from heron.demo_envs.battery import battery_fleet
from heron.demo_envs.heating import heating_house
from heron.demo_envs.traffic import traffic_corridor

__all__ = ["battery_fleet", "heating_house", "traffic_corridor"]
