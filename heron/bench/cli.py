"""``heron bench``: run the canonical workloads on heron's engines and their baselines, in one run.

    heron bench [--workload W1|W2|W3|PZ|AS ...] [--json] [--quick] [--repeats N] [--threads N]

Prints a table (workload, engine, rate, median wall time, ratio to the reference anchor and to the
target of ``docs/performance.md``) and the ratios between engines measured in the same run;
``--json`` prints the same as one JSON document for machines. ``--quick`` uses tiny sizes: it checks that
everything runs, its rates mean little. Returns the process exit code.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from typing import List, Optional

from heron.bench import suite
from heron.bench.results import format_table, ratios

WORKLOADS = ("W1", "W2", "W3", "PZ", "AS")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heron bench",
        description="Measure the canonical workloads (docs/performance.md) on heron's engines and "
                    "their baselines in one run: medians of a few repeats after a warm-up, and "
                    "the ratios between engines.",
    )
    parser.add_argument("--workload", action="append", choices=WORKLOADS, metavar="W",
                        help="workload to run: W1, W2, W3, PZ or AS (batch-engine events/s "
                             "against 2..1024 agents); repeat the option for several "
                             "(default: every available one)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes: a smoke test that takes seconds, not a measurement")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs per engine; the median is reported (default: 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads of the batch engine (default: Numba's, all cores)")
    return parser


def _available() -> dict:
    """Workload name -> bench function, for the workloads this install can run."""
    return {"W1": suite.bench_w1, "W2": suite.bench_w2, "W3": suite.bench_w3,
            "PZ": suite.bench_pz, "AS": suite.bench_as}


def run(workloads: List[str], *, quick: bool, repeats: int, threads: Optional[int] = None):
    """Measure ``workloads``: returns ``(rows, ratios, skipped)``."""
    sizes = suite.SIZES["quick" if quick else "full"]
    available = _available()
    rows, skipped = [], []
    for name in workloads:
        fn = available.get(name)
        if fn is None:
            skipped.append(f"{name}: not available in this version of heron")
            continue
        kw = {"threads": threads} if name in ("W1", "W2") else {}
        r, s = fn(**sizes[name], repeats=repeats, **kw)
        rows.extend(r)
        skipped.extend(s)
    return rows, ratios(rows, suite.RATIO_PAIRS), skipped


def report_dict(rows, rat, skipped, *, quick: bool, repeats: int) -> dict:
    """The JSON document of ``heron bench --json``."""
    from heron import __version__

    return {
        "heron_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "quick": quick,
        "repeats": repeats,
        "rows": [row.to_dict() for row in rows],
        "ratios": [q.to_dict() for q in rat],
        "skipped": list(skipped),
    }


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``heron bench`` (``argv`` without the program name)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return int(exc.code or 0)
    if args.repeats < 1:
        parser.print_usage(sys.stderr)
        print(f"heron bench: error: --repeats must be >= 1; got {args.repeats}", file=sys.stderr)
        return 2
    if args.threads is not None and args.threads < 1:
        parser.print_usage(sys.stderr)
        print(f"heron bench: error: --threads must be >= 1; got {args.threads}", file=sys.stderr)
        return 2
    names = args.workload or list(WORKLOADS)
    names = list(dict.fromkeys(names))  # keep order, drop repeats
    rows, rat, skipped = run(names, quick=args.quick, repeats=args.repeats, threads=args.threads)
    if args.json:
        print(json.dumps(report_dict(rows, rat, skipped, quick=args.quick, repeats=args.repeats),
                         indent=2))
    else:
        from heron import __version__

        mode = " (--quick: tiny sizes, rates are not meaningful)" if args.quick else ""
        print(f"heron {__version__} bench on {os.cpu_count()} cores, "
              f"median of {args.repeats} runs{mode}")
        print()
        print(format_table(rows, rat))
        for msg in skipped:
            print(f"skipped: {msg}")
    return 0
