"""One writer per output directory: a second run refuses, naming the holder; the first run
completes as if it were alone; the operating system releases the lock when a holder dies."""
import os
import signal
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest

from heron import cli
from heron.analysis import load
from heron.study import StudyLockedError, run_study
from heron.study.dataset import MANIFEST
from heron.study.lock import LOCK_FILE, OutputLock


def run(path, out, **kw):
    kw.setdefault("executor", "inline")
    kw.setdefault("evaluator", "fake_engine:evaluate")
    kw.setdefault("quiet", True)
    return run_study(path, str(out), **kw)


def data_files(out):
    found = {}
    for folder, _, names in os.walk(os.path.join(out, "data")):
        for n in names:
            p = os.path.join(folder, n)
            found[os.path.relpath(p, out)] = open(p, "rb").read()
    return found


def _start(path, out, fake_env, cwd):
    """A study run in another process (slow shards: about 5 s in all)."""
    script = (f"from heron.study import run_study\n"
              f"run_study({path!r}, {str(out)!r}, executor='inline', "
              f"evaluator='fake_engine:evaluate_slow', quiet=True)\n")
    return subprocess.Popen([sys.executable, "-c", script], env=fake_env, cwd=cwd,
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_shards(proc, manifest, n):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_text().count('"shard"') >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("the first run did not start")


def test_two_runs_on_one_directory(study_file, tmp_path, fake_env, capsys):
    path = study_file(n=40, shard=5)
    out = tmp_path / "out"
    first = _start(path, out, fake_env, tmp_path)
    try:
        _wait_for_shards(first, out / MANIFEST, 2)
        with pytest.raises(StudyLockedError) as info:
            run(path, out)
        msg = str(info.value)
        assert f"is in use by another heron run (pid {first.pid} on host " \
               f"{socket.gethostname()}, started " in msg
        # the command line: one line, exit 2, the holder named
        assert cli.main(["run", path, "--out", str(out), "--executor", "inline", "--quiet",
                         "--evaluator", "fake_engine:evaluate"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"pid {first.pid}" in err
        assert first.poll() is None                         # the first run goes on
        _, stderr = first.communicate(timeout=240)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == 0, stderr
    run(path, tmp_path / "solo")
    pd.testing.assert_frame_equal(load(tmp_path / "solo"), load(out))
    assert data_files(out) == data_files(tmp_path / "solo")  # byte for byte
    assert run(path, out).shards_run == 0                   # released: a later run takes it


def test_the_lock_dies_with_its_holder(study_file, tmp_path, fake_env):
    path = study_file(n=40, shard=5)
    out = tmp_path / "out"
    first = _start(path, out, fake_env, tmp_path)
    _wait_for_shards(first, out / MANIFEST, 2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert (out / LOCK_FILE).exists()                       # stale file, no live holder
    r = run(path, out)
    assert r.shards_skipped >= 2 and r.shards_skipped + r.shards_run == 2 * 6 * 8


def test_the_lock_in_one_process(tmp_path):
    (tmp_path / "out").mkdir()
    with OutputLock(str(tmp_path / "out")) as held:
        assert held.held
        with pytest.raises(StudyLockedError, match=rf"pid {os.getpid()} on host "):
            OutputLock(str(tmp_path / "out")).acquire()
    assert not held.held
    OutputLock(str(tmp_path / "out")).acquire().release()
