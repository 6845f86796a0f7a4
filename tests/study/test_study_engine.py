"""End to end on the real batch engine: the same dataset from any shard size and executor
(in-process, a process pool, a Dask LocalCluster), and the demo command."""
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from heron.analysis import load, summarize
from heron.study import parse_spec, run_study

pytest.importorskip("heron.batch")

TOML = """\
[study]
name = "engine"
seed = 42
n_episodes = 40
shard_size = {shard}
horizon = 10.0

[environment]
name = "battery_fleet"
kwargs = {{ n_batteries = 2 }}

[policies]
simple = "simple"

[timing]
base = "w1"
presets = ["scada", "deterministic"]
[timing.grid]
act_delay = [0.0, 0.5]
"""


def spec(shard):
    return parse_spec(TOML.format(shard=shard), path="engine.toml")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("engine") / "ref"
    run_study(spec(40), str(out), executor="inline", quiet=True)
    return load(out)


def test_rows_follow_the_timing(reference):
    df = reference
    assert len(df) == 5 * 40 * 2 and set(df["agent"]) == {"battery_1", "battery_2"}
    sync = df[df["mode"] == "sync"]
    slow = df[df["scenario"] == "act_delay=0.5"]
    fast = df[df["scenario"] == "act_delay=0"]
    # effects land about act_delay (0.5 s, jittered 10 %) + obs_delay (50 ms) after the sample
    assert slow["act_staleness_mean"].mean() == pytest.approx(0.55, abs=0.02)
    slow_s = slow["act_staleness_mean"].to_numpy()
    assert (slow_s > fast["act_staleness_mean"].to_numpy() + 0.3).all()
    assert (sync["obs_staleness_mean"].fillna(0) == 0).all()
    s = summarize(df, n_boot=100).set_index("scenario")
    assert s.loc["sync", "gap_pct"] == 0.0 and s.loc["scada", "gap_pct"] > 0


def test_deterministic_timing_reproduces_the_synchronous_baseline(reference):
    """docs/timing-model.md section 4: no delays, no jitter, ticks equal to dt -> the event-driven
    episode equals the synchronous one, episode by episode."""
    df = reference
    det = df[df["scenario"] == "deterministic"]["return"].to_numpy()
    sync = df[df["scenario"] == "sync"]["return"].to_numpy()
    assert len(det) == len(sync) == 80
    assert abs(det - sync).max() < 1e-9


def test_process_pool_and_other_shards_give_the_same_dataset(reference, tmp_path):
    run_study(spec(15), str(tmp_path / "pool"), executor="process", max_workers=2, quiet=True)
    pd.testing.assert_frame_equal(reference, load(tmp_path / "pool"))


def test_dask_local_cluster_gives_the_same_dataset(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        run_study(spec(15), str(tmp_path / "dask"), executor=client, quiet=True)
    pd.testing.assert_frame_equal(reference, load(tmp_path / "dask"))


def test_demo_command(tmp_path, capsys):
    from heron import cli

    out = tmp_path / "demo"
    assert cli.main(["demo", "--out", str(out), "--episodes", "200", "--quiet",
                     "--n-boot", "100"]) == 0
    text = capsys.readouterr().out
    assert "13 timing scenarios + synchronous baseline" in text
    for name in ("summary.csv", "report.md", "plots/gap_heatmap_simple.png",
                 "plots/degradation_act_delay.png", "plots/tick_pattern.png"):
        assert (out / name).exists() and str(out / name) in text
    df = load(out)
    assert len(df) == 14 * 200 * 2
    # a second run finds every shard done and only re-reports
    assert cli.main(["demo", "--out", str(out), "--episodes", "200", "--quiet",
                     "--n-boot", "100"]) == 0
    assert "already done" in capsys.readouterr().out


def test_npz_policies_load_without_pickle(tmp_path):
    import numpy as np

    from heron.batch.policies import CompiledPolicy
    from heron.study.shards import load_npz_policy

    np.savez(tmp_path / "lin.npz", W=np.array([[-1.0, 0.0]]), b=np.array([0.5]))
    lin = load_npz_policy(str(tmp_path / "lin.npz"))
    assert isinstance(lin, CompiledPolicy) and (lin.obs_dim, lin.act_dim) == (2, 1)
    np.savez(tmp_path / "mlp.npz", W0=np.ones((4, 2)), b0=np.zeros(4), W1=np.ones((1, 4)),
             b1=np.zeros(1))
    assert load_npz_policy(str(tmp_path / "mlp.npz")).act_dim == 1
    np.savez(tmp_path / "odd.npz", weights=np.ones(3))
    with pytest.raises(ValueError, match=r"holds \['weights'\]; expected W and b"):
        load_npz_policy(str(tmp_path / "odd.npz"))
    np.savez(tmp_path / "pickled.npz", W=np.array([{"a": 1}], dtype=object), b=np.zeros(1))
    with pytest.raises(ValueError, match="allow_pickle=False"):
        load_npz_policy(str(tmp_path / "pickled.npz"))


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shard=st.integers(min_value=6, max_value=40))
def test_any_shard_size_gives_the_same_dataset(reference, tmp_path_factory, shard):
    out = tmp_path_factory.mktemp("shard")
    run_study(spec(shard), str(out), executor="inline", quiet=True)
    pd.testing.assert_frame_equal(reference, load(out))


def test_warm_up_compiles_each_engine_piece_once_longest_first(tmp_path):
    from heron.study.runner import _task
    from heron.study.shards import plan_shards, warm_jobs
    from heron.study.warm import warm_plan

    s = spec(20)

    def tasks(evaluator):
        ctx = dict(spec=s, out_dir=str(tmp_path), prov_json="{}", evaluator=evaluator,
                   metrics=(), env=None, imports=())
        return [_task(ctx, shard, 1) for shard in plan_shards(s)]
    jobs = warm_plan(tasks("heron.batch:evaluate"))
    assert [(job[0]["scenario"]["mode"], job[1]) for job in jobs] == [
        ("event", "kernel"), ("sync", "kernel"), ("event", "schedule")]
    other = warm_plan(tasks("fake_engine:evaluate"))
    assert [part for _, part in other] == [None, None]   # another evaluator: one episode each
    assert warm_jobs(other[0][0]) == [(other[0][0], None)]


def test_inline_warm_up_starts_a_helper_process_only_while_compiling(reference, tmp_path,
                                                                     monkeypatch):
    """Kernels in the cache load in-process (no helper); when the first piece outlasts the probe
    (here: each piece takes 0.3 s more, the probe 0.1 s) the other pieces compile in a helper
    process meanwhile. The dataset is the same either way, and another evaluator is never called
    to warm up."""
    import time

    from heron.study import warm

    used = []
    original, piece = warm.warm_inline, warm.warm_shard

    def recording(jobs, probe_s=warm.COMPILE_PROBE_S):
        used.append(original(jobs, probe_s=probe))
        return used[-1]

    def slow_piece(task, part):
        time.sleep(0.3)
        return piece(task, part)

    monkeypatch.setattr("heron.study.runner.warm_inline", recording)
    monkeypatch.setattr(warm, "warm_shard", slow_piece)
    for probe in (warm.COMPILE_PROBE_S, 0.1):
        out = tmp_path / f"probe{probe}"
        run_study(spec(20), str(out), executor="inline", quiet=True)
        pd.testing.assert_frame_equal(reference, load(out))
    assert used == [False, True]
    assert warm.warm_inline([(None, None)]) is False      # nothing to warm in-process


def test_dask_cluster_started_from_the_command_line(reference, tmp_path):
    """A scheduler and a worker started as separate processes with the ``dask`` command (as on
    a cluster), and ``heron run --executor dask --scheduler ADDRESS``: the same dataset."""
    import json
    import os
    import subprocess
    import sys
    import time

    distributed = pytest.importorskip("distributed")
    dask_cmd = os.path.join(os.path.dirname(sys.executable), "dask")
    if not os.path.exists(dask_cmd):
        pytest.skip("the dask command is not installed next to this Python")
    sched_file = tmp_path / "scheduler.json"
    env = dict(os.environ, PYTHONSAFEPATH="1")
    procs = [subprocess.Popen([dask_cmd, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        procs.append(subprocess.Popen(
            [dask_cmd, "worker", "--scheduler-file", str(sched_file), "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard"], cwd=tmp_path, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = json.loads(sched_file.read_text())["address"]
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
        study = tmp_path / "engine.toml"
        study.write_text(TOML.format(shard=15))
        out = tmp_path / "cluster"
        run = subprocess.run([sys.executable, "-m", "heron", "run", str(study), "--out", str(out),
                              "--executor", "dask", "--scheduler", address, "--quiet"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
        pd.testing.assert_frame_equal(reference, load(out))
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
