"""``StudySpecError`` and the source locator that lets every spec error name file, line and key.

``tomllib`` reports syntax errors with a line, but not where a *valid* key sits; the locator scans
the TOML text for table headers and ``key =`` lines so a semantic error (unknown key, wrong type,
impossible value) can point at ``study.toml:12``. It is a best effort: keys written inside inline
tables are located at their table's line.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence


class StudySpecError(ValueError):
    """A study file is invalid; the message names the file, line, key and the valid choices."""


class StudyDataError(ValueError):
    """A study's results on disk are damaged (a shard file that fails its checksum or cannot be
    read); the message names the shard and its file. ``heron run`` on the study recomputes it."""


class StudyDataWarning(UserWarning):
    """A study's manifest has damaged lines: the results lack the shards they recorded."""


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _norm_key(part: str) -> str:
    return part.strip().strip('"').strip("'")


class SourceLocator:
    """Find the line of ``table.key`` in a TOML text (1-based), for error messages."""

    def __init__(self, text: str, path: Optional[str] = None):
        self.path = path or "<study>"
        self._entries = []  # (table tuple, key or None, line)
        table: tuple = ()
        for lineno, line in enumerate(text.splitlines(), start=1):
            m = _HEADER.match(line)
            if m:
                table = tuple(_norm_key(p) for p in m.group(1).split("."))
                self._entries.append((table, None, lineno))
                continue
            km = re.match(r'^\s*("[^"]+"|\'[^\']+\'|[A-Za-z0-9_.-]+)\s*=', line)
            if km:
                parts = tuple(_norm_key(p) for p in km.group(1).split(".")) \
                    if not km.group(1).startswith(("'", '"')) else (_norm_key(km.group(1)),)
                full = table + parts
                self._entries.append((full[:-1], full[-1], lineno))

    def line(self, table: Sequence[str], key: Optional[str] = None) -> Optional[int]:
        """Line of ``key`` in ``table`` (or of the table itself); falls back to enclosing tables."""
        table = tuple(table)
        while True:
            for t, k, lineno in self._entries:
                if t == table and (key is None and k is None or k == key):
                    return lineno
            if key is not None:
                # the key may sit in an inline table one level up: look for the table's own line
                if table:
                    key, table = table[-1], table[:-1]
                    continue
            return None

    def where(self, table: Sequence[str], key: Optional[str] = None) -> str:
        """``"file:line"`` (or just the file when the line is unknown)."""
        lineno = self.line(table, key)
        return f"{self.path}:{lineno}" if lineno else self.path

    def error(self, table: Sequence[str], key: Optional[str], message: str) -> StudySpecError:
        """A ``StudySpecError`` prefixed with the location and the dotted key."""
        dotted = ".".join(list(table) + ([key] if key is not None else []))
        return StudySpecError(f"{self.where(table, key)}: {dotted or '(top level)'}: {message}")
