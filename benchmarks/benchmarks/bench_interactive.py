"""The interactive engine on W1: the same episodes (schedules, initial states) run one at a time
through the Python agents and ``PettingZooParallelEnv`` (``heron.batch.evaluate(...,
engine="interactive")``), against the batch engine on the same episodes in the same run.
Target: >= 3x the public HERON reference (400-500 episodes/s)."""
from heron import workloads
from heron.batch import evaluate

from .common import evaluate_kwargs, rate, warm_up


class W1Interactive:
    """W1 on the interactive engine (tutorial policy), ``n_episodes`` episodes per call."""

    n_episodes = 200
    number = 1
    repeat = (3, 10, 30.0)
    warmup_time = 0.0

    def setup(self):
        self.w = workloads.w1()
        self.kw = evaluate_kwargs(self.w, engine="interactive")
        warm_up(self.w, "simple", self.n_episodes, engine="interactive")

    def _run(self):
        return evaluate(self.w.env, "simple", n_episodes=self.n_episodes, **self.kw)

    def time_evaluate(self):
        self._run()

    def track_episodes_per_s(self):
        return rate(self._run, self.n_episodes)

    track_episodes_per_s.unit = "episodes/s"


class W1BatchOverInteractive:
    """Episodes/s of the batch engine (compiled policy) over the interactive engine's, on W1,
    measured back to back in one process."""

    n_episodes = 200  # interactive; the batch engine runs 100x more for a measurable time

    def setup(self):
        self.w = workloads.w1()
        warm_up(self.w, "simple", self.n_episodes, engine="interactive")
        warm_up(self.w, "simple", 100 * self.n_episodes)

    def track_speedup(self):
        n_i, n_b = self.n_episodes, 100 * self.n_episodes
        kw_i = evaluate_kwargs(self.w, engine="interactive")
        kw_b = evaluate_kwargs(self.w)
        inter = rate(lambda: evaluate(self.w.env, "simple", n_episodes=n_i, **kw_i), n_i)
        batch = rate(lambda: evaluate(self.w.env, "simple", n_episodes=n_b, **kw_b), n_b)
        return batch / inter

    track_speedup.unit = "x"
