"""The ``heron`` command (also ``python -m heron``).

Subcommands::

    heron demo [--out DIR] [--episodes N]      the W1 battery study (heron.study.demo) + report
    heron run STUDY.toml [--out DIR] [--executor inline|process|dask] [--scheduler ADDRESS]
              [--workers N] [--overwrite] [--quiet] [--report] [--evaluator MODULE:FUNCTION]
    heron report DIR [--n-boot N]              summary.csv, report.md and plots/ of a study
    heron presets                              the calibrated timing presets
    heron bench [...]                          benchmarks (heron.bench.main)

Importing this module is light (argparse only); each subcommand imports what it needs, so
``heron --help`` is instant. Exit codes: 0 success, 1 a shard failed, 2 bad input (invalid study
file, conflicting output directory), 130 interrupted (completed shards are kept: run the same
command to resume).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

INTERRUPTED = 130


def _print_summary(summary, stream=None) -> None:
    from heron.analysis.report import compact_summary

    table = compact_summary(summary)
    print(table.to_string(index=False), file=stream or sys.stdout)


def _run(spec, out, args, *, executor, overwrite) -> int:
    from heron.study.runner import run_study

    extra = {"evaluator": args.evaluator} if getattr(args, "evaluator", None) else {}
    run = run_study(spec, out, executor=executor, scheduler=getattr(args, "scheduler", None),
                    max_workers=getattr(args, "workers", None), overwrite=overwrite,
                    quiet=args.quiet, **extra)
    if run.shards_run:
        rate = run.episodes_run / run.wall_s if run.wall_s > 0 else float("nan")
        print(f"ran {run.shards_run} shard(s), {run.episodes_run:,} episodes, "
              f"{run.rows_written:,} rows in {run.wall_s:.1f} s ({rate:,.0f} episodes/s); "
              f"{run.shards_skipped} shard(s) already done")
    else:
        print(f"all {run.shards_total} shard(s) already done in {run.out_dir}")
    return 0


def _report(out, n_boot: int, quiet: bool) -> dict:
    from heron.analysis.report import write_report

    result = write_report(out, n_boot=n_boot)
    if result.get("warning"):
        print(f"warning: {result['warning']}", file=sys.stderr)
    if not quiet:
        _print_summary(result["summary"])
    print(f"summary table: {result['summary_csv']}")
    print(f"report:        {result['report']}")
    for p in result["plots"]:
        print(f"plot:          {p}")
    return result


def cmd_demo(args) -> int:
    from heron.study.dataset import Manifest
    from heron.study.demo import DEMO_NAME, demo_spec

    t0 = time.perf_counter()
    out = os.path.abspath(args.out)
    spec = demo_spec(args.episodes, args.out)
    previous = Manifest(out)
    same = previous.exists and previous.header.get("fingerprint") == spec.fingerprint()
    # an older demo (other --episodes) in the demo's own directory is replaced, anything else kept
    overwrite = args.overwrite or (previous.exists and not same
                                   and previous.header.get("name") == DEMO_NAME)
    print(f"heron demo: W1 battery fleet, policy 'simple', {len(spec.scenarios)} timing "
          f"scenarios + synchronous baseline, {spec.n_episodes:,} episodes each -> {out}\n"
          "(a first run compiles the batch engine's kernels; later runs load them from Numba's "
          "cache)", flush=True)
    _run(spec, out, args, executor=args.executor, overwrite=overwrite)
    _report(out, args.n_boot, args.quiet)
    print(f"dataset:       {os.path.join(out, 'data')}  (heron.analysis.load({out!r}))")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_run(args) -> int:
    from heron.study.spec import load_spec

    spec = load_spec(args.study)
    out = args.out or spec.output
    if not out:
        raise ValueError(f"{args.study}: the study names no [study] output; pass --out DIR")
    _run(spec, out, args, executor=args.executor, overwrite=args.overwrite)
    print(f"results: {os.path.abspath(out)}")
    if args.report:
        _report(out, args.n_boot, args.quiet)
    else:
        print(f"next: heron report {out}")
    return 0


def cmd_report(args) -> int:
    _report(args.dir, args.n_boot, args.quiet)
    return 0


def cmd_presets(args) -> int:
    from heron.scheduling.presets import PRESETS

    for name in sorted(PRESETS):
        print(PRESETS[name].describe())
    return 0


def cmd_bench(argv) -> int:
    """Hand ``argv`` (everything after ``heron bench``) to ``heron.bench.main``."""
    try:
        from heron.bench import main as bench_main
    except ImportError as exc:
        print(f"heron bench is not available: {exc}", file=sys.stderr)
        return 2
    return bench_main(list(argv)) or 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heron", description="Test multi-agent control policies under realistic timing.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p, executor_default):
        p.add_argument("--executor", choices=("inline", "process", "dask"),
                       default=executor_default, help="where shards run (default: %(default)s)")
        p.add_argument("--workers", type=_positive_int, default=None,
                       help="worker processes (process/dask executors; default: all cores)")
        p.add_argument("--overwrite", action="store_true",
                       help="delete results of a different study in the output directory")
        p.add_argument("--quiet", action="store_true", help="no progress bar, no table")
        p.add_argument("--n-boot", type=_positive_int, default=1000,
                       help="bootstrap resamples for the intervals (default: %(default)s)")

    demo = sub.add_parser("demo", help="run the battery-fleet timing study and report it")
    demo.add_argument("--out", default="heron-demo", help="output directory (default: %(default)s)")
    demo.add_argument("--episodes", type=_positive_int, default=10_000,
                      help="episodes per scenario (default: %(default)s)")
    # process pool: on a fresh install its workers compile the sync and batch kernels at the same
    # time (cold demo on a fresh install: 19 s; 6 s once Numba's cache is warm)
    common(demo, "process")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="run (or resume) a study file")
    run.add_argument("study", help="the study file (TOML)")
    run.add_argument("--out", default=None, help="output directory (default: the study's output)")
    run.add_argument("--scheduler", default=None, help="dask scheduler address (--executor dask)")
    run.add_argument("--report", action="store_true", help="write the report when done")
    run.add_argument("--evaluator", default=None, metavar="MODULE:FUNCTION",
                     help="function that runs episodes, with heron.batch.evaluate's signature "
                          "(default: heron.batch:evaluate)")
    common(run, "process")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="summary.csv, report.md and plots of a study")
    report.add_argument("dir", help="the study's output directory")
    report.add_argument("--n-boot", type=_positive_int, default=1000,
                        help="bootstrap resamples for the intervals (default: %(default)s)")
    report.add_argument("--quiet", action="store_true", help="do not print the table")
    report.set_defaults(func=cmd_report)

    presets = sub.add_parser("presets", help="list the calibrated timing presets")
    presets.set_defaults(func=cmd_presets)

    bench = sub.add_parser("bench", help="run the benchmarks (heron.bench)", add_help=False)
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    bench.set_defaults(func=lambda args: cmd_bench(args.bench_args))
    return parser


def main(argv=None) -> int:
    """Entry point of the ``heron`` command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # every option after "bench" belongs to heron.bench
        return cmd_bench(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "run" and args.scheduler and args.executor != "dask":
        args.executor = "dask"
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into e.g. `head`: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: completed shards are kept; run the same command again to resume",
              file=sys.stderr)
        return INTERRUPTED
    except (ValueError, TypeError, FileNotFoundError, RuntimeError) as exc:
        from heron.study.errors import StudySpecError
        from heron.study.runner import StudyConflictError

        if isinstance(exc, (StudySpecError, StudyConflictError, FileNotFoundError)) or \
                type(exc) in (ValueError, TypeError):
            print(f"heron {args.command}: error: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, RuntimeError) and " failed: " in str(exc):  # a shard failed
            print(f"heron {args.command}: error: {exc}\ncompleted shards are kept; fix the cause "
                  "and run the same command again to resume", file=sys.stderr)
            return 1
        raise

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
