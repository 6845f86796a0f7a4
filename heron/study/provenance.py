"""Provenance of a study's results: what produced them, as one JSON document.

Stored in the schema metadata (key ``b"heron"``) of every Parquet file of a dataset, so any single
file says how it was made: the study file (text and path), the validated spec and its fingerprint,
the seed, the heron version, the versions of the packages that shape results, the Python version
and the git revision of the heron source tree (``None`` outside a git checkout). The document holds
no timestamps or host names, so re-running (or resuming) a study writes byte-identical files.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
from functools import lru_cache
from importlib import metadata

METADATA_KEY = b"heron"
_PACKAGES = ("numpy", "numba", "pandas", "pyarrow", "scipy", "dask", "distributed")


def package_versions() -> dict:
    """Installed versions of the packages heron's results depend on (None when absent)."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@lru_cache(maxsize=1)
def git_revision():
    """``HEAD`` of the git checkout holding the heron sources, or None (not a checkout, no git)."""
    import heron

    root = os.path.dirname(os.path.dirname(os.path.abspath(heron.__file__)))
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    rev = out.stdout.strip()
    return rev if out.returncode == 0 and rev else None


def collect(spec) -> dict:
    """The provenance document of ``spec`` (a ``StudySpec``)."""
    import heron

    return {
        "format": "heron-study/1",
        "study": {
            "name": spec.name,
            "path": spec.source_path,
            "text": spec.source_text,
            "fingerprint": spec.fingerprint(),
            "spec": spec.to_dict(),
        },
        "seed": spec.seed,
        **({"seeds": list(spec.seeds)} if spec.multi_seed else {}),
        "heron_version": heron.__version__,
        "python": platform.python_version(),
        "packages": package_versions(),
        "git_revision": git_revision(),
    }


def to_json(doc: dict) -> str:
    """Canonical JSON (sorted keys), so equal provenance gives equal bytes."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def read(path) -> dict:
    """The provenance stored in one Parquet file of a dataset."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if METADATA_KEY not in meta:
        raise ValueError(f"{path!r} has no heron provenance in its schema metadata")
    return json.loads(meta[METADATA_KEY])
