"""The batch engine: W1 (``battery-2``) with a compiled and a Python policy, W2 (``microgrid-8``),
episodes/s against the number of episodes (1e3..1e6) and threads (1, 2), and the peak memory of a
million W1 episodes.

Workloads come from ``heron.workloads`` (``w1()``, ``w2()``), run through
``heron.batch.evaluate``. Kernels are compiled (or loaded from Numba's cache) in ``setup()`` by a
warm-up at the measured size (up to 20,000 episodes); timed bodies only run episodes. Policies:
``"simple"`` is the tutorial's threshold policy compiled with Numba; ``"simple_numpy"`` is the
same rule as a Python function on NumPy batches (one call per decision round of a chunk).
"""
from heron import workloads
from heron.batch import evaluate, iter_chunks

from .common import evaluate_kwargs, once_rate, rate, warm_up

POLICIES = {"compiled": "simple", "python": "simple_numpy"}


class W1Batch:
    """W1 on the batch engine: compiled vs Python policy, 1 vs 2 threads."""

    params = [["compiled", "python"], [1, 2]]
    param_names = ["policy", "threads"]
    n_episodes = 20_000
    number = 1
    repeat = (3, 5, 60.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, policy, threads):
        self.w = workloads.w1()
        self.policy = POLICIES[policy]
        self.kw = evaluate_kwargs(self.w, threads=threads)
        warm_up(self.w, self.policy, self.n_episodes, threads=threads)

    def _run(self):
        return evaluate(self.w.env, self.policy, n_episodes=self.n_episodes, **self.kw)

    def time_evaluate(self, policy, threads):
        self._run()

    def track_episodes_per_s(self, policy, threads):
        return rate(self._run, self.n_episodes)

    track_episodes_per_s.unit = "episodes/s"

    def track_events_per_s(self, policy, threads):
        stats = self._run().stats
        return stats["events_per_s"]

    track_events_per_s.unit = "events/s"


class W1PythonMLP:
    """W1 with a user's MLP as a Python policy (``heron.workloads.w1_mlp_policy``: 1-32-32-1
    tanh), NumPy and torch (skipped when torch is not installed), default settings and 1 vs 2
    threads. heron limits BLAS/OpenMP/torch threads to one while Python policies decide."""

    params = [["numpy", "torch"], [None, 1, 2]]
    param_names = ["framework", "threads"]
    n_episodes = 20_000
    number = 1
    repeat = (3, 5, 60.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, framework, threads):
        try:
            self.policy = workloads.w1_mlp_policy(framework)
        except ImportError as exc:
            raise NotImplementedError(f"{framework} is not installed") from exc
        self.w = workloads.w1()
        self.kw = evaluate_kwargs(self.w, threads=threads)
        warm_up(self.w, self.policy, self.n_episodes, threads=threads)

    def track_episodes_per_s(self, framework, threads):
        return rate(lambda: evaluate(self.w.env, self.policy, n_episodes=self.n_episodes,
                                     **self.kw), self.n_episodes)

    track_episodes_per_s.unit = "episodes/s"


class W1EpisodeScaling:
    """Episodes/s of W1 (compiled policy) against the number of episodes, 1 and 2 threads."""

    params = [[1_000, 10_000, 100_000, 1_000_000], [1, 2]]
    param_names = ["n_episodes", "threads"]
    timeout = 900

    def setup(self, n_episodes, threads):
        self.w = workloads.w1()
        self.kw = evaluate_kwargs(self.w, threads=threads)
        warm_up(self.w, "simple", n_episodes, threads=threads)

    def track_episodes_per_s(self, n_episodes, threads):
        run = lambda: evaluate(self.w.env, "simple", n_episodes=n_episodes, **self.kw)  # noqa
        if n_episodes >= 100_000:
            return once_rate(run, n_episodes)
        return rate(run, n_episodes)

    track_episodes_per_s.unit = "episodes/s"


class W1Memory:
    """Peak RSS of a million W1 episodes (target <= 512 MB): streamed chunk by chunk with
    ``iter_chunks`` (what a study does), collected in memory by ``evaluate``, and with its
    DataFrame built."""

    n_episodes = 1_000_000
    timeout = 900

    def setup(self):
        self.w = workloads.w1()
        self.kw = evaluate_kwargs(self.w)
        warm_up(self.w, "simple", 20_000)

    def peakmem_stream(self):
        kw = dict(self.kw)
        kw.pop("as_arrays")
        for _cols, _events in iter_chunks(self.w.env, "simple", n_episodes=self.n_episodes,
                                          **kw):
            pass

    def peakmem_evaluate(self):
        evaluate(self.w.env, "simple", n_episodes=self.n_episodes, **self.kw)

    def peakmem_evaluate_dataframe(self):
        """``evaluate`` then ``.episodes``: the columns plus the DataFrame's string columns."""
        evaluate(self.w.env, "simple", n_episodes=self.n_episodes, **self.kw).episodes


class W2Batch:
    """W2 on the batch engine (compiled rule coordinator + MLP batteries), 1 vs 2 threads."""

    params = [[1, 2]]
    param_names = ["threads"]
    n_episodes = 500
    number = 1
    repeat = (2, 5, 60.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, threads):
        self.w = workloads.w2()
        self.kw = evaluate_kwargs(self.w, threads=threads)
        warm_up(self.w, self.w.policy, self.n_episodes, threads=threads)

    def _run(self):
        return evaluate(self.w.env, self.w.policy, n_episodes=self.n_episodes, **self.kw)

    def time_evaluate(self, threads):
        self._run()

    def track_episodes_per_s(self, threads):
        return rate(self._run, self.n_episodes)

    track_episodes_per_s.unit = "episodes/s"


class W1UserPolicy:
    """W1 with a 1-32-32-1 tanh MLP: the built-in compiled MLP against the same MLP written by a
    user as an ``@njit`` function (``heron.batch.policies.compiled``), compiled into the kernel:
    with heron's public layer functions (``user_njit_mlp``) and with plain loops over
    ``math.tanh`` (``user_loops_mlp``). Target: the user's within 15% of the built-in's
    episodes/s (``track_user_over_builtin``: ``user_njit_mlp`` over ``builtin_mlp``)."""

    params = [["builtin_mlp", "user_njit_mlp", "user_loops_mlp"]]
    param_names = ["policy"]
    n_episodes = 20_000
    number = 1
    repeat = (3, 5, 60.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, policy):
        from heron.bench.user_policy import w1_mlp_policies

        self.w = workloads.w1()
        self.policies = w1_mlp_policies()
        self.policy = self.policies[policy]
        self.kw = evaluate_kwargs(self.w)
        for p in self.policies.values():
            warm_up(self.w, p, self.n_episodes)

    def _run(self, policy=None):
        return evaluate(self.w.env, policy or self.policy, n_episodes=self.n_episodes, **self.kw)

    def track_episodes_per_s(self, policy):
        return rate(self._run, self.n_episodes)

    track_episodes_per_s.unit = "episodes/s"

    def track_user_over_builtin(self, policy):
        """Episodes/s of the user's MLP over the built-in's, measured in one run."""
        user = rate(lambda: self._run(self.policies["user_njit_mlp"]), self.n_episodes)
        builtin = rate(lambda: self._run(self.policies["builtin_mlp"]), self.n_episodes)
        return user / builtin

    track_user_over_builtin.unit = "ratio"


class LongHorizonMemory:
    """Peak RSS of 64 W1 episodes of 1e6 s (target <= 1 GB): the schedule budget sets the
    chunk size down to one episode."""

    n_episodes = 64
    horizon = 1e6
    timeout = 900

    def setup(self):
        self.w = workloads.w1()
        warm_up(self.w, "simple", 64)

    def peakmem_evaluate(self):
        evaluate(self.w.env, "simple", timing=self.w.timing, n_episodes=self.n_episodes, seed=0,
                 horizon=self.horizon)


class WindowedHorizonMemory(LongHorizonMemory):
    """Peak RSS of 2 W1 episodes of 2e7 s: each one's whole schedule (~2.8 GB) exceeds the
    schedule budget, so it is generated in windows (``heron.batch.windows``); memory stays
    that of the windows."""

    n_episodes = 2
    horizon = 2e7
