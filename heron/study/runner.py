"""Run a study: plan shards, skip the completed ones, run the rest on an executor, record each in
the manifest as it lands.

Resuming is re-running: ``run_study`` on an output directory holding the same study (same
fingerprint) keeps every shard the manifest records with an intact file and runs only the others;
temporary files of an interrupted run are deleted first. A different study in that directory is
refused (``StudyConflictError``) unless ``overwrite=True``, which deletes the previous results
(only the files heron wrote: ``data/``, the manifest, the study copy and the report outputs).
"""
from __future__ import annotations

import concurrent.futures as cf
import os
import shutil
import sys
import time
from dataclasses import dataclass
from typing import Optional

from heron.study import provenance
from heron.study.dataset import (
    DATA_DIR, FORMAT, STUDY_COPY, Manifest, check_metric_names, env_metric_names, remove_partials,
)
from heron.study.executors import open_executor
from heron.study.shards import (
    DEFAULT_EVALUATOR, make_task, plan_shards, resolve_env, run_shard, shard_engine, warm_jobs,
    warm_shard,
)

REPORT_OUTPUTS = ("summary.csv", "report.md", "plots")


class StudyConflictError(RuntimeError):
    """The output directory holds results of a different study (use ``overwrite=True``)."""


@dataclass
class StudyRun:
    """What a run did. Times are wall-clock seconds (``kernel_s``/``write_s``: summed over
    shards)."""

    out_dir: str
    shards_total: int
    shards_skipped: int
    shards_run: int
    episodes_run: int
    rows_written: int
    bytes_written: int
    wall_s: float
    kernel_s: float
    write_s: float
    events: int


def _clear(out_dir: str) -> None:
    shutil.rmtree(os.path.join(out_dir, DATA_DIR), ignore_errors=True)
    for name in ("manifest.jsonl", STUDY_COPY) + REPORT_OUTPUTS:
        path = os.path.join(out_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)


def prepare_output(spec, out_dir: str, *, overwrite: bool = False, metrics=None) -> Manifest:
    """Open (resume) or start the manifest of ``spec`` in ``out_dir``. ``metrics``: the metric
    columns of the study's env (recorded in the header; default: resolved from the env)."""
    if metrics is None:
        metrics = env_metric_names(resolve_env(spec.env_name, spec.env_kwargs))
    metrics = list(check_metric_names(metrics))
    os.makedirs(out_dir, exist_ok=True)
    manifest = Manifest(out_dir)
    fingerprint = spec.fingerprint()
    data_dir = os.path.join(out_dir, DATA_DIR)
    if manifest.exists and manifest.header.get("fingerprint") != fingerprint and not overwrite:
        raise StudyConflictError(
            f"{out_dir!r} holds results of another study ({manifest.header.get('name')!r}, "
            f"fingerprint {manifest.header.get('fingerprint', '?')[:12]}); this study is "
            f"{spec.name!r} ({fingerprint[:12]}). Choose another output directory or pass "
            "--overwrite (overwrite=True) to delete the previous results.")
    recorded = manifest.header.get("metrics") if manifest.exists else None
    if recorded is not None and list(recorded) != metrics and not overwrite:
        raise StudyConflictError(
            f"{out_dir!r} holds results of {spec.name!r} with the metric columns {recorded}; "
            f"its environment {spec.env_name!r} now declares {metrics}, so new shards would not "
            "match the old ones. Choose another output directory or pass --overwrite "
            "(overwrite=True) to delete the previous results.")
    if not manifest.exists and os.path.isdir(data_dir) and os.listdir(data_dir) and not overwrite:
        raise StudyConflictError(f"{data_dir!r} exists without a heron manifest; refusing to mix "
                                 "results. Choose another output directory or pass --overwrite.")
    if overwrite:
        _clear(out_dir)
        manifest = Manifest(out_dir)
    if not manifest.exists:
        manifest.start({"format": FORMAT, "name": spec.name, "fingerprint": fingerprint,
                        "n_episodes": spec.n_episodes, "seed": spec.seed, "metrics": metrics})
    else:
        remove_partials(out_dir)
    copy = os.path.join(out_dir, STUDY_COPY)
    if not os.path.exists(copy):
        with open(copy + ".tmp", "w") as fh:
            fh.write(spec.source_text)
        os.replace(copy + ".tmp", copy)
    return manifest


def _progress(total: int, initial: int, quiet: bool, desc: str):
    from tqdm.auto import tqdm

    disable = quiet or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(total=total, initial=initial, unit="ep", unit_scale=True, desc=desc,
                disable=disable, file=sys.stderr, dynamic_ncols=True)


def run_study(spec, out_dir: Optional[str] = None, *, executor=None, scheduler=None,
              max_workers: Optional[int] = None, overwrite: bool = False, quiet: bool = False,
              evaluator: str = DEFAULT_EVALUATOR, window: Optional[int] = None) -> StudyRun:
    """Run (or resume) ``spec`` (a ``StudySpec`` or a study file path) into ``out_dir``.

    ``executor``: ``"inline"``, ``"process"`` (default), ``"dask"`` (``scheduler`` = address, or a
    local cluster), a ``concurrent.futures.Executor`` or a ``dask.distributed.Client``.
    ``evaluator``: import path of the function that runs episodes (``heron.batch:evaluate``).
    ``window``: shards in flight at once (default: twice the workers).
    """
    from heron.study.spec import StudySpec, load_spec

    if not isinstance(spec, StudySpec):
        spec = load_spec(spec)
    out_dir = out_dir or spec.output
    if not out_dir:
        raise ValueError("out_dir is required: the study file names no [study] output")
    out_dir = os.path.abspath(os.fspath(out_dir))
    t_start = time.perf_counter()
    # the env's metric columns fix the dataset's schema: every shard writes them
    metrics = env_metric_names(resolve_env(spec.env_name, spec.env_kwargs))
    manifest = prepare_output(spec, out_dir, overwrite=overwrite, metrics=metrics)
    prov_json = provenance.to_json(provenance.collect(spec))
    shards = plan_shards(spec)
    todo = [s for s in shards if not manifest.is_done(s.id)]
    done_eps = sum(s.count for s in shards) - sum(s.count for s in todo)
    stats = dict(kernel_s=0.0, write_s=0.0, rows=0, bytes=0, events=0, episodes=0)
    if todo:
        handle = open_executor(executor, scheduler=scheduler, max_workers=max_workers)
        bar = _progress(sum(s.count for s in shards), done_eps, quiet, spec.name)
        try:
            if handle.name != "inline" and handle.workers > 1:
                _warm(handle, todo, spec, out_dir, prov_json, evaluator, metrics)
            _drive(handle, todo, spec, out_dir, prov_json, evaluator, manifest, bar, stats,
                   window or (1 if handle.name == "inline" else 2 * handle.workers), metrics)
        finally:
            bar.close()
            handle.close()
    manifest.mark_complete()
    return StudyRun(out_dir, len(shards), len(shards) - len(todo), len(todo), stats["episodes"],
                    stats["rows"], stats["bytes"], time.perf_counter() - t_start,
                    stats["kernel_s"], stats["write_s"], stats["events"])


def _warm_plan(todo, spec, out_dir, prov_json, threads, evaluator, metrics=()) -> list:
    """The warm-up jobs (``(task, part)`` for ``warm_shard``) of the shards ``todo``: each
    engine's independent compile pieces once, the longest first (the event-driven kernel), so a
    pool's workers finish together."""
    firsts = {}
    for shard in todo:
        task = make_task(spec, shard, out_dir, prov_json, threads, evaluator, metrics)
        firsts.setdefault(shard_engine(task), task)
    jobs = [job for task in firsts.values() for job in warm_jobs(task)]
    jobs.sort(key=lambda job: (job[1] != "kernel", shard_engine(job[0]) != "batch"))
    return jobs


def _warm(handle, todo, spec, out_dir, prov_json, evaluator, metrics=()):
    """Compile the kernels the shards need once, on the workers, before any shard runs: on a
    fresh install of a 2-core machine the W1 rollout kernel compiles on one worker while the
    synchronous and schedule kernels compile on the other, and every later shard loads them from
    Numba's cache."""
    jobs = _warm_plan(todo, spec, out_dir, prov_json, handle.threads, evaluator, metrics)
    futures = [handle.executor.submit(warm_shard, task, part) for task, part in jobs]
    for fut in cf.as_completed(futures):
        fut.result()  # an engine that cannot run fails here, before any shard is written


def _drive(handle, todo, spec, out_dir, prov_json, evaluator, manifest, bar, stats, window,
           metrics=()):
    queue = list(reversed(todo))
    pending = {}
    counter = handle.counter
    shown = [counter.value if counter is not None else 0]

    def tick():  # move the bar by the episodes workers finished since the last look
        if counter is not None:
            value = counter.value
            bar.update(value - shown[0])
            shown[0] = value

    if hasattr(counter, "notify"):   # in-process shards: move the bar as each chunk finishes
        counter.notify = tick
    try:
        while queue or pending:
            while queue and len(pending) < window:
                shard = queue.pop()
                task = make_task(spec, shard, out_dir, prov_json, handle.threads, evaluator,
                                 metrics)
                pending[handle.executor.submit(run_shard, task)] = shard
            finished, _ = cf.wait(list(pending), timeout=None if counter is None else 0.25,
                                  return_when=cf.FIRST_COMPLETED)
            tick()
            for fut in finished:
                shard = pending.pop(fut)
                try:
                    summary = fut.result()
                except Exception as exc:
                    raise RuntimeError(f"shard {shard.id} failed: {type(exc).__name__}: {exc}") \
                        from exc
                manifest.record_shard(summary)
                for key, src in (("kernel_s", "kernel_s"), ("write_s", "write_s"),
                                 ("rows", "rows"), ("bytes", "bytes"), ("events", "events"),
                                 ("episodes", "episodes")):
                    stats[key] += summary.get(src, 0)
                bar.update(summary["episodes"] - summary.get("counted", 0))
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise
