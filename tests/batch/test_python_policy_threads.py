"""Python policies in several threads: same results, one caller at a time, BLAS limited."""
import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from heron.batch import evaluate
from heron.batch.policies import BatchedPolicy, simple_numpy
from heron.workloads import w1

COLS = ("episode", "agent_index", "return", "n_ticks", "n_effects", "obs_staleness_mean",
        "time_outside_band")


def _rule(obs):
    return simple_numpy(obs)      # the tutorial's rule, also compiled as "simple"


def _same(a, b):
    for c in COLS:
        assert np.array_equal(a[c], b[c], equal_nan=True), c


def test_threads_do_not_change_python_policy_results():
    wl = w1()
    pol = BatchedPolicy(_rule, name="rule")
    kw = dict(timing=wl.timing, n_episodes=700, seed=11, chunk_size=128)
    one = evaluate(wl.env, pol, threads=1, **kw)
    two = evaluate(wl.env, pol, threads=2, **kw)
    assert one.stats["threads"] == 1 and two.stats["threads"] == 2
    _same(one.arrays, two.arrays)
    # and the same as a compiled run of the same rule in one chunk
    _same(one.arrays, evaluate(wl.env, "simple", threads=1, timing=wl.timing, n_episodes=700,
                               seed=11).arrays)


def test_policy_is_never_called_by_two_threads_at_once():
    wl = w1()
    inside = threading.Lock()
    callers = set()

    def careful(obs):
        assert inside.acquire(blocking=False), "policy entered by two threads at once"
        try:
            callers.add(threading.get_ident())
            time.sleep(0.0002)          # widen the window a concurrent call would hit
            return _rule(obs)
        finally:
            inside.release()

    res = evaluate(wl.env, BatchedPolicy(careful, name="careful"), timing=wl.timing,
                   n_episodes=300, seed=2, chunk_size=50, threads=2)
    assert len(callers) == 2                      # the chunks did run in two threads
    assert np.isfinite(res.arrays["return"]).all()


def _blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_blas_limited_while_python_policies_decide_and_restored_after():
    if not _blas_threads():
        pytest.skip("no BLAS library visible to threadpoolctl")
    before = _blas_threads()
    seen = []

    def probe(obs):
        seen.append(max(_blas_threads()))
        return _rule(obs)

    wl = w1()
    evaluate(wl.env, BatchedPolicy(probe, name="probe"), timing=wl.timing, n_episodes=20,
             seed=0)
    assert seen and max(seen) == 1
    assert _blas_threads() == before
