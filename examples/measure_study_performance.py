"""Measure the study layer's overhead on a large W1 study (docs/performance.md, "results" targets).

    python examples/measure_study_performance.py [--episodes 1000000] [--executor inline]
                                                 [--shard-size 100000] [--out DIR]

Runs a W1 study (two batteries, the compiled ``simple`` rule, W1 timing) of ``--episodes``
episodes in all: half under the W1 timing, half as the synchronous baseline. Then, for the
same episodes, it times bare ``heron.batch.evaluate`` calls (no study machinery) and reports:

* kernel time (engine wall time summed over shards) and writing time (Arrow conversion +
  Parquet + fsync, summed over shards) -> rows written per second of writing;
* bookkeeping = study wall time - kernel time (inline), and study wall time - bare evaluate
  wall time, as shares of the kernel time
  (target <= 10 %), and writing alone as a share of kernel time;
* peak RSS of this process and of its worker processes (target <= 1 GB), from ``getrusage``.

Not a test: numbers vary 25-30 % on shared machines; compare ratios from one run.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time

TOML = """\
[study]
name = "perf-w1"
seed = 7
n_episodes = {n}
shard_size = {shard}

[environment]
name = "battery_fleet"
kwargs = {{ n_batteries = 2 }}

[policies]
simple = "simple"

[timing]
base = "w1"
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=1_000_000, help="episodes in all")
    p.add_argument("--executor", default="inline", choices=("inline", "process"))
    p.add_argument("--shard-size", type=int, default=100_000)
    p.add_argument("--out", default=None, help="output directory (default: a temporary one)")
    p.add_argument("--skip-bare", action="store_true", help="do not time bare evaluate()")
    p.add_argument("--write-only", action="store_true",
                   help="only time writing one shard (Arrow conversion + Parquet + fsync)")
    args = p.parse_args(argv)
    if args.write_only:
        return write_only(args.shard_size)

    from heron.study import parse_spec, run_study

    per_cell = args.episodes // 2
    spec = parse_spec(TOML.format(n=per_cell, shard=args.shard_size), path="<perf>")
    out = args.out or tempfile.mkdtemp(prefix="heron-perf-")
    # warm up compilation outside the measurement
    from heron.batch import evaluate
    from heron.demo_envs import battery_fleet
    from heron.scheduling.presets import preset

    env = battery_fleet(n_batteries=2)
    timing = preset("w1").tick_configs()
    for engine in ("batch", "sync"):
        evaluate(env, "simple", timing=None if engine == "sync" else timing, n_episodes=100,
                 seed=7, engine=engine, as_arrays=True)

    t0 = time.perf_counter()
    run = run_study(spec, out, executor=args.executor, max_workers=2, overwrite=True, quiet=True)
    study_wall = time.perf_counter() - t0
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"study: {run.episodes_run:,} episodes, {run.rows_written:,} rows, "
          f"{run.bytes_written / 1e6:.1f} MB in {study_wall:.1f} s "
          f"({run.episodes_run / study_wall:,.0f} episodes/s), executor {args.executor}, "
          f"shard size {args.shard_size:,}")
    print(f"  kernel (engine) time, summed over shards: {run.kernel_s:.2f} s")
    print(f"  writing (Arrow + Parquet + fsync), summed: {run.write_s:.2f} s -> "
          f"{run.rows_written / run.write_s / 1e6:.2f} M rows/s written "
          f"({run.write_s / run.kernel_s:.1%} of kernel time)")
    import json
    import statistics

    shards = [json.loads(x) for x in open(os.path.join(out, "manifest.jsonl"))]
    shards = [r for r in shards if r["type"] == "shard"]
    rates = [r["rows"] / r["write_s"] for r in shards]
    steady = [r["rows"] / r["write_s"] for r in shards[1:]] or rates
    print(f"  writing rate per shard: median {statistics.median(rates) / 1e6:.2f} M rows/s "
          f"(first shard, with first-use imports: {rates[0] / 1e6:.2f}; best "
          f"{max(steady) / 1e6:.2f})")
    if args.executor == "inline":
        book = study_wall - run.kernel_s
        print(f"  bookkeeping (study wall time - kernel time): {book:.2f} s = "
              f"{book / run.kernel_s:.1%} of kernel time")
    print(f"  peak RSS: this process {rss_self:.0f} MB, largest child process "
          f"{rss_children:.0f} MB")

    if not args.skip_bare:
        bare = 0.0
        n_threads = None if args.executor == "inline" else 1
        for engine, tm in (("batch", timing), ("sync", None)):
            for start in range(0, per_cell, args.shard_size):
                n = min(args.shard_size, per_cell - start)
                t = time.perf_counter()
                evaluate(env, "simple", timing=tm, n_episodes=n, seed=7, engine=engine,
                         episode_start=start, threads=n_threads, as_arrays=True)
                bare += time.perf_counter() - t
        if args.executor == "process":
            bare /= 2  # two workers ran shards side by side
        overhead = study_wall - bare
        print(f"bare evaluate() of the same episodes: {bare:.2f} s -> study bookkeeping "
              f"{overhead:.2f} s = {overhead / bare:.1%} of kernel time")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


def write_only(shard_size: int, repeats: int = 15) -> int:
    """Median time to turn one shard's engine columns into a Parquet file (no kernel)."""
    import statistics

    from heron.batch import evaluate
    from heron.demo_envs import battery_fleet
    from heron.study.dataset import dictionary_columns, episodes_to_table, study_schema, \
        write_atomic

    env = battery_fleet(n_batteries=2)
    cols = evaluate(env, "simple", n_episodes=shard_size, seed=7, engine="sync",
                    as_arrays=True).arrays
    axes = ["jitter_ratio", "act_delay"]
    schema = study_schema(axes, '{"provenance": "' + "x" * 4000 + '"}', env.metric_names)
    low = dictionary_columns(axes, env.metric_names)
    out = tempfile.mkdtemp(prefix="heron-write-")
    convert, write, cpu = [], [], []
    for i in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        table = episodes_to_table(cols, schema, mode="event", preset="w1",
                                  axes={"jitter_ratio": 0.1, "act_delay": 0.5})
        t1 = time.perf_counter()
        write_atomic(table, out, f"part-{i}.parquet", dictionary=low,
                     statistics=[*low, "episode"])
        write.append(time.perf_counter() - t1)
        convert.append(t1 - t0)
        cpu.append(time.process_time() - c0)
    rows = table.num_rows
    total = [c + w for c, w in zip(convert, write)]
    print(f"one shard of {rows:,} rows, median of {repeats}: conversion "
          f"{statistics.median(convert) * 1e3:.1f} ms, Parquet + fsync "
          f"{statistics.median(write) * 1e3:.1f} ms -> {rows / statistics.median(total) / 1e6:.2f}"
          f" M rows/s (best {rows / min(total) / 1e6:.2f}); CPU time per shard "
          f"{statistics.median(cpu) * 1e3:.1f} ms -> {rows / statistics.median(cpu) / 1e6:.2f} M "
          "rows per CPU-second (what one idle core would write)")
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
