"""Running studies: shard/executor invariance, resume after real interruptions, conflicts."""
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import fake_engine
from heron.analysis import load
from heron.study import StudyConflictError, load_spec, run_study
from heron.study.dataset import MANIFEST
from heron.study.errors import StudyDataWarning
from heron.study.shards import plan_shards

FAKE = "fake_engine:evaluate"


def run(path, out, **kw):
    kw.setdefault("executor", "inline")
    kw.setdefault("evaluator", FAKE)
    kw.setdefault("quiet", True)
    return run_study(path, str(out), **kw)


def parquet_files(out):
    found = []
    for folder, _, names in os.walk(os.path.join(out, "data")):
        found += [os.path.join(folder, n) for n in names]
    return sorted(found)


def test_plan_covers_every_episode_once(study_file):
    spec = load_spec(study_file(n=25, shard=10))
    shards = plan_shards(spec)
    assert len(shards) == 2 * (1 + 5) * 3
    for pol in ("a", "b"):
        for sc in spec.all_scenarios():
            ranges = [(s.start, s.count) for s in shards
                      if s.policy.name == pol and s.scenario.label == sc.label]
            assert ranges == [(0, 10), (10, 10), (20, 5)]
    assert len({s.id for s in shards}) == len(shards)


def test_dataset_rows_and_columns(study_file, tmp_path):
    r = run(study_file(n=12, shard=5), tmp_path / "out")
    assert r.shards_run == r.shards_total == 2 * 6 * 3 and r.episodes_run == 2 * 6 * 12
    df = load(tmp_path / "out")
    assert len(df) == 2 * 6 * 12 * fake_engine.N_AGENTS
    assert list(df.columns[:4]) == ["policy", "scenario", "seed", "episode"]
    assert set(df["scenario"]) == {"sync", "scada", "act_delay=0,jitter_ratio=0.1",
                                   "act_delay=0,jitter_ratio=0.4", "act_delay=0.5,jitter_ratio=0.1",
                                   "act_delay=0.5,jitter_ratio=0.4"}
    assert (df["seed"] == 11).all()
    assert df.groupby(["policy", "scenario", "episode", "agent"]).size().max() == 1
    sync = df[df["scenario"] == "sync"]
    assert (sync["mode"] == "sync").all() and sync["act_delay"].isna().all()
    grid = df[df["scenario"] == "act_delay=0.5,jitter_ratio=0.4"]
    assert (grid["act_delay"] == 0.5).all() and (grid["jitter_ratio"] == 0.4).all()
    assert (grid["preset"] == "w1").all()


def test_same_dataset_whatever_shard_size_and_executor(study_file, tmp_path):
    ref = load(tmp_path / "ref") if run(study_file(n=24, shard=24, name="a.toml"),
                                        tmp_path / "ref") else None
    small = run(study_file(n=24, shard=5, name="b.toml"), tmp_path / "small")
    assert small.shards_total == 2 * 6 * 5
    pool = run(study_file(n=24, shard=7, name="c.toml"), tmp_path / "pool", executor="process",
               max_workers=2)
    assert pool.shards_run == 2 * 6 * 4
    pd.testing.assert_frame_equal(ref, load(tmp_path / "small"))
    pd.testing.assert_frame_equal(ref, load(tmp_path / "pool"))


def test_dask_local_cluster_gives_the_same_dataset(study_file, tmp_path):
    distributed = pytest.importorskip("distributed")
    run(study_file(n=12, shard=12, name="a.toml"), tmp_path / "ref")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        r = run(study_file(n=12, shard=5, name="b.toml"), tmp_path / "dask", executor=client)
    assert r.shards_run == 2 * 6 * 3
    pd.testing.assert_frame_equal(load(tmp_path / "ref"), load(tmp_path / "dask"))


def test_resume_after_injected_interrupt(study_file, tmp_path, monkeypatch):
    path = study_file(n=20, shard=5)
    run(path, tmp_path / "ref")
    fake_engine.CALLS.clear()
    monkeypatch.setitem(fake_engine.FAIL_AFTER, "n", 7)
    with pytest.raises(KeyboardInterrupt):
        run(path, tmp_path / "out", evaluator="fake_engine:evaluate_failing")
    manifest = [json.loads(x) for x in open(tmp_path / "out" / MANIFEST)]
    assert sum(r["type"] == "shard" for r in manifest) == 7
    assert not any(r["type"] == "complete" for r in manifest)
    monkeypatch.setitem(fake_engine.FAIL_AFTER, "n", None)
    fake_engine.CALLS.clear()
    again = run(path, tmp_path / "out")
    assert again.shards_skipped == 7 and again.shards_run == again.shards_total - 7
    assert len(fake_engine.CALLS) == again.shards_run            # nothing recomputed
    pd.testing.assert_frame_equal(load(tmp_path / "ref"), load(tmp_path / "out"))
    for a, b in zip(parquet_files(tmp_path / "ref"), parquet_files(tmp_path / "out")):
        assert open(a, "rb").read() == open(b, "rb").read()  # byte-identical files


def test_resume_after_kill_9(study_file, tmp_path, fake_env):
    """Really kill a running study (process pool, SIGKILL to the whole process group) after a
    few shards, then resume and compare with an uninterrupted run."""
    path = study_file(n=40, shard=5)
    out = tmp_path / "out"
    script = (f"from heron.study import run_study\n"
              f"run_study({path!r}, {str(out)!r}, executor='process', max_workers=2, "
              f"evaluator='fake_engine:evaluate_slow', quiet=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], env=fake_env,
                            start_new_session=True, cwd=tmp_path)  # outside the checkout
    manifest = out / MANIFEST
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_text().count('"shard"') >= 6:
            break
        assert proc.poll() is None, "the study ended before it could be killed"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = manifest.read_text().count('"shard"')
    total = len(plan_shards(load_spec(path)))
    assert 6 <= done < total
    r = run(path, out)
    assert r.shards_skipped >= done and r.shards_skipped + r.shards_run == total
    run(path, tmp_path / "ref")
    pd.testing.assert_frame_equal(load(tmp_path / "ref"), load(out))
    assert not [f for f in parquet_files(out) if f.endswith(".tmp")]


def test_crash_leftovers_are_never_read(study_file, tmp_path):
    """A torn manifest line, a stale temporary file and a renamed-but-unrecorded shard (a crash
    between rename and manifest append) are all handled on resume."""
    path = study_file(n=10, shard=5)
    out = tmp_path / "out"
    run(path, out)
    lines = (out / MANIFEST).read_text().splitlines(keepends=True)
    last = json.loads(lines[-2])            # the last shard ([-1] is "complete")
    (out / MANIFEST).write_text("".join(lines[:-2]) + lines[-2][:25])   # torn append
    shard_file = out / last["file"]
    junk = shard_file.parent / ".part-0000000099-0000000005.parquet.123.tmp"
    junk.write_bytes(b"PAR1 partial garbage")
    with pytest.warns(StudyDataWarning, match=r"manifest.jsonl:\d+: damaged manifest line "
                                              r"\(torn"):
        partial_view = load(out)            # the torn shard is not in the manifest: not read
    assert len(partial_view) == 2 * 6 * 10 * 2 - 5 * 2
    r = run(path, out)
    assert r.shards_run == 1 and not junk.exists()
    run(path, tmp_path / "ref")
    pd.testing.assert_frame_equal(load(tmp_path / "ref"), load(out))


def test_other_study_is_refused_unless_overwrite(study_file, tmp_path):
    run(study_file(n=10, shard=5, name="a.toml"), tmp_path / "out")
    other = study_file(n=12, shard=5, name="b.toml")
    with pytest.raises(StudyConflictError, match=r"holds results of another study.*--overwrite"):
        run(other, tmp_path / "out")
    r = run(other, tmp_path / "out", overwrite=True)
    assert r.shards_skipped == 0
    assert load(tmp_path / "out")["episode"].max() == 11


def test_metric_columns_are_recorded_and_must_not_change(study_file, tmp_path):
    path = study_file(n=10, shard=5)
    run(path, tmp_path / "out")
    lines = (tmp_path / "out" / MANIFEST).read_text().splitlines()
    header = json.loads(lines[0])
    assert header["metrics"] == list(fake_engine.METRICS)
    df = load(tmp_path / "out")
    assert df.attrs["heron_metrics"] == list(fake_engine.METRICS)
    assert list(df.columns).index("violation_s") == list(df.columns).index("mode") - 1
    # the env's code changed its metrics since: resuming would mix two schemas
    header["metrics"] = ["other"]
    (tmp_path / "out" / MANIFEST).write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    with pytest.raises(StudyConflictError, match=r"metric columns \['other'\].*now declares "
                                                 r"\['violation_s'\]"):
        run(path, tmp_path / "out")
    assert run(path, tmp_path / "out", overwrite=True).shards_run == 2 * 6 * 2


def test_engine_columns_must_match_the_env_metrics(study_file, tmp_path):
    from heron.study.shards import make_task, run_shard

    with pytest.raises(RuntimeError, match=r"returned column\(s\) \['surprise'\] that the "
                                           r"environment 'fake_engine:make_env' does not declare"):
        run(study_file(n=5, shard=5), tmp_path / "out",
            evaluator="fake_engine:evaluate_extra_column")
    spec = load_spec(study_file(n=5, shard=5))
    task = make_task(spec, plan_shards(spec)[0], str(tmp_path / "w"), "{}", 1, FAKE,
                     metrics=["violation_s", "energy"])
    with pytest.raises(RuntimeError, match=r"declares the metric columns \['violation_s'\] on "
                                           r"this worker, but the study was planned with "
                                           r"\['violation_s', 'energy'\]"):
        run_shard(task)


def test_unmanaged_data_dir_is_refused(study_file, tmp_path):
    (tmp_path / "out" / "data").mkdir(parents=True)
    (tmp_path / "out" / "data" / "x.parquet").write_bytes(b"")
    with pytest.raises(StudyConflictError, match="without a heron manifest"):
        run(study_file(), tmp_path / "out")


def test_worker_errors_name_the_shard(study_file, tmp_path):
    with pytest.raises(RuntimeError, match=r"shard a/sync/0\+5 failed: ValueError: broken engine"):
        run(study_file(n=5, shard=5), tmp_path / "out", evaluator="fake_engine:evaluate_broken")


def test_a_bad_evaluator_is_refused_before_any_shard(study_file, tmp_path):
    with pytest.raises(ValueError, match=r"evaluator 'no_such_module:evaluate': cannot import "
                                         r"module 'no_such_module'"):
        run(study_file(n=5, shard=5), tmp_path / "out", evaluator="no_such_module:evaluate")
    assert not (tmp_path / "out").exists()


class _Terminal:
    """A stand-in for stderr on a terminal."""

    def __init__(self, tty):
        import io

        self.buffer = io.StringIO()
        self.tty = tty

    def isatty(self):
        return self.tty

    def write(self, text):
        return self.buffer.write(text)

    def flush(self):
        pass


@pytest.mark.parametrize("tty, quiet, shown", [(True, False, True), (False, False, False),
                                               (True, True, False)])
def test_progress_bar_only_on_a_terminal(study_file, tmp_path, monkeypatch, tty, quiet, shown):
    term = _Terminal(tty)
    monkeypatch.setattr(sys, "stderr", term)
    run(study_file(n=10, shard=5), tmp_path / "out", quiet=quiet)
    text = term.buffer.getvalue()
    if shown:
        assert "120/120" in text and "ep/s" in text
    else:
        assert text == ""


def test_an_engine_returning_other_episodes_is_caught(study_file, tmp_path):
    with pytest.raises(RuntimeError, match=r"a/sync/5\+5 failed: RuntimeError: shard a/sync/5\+5:"
                                           r" the engine returned episodes 0\.\.4"):
        run(study_file(n=10, shard=5), tmp_path / "out",
            evaluator="fake_engine:evaluate_ignoring_start")


class _RecordingBar:
    def __init__(self, total, initial):
        self.total, self.n, self.steps = total, initial, []

    def update(self, k):
        if k:
            self.steps.append(k)
        self.n += k

    def close(self):
        pass


@pytest.mark.parametrize("executor", ["inline", "process"])
def test_progress_moves_chunk_by_chunk(study_file, tmp_path, monkeypatch, executor):
    """The bar counts episodes as the engine's chunks finish, not only when a shard lands, and
    ends exactly at the total (also when resuming)."""
    import heron.study.runner as runner

    bars = []
    monkeypatch.setattr(runner, "_progress", lambda total, initial, quiet, desc: bars.append(
        _RecordingBar(total, initial)) or bars[-1])
    path = study_file(n=10, shard=5)
    run(path, tmp_path / "out", executor=executor, evaluator="fake_engine:evaluate_chunked",
        max_workers=2 if executor == "process" else None)
    bar = bars[-1]
    assert bar.n == bar.total == 120
    if executor == "inline":   # in-process: every chunk moves the bar at once
        assert set(bar.steps) == {1, 2} and len(bar.steps) == 72
    else:                      # a pool: workers add to a shared counter the driver polls
        with open(tmp_path / "out" / MANIFEST) as fh:
            recs = [json.loads(line) for line in fh]
        assert [r["counted"] for r in recs if r["type"] == "shard"] == [5] * 24
    # a shard of an engine without ``progress`` is counted when it lands
    run(path, tmp_path / "other", executor=executor, max_workers=2 if executor == "process"
        else None)
    assert bars[-1].n == 120 and set(bars[-1].steps) <= {5, 10, 15, 20, 25, 30}
