"""The output directory of a study run: checked, locked, opened or resumed, repaired.

``check_output_dir(out_dir)`` refuses, with one line naming the path, a directory that is a file,
lies under a file, cannot be created or cannot be written. ``prepare_output(...)`` (called with the
directory's lock held, ``heron.study.lock``) starts the manifest, or resumes it: a different study
is refused (``StudyConflictError``) unless ``overwrite=True``; damaged manifest lines are dropped
(the shards they recorded run again); every recorded shard is verified (size and SHA-256) and a
damaged one is forgotten, so it is recomputed; temporary files of an interrupted run are deleted.
Readers (``heron.analysis.load``, ``heron report``) never call it: only a writer repairs.
"""
from __future__ import annotations

import errno
import os
import shutil

from heron.study.dataset import (
    DATA_DIR, FORMAT, MANIFEST, STUDY_COPY, Manifest, check_metric_names, remove_partials,
)

REPORT_OUTPUTS = ("summary.csv", "summary_by_seed.csv", "report.md", "plots")


class StudyConflictError(RuntimeError):
    """The output directory holds results of a different study (use ``overwrite=True``)."""


class OutputDirError(ValueError):
    """The output directory cannot hold a study's results (a file, read-only, ...)."""


def _why(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "it is on a read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "a name in the path is too long for the file system"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)


def check_output_dir(out_dir: str) -> None:
    """Create ``out_dir`` if needed and check that it is a writable directory; raises
    ``OutputDirError`` (one line: the path, what was expected, what was found)."""
    path = os.path.abspath(out_dir)
    if os.path.exists(path) and not os.path.isdir(path):
        raise OutputDirError(f"output directory {out_dir!r}: expected a directory; it is a file")
    probe = os.path.dirname(path)
    while probe and not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if probe and not os.path.isdir(probe):
        raise OutputDirError(f"output directory {out_dir!r}: expected a directory path; "
                             f"{probe!r} is a file")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f"output directory {out_dir!r}: cannot create it: "
                             f"{_why(exc)}") from None
    probe_file = os.path.join(path, f".heron-write-test.{os.getpid()}")
    try:
        with open(probe_file, "wb"):
            pass
        os.unlink(probe_file)
    except OSError as exc:
        raise OutputDirError(f"output directory {out_dir!r}: expected a writable directory; "
                             f"cannot write there: {_why(exc)}") from None


def clear_output(out_dir: str) -> None:
    """Delete the files heron wrote in ``out_dir`` (data, manifest, study copy, report)."""
    shutil.rmtree(os.path.join(out_dir, DATA_DIR), ignore_errors=True)
    for name in (MANIFEST, STUDY_COPY) + REPORT_OUTPUTS:
        path = os.path.join(out_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)


def _header_from_files(manifest: Manifest, fingerprint: str) -> bool:
    """True when a recorded shard file's provenance says it belongs to ``fingerprint`` (so a
    manifest whose header line is damaged can be repaired, not refused)."""
    from heron.study.provenance import read

    for path in manifest.files():
        try:
            if read(path)["study"]["fingerprint"] == fingerprint:
                return True
        except Exception:  # noqa: BLE001 - an unreadable file proves nothing
            continue
    return False


def verify_shards(manifest: Manifest) -> list:
    """``[(shard id, problem)]`` for each recorded shard whose file is missing or damaged (size,
    then SHA-256); the study's resume recomputes them."""
    bad = []
    for sid, rec in manifest.shards.items():
        problem = manifest.verify(rec)
        if problem is not None:
            bad.append((sid, problem))
    return bad


def prepare_output(spec, out_dir: str, *, overwrite: bool = False, metrics=None):
    """Open (resume, repairing) or start the manifest of ``spec`` in ``out_dir`` (the caller
    holds the lock). Returns ``(manifest, repaired)``: ``repaired`` lists ``(what, why)`` for
    each damaged manifest line dropped and each damaged shard forgotten (they run again).
    ``metrics``: the metric columns of the study's env (recorded in the header)."""
    metrics = list(check_metric_names(metrics or ()))
    manifest = Manifest(out_dir)
    fingerprint = spec.fingerprint()
    header = {"format": FORMAT, "name": spec.name, "fingerprint": fingerprint,
              "n_episodes": spec.n_episodes, "seed": spec.seed, "metrics": metrics}
    if spec.multi_seed:
        header["seeds"] = list(spec.seeds)
    repaired = []
    if manifest.header_damaged and not overwrite:
        if not manifest.shards or _header_from_files(manifest, fingerprint):
            repaired.append(("manifest line 1 (header)", "damaged; rewritten"))
            manifest.rewrite(header=header)
        else:
            raise StudyConflictError(
                f"{out_dir!r}: the manifest's header (line 1) is damaged and its shards are not "
                f"this study's ({spec.name!r}); pass --overwrite (overwrite=True) to recompute")
    data_dir = os.path.join(out_dir, DATA_DIR)
    if manifest.exists and manifest.header.get("fingerprint") != fingerprint and not overwrite:
        raise StudyConflictError(
            f"{out_dir!r} holds results of another study ({manifest.header.get('name')!r}, "
            f"fingerprint {str(manifest.header.get('fingerprint', '?'))[:12]}); this study is "
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
        clear_output(out_dir)
        manifest = Manifest(out_dir)
    if not manifest.exists:
        manifest.start(header)
    else:
        remove_partials(out_dir)
        bad = verify_shards(manifest)
        repaired += [(f"manifest line {n}", why) for n, why in manifest.damaged]
        repaired += [(f"shard {sid}", why) for sid, why in bad]
        if manifest.damaged or bad:
            manifest.rewrite(keep=set(manifest.shards) - {sid for sid, _ in bad})
    copy = os.path.join(out_dir, STUDY_COPY)
    if not os.path.exists(copy):
        with open(copy + ".tmp", "w", encoding="utf-8") as fh:
            fh.write(spec.source_text)
        os.replace(copy + ".tmp", copy)
    return manifest, repaired
