"""The ``heron`` command: parsing, subcommands, exit codes, light import."""
import os
import subprocess
import sys
import types

import pytest

from heron import cli

HERE = os.path.dirname(os.path.abspath(__file__))
STUDY = os.path.join(HERE, "study")
if STUDY not in sys.path:
    sys.path.insert(0, STUDY)

TOML = """\
[study]
name = "cli"
seed = 1
n_episodes = 8
shard_size = 4
output = "{out}"

[environment]
name = "fake_engine:make_env"

[policies]
a = "fake_engine:policy_a"

[timing]
base = "w1"
[timing.grid]
act_delay = [0.0, 0.5]
jitter_ratio = [0.1, 0.3]
"""


@pytest.fixture
def done_study(tmp_path):
    """A completed study (stand-in engine) and its study file naming the output directory."""
    from heron.study import run_study

    out = tmp_path / "out"
    path = tmp_path / "s.toml"
    path.write_text(TOML.format(out=out))
    run_study(str(path), None, executor="inline", evaluator="fake_engine:evaluate", quiet=True)
    return path, out


def test_import_is_light_and_help_works(tmp_path):
    code = ("import sys, heron.cli; heavy = [m for m in ('numpy', 'pandas', 'pyarrow', "
            "'matplotlib', 'numba') if m in sys.modules]; print(heavy)")
    # cwd outside the checkout: on Python 3.10 (no PYTHONSAFEPATH) -c and -m put the working
    # directory first on sys.path, and the checkout's uncompiled heron/ would shadow the install
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    assert out.stdout.strip() == "[]"
    helped = subprocess.run([sys.executable, "-m", "heron", "--help"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert helped.returncode == 0
    for cmd in ("demo", "run", "report", "presets", "bench"):
        assert cmd in helped.stdout


def test_presets(capsys):
    assert cli.main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "scada: IEEE 2030" in out and "tick 60 s, obs 2 s, act 1.5 s" in out
    assert "LOGNORMAL 40%" in out and "ntcip" in out and "UNIFORM 20%" in out


def test_run_rejects_bad_study_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(TOML.format(out=tmp_path).replace("jitter_ratio = [0.1, 0.3]",
                                                     "jitter_ratio = []"))
    assert cli.main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:18: timing.grid.jitter_ratio: an axis must not be empty" in err
    assert cli.main(["run", str(tmp_path / "missing.toml")]) == 2


def test_run_resumes_a_done_study_and_reports(done_study, capsys):
    path, out = done_study
    assert cli.main(["run", str(path), "--executor", "inline", "--quiet", "--report",
                     "--n-boot", "50"]) == 0
    text = capsys.readouterr().out
    assert "all 10 shard(s) already done" in text
    assert f"report:        {out / 'report.md'}" in text
    assert (out / "summary.csv").exists() and (out / "plots" / "tick_pattern.png").exists()


def test_report_command_prints_the_table(done_study, capsys):
    _, out = done_study
    assert cli.main(["report", str(out), "--n-boot", "50"]) == 0
    text = capsys.readouterr().out
    assert "[95% CI]" in text and "act_delay=0.5,jitter_ratio=0.3" in text
    assert "degradation_act_delay.png" in text


def test_conflicting_output_directory(done_study, tmp_path, capsys):
    path, out = done_study
    other = tmp_path / "other.toml"
    other.write_text(path.read_text().replace("seed = 1", "seed = 2"))
    assert cli.main(["run", str(other), "--executor", "inline"]) == 2
    assert "holds results of another study" in capsys.readouterr().err


def test_interrupt_exit_code(done_study, monkeypatch, capsys):
    import heron.study.runner as runner

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(runner, "run_study", interrupted)
    assert cli.main(["run", str(done_study[0])]) == cli.INTERRUPTED
    assert "run the same command again to resume" in capsys.readouterr().err


def test_bench_delegates(monkeypatch):
    seen = {}
    fake = types.ModuleType("heron.bench")
    fake.main = lambda argv: seen.setdefault("argv", argv) and 0
    monkeypatch.setitem(sys.modules, "heron.bench", fake)
    assert cli.main(["bench", "--quick", "W1"]) == 0
    assert seen["argv"] == ["--quick", "W1"]


def test_argument_errors(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--episodes", "0"])
    assert e.value.code == 2 and "expected a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["run", "x.toml", "--executor", "mpi"])


def test_run_a_fresh_study_then_resume(tmp_path, capsys):
    path = tmp_path / "s.toml"
    out = tmp_path / "res"
    path.write_text(TOML.format(out=out))
    argv = ["run", str(path), "--executor", "inline", "--quiet",
            "--evaluator", "fake_engine:evaluate"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "ran 10 shard(s), 40 episodes, 80 rows" in text and f"results: {out}" in text
    assert f"next: heron report {out}" in text
    assert cli.main(argv) == 0
    assert "all 10 shard(s) already done" in capsys.readouterr().out


def test_ctrl_c_then_resume(tmp_path):
    """SIGINT to the whole process group (what Ctrl-C in a terminal does) while a process pool
    runs shards: exit code 130, completed shards kept; the same command then finishes the study
    with the same dataset as an uninterrupted run."""
    import signal
    import time

    from heron.analysis import load

    path = tmp_path / "s.toml"
    out = tmp_path / "res"
    path.write_text(TOML.format(out=out).replace("n_episodes = 8", "n_episodes = 80"))
    cmd = [sys.executable, "-m", "heron", "run", str(path), "--executor", "process",
           "--workers", "2", "--quiet", "--evaluator", "fake_engine:evaluate_slow"]
    # no empty entry: an empty PYTHONPATH item means the working directory (the checkout)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (STUDY, os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    manifest = out / "manifest.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_text().count('"shard"') >= 4:
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == cli.INTERRUPTED, err
    assert "run the same command again to resume" in err
    done = manifest.read_text().count('"shard"')
    assert 4 <= done < 2 * 5 * 20 and '"complete"' not in manifest.read_text()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120,
                           cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{done} shard(s) already done" in again.stdout
    ref = tmp_path / "ref.toml"
    ref.write_text(path.read_text().replace(str(out), str(tmp_path / "ref")))
    assert cli.main(["run", str(ref), "--executor", "inline", "--quiet",
                     "--evaluator", "fake_engine:evaluate"]) == 0
    import pandas as pd

    pd.testing.assert_frame_equal(load(tmp_path / "ref"), load(out))


def test_run_on_a_dask_scheduler_address(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    from heron.analysis import load

    path = tmp_path / "s.toml"
    path.write_text(TOML.format(out=tmp_path / "dask"))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        assert cli.main(["run", str(path), "--scheduler", cluster.scheduler_address, "--quiet",
                         "--evaluator", "fake_engine:evaluate"]) == 0
    assert "ran 10 shard(s)" in capsys.readouterr().out
    ref = tmp_path / "ref.toml"
    ref.write_text(TOML.format(out=tmp_path / "ref"))
    assert cli.main(["run", str(ref), "--executor", "inline", "--quiet",
                     "--evaluator", "fake_engine:evaluate"]) == 0
    import pandas as pd

    pd.testing.assert_frame_equal(load(tmp_path / "ref"), load(tmp_path / "dask"))


def test_a_failing_shard_is_reported(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TOML.format(out=tmp_path / "out"))
    assert cli.main(["run", str(path), "--executor", "inline", "--quiet",
                     "--evaluator", "fake_engine:evaluate_broken"]) == 1
    err = capsys.readouterr().err
    assert "shard a/sync/0+4 failed: ValueError: broken engine" in err
    assert "run the same command again to resume" in err
    # an evaluator that cannot be imported is bad input, refused before any shard
    assert cli.main(["run", str(path), "--executor", "inline", "--quiet",
                     "--evaluator", "no_such_module:evaluate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evaluator 'no_such_module:evaluate': cannot import" in err
