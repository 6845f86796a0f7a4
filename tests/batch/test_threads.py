"""Row ranges in threads (heron.batch.threads): coverage, order, errors, and results that do not
depend on the thread count for either engine or a per-episode timing table."""
import threading

import numpy as np
import pytest

from heron.batch import evaluate
from heron.batch.threads import current_threads, kernel_threads, row_ranges, run_rows
from heron.workloads import w1, w2


@pytest.mark.parametrize("n_rows", [0, 1, 31, 64, 65, 1000, 4096])
@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_row_ranges_cover_every_row_once_in_order(n_rows, threads):
    ranges = row_ranges(n_rows, threads)
    assert ranges[0][0] == 0 and ranges[-1][1] == n_rows
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert all(hi > lo for lo, hi in ranges) or n_rows == 0
    if threads == 1:
        assert ranges == [(0, n_rows)]


def test_run_rows_returns_results_in_range_order():
    def kernel(scale, lo, hi):
        return scale * lo

    out = run_rows(kernel, (2,), 4096, threads=2)
    assert out == [2 * lo for lo, _ in row_ranges(4096, 2)]
    assert len(out) > 2


def test_an_error_in_one_range_is_raised_after_every_range_stopped():
    def kernel(lo, hi):
        if lo > 0:
            raise ValueError(f"bad rows from {lo}")
        return lo

    with pytest.raises(ValueError, match="bad rows"):
        run_rows(kernel, (), 4096, threads=2)


def test_an_interrupt_in_a_range_is_raised_only_after_the_running_ranges_end():
    import time

    running, ended = set(), set()

    def kernel(lo, hi):
        running.add(lo)
        if lo == row_ranges(4096, 2)[1][0]:
            raise KeyboardInterrupt
        time.sleep(0.01)
        ended.add(lo)

    with pytest.raises(KeyboardInterrupt):
        run_rows(kernel, (), 4096, threads=2)
    started_ok = running - {row_ranges(4096, 2)[1][0]}
    assert started_ok == ended            # nothing still writing when the caller sees the error
    assert len(ended) < len(row_ranges(4096, 2)) - 1   # and no new range started after it


def test_kernel_threads_is_per_thread_and_restored():
    before = current_threads()
    with kernel_threads(1):
        assert current_threads() == 1
        other = []
        t = threading.Thread(target=lambda: other.append(current_threads()))
        t.start()
        t.join()
        assert other == [before]
    assert current_threads() == before


@pytest.mark.parametrize("engine", ["batch", "sync"])
def test_results_do_not_depend_on_threads(engine):
    wl = w2()
    kw = dict(timing=wl.timing, n_episodes=150, seed=4, horizon=60.0, engine=engine,
              chunk_size=100)
    one = evaluate(wl.env, wl.policy, threads=1, **kw).arrays
    two = evaluate(wl.env, wl.policy, threads=2, **kw).arrays
    for k, v in one.items():
        np.testing.assert_array_equal(np.asarray(v), np.asarray(two[k]), err_msg=k)


def test_stats_report_the_thread_count():
    wl = w1()
    res = evaluate(wl.env, wl.policy, timing=wl.timing, n_episodes=10, seed=0, threads=1)
    assert res.stats["threads"] == 1


def test_a_forked_child_starts_its_own_threads():
    import multiprocessing as mp

    run_rows(lambda lo, hi: lo, (), 4096, threads=2)          # the parent's pool exists
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:                                  # a child forked after it
        out = pool.apply_async(_ranges_in_child).get(timeout=60)
    assert out == [lo for lo, _ in row_ranges(4096, 2)]


def _ranges_in_child():
    return run_rows(_first_row, (), 4096, threads=2)


def _first_row(lo, hi):
    return lo
