"""The ``heron`` command (also ``python -m heron``).

Subcommands::

    heron demo [--out DIR] [--episodes N]      the W1 battery study (heron.study.demo) + report
    heron run STUDY.toml [--import MODULE|FILE.py]... [--out DIR] [--allow-large]
              [--executor inline|process|dask] [--scheduler ADDRESS] [--workers N]
              [--overwrite] [--quiet] [--report] [--evaluator MODULE:FUNCTION]
    heron report DIR [--n-boot N]              summary.csv, report.md and plots/ of a study
    heron envs                                 the registered environments (heron.make ids)
    heron presets [ENV] [--import MODULE|FILE.py]... [--kwargs JSON]
                                               the timing presets; with ENV: what each does to
                                               each agent of that env, and its sync baseline
    heron sensitivity STUDY.toml [--import MODULE|FILE.py]... [--out DIR] [--threads N]
                                               Sobol indices of the loss to the timing factors
                                               of the study's [sensitivity] section, and a plot
    heron bench [...]                          benchmarks (heron.bench.main)

A study file is data: it never imports code. ``--import`` imports your module (a name, found in
the working directory or on ``sys.path``, or a ``.py`` file), whose ``heron.register(...)`` calls
make the names of the study resolvable; ``--evaluator`` imports its module too.

Importing this module is light (argparse only); each subcommand imports what it needs, so
``heron --help`` is instant. Every error is one line on stderr naming the argument or path, what
was expected and what came (``--debug`` shows the traceback instead). Exit codes: 0 success, 1 a
shard failed (or an unexpected error), 2 bad input (invalid study file or argument, conflicting,
locked or unusable output directory, damaged results, a plan over the limits), 130 interrupted
(completed shards are kept: run the same command to resume).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

INTERRUPTED = 130
MAX_N_BOOT = 100_000        # bootstrap resamples (time grows with resamples x episodes)
MAX_EPISODES = 10 ** 9      # heron demo --episodes (the plan's limits apply as well)
MAX_WORKERS = 1024


def _print_summary(summary, stream=None) -> None:
    from heron.analysis.report import compact_summary

    table = compact_summary(summary)
    print(table.to_string(index=False), file=stream or sys.stdout)


def _run(spec, out, args, *, executor, overwrite, imports=()) -> int:
    from heron.study.runner import run_study

    extra = {"evaluator": args.evaluator} if getattr(args, "evaluator", None) else {}
    run = run_study(spec, out, executor=executor, scheduler=getattr(args, "scheduler", None),
                    max_workers=getattr(args, "workers", None), overwrite=overwrite,
                    quiet=args.quiet, imports=imports, allow_large=args.allow_large,
                    on_plan=None if args.quiet else lambda plan: print(plan.describe(),
                                                                        flush=True), **extra)
    for what, why in run.repaired:
        print(f"repaired: {what} ({why}): recomputed", file=sys.stderr)
    if run.shards_run:
        rate = run.episodes_run / run.wall_s if run.wall_s > 0 else float("nan")
        print(f"ran {run.shards_run} shard(s), {run.episodes_run:,} episodes, "
              f"{run.rows_written:,} rows in {run.wall_s:.1f} s ({rate:,.0f} episodes/s); "
              f"{run.shards_skipped} shard(s) already done")
    else:
        print(f"all {run.shards_total} shard(s) already done in {run.out_dir}")
    return 0


def _report(out, n_boot: int, quiet: bool) -> dict:
    import warnings

    from heron.analysis.report import write_report

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = write_report(out, n_boot=n_boot)
    seen = set()
    for w in caught:
        text = str(w.message)
        if text not in seen and not issubclass(w.category, DeprecationWarning):
            seen.add(text)
            print(f"warning: {text}", file=sys.stderr)
    if result.get("warning"):
        print(f"warning: {result['warning']}", file=sys.stderr)
    if not quiet:
        if result.get("baseline"):
            print(f"synchronous baseline (sync rows): {result['baseline']}")
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
    from heron.study.resolve import import_user_module
    from heron.study.spec import load_spec

    imports = [import_user_module(target) for target in args.imports or ()]
    spec = load_spec(args.study)
    out = args.out or spec.output
    if not out:
        raise ValueError(f"{args.study}: the study names no [study] output; pass --out DIR")
    _run(spec, out, args, executor=args.executor, overwrite=args.overwrite, imports=imports)
    print(f"results: {os.path.abspath(out)}")
    if args.report:
        _report(out, args.n_boot, args.quiet)
    else:
        print(f"next: heron report {out}")
    return 0


def cmd_report(args) -> int:
    _report(args.dir, args.n_boot, args.quiet)
    return 0


def cmd_envs(args) -> int:
    from heron.registry import list_envs

    for s in list_envs():
        aliases = f" (alias {', '.join(s.aliases)})" if s.aliases else ""
        ep = s.entry_point if isinstance(s.entry_point, str) else (s.reference or
                                                                     repr(s.entry_point))
        print(f"{s.id}{aliases}: {s.description or ep} [{s.source}: {ep}]")
    return 0


def cmd_presets(args) -> int:
    from heron.scheduling.presets import PRESETS

    if args.env is None:
        for name in sorted(PRESETS):
            print(PRESETS[name].describe())
        print("\nPresets are applied to an env's nominal timing (its default_timing): `heron "
              "presets ENV` shows each one on that env's agents (`heron envs` lists the ids), "
              "and the presets that env defines for itself.")
        return 0
    import json

    from heron import registry
    from heron.scheduling.preset_table import preset_table
    from heron.study.resolve import import_user_module

    for target in args.imports or ():
        import_user_module(target)
    try:
        kwargs = json.loads(args.kwargs)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--kwargs: expected a JSON object of the env factory's keyword "
                         f"arguments (e.g. '{{\"coordinator\": true}}'); got {args.kwargs!r} "
                         f"({exc})") from None
    if not isinstance(kwargs, dict):
        raise ValueError(f"--kwargs: expected a JSON object; got {args.kwargs!r}")
    try:
        env = registry.make(args.env, **kwargs)
    except registry.UnknownEnvError as exc:
        raise ValueError(f"ENV {args.env!r}: {exc}; an env of your module needs --import "
                         f"MODULE|FILE.py") from None
    print(preset_table(env, args.env))
    return 0


def cmd_sensitivity(args) -> int:
    from heron.study.resolve import import_user_module
    from heron.study.sensitivity_run import run_sensitivity

    from heron.analysis.sobol import require_salib

    require_salib()    # before anything runs
    imports = [import_user_module(target) for target in args.imports or ()]
    t0 = time.perf_counter()

    def announce(policy):
        if not args.quiet:
            print(f"policy {policy!r}: running the Saltelli design (event-driven and "
                  "synchronous episodes; a first run compiles the kernels)", flush=True)

    res = run_sensitivity(args.study, args.out, imports=imports, threads=args.threads,
                          on_policy=announce)
    if not args.quiet:
        cols = ["policy", "factor", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]
        print(res["indices"][cols].round(3).to_string(index=False))
        for name, m in res["meta"]["policies"].items():
            print(f"{name}: {m['n_points']:,} design points x {m['replicates']} episodes "
                  f"(+ as many synchronous); mean loss {m['loss_mean']:.3g} "
                  f"({m['loss_unit']}); episode noise {m['noise_share']:.3f} of the variance")
    print(f"indices: {res['indices_path']}")
    print(f"design:  {res['design_path']}")
    print(f"plot:    {res['plot']}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_bench(argv) -> int:
    """Hand ``argv`` (everything after ``heron bench``) to ``heron.bench.main``."""
    try:
        from heron.bench import main as bench_main
    except ImportError as exc:
        print(f"heron bench is not available: {exc}", file=sys.stderr)
        return 2
    return bench_main(list(argv)) or 0


def _bounded_int(hi: int):
    """An argparse type: an integer in ``[1, hi]``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") \
                from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
        if value > hi:
            raise argparse.ArgumentTypeError(f"expected an integer from 1 to {hi:,}; got "
                                             f"{text!r}")
        return value
    return parse


_positive_int = _bounded_int(2 ** 63 - 1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heron", description="Test multi-agent control policies under realistic timing.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def n_boot(p):
        p.add_argument("--n-boot", type=_bounded_int(MAX_N_BOOT), default=1000,
                       help="bootstrap resamples for the intervals (default: %(default)s, at most "
                            f"{MAX_N_BOOT:,})")

    def debug(p):
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the traceback of an error")

    def common(p, executor_default):
        p.add_argument("--executor", choices=("inline", "process", "dask"),
                       default=executor_default, help="where shards run (default: %(default)s)")
        p.add_argument("--workers", type=_bounded_int(MAX_WORKERS), default=None,
                       help="worker processes (process/dask executors; default: all cores)")
        p.add_argument("--overwrite", action="store_true",
                       help="delete results of a different study in the output directory")
        p.add_argument("--allow-large", action="store_true",
                       help="run a plan over the size limits (rows, bytes, time; see "
                            "heron.study.plan)")
        p.add_argument("--quiet", action="store_true", help="no progress bar, no table")
        n_boot(p)

    demo = sub.add_parser("demo", help="run the battery-fleet timing study and report it")
    demo.add_argument("--out", default="heron-demo", help="output directory (default: %(default)s)")
    demo.add_argument("--episodes", type=_bounded_int(MAX_EPISODES), default=10_000,
                      help="episodes per scenario (default: %(default)s)")
    # inline: shards run in this process on every core (heron's threads), with no worker to
    # start; on a fresh install a helper process compiles the sync and schedule kernels while
    # this one compiles the rollout kernel (heron.study.warm)
    common(demo, "inline")
    debug(demo)
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="run (or resume) a study file")
    run.add_argument("study", help="the study file (TOML)")
    run.add_argument("--import", dest="imports", action="append", default=[],
                     metavar="MODULE|FILE.py",
                     help="import your module first (a name in the working directory or on "
                          "sys.path, or a .py file); its heron.register(...) calls make the "
                          "study's names resolvable (repeatable). A study file never imports code")
    run.add_argument("--out", default=None, help="output directory (default: the study's output)")
    run.add_argument("--scheduler", default=None, help="dask scheduler address (--executor dask)")
    run.add_argument("--report", action="store_true", help="write the report when done")
    run.add_argument("--evaluator", default=None, metavar="MODULE:FUNCTION",
                     help="function that runs episodes, with heron.batch.evaluate's signature "
                          "(default: heron.batch:evaluate)")
    common(run, "process")
    debug(run)
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="summary.csv, report.md and plots of a study")
    report.add_argument("dir", help="the study's output directory")
    n_boot(report)
    report.add_argument("--quiet", action="store_true", help="do not print the table")
    debug(report)
    report.set_defaults(func=cmd_report)

    envs = sub.add_parser("envs", help="list the registered environments (heron.make ids)")
    debug(envs)
    envs.set_defaults(func=cmd_envs)

    presets = sub.add_parser("presets", help="list the timing presets; with ENV: what each does "
                                             "to each agent of that env")
    presets.add_argument("env", nargs="?", default=None, metavar="ENV",
                         help="a registered env id (heron envs): show each preset on its agents")
    presets.add_argument("--import", dest="imports", action="append", default=[],
                         metavar="MODULE|FILE.py",
                         help="import your module first (its heron.register calls name ENV)")
    presets.add_argument("--kwargs", default="{}", metavar="JSON",
                         help="keyword arguments of the env factory, a JSON object (default: {})")
    debug(presets)
    presets.set_defaults(func=cmd_presets)

    sens = sub.add_parser("sensitivity", help="Sobol indices of the loss to timing factors (the "
                                              "study file's [sensitivity] section) and a plot")
    sens.add_argument("study", help="the study file (TOML) with a [sensitivity] section")
    sens.add_argument("--import", dest="imports", action="append", default=[],
                      metavar="MODULE|FILE.py",
                      help="import your module first (its heron.register calls name the env)")
    sens.add_argument("--out", default=None, help="output directory (default: [sensitivity] "
                                                  "output, else the study's output + "
                                                  "'-sensitivity')")
    sens.add_argument("--threads", type=_bounded_int(MAX_WORKERS), default=None,
                      help="threads over episodes (default: Numba's; results do not depend "
                           "on it)")
    sens.add_argument("--quiet", action="store_true", help="do not print the table")
    debug(sens)
    sens.set_defaults(func=cmd_sensitivity)

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
    except MemoryError:
        if args.debug:
            raise
        print(f"heron {args.command}: error: out of memory (the plan's estimates missed this "
              "case; lower n_episodes, shard_size or the grid)", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the CLI turns every error into one line
        if args.debug:
            raise
        code, text = _describe_error(exc)
        print(f"heron {args.command}: error: {text}", file=sys.stderr)
        return code


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _describe_error(exc: BaseException) -> tuple:
    """``(exit code, one-line message)`` of an error escaping a subcommand."""
    from heron.study.errors import StudyDataError, StudySpecError
    from heron.study.executors import ExecutorError
    from heron.study.lock import StudyLockedError
    from heron.study.output import OutputDirError, StudyConflictError
    from heron.study.plan import StudyTooLargeError
    from heron.study.resolve import StudyResolveError, UserImportError

    bad_input = (StudySpecError, StudyConflictError, StudyLockedError, OutputDirError,
                 StudyTooLargeError, StudyResolveError, UserImportError, ExecutorError,
                 StudyDataError, FileNotFoundError, NotADirectoryError, IsADirectoryError)
    if isinstance(exc, bad_input) or type(exc) in (ValueError, TypeError):
        return 2, _one_line(exc)
    if isinstance(exc, ModuleNotFoundError):   # an optional dependency (the message says which)
        return 2, _one_line(exc)
    if isinstance(exc, RuntimeError) and " failed: " in str(exc):  # a shard failed
        return 1, (f"{_one_line(exc)}\ncompleted shards are kept; fix the cause and run the "
                   "same command again to resume")
    if isinstance(exc, OSError) and exc.filename:
        return 1, f"{exc.filename}: {exc.strerror or exc} ({type(exc).__name__})"
    return 1, (f"{type(exc).__name__}: {_one_line(exc)} (unexpected; --debug shows the "
               "traceback)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
