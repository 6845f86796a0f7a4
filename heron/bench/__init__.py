"""Benchmarks of heron: ``heron bench`` (``main``), the baselines and the measurement helpers.

* ``heron.bench.cli``: ``main(argv)`` of ``heron bench`` (table or ``--json``);
* ``heron.bench.suite``: each canonical workload (``heron.workloads``) on each engine;
* ``heron.bench.baselines``: W3 as a SimPy model and as a plain ``heapq`` loop;
* ``heron.bench.heap_throughput``: heap push+pop from Python and from Numba;
* ``heron.bench.agent_scaling``: batch-engine events/s against the number of agents (``AS``);
* ``heron.bench.measure``: medians of timed repeats after a warm-up;
* ``heron.bench.anchors``: the reference anchors and targets of ``docs/performance.md``;
* ``heron.bench.results``: rows, ratios and their table/JSON forms.

The asv suite (``benchmarks/``) imports the same pieces.
"""
from __future__ import annotations


def main(argv=None) -> int:
    """``heron bench`` (see ``heron.bench.cli``); imports the measuring code only when called."""
    from heron.bench.cli import main as _main

    return _main(argv)


__all__ = ["main"]
