"""The manifest of a study (``OUT/manifest.jsonl``) and the checksums of its shards.

One JSON object per line: the header (``{"type": "study", ...}``: format, study name,
fingerprint, ``metrics``), one ``{"type": "shard", ...}`` per committed shard (its ``id``,
``file``, ``bytes`` and ``sha256``: the SHA-256 of the file's bytes, computed as it was written)
and a final ``{"type": "complete"}``. A later record of a shard id replaces an earlier one.

Readers never write: ``Manifest(out_dir)`` only reads. A line that is not a JSON object (torn by a
crash, or damaged) is skipped and listed in ``damaged`` (line number and reason) so readers can
report it; the records after it still count. Only a run holding the output directory's lock
(``heron.study.lock``) writes: ``start``, ``record_shard``, ``mark_complete`` and ``rewrite``
(which repairs the file: the good records, atomically). ``verify(rec)`` checks one shard's file
against its record (size, then checksum) and names what is wrong.
"""
from __future__ import annotations

import hashlib
import json
import os

MANIFEST = "manifest.jsonl"
DATA_DIR = "data"
_BLOCK = 1 << 20


def file_sha256(path: str) -> str:
    """Hex SHA-256 of the file at ``path`` (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


class Manifest:
    """The record of a study's progress in ``out_dir`` (see the module docstring).

    Attributes: ``header`` (dict or None), ``shards`` (id -> record), ``complete``, ``damaged``
    (``[(line number, reason)]``) and ``header_damaged`` (line 1 is not a valid header)."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.path = os.path.join(out_dir, MANIFEST)
        self.header = None
        self.shards = {}
        self.complete = False
        self.damaged = []
        self.header_damaged = False
        if os.path.isfile(self.path):
            self._read()

    def _read(self) -> None:
        with open(self.path, "rb") as fh:
            raw = fh.read()
        for lineno, line in enumerate(raw.splitlines(keepends=True), start=1):
            reason = None
            if not line.endswith(b"\n"):
                reason = "torn (no end of line)"
            else:
                try:
                    rec = json.loads(line)
                except ValueError:
                    reason = "not JSON"
                else:
                    if not isinstance(rec, dict) or rec.get("type") not in (
                            "study", "shard", "complete"):
                        reason = "not a manifest record"
                    elif rec["type"] == "shard" and not (
                            isinstance(rec.get("id"), str) and isinstance(rec.get("file"), str)
                            and isinstance(rec.get("bytes"), int)):
                        reason = "shard record without id, file or bytes"
            if reason is not None:
                self.damaged.append((lineno, reason))
                if lineno == 1:
                    self.header_damaged = True
                continue
            if rec["type"] == "study":
                if lineno == 1:
                    self.header = rec
                else:
                    self.damaged.append((lineno, "a second header"))
            elif rec["type"] == "shard":
                self.shards[rec["id"]] = rec
            else:
                self.complete = True

    @property
    def exists(self) -> bool:
        return self.header is not None

    def problems(self) -> list:
        """One sentence per damaged line, for readers' warnings."""
        return [f"{self.path}:{n}: damaged manifest line ({why}); a shard it recorded is "
                "missing from the results until `heron run` repairs it" for n, why in
                self.damaged]

    # -- writing (the lock holder only) ------------------------------------------------------
    def _write_all(self, records: list) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w") as fh:
            for rec in records:
                fh.write(json.dumps(rec, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def start(self, header: dict) -> None:
        """Start a fresh manifest with ``header`` (replaces any previous one)."""
        self.header = {"type": "study", **header}
        self._write_all([self.header])
        self.shards, self.complete, self.damaged, self.header_damaged = {}, False, [], False

    def rewrite(self, keep=None, header: dict = None) -> None:
        """Rewrite the file with the header (``header`` replaces it) and the shard records whose
        ids are in ``keep`` (default: all), without the ``complete`` marker: the repair of a
        damaged manifest, atomic."""
        if header is not None:
            self.header = {**header, "type": "study"}
        if keep is not None:
            self.shards = {k: r for k, r in self.shards.items() if k in keep}
        self._write_all([self.header, *self.shards.values()])
        self.complete, self.damaged, self.header_damaged = False, [], False

    def _append(self, rec: dict) -> None:
        line = (json.dumps(rec, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line   # after a torn line: start a fresh one
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def record_shard(self, summary: dict) -> None:
        """Record a committed shard (its file renamed into place; ``summary`` holds its
        ``sha256``)."""
        rec = {"type": "shard", **summary}
        self._append(rec)
        self.shards[rec["id"]] = rec

    def mark_complete(self) -> None:
        if not self.complete:
            self._append({"type": "complete"})
            self.complete = True

    # -- checking -----------------------------------------------------------------------------
    def verify(self, rec: dict, checksum: bool = True):
        """None if the shard file of ``rec`` is intact, else what is wrong (one phrase): missing,
        another size, or (``checksum=True``) another SHA-256. Records without a checksum (written
        before checksums were recorded) are checked by size only."""
        path = os.path.join(self.out_dir, rec["file"])
        if not os.path.isfile(path):
            return "its file is missing"
        size = os.path.getsize(path)
        if size != rec["bytes"]:
            return f"its file has {size} bytes; the manifest records {rec['bytes']}"
        if checksum and rec.get("sha256"):
            found = file_sha256(path)
            if found != rec["sha256"]:
                return (f"checksum mismatch (the manifest records sha256 {rec['sha256'][:16]}..., "
                        f"the file has {found[:16]}...)")
        return None

    def is_done(self, shard_id: str, checksum: bool = False) -> bool:
        """True when ``shard_id`` is recorded and its file is intact (size; and the checksum with
        ``checksum=True``)."""
        rec = self.shards.get(shard_id)
        return rec is not None and self.verify(rec, checksum) is None

    def files(self) -> list:
        """Absolute paths of the recorded shard files, sorted (the dataset's content)."""
        return sorted(os.path.join(self.out_dir, r["file"]) for r in self.shards.values())

    def by_file(self) -> dict:
        """``{absolute file path: shard record}``."""
        return {os.path.join(self.out_dir, r["file"]): r for r in self.shards.values()}


def remove_partials(out_dir: str) -> int:
    """Delete temporary files left by an interrupted run (the lock holder only); returns how
    many were removed."""
    removed = 0
    for folder, _, names in os.walk(os.path.join(out_dir, DATA_DIR)):
        for name in names:
            if name.startswith(".") and name.endswith(".tmp"):
                os.unlink(os.path.join(folder, name))
                removed += 1
    return removed
