"""Schedule generation: every agent's tick times and delay samples for a chunk of episodes
(``heron.batch.build_schedule``), for W1 and W2. Kernels compile in ``setup()``."""
from heron import workloads
from heron.batch import build_schedule

from .common import rate

_WORKLOADS = {"W1": workloads.w1, "W2": workloads.w2}


class BuildSchedule:
    """``build_schedule`` of ``n_episodes`` episodes (ticks/s counts stored ticks)."""

    params = [["W1", "W2"], [1_000, 10_000]]
    param_names = ["workload", "n_episodes"]

    def setup(self, workload, n_episodes):
        self.w = _WORKLOADS[workload]()
        self._build(8)  # compile or load the kernels

    def _build(self, n):
        return build_schedule(self.w.env, self.w.timing, n_episodes=n, seed=0,
                              horizon=self.w.horizon)

    def time_build(self, workload, n_episodes):
        self._build(n_episodes)

    def track_ticks_per_s(self, workload, n_episodes):
        ticks = int(self._build(n_episodes).n_ticks.sum())
        return rate(lambda: self._build(n_episodes), ticks)

    track_ticks_per_s.unit = "ticks/s"
