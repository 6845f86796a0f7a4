"""``heron bench``, its baselines and measurement helpers, and a smoke run of every asv benchmark.

Nothing here asserts a speed: rates are only checked to be positive and finite. What is checked:
the JSON shape of ``heron bench``, that every engine of a workload did the same work, that the
baselines reproduce heron's W3 log exactly, that the heap workloads agree on their checksums, and
that every asv benchmark module imports, exposes only real benchmarks, and runs at tiny sizes.
"""
import importlib
import inspect
import itertools
import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest

import heron.bench
from heron.bench import baselines, heap_throughput
from heron.bench.measure import measure, measure_interleaved
from heron.workloads import w3_scheduler

BENCH_ROOT = Path(__file__).resolve().parents[1] / "benchmarks"
ASV_NAME = re.compile(r"^(time|timeraw|mem|peakmem|track)_")


# -- heron bench -----------------------------------------------------------------------------

def test_bench_w3_json_shape(capsys):
    assert heron.bench.main(["--workload", "W3", "--json", "--quick", "--repeats", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"heron_version", "python", "cpu_count", "quick", "repeats", "rows", "ratios",
            "skipped"} <= set(report)
    assert report["quick"] is True and report["repeats"] == 2
    rows = {r["engine"]: r for r in report["rows"]}
    assert {"heron", "heapq", "simpy"} <= set(rows)  # simpy is installed in the test env
    for r in rows.values():
        assert r["workload"] == "W3" and r["unit"] == "events/s"
        assert len(r["wall_times_s"]) == 2
        assert math.isfinite(r["rate"]) and r["rate"] > 0
        assert r["median_wall_s"] > 0
    # the same workload: every engine handled exactly the same events
    assert len({r["units_per_run"] for r in rows.values()}) == 1
    assert rows["heron"]["vs_reference"] > 0 and rows["heron"]["vs_target"] > 0
    assert rows["heapq"]["vs_reference"] is None  # baselines are not compared with HERON
    pairs = {(q["numerator"], q["denominator"]): q["ratio"] for q in report["ratios"]}
    assert pairs[("heron", "heapq")] == pytest.approx(rows["heron"]["rate"] / rows["heapq"]["rate"])
    assert ("heron", "simpy") in pairs


def test_bench_batch_workloads_json(capsys):
    argv = ["--workload", "W1", "--workload", "W2", "--json", "--quick", "--repeats", "1"]
    assert heron.bench.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {(r["workload"], r["engine"]): r for r in report["rows"]}
    assert {("W1", "batch-compiled"), ("W1", "batch-python"), ("W2", "batch-compiled")} <= set(rows)
    measured_or_skipped = ("W1", "interactive") in rows or any(
        s.startswith("W1 interactive") for s in report["skipped"])
    assert measured_or_skipped
    for r in rows.values():
        assert r["unit"] == "episodes/s" and r["rate"] > 0
        assert r["units_per_run"] == r["size"]["n_episodes"]
        assert r["extra"]["events_per_episode"] > 10  # timing events really ran
    # W1 on the batch engine: the same episodes whatever the policy's form, so the same events
    assert (rows[("W1", "batch-compiled")]["extra"]["events_per_episode"]
            == pytest.approx(rows[("W1", "batch-python")]["extra"]["events_per_episode"]))
    pairs = {(q["workload"], q["numerator"], q["denominator"]) for q in report["ratios"]}
    assert ("W1", "batch-compiled", "batch-python") in pairs


def test_bench_table_output(capsys):
    assert heron.bench.main(["--workload", "W3", "--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "workload" in out and "heron / heapq" in out and "events/s" in out


@pytest.mark.parametrize("argv", [["--workload", "W9"], ["--repeats", "0"], ["--bogus"]])
def test_bench_rejects_bad_arguments(argv, capsys):
    assert heron.bench.main(argv) == 2
    assert "error" in capsys.readouterr().err


# -- baselines -------------------------------------------------------------------------------

def test_baselines_reproduce_heron_w3_log():
    scheduler, log = w3_scheduler(25)
    n = scheduler.run_until(40.0)
    assert n == len(log) > 25 * 35
    assert baselines.heapq_w3(25, 40.0).log == log
    assert baselines.simpy_w3(25, 40.0).log == log


def test_baselines_include_t_end_and_validate():
    # a tick exactly at t_end is handled (run_until is inclusive): t_end = 0 handles first ticks
    assert baselines.heapq_w3(3, 0.0).events == 3
    assert baselines.simpy_w3(3, 0.0).events == 3
    with pytest.raises(ValueError, match="n_agents"):
        baselines.heapq_w3(0, 1.0)
    with pytest.raises(ValueError, match="t_end"):
        baselines.simpy_w3(2, -1.0)
    with pytest.raises(TypeError, match="t_end"):
        baselines.heapq_w3(2, "10")


# -- heap workloads --------------------------------------------------------------------------

def test_heap_workloads_agree():
    times = heap_throughput.event_times(500, seed=3)
    inc = heap_throughput.event_times(700, seed=4)
    heap, out = heap_throughput.numba_buffers(500)
    fd = heap_throughput.heap_fill_drain_nb(heap, times, out)
    assert heap_throughput.eventqueue_fill_drain(times.tolist()) == pytest.approx(fd, rel=1e-12)
    assert heap_throughput.heapq_fill_drain(times.tolist()) == pytest.approx(fd, rel=1e-12)
    hold = heap_throughput.heap_hold_nb(heap, times, inc, out)
    assert heap_throughput.eventqueue_hold(times.tolist(), inc.tolist()) == pytest.approx(hold)
    assert heap_throughput.heapq_hold(times.tolist(), inc.tolist()) == pytest.approx(hold)
    small, out = heap_throughput.numba_buffers(10)
    assert heap_throughput.heap_fill_drain_nb(small, times, out) == -1.0  # buffer too small


def test_heap_ticks_workload_matches_heapq():
    import heapq

    n_agents, iv = 50, heap_throughput.tick_jitter(3000)
    heap, out = heap_throughput.numba_buffers(2 * n_agents)
    events, total = heap_throughput.heap_ticks_nb(heap, n_agents, iv, out)
    h = [(i / n_agents, 1, i, i) for i in range(n_agents)]  # (time, cls, agent, seq)
    seq, k, ev, tot = n_agents, 0, 0, 0.0
    while k < len(iv):
        t, cls, agent, _ = heapq.heappop(h)
        ev += 1
        tot += (ev % 7 + 1) * t
        if cls == 1:
            heapq.heappush(h, (t + 0.1, 3, agent, seq))
            heapq.heappush(h, (t + iv[k], 1, agent, seq + 1))
            seq, k = seq + 2, k + 1
    assert (events, total) == (ev, pytest.approx(tot, rel=1e-12))
    assert events > len(iv)  # effects are events too
    with pytest.raises(ValueError, match="n_ticks must be an int >= 1"):
        heap_throughput.tick_jitter(0)


# -- measurement helpers ---------------------------------------------------------------------

def test_measure_counts_and_validates():
    calls = []
    m = measure(lambda st: calls.append(st) or 10, lambda: "state", repeats=3, warmup=2)
    assert calls == ["state"] * 5 and m.units == 10 and len(m.wall_times_s) == 3
    assert m.rate > 0
    with pytest.raises(ValueError, match="repeats"):
        measure(lambda st: 1, repeats=0)
    counter = iter(range(100))
    with pytest.raises(RuntimeError, match="must not change"):
        measure(lambda st: next(counter), repeats=2, warmup=0)
    res = measure_interleaved({"a": (lambda st: 3, None), "b": (lambda st: st, lambda: 4)},
                              repeats=2, warmup=1)
    assert list(res) == ["a", "b"] and res["a"].units == 3 and res["b"].units == 4
    with pytest.raises(TypeError, match="cases"):
        measure_interleaved({"a": lambda st: 1})


# -- the asv suite ---------------------------------------------------------------------------

# asv class attributes that set sizes: shrunk so each benchmark runs in milliseconds
TINY = {"n_agents": 20, "t_end": 5.0, "events": 2_000, "ops": 2_000, "m": 100,
        "n_episodes": 32, "n_rows": 2_000, "episodes": 20}


def _bench_modules():
    return sorted(p.stem for p in (BENCH_ROOT / "benchmarks").glob("bench_*.py"))


@pytest.fixture
def asv_package(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH_ROOT))
    for name in list(sys.modules):
        if name == "benchmarks" or name.startswith("benchmarks."):
            monkeypatch.delitem(sys.modules, name)
    return importlib.import_module("benchmarks")


def test_asv_config_is_valid():
    import asv.util

    conf = asv.util.load_json(str(BENCH_ROOT / "asv.conf.json"), js_comments=True)
    assert conf["repo"] == ".." and conf["benchmark_dir"] == "benchmarks"
    assert len(_bench_modules()) >= 3


def _run_timeraw(code):
    """Time a ``timeraw_*`` benchmark's code once in a fresh interpreter with asv's own runner
    (so stray output on stdout fails here as it fails in asv), except that a cold Numba cache is
    not forced (a cold compile of every kernel takes half a minute): those setup lines are only
    compiled, then the code runs with the normal cache."""
    from asv_runner.benchmarks.timeraw import _SeparateProcessTimer

    from benchmarks.common import COLD_NUMBA_CACHE

    stmt, setup = code if isinstance(code, tuple) else (code, "")
    cold = "\n".join(COLD_NUMBA_CACHE)
    if cold in setup:
        compile(cold, "<cold-cache setup>", "exec")  # (exec here would leak into os.environ)
        setup = setup.replace(cold, "")
    # asv runs the code with ``python -c`` in the working directory; outside the checkout, so
    # Python 3.10 (no PYTHONSAFEPATH) imports the installed heron, not the uncompiled tree
    here = os.getcwd()
    os.chdir(tempfile.gettempdir())
    try:
        seconds = _SeparateProcessTimer(lambda: (stmt, setup)).timeit(1)
    finally:
        os.chdir(here)
    assert seconds > 0


def _call_all(obj, params):
    """setup, then every benchmark method (timeraw code runs in a subprocess), then teardown."""
    ran = 0
    if hasattr(obj, "setup"):
        obj.setup(*params)
    try:
        for name in dir(obj):
            if not ASV_NAME.match(name):
                continue
            result = getattr(obj, name)(*params)
            if name.startswith("timeraw_"):
                _run_timeraw(result)
            elif name.startswith("track_"):
                assert isinstance(result, (int, float)) and math.isfinite(result) and result > 0
            ran += 1
    finally:
        if hasattr(obj, "teardown"):
            obj.teardown(*params)
    return ran


def _tiny_params(params):
    """Every combination of the non-numeric parameters (engines, implementations) with the
    smallest value of each numeric one (sizes)."""
    if params and not isinstance(params[0], list):
        params = [params]
    choices = []
    for values in params:
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            choices.append([min(values)])
        else:
            choices.append(list(values))
    return list(itertools.product(*choices))


def _has_benchmarks(cls):
    return any(ASV_NAME.match(name) for name in dir(cls))


@pytest.mark.parametrize("module_name", _bench_modules())
def test_asv_module_runs_at_tiny_sizes(module_name, asv_package):
    module = importlib.import_module(f"benchmarks.{module_name}")
    ran = 0
    for name, value in vars(module).items():
        is_bench_class = inspect.isclass(value) and _has_benchmarks(value)
        if not (is_bench_class or (callable(value) and ASV_NAME.match(name))):
            continue
        # asv collects anything that looks like a benchmark: it must be defined here, not imported
        assert value.__module__ == module.__name__, name
        if is_bench_class:
            obj = value()
            for attr, tiny in TINY.items():
                if hasattr(obj, attr) and attr not in getattr(obj, "param_names", []):
                    setattr(obj, attr, tiny)
            for params in _tiny_params(getattr(value, "params", [])):
                try:
                    ran += _call_all(obj, params)
                except NotImplementedError:  # asv's "skip" (an optional dependency missing)
                    pass
        elif name.startswith("timeraw_"):
            _run_timeraw(value())
            ran += 1
        else:
            value()
            ran += 1
    assert ran > 0, f"{module_name} defines no benchmark"
