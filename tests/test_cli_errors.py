"""Every bad input of the command line gets one line on stderr naming the argument or path, what
was expected and what came (exit 2); ``--debug`` shows the traceback instead. And ``--import``:
importing your module is something you ask for on the command line."""
import errno
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from heron import cli

HERE = os.path.dirname(os.path.abspath(__file__))
STUDY_TESTS = os.path.join(HERE, "study")
if STUDY_TESTS not in sys.path:
    sys.path.insert(0, STUDY_TESTS)

import fake_engine  # noqa: E402

FAKE = ["--executor", "inline", "--quiet", "--evaluator", "fake_engine:evaluate"]


@pytest.fixture
def study(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(fake_engine.STUDY.format(n=4, shard=4))
    return path


def error_of(capsys, argv, code=2) -> str:
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"heron {argv[0]}: error: "), err
    return err


def test_out_that_is_a_file(study, tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    err = error_of(capsys, ["run", str(study), "--out", str(f), *FAKE])
    assert f"output directory '{f}': expected a directory; it is a file" in err
    err = error_of(capsys, ["run", str(study), "--out", str(f / "sub" / "dir"), *FAKE])
    assert f"output directory '{f / 'sub' / 'dir'}': expected a directory path; '{f}' is a " \
           "file" in err


def test_out_on_a_read_only_file_system(study, tmp_path, capsys, monkeypatch):
    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(os, "makedirs", read_only)
    err = error_of(capsys, ["run", str(study), "--out", str(tmp_path / "ro"), *FAKE])
    assert f"output directory '{tmp_path / 'ro'}': cannot create it: it is on a read-only " \
           "file system" in err
    monkeypatch.undo()
    (tmp_path / "ro").mkdir()
    import heron.study.output as output

    monkeypatch.setattr(output, "open", read_only, raising=False)
    err = error_of(capsys, ["run", str(study), "--out", str(tmp_path / "ro"), *FAKE])
    assert "expected a writable directory; cannot write there: it is on a read-only file " \
           "system" in err


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_out_where_the_kernel_refuses(study, capsys):
    err = error_of(capsys, ["run", str(study), "--out", "/proc/self/heron-out", *FAKE])
    assert "output directory '/proc/self/heron-out': cannot create it: " in err


def test_study_file_that_is_a_directory_or_not_utf8(tmp_path, capsys):
    err = error_of(capsys, ["run", str(tmp_path), *FAKE])
    assert f"study file '{tmp_path}': expected a TOML file; it is a directory" in err
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[study]\nname = "caf\xe9"\n')
    err = error_of(capsys, ["run", str(bad), *FAKE])
    assert f"{bad}:2: expected UTF-8 text; byte 0xe9 at offset 19 is not UTF-8" in err


@pytest.fixture
def finished(study, tmp_path):
    from heron.study import run_study

    run_study(str(study), str(tmp_path / "out"), executor="inline",
              evaluator="fake_engine:evaluate", quiet=True)
    return tmp_path / "out"


def test_report_names_a_truncated_shard(finished, capsys):
    recs = [json.loads(x) for x in (finished / "manifest.jsonl").read_text().splitlines()]
    rec = recs[3]
    f = finished / rec["file"]
    f.write_bytes(f.read_bytes()[:-200])
    err = error_of(capsys, ["report", str(finished), "--n-boot", "20"])
    assert f"shard {rec['id']} ({rec['file']}) is damaged: its file has {rec['bytes'] - 200} " \
           f"bytes; the manifest records {rec['bytes']}" in err
    # a dataset written before checksums (no sha256, size as found): pyarrow's ArrowInvalid,
    # named with the file
    recs[3] = {**rec, "bytes": rec["bytes"] - 200}
    recs[3].pop("sha256")
    (finished / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    err = error_of(capsys, ["report", str(finished), "--n-boot", "20"])
    assert f"{f}: a shard of the study cannot be read (" in err


def test_unreachable_dask_scheduler_fails_fast(study, tmp_path, capsys):
    pytest.importorskip("distributed")
    t0 = time.perf_counter()
    err = error_of(capsys, ["run", str(study), "--out", str(tmp_path / "o"), "--scheduler",
                            "tcp://127.0.0.1:9", "--quiet", "--evaluator",
                            "fake_engine:evaluate"])
    assert time.perf_counter() - t0 < 20
    assert "--scheduler tcp://127.0.0.1:9: expected a reachable Dask scheduler address " \
           "(tcp://host:port); none answered within 5 s" in err


def test_bounded_arguments(capsys):
    for argv, text in ((["report", "x", "--n-boot", "1000000000"],
                        "--n-boot: expected an integer from 1 to 100,000; got '1000000000'"),
                       (["run", "x.toml", "--workers", "100000"],
                        "--workers: expected an integer from 1 to 1,024"),
                       (["demo", "--episodes", "10000000000"],
                        "--episodes: expected an integer from 1 to 1,000,000,000")):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 2 and text in capsys.readouterr().err


def test_debug_shows_the_traceback(tmp_path):
    from heron.study import StudySpecError

    for argv in (["--debug", "run", str(tmp_path)], ["run", str(tmp_path), "--debug"]):
        with pytest.raises(StudySpecError, match="it is a directory"):
            cli.main(argv)


def test_an_unexpected_error_is_one_line_too(study, capsys, monkeypatch):
    import heron.study.runner as runner

    def boom(*a, **k):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(runner, "run_study", boom)
    err = error_of(capsys, ["run", str(study), "--out", "x", *FAKE], code=1)
    assert "ZeroDivisionError: division by zero (unexpected; --debug shows the traceback)" in err


# -- --import ------------------------------------------------------------------------------------
MODULE = textwrap.dedent("""\
    import heron
    import fake_engine

    def make_my_env(**kwargs):
        return fake_engine.make_env(**kwargs)

    heron.register("MyStudyEnv-v0", make_my_env)
    mine = fake_engine.policy_b
    """)


def _cmd(*args):
    return [sys.executable, "-m", "heron", "run", *args]


def test_import_makes_a_user_module_s_names_resolvable(tmp_path):
    (tmp_path / "mystudyenv.py").write_text(MODULE)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "otherenv.py").write_text(MODULE.replace("MyStudyEnv-v0", "Other-v0"))
    study = tmp_path / "s.toml"
    study.write_text(fake_engine.STUDY.format(n=6, shard=3)
                     .replace('name = "fake_engine:make_env"', 'name = "MyStudyEnv-v0"')
                     .replace('b = "fake_engine:policy_b"', 'b = "mystudyenv:mine"'))
    # the working directory is not on sys.path (PYTHONSAFEPATH=1, tests/conftest.py): --import
    # makes it importable; the stand-in engine comes from PYTHONPATH
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (STUDY_TESTS, os.environ.get("PYTHONPATH")) if p), PYTHONSAFEPATH="1")
    common = ["--evaluator", "fake_engine:evaluate", "--quiet"]
    out = subprocess.run(_cmd(str(study), "--out", "o1", *common), cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert "no environment is registered as 'MyStudyEnv-v0'" in out.stderr
    assert "--import MODULE" in out.stderr
    out = subprocess.run(_cmd("--import", "mystudyenv", str(study), "--out", "o2", "--executor",
                              "process", "--workers", "2", *common),
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr                 # workers import it too
    assert "ran 24 shard(s)" in out.stdout
    other = tmp_path / "o.toml"
    other.write_text(study.read_text().replace("MyStudyEnv-v0", "Other-v0")
                     .replace("mystudyenv:mine", "otherenv:mine"))
    out = subprocess.run(_cmd("--import", "sub/otherenv.py", str(other), "--out", "o3",
                              "--executor", "inline", *common),
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    from heron.analysis import load

    a, b = load(tmp_path / "o2"), load(tmp_path / "o3")
    assert len(a) == len(b) == 2 * 6 * 6 * 2 and a["return"].equals(b["return"])


def test_import_errors_are_one_line(tmp_path, study, capsys):
    err = error_of(capsys, ["run", "--import", "no_such_module_xyz", str(study), *FAKE])
    assert "--import no_such_module_xyz: no module named 'no_such_module_xyz' in the working " \
           "directory or on sys.path" in err
    err = error_of(capsys, ["run", "--import", "missing/file.py", str(study), *FAKE])
    assert "--import missing/file.py: expected a .py file or a package directory" in err
    (tmp_path / "broken_mod.py").write_text("raise RuntimeError('oops')\n")
    err = error_of(capsys, ["run", "--import", str(tmp_path / "broken_mod.py"), str(study),
                            *FAKE])
    assert "--import broken_mod: importing it failed: RuntimeError: oops" in err
