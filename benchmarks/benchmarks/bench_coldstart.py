"""Cold start, each sample in a fresh interpreter (asv ``timeraw_*``): ``import heron``, the
interactive API, the first kernel compile of a process, and ``heron demo`` end to end.

"cold" samples point ``NUMBA_CACHE_DIR`` at a fresh empty directory before anything imports Numba
(a fresh install: every kernel compiles); "cached" samples use Numba's normal cache, warmed in
``setup()`` (targets: ``heron demo`` <= 30 s cold, <= 10 s cached).
"""
from heron.bench import heap_throughput as ht

from .common import COLD_NUMBA_CACHE, fresh_process_setup, warm_up


def timeraw_import_heron():
    """``import heron`` (must stay light: no Numba, pandas, pyarrow or matplotlib)."""
    return "import heron"


def timeraw_import_scheduling():
    """``import heron.scheduling``: the interactive API of the tutorial (compiled heap included)."""
    return "import heron.scheduling"


_FIRST_KERNEL = {
    # the heap binding and one small heap kernel
    "heap": ("from heron.bench.heap_throughput import compile_heap_kernel\n"
             "compile_heap_kernel()"),
    # everything W1 needs on the batch engine: schedule, env, policy and rollout kernels
    "W1": ("from heron import workloads\n"
           "from heron.batch import evaluate\n"
           "w = workloads.w1()\n"
           "evaluate(w.env, w.policy, timing=w.timing, n_episodes=64, seed=0, "
           "horizon=w.horizon, as_arrays=True)"),
}


class FirstKernel:
    """Import and compile (cold) or load (cached) the first kernels of a process, and run them."""

    params = [["heap", "W1"]]
    param_names = ["kernels"]
    timeout = 600
    repeat = (1, 3, 120.0)

    def setup(self, kernels):
        if kernels == "heap":
            ht.compile_heap_kernel()  # warm the on-disk cache for the cached variant
        else:
            from heron import workloads

            warm_up(workloads.w1(), workloads.w1().policy)

    def timeraw_cold(self, kernels):
        return _FIRST_KERNEL[kernels], fresh_process_setup(*COLD_NUMBA_CACHE)

    def timeraw_cached(self, kernels):
        return _FIRST_KERNEL[kernels]


class Demo:
    """``heron demo`` (W1 study, report and plots) in a fresh interpreter, ``episodes`` per
    scenario (the command's default), output in a temporary directory."""

    episodes = 10_000
    timeout = 900
    repeat = (1, 2, 300.0)

    def _stmt(self):
        # the demo's report goes to a buffer: asv reads the timing from the child's stdout
        return ("from heron.cli import main\n"
                "with contextlib.redirect_stdout(io.StringIO()):\n"
                f"    main(['demo', '--out', _out.name, '--quiet', '--episodes', "
                f"'{self.episodes}'])")

    def setup(self):  # a small demo warms Numba's cache for the cached variant
        import contextlib
        import io
        import tempfile

        from heron.cli import main

        with tempfile.TemporaryDirectory(prefix="heron-asv-demo-") as out, \
                contextlib.redirect_stdout(io.StringIO()):
            main(["demo", "--out", out, "--quiet", "--episodes", "16", "--n-boot", "10"])

    def timeraw_demo_cold(self):
        return self._stmt(), fresh_process_setup(*COLD_NUMBA_CACHE, *_OUT)

    def timeraw_demo_cached(self):
        return self._stmt(), fresh_process_setup(*_OUT)


_OUT = ("import contextlib, io, tempfile",
        "_out = tempfile.TemporaryDirectory(prefix='heron-asv-demo-')")
