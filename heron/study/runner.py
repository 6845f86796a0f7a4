"""Run a study: resolve and size it, lock the output directory, plan shards, skip the completed
ones, run the rest on an executor, record each in the manifest as it lands.

Before any work: the output directory is checked (``heron.study.output``), the evaluator is
imported (a command-line choice), the user's ``imports`` are imported, every name of the study
resolves to an object of the expected kind (``heron.study.resolve``: nothing the study file names is
imported or called), and the plan is sized against ``limits`` (``heron.study.plan``;
``allow_large=True`` lifts the soft limits). Then the run takes the directory's lock
(``heron.study.lock``): a second run on the same directory is refused, naming the holder.

Resuming is re-running: ``run_study`` on an output directory holding the same study (same
fingerprint) keeps every shard the manifest records with an intact file (size and SHA-256) and
runs only the others; damaged manifest lines and damaged shard files are repaired by recomputing
them; temporary files of an interrupted run are deleted first. A different study in that
directory is refused (``StudyConflictError``) unless ``overwrite=True``, which deletes the previous
results (only the files heron wrote: ``data/``, the manifest, the study copy and the report
outputs).
"""
from __future__ import annotations

import concurrent.futures as cf
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Optional

from heron.study import provenance
from heron.study.dataset import env_metric_names
from heron.study.executors import open_executor
from heron.study.lock import OutputLock, StudyLockedError  # noqa: F401 - re-exported
from heron.study.output import (  # noqa: F401 - re-exported
    REPORT_OUTPUTS, OutputDirError, StudyConflictError, check_output_dir, prepare_output,
)
from heron.study.plan import Limits, check_paths, check_plan, size_plan
from heron.study.resolve import check_study, import_modules, import_user_module
from heron.study.shards import DEFAULT_EVALUATOR, import_object, make_task, plan_shards, run_shard
from heron.study.warm import warm_inline, warm_plan, warm_pool


@dataclass
class StudyRun:
    """What a run did. Times are wall-clock seconds (``kernel_s``/``write_s``: summed over
    shards). ``repaired``: ``(what, why)`` for each damaged manifest line or shard file found and
    recomputed; ``plan``: the sized plan (``heron.study.plan.Plan``)."""

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
    repaired: list = field(default_factory=list)
    plan: object = None


def _progress(total: int, initial: int, quiet: bool, desc: str):
    from tqdm.auto import tqdm

    disable = quiet or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(total=total, initial=initial, unit="ep", unit_scale=True, desc=desc,
                disable=disable, file=sys.stderr, dynamic_ncols=True)


def _imports(imports) -> list:
    """Import ``imports`` (module names or ``.py`` paths, or ``(name, folder, first)`` triples
    from ``import_user_module``) now; returns the triples workers import."""
    if isinstance(imports, str):
        imports = [imports]
    out = []
    for item in imports or ():
        if isinstance(item, (tuple, list)):
            import_modules([item])
            out.append(tuple(item))
        else:
            out.append(import_user_module(item))
    return out


def _evaluator(evaluator: str):
    try:
        return import_object(evaluator)
    except ValueError as exc:
        raise ValueError(f"evaluator {evaluator!r}: {exc}") from None


def _workers(executor, max_workers) -> int:
    if executor == "inline" or executor is None and max_workers is None:
        return os.cpu_count() or 1
    return max_workers or getattr(executor, "_max_workers", None) or os.cpu_count() or 1


def run_study(spec, out_dir: Optional[str] = None, *, executor=None, scheduler=None,
              max_workers: Optional[int] = None, overwrite: bool = False, quiet: bool = False,
              evaluator: str = DEFAULT_EVALUATOR, window: Optional[int] = None, imports=(),
              allow_large: bool = False, limits: Limits = Limits(), on_plan=None) -> StudyRun:
    """Run (or resume) ``spec`` (a ``StudySpec`` or a study file path) into ``out_dir``.

    ``executor``: ``"inline"``, ``"process"`` (default), ``"dask"`` (``scheduler`` = address, or a
    local cluster), a ``concurrent.futures.Executor`` or a ``dask.distributed.Client``.
    ``evaluator``: import path of the function that runs episodes (``heron.batch:evaluate``;
    its module is imported, like ``imports``). ``window``: shards in flight at once (default:
    twice the workers). ``imports``: modules (names or ``.py`` paths) to import first, here and
    in every worker, whose ``heron.register`` calls make the study's names resolvable.
    ``allow_large``: lift the soft ``limits`` of the plan. ``on_plan(plan)``: called with the
    sized plan before the run starts (the CLI prints it).
    """
    from heron.study.spec import StudySpec, load_spec

    t_start = time.perf_counter()
    user_imports = _imports(imports)   # first: a study file may name what they register
    if not isinstance(spec, StudySpec):
        spec = load_spec(spec)
    out_dir = out_dir or spec.output
    if not out_dir:
        raise ValueError("out_dir is required: the study file names no [study] output")
    out_dir = os.path.abspath(os.fspath(out_dir))
    _evaluator(evaluator)
    env, env_task, worker_imports = check_study(spec, user_imports)
    spec = spec.for_env(env)   # presets at the env's nominal timing (heron.scheduling.presets)
    # the env's metric columns fix the dataset's schema: every shard writes them
    metrics = env_metric_names(env)
    plan = size_plan(spec, env, _workers(executor, max_workers))
    check_plan(plan, limits, allow_large=allow_large)
    check_paths(spec, out_dir)
    check_output_dir(out_dir)
    with OutputLock(out_dir):
        manifest, repaired = prepare_output(spec, out_dir, overwrite=overwrite, metrics=metrics)
        shards = plan_shards(spec)
        todo = [s for s in shards if s.id not in manifest.shards]
        check_plan(plan, limits, allow_large=allow_large, out_dir=out_dir,
                   bytes_todo=plan.bytes_est * sum(s.count for s in todo) / max(plan.episodes, 1))
        if on_plan is not None:
            on_plan(plan)
        prov_json = provenance.to_json(provenance.collect(spec))
        done_eps = sum(s.count for s in shards) - sum(s.count for s in todo)
        stats = dict(kernel_s=0.0, write_s=0.0, rows=0, bytes=0, events=0, episodes=0)
        ctx = dict(spec=spec, out_dir=out_dir, prov_json=prov_json, evaluator=evaluator,
                   metrics=metrics, env=env_task, imports=worker_imports)
        if todo:
            handle = open_executor(executor, scheduler=scheduler, max_workers=max_workers)
            bar = _progress(sum(s.count for s in shards), done_eps, quiet, spec.name)
            try:
                _warm(handle, todo, ctx)
                _drive(handle, todo, ctx, manifest, bar, stats,
                       window or (1 if handle.name == "inline" else 2 * handle.workers))
            finally:
                bar.close()
                handle.close()
        manifest.mark_complete()
    return StudyRun(out_dir, len(shards), len(shards) - len(todo), len(todo), stats["episodes"],
                    stats["rows"], stats["bytes"], time.perf_counter() - t_start,
                    stats["kernel_s"], stats["write_s"], stats["events"], repaired, plan)


def _task(ctx: dict, shard, threads) -> dict:
    return make_task(ctx["spec"], shard, ctx["out_dir"], ctx["prov_json"], threads,
                     ctx["evaluator"], ctx["metrics"], env=ctx["env"], imports=ctx["imports"])


def _warm(handle, todo, ctx: dict):
    """Compile the kernels the shards need once before any shard runs (``heron.study.warm``):
    side by side on a pool's workers, or in this process for the inline executor (a helper
    process compiles the other pieces when the first is not in Numba's cache)."""
    jobs = warm_plan(_task(ctx, shard, handle.threads) for shard in todo)
    if handle.name == "inline":
        warm_inline(jobs)
    elif handle.workers > 1:
        warm_pool(handle.executor, jobs)


def _drive(handle, todo, ctx: dict, manifest, bar, stats, window):
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
                pending[handle.executor.submit(run_shard, _task(ctx, shard, handle.threads))] = \
                    shard
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
