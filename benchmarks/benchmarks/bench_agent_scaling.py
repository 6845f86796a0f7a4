"""The batch engine against the number of agents: events/s of battery fleets of 2 to 1024
batteries, with W1's jittered timing and without jitter (``heron.bench.agent_scaling`` defines
the workload and what counts as an event).

``track_events_per_s`` is each size's rate; ``track_over_2_agents`` divides it by the 2-battery
rate measured right after it (the same-run ratio the issue's goal is stated in: at least 0.5 at
256 agents, at least a third at 1024); ``TreeOverScan.track_speedup`` is the kernel's tournament
tree over the linear scan of stream heads on the same episodes (the choice it replaced).
One thread throughout; every run has about ``events`` events whatever the fleet's size.
"""
from heron.bench.agent_scaling import AGENT_COUNTS, TIMINGS, FleetCase
from heron.bench.measure import measure


def _rate(case, repeats=3):
    """Events/s of ``case``: median of ``repeats`` timed runs after one warm-up."""
    return measure(case.run, repeats=repeats, warmup=1).rate


class AgentScaling:
    """Events/s of an ``n_agents``-battery fleet (W1 timing or deterministic)."""

    params = [list(AGENT_COUNTS), list(TIMINGS)]
    param_names = ["n_agents", "timing"]
    events = 400_000
    timeout = 900

    def setup(self, n_agents, timing):
        self.case = FleetCase(n_agents, timing, self.events)
        self.base = FleetCase(min(AGENT_COUNTS), timing, self.events)

    def track_events_per_s(self, n_agents, timing):
        return _rate(self.case)

    track_events_per_s.unit = "events/s"

    def track_over_2_agents(self, n_agents, timing):
        """This fleet's events/s over the 2-battery fleet's, measured back to back."""
        return _rate(self.case) / _rate(self.base)

    track_over_2_agents.unit = "x"


class TreeOverScan:
    """Events/s with the tournament tree over events/s with the linear scan, same episodes."""

    params = [[16, 64, 256, 1024], list(TIMINGS)]
    param_names = ["n_agents", "timing"]
    events = 200_000
    timeout = 900

    def setup(self, n_agents, timing):
        self.tree = FleetCase(n_agents, timing, self.events, selection="tree")
        self.scan = FleetCase(n_agents, timing, self.events, selection="scan")

    def track_speedup(self, n_agents, timing):
        return _rate(self.tree) / _rate(self.scan)

    track_speedup.unit = "x"
