"""One writer per output directory: an advisory lock on ``OUT/.heron.lock``.

``OutputLock(out_dir).acquire()`` takes an exclusive, non-blocking ``fcntl.flock`` (``msvcrt``
byte lock on Windows) on the lock file and writes who holds it (pid, host, start time, command)
into it. The operating system releases the lock when the holding process exits, however it dies
(``kill -9`` included), so a stale lock file never blocks a later run; only a *live* holder does.
A second run on the same directory gets ``StudyLockedError`` naming the holder. The lock file
stays in place (its content is informational; it is not part of the results).

Advisory locks work between processes of one machine and on NFSv4 / most cluster file systems; a
file system without locks (rare) raises ``OSError`` on acquire, reported as such.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time

LOCK_FILE = ".heron.lock"


class StudyLockedError(RuntimeError):
    """Another live process holds the output directory's lock."""


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError as exc:   # e.g. ENOLCK: a file system without locks
        raise OSError(exc.errno, f"cannot lock the output directory ({exc.strerror}); use a "
                                 "local or lock-capable file system") from None


def describe_holder(path: str) -> str:
    """``pid N on host H, started T (command)`` from a lock file, or ``an unknown process``."""
    try:
        with open(path) as fh:
            info = json.loads(fh.read() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "an unknown process"
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("started", 0)))
    cmd = f" ({info['command']})" if info.get("command") else ""
    return f"pid {info['pid']} on host {info.get('host', '?')}, started {started}{cmd}"


class OutputLock:
    """The writer's lock of ``out_dir`` (a context manager; ``acquire``/``release``)."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.path = os.path.join(out_dir, LOCK_FILE)
        self._fd = None

    def acquire(self) -> "OutputLock":
        """Take the lock or raise ``StudyLockedError`` naming the holder (the directory must
        exist)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                locked = _try_lock(fd)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, self.path) from None
            if not locked:
                raise StudyLockedError(
                    f"output directory {self.out_dir!r} is in use by another heron run "
                    f"({describe_holder(self.path)}); wait for it to finish, or choose another "
                    "output directory")
            info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
                    "command": " ".join(os.path.basename(a) if i == 0 else a
                                        for i, a in enumerate(sys.argv))[:200]}
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(info).encode())
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        """Release the lock (closing the descriptor releases it)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
