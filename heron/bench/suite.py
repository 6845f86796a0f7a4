"""The measurements behind ``heron bench``: each canonical workload on each engine, in one run.

``SIZES`` holds the full and ``--quick`` sizes. Every ``bench_*`` function returns
``(rows, skipped)``: ``BenchRow``s (``heron.bench.results``) and messages for engines it could
not measure. Preparation (building schedulers, compiling kernels) is untimed and happens before a
warm-up run; then the engines of a workload are timed round-robin, ``repeats`` runs each
(``heron.bench.measure``), so the ratios between them come from the same stretch of a noisy
machine's time.
"""
from __future__ import annotations

from typing import List, Tuple

from heron import workloads
from heron.bench import agent_scaling, baselines
from heron.bench.measure import measure_interleaved
from heron.bench.results import BenchRow

SIZES = {
    "full": {
        "W1": {"episodes": {"batch-compiled": 100_000, "batch-python": 20_000,
                            "batch-python-mlp": 20_000, "interactive": 200}},
        "W2": {"episodes": {"batch-compiled": 500}},
        "W3": {"n_agents": 1000, "t_end": 1000.0},
        "PZ": {"episodes": {"wrapper": 200, "sync": 200, "interactive": 200}},
        "AS": {"agents": agent_scaling.AGENT_COUNTS, "events": 500_000},
    },
    "quick": {
        "W1": {"episodes": {"batch-compiled": 256, "batch-python": 256,
                            "batch-python-mlp": 256, "interactive": 4}},
        "W2": {"episodes": {"batch-compiled": 8}},
        "W3": {"n_agents": 100, "t_end": 50.0},
        "PZ": {"episodes": {"wrapper": 4, "sync": 4, "interactive": 4}},
        "AS": {"agents": (2, 16), "events": 5_000},
    },
}

# ratios between engines that ``heron bench`` prints: (workload, numerator, denominator)
RATIO_PAIRS = [
    ("W1", "batch-compiled", "interactive"),
    ("W1", "batch-python", "interactive"),
    ("W1", "batch-compiled", "batch-python"),
    ("W1", "batch-python", "batch-python-mlp"),
    ("W3", "heron", "heapq"),
    ("W3", "heron", "simpy"),
    ("PZ", "wrapper", "interactive"),
    ("PZ", "wrapper", "sync"),
    *agent_scaling.ratio_pairs(),       # AS: each fleet over the 2-battery fleet, per timing
]

# W1 engines: (engine name, policy, heron.batch.evaluate engine)
W1_ENGINES = [
    ("batch-compiled", "simple", "batch"),
    ("batch-python", "simple_numpy", "batch"),
    ("batch-python-mlp", workloads.w1_mlp_policy("numpy"), "batch"),
    ("interactive", "simple", "interactive"),
]


def bench_w3(n_agents: int, t_end: float, repeats: int) -> Tuple[List[BenchRow], List[str]]:
    """W3 on heron's ``EventScheduler``, the plain heapq loop and SimPy (if installed).

    The W3 warm-up is a short run (a tenth of ``t_end``) so a full-size benchmark does not pay for
    a whole extra million events."""
    size = {"n_agents": n_agents, "t_end_s": t_end}
    engines = [
        ("heron", lambda: workloads.w3_scheduler(n_agents),
         lambda st, t: st[0].run_until(t)),
        ("heapq", lambda: baselines.prepare_heapq_w3(n_agents),
         lambda st, t: baselines.run_heapq_w3(st, t).events),
    ]
    rows: List[BenchRow] = []
    skipped: List[str] = []
    if baselines.simpy_available():
        engines.append(("simpy", lambda: baselines.prepare_simpy_w3(n_agents),
                        lambda st, t: baselines.run_simpy_w3(st, t).events))
    else:
        skipped.append("W3 simpy: not measured, simpy is not installed "
                       "(pip install 'heron[bench]')")
    cases = {}
    for engine, prepare, run in engines:
        run(prepare(), t_end / 10.0)  # warm-up: imports, allocator, caches
        cases[engine] = (lambda st, run=run: run(st, t_end), prepare)
    for engine, m in measure_interleaved(cases, repeats=repeats, warmup=0).items():
        rows.append(BenchRow("W3", engine, "events/s", m, size))
    return rows, skipped


def _evaluate_case(workload, policy, engine, n_episodes, threads, last_stats):
    """A ``(run, prepare)`` pair timing ``heron.batch.evaluate``; ``last_stats`` collects the
    engine's own stats (events) of each run."""
    from heron.batch import evaluate

    kw = dict(timing=workload.timing, seed=0, horizon=workload.horizon, engine=engine,
              threads=threads, as_arrays=True)

    def run(_state):
        res = evaluate(workload.env, policy, n_episodes=n_episodes, **kw)
        last_stats.append(res.stats)
        return n_episodes

    def warm():  # compile or load the kernels, then one run at the measured size (the first
        # run at a new size can cost seconds more than later ones)
        evaluate(workload.env, policy, n_episodes=min(64, n_episodes), **kw)
        evaluate(workload.env, policy, n_episodes=n_episodes, **kw)

    return run, warm


def _batch_rows(name, workload, engines, episodes, repeats, threads):
    rows: List[BenchRow] = []
    skipped: List[str] = []
    cases, stats = {}, {}
    for engine, policy, evaluate_engine in engines:
        n = episodes[engine]
        stats[engine] = []
        run, warm = _evaluate_case(workload, policy, evaluate_engine, n, threads, stats[engine])
        try:
            warm()  # compile or load the kernels; build the interactive env
        except NotImplementedError as exc:
            skipped.append(f"{name} {engine}: not available yet ({exc})")
            continue
        cases[engine] = (run, None)
    if not cases:
        return rows, skipped
    for engine, m in measure_interleaved(cases, repeats=repeats, warmup=0).items():
        st = stats[engine][-1]
        events = int(st["events"])
        n = episodes[engine]
        extra = {"events_per_episode": events / n,
                 "events_per_s": events / m.median_s if m.median_s > 0 else float("inf"),
                 "threads": st.get("threads"), "chunk_size": st.get("chunk_size")}
        policy = next(p for e, p, _ in engines if e == engine)
        label = getattr(policy, "name", str(policy))
        rows.append(BenchRow(name, engine, "episodes/s", m, {"n_episodes": n, "policy": label},
                             extra=extra))
    return rows, skipped


def bench_w1(episodes: dict, repeats: int, threads=None) -> Tuple[List[BenchRow], List[str]]:
    """W1 on the batch engine (compiled and Python policy) and the interactive engine."""
    from heron.workloads import w1

    return _batch_rows("W1", w1(), W1_ENGINES, episodes, repeats, threads)


def bench_w2(episodes: dict, repeats: int, threads=None) -> Tuple[List[BenchRow], List[str]]:
    """W2 on the batch engine with its compiled policies."""
    from heron.workloads import w2

    wl = w2()
    return _batch_rows("W2", wl, [("batch-compiled", wl.policy, "batch")], episodes, repeats,
                       threads)


def bench_pz(episodes: dict, repeats: int) -> Tuple[List[BenchRow], List[str]]:
    """PZ: W1's batteries as a plain PettingZoo env through ``heron.pettingzoo`` (wrapper and
    lock-step) next to heron's interactive engine on W1 (``heron.pettingzoo.bench``)."""
    from heron.pettingzoo.bench import bench_pz as run

    return run(episodes, repeats)


def bench_as(agents, events: int, repeats: int) -> Tuple[List[BenchRow], List[str]]:
    """AS: batch-engine events/s against the number of agents (battery fleets, W1 timing and
    deterministic timing, one thread; ``heron.bench.agent_scaling``)."""
    return agent_scaling.bench_agent_scaling(agents, events, repeats)
