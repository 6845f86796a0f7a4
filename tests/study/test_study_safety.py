"""Safe studies (issue 12): a study file is data, labels are exact, results are checksummed,
readers never write, plans are sized before they run. (The output-directory lock and the
command-line errors: ``test_study_lock.py`` and ``tests/test_cli_errors.py``.)"""
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import warnings

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

import fake_engine  # noqa: F401 - registers FakeEnv-v0, as a user's module would
import heron
from heron import cli
from heron.analysis import load
from heron.study import (
    Limits, StudyResolveError, StudySpecError, StudyTooLargeError, parse_spec, run_study,
)
from heron.study.dataset import MANIFEST
from heron.study.errors import StudyDataError, StudyDataWarning
from heron.study.grid import parse_label

from fake_engine import STUDY

FAKE = "fake_engine:evaluate"


def run(path, out, **kw):
    kw.setdefault("executor", "inline")
    kw.setdefault("evaluator", FAKE)
    kw.setdefault("quiet", True)
    return run_study(path, str(out), **kw)


def tree(out) -> dict:
    """``{relative path: sha256}`` of every file under ``out`` (what a reader must not touch)."""
    found = {}
    for folder, _, names in os.walk(out):
        for n in names:
            p = os.path.join(folder, n)
            found[os.path.relpath(p, out)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return found


# -- 1. a study file is data -----------------------------------------------------------------
def _study_text(marker, env=None, policy=None, n=4, shard=4):
    text = STUDY.format(n=n, shard=shard)
    if env is not None:
        text = text.replace('name = "fake_engine:make_env"', env.format(marker=marker))
    if policy is not None:
        text = text.replace('a = "fake_engine:policy_a"', policy.format(marker=marker))
    return text


HOSTILE = [
    ('name = "os:system"\nkwargs = {{ command = "touch {marker}" }}', None),
    ('name = "subprocess:run"\nkwargs = {{ args = "touch {marker}", shell = true }}', None),
    ('name = "os:popen"\nkwargs = {{ cmd = "touch {marker}" }}', None),
    (None, 'a = "os:system"'),
    (None, 'a = {{ callable = "subprocess:getoutput" }}'),
    (None, 'a = "fake_engine:not_a_policy"'),
]


@pytest.mark.parametrize("env, policy", HOSTILE)
def test_a_study_file_runs_no_command(tmp_path, env, policy):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.toml"
    path.write_text(_study_text(marker, env, policy))
    with pytest.raises(StudyResolveError) as info:
        run(str(path), tmp_path / "out")
    assert not marker.exists()
    assert not (tmp_path / "out").exists()          # refused before any work
    msg = str(info.value)
    assert "not a registered env factory" in msg or "not a policy object" in msg, msg


def test_the_command_line_runs_no_command_either(tmp_path, fake_env):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.toml"
    path.write_text(_study_text(marker, HOSTILE[1][0], None))
    out = subprocess.run([sys.executable, "-m", "heron", "run", str(path), "--executor", "inline",
                          "--evaluator", FAKE, "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, env=fake_env,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 2 and not marker.exists()
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "environment 'subprocess:run' is a function, not a registered env factory" in out.stderr


def test_make_never_imports_or_calls_what_it_is_given(tmp_path):
    marker = tmp_path / "marker"
    for name in ("os:system", "antigravity:x", "no.such.module:make"):
        with pytest.raises(ValueError, match="no environment is registered"):
            heron.make(name, command=f"touch {marker}")
    assert not marker.exists() and "antigravity" not in sys.modules


def test_a_module_is_never_imported_by_a_study_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(_study_text(None, 'name = "antigravity:make"', None))
    with pytest.raises(StudyResolveError, match=r"module 'antigravity' is not imported, and a "
                                                r"study file never imports code.*--import "
                                                r"antigravity"):
        run(str(path), tmp_path / "out")
    assert "antigravity" not in sys.modules


def test_a_factory_must_return_a_batch_env(tmp_path):
    heron.register("NotAnEnv-v0", lambda **kw: {"built": kw}, override=True)
    path = tmp_path / "s.toml"
    path.write_text(_study_text(None, 'name = "NotAnEnv-v0"', None))
    with pytest.raises(StudyResolveError, match=r"returned a dict; expected a "
                                                r"heron\.batch\.BatchEnv"):
        run(str(path), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_registered_ids_aliases_and_import_paths_resolve(tmp_path):
    for name in ("FakeEnv-v0", "fake_engine:make_env"):
        path = tmp_path / f"{name.replace(':', '_')}.toml"
        path.write_text(_study_text(None, f'name = "{name}"', None))
        assert run(str(path), tmp_path / name.replace(":", "_")).shards_run == 2 * 6


# -- 2. labels -------------------------------------------------------------------------------
GRID_HEAD = STUDY.split("[timing]")[0].format(n=4, shard=4) + '[timing]\nbase = "w1"\n'


def test_values_alike_under_g_get_distinct_exact_labels(tmp_path):
    text = GRID_HEAD + "[timing.grid]\nact_delay = [0.1, 0.1000001, 0.30000000000000004, 0.3]\n"
    spec = parse_spec(text, path="t.toml")
    labels = [s.label for s in spec.scenarios]
    assert labels == ["act_delay=0.1", "act_delay=0.1000001", "act_delay=0.30000000000000004",
                      "act_delay=0.3"]
    for s in spec.scenarios:
        assert parse_label(s.label) == s.axes           # exact round trip
    path = tmp_path / "s.toml"
    path.write_text(text)
    run(str(path), tmp_path / "out")
    df = load(tmp_path / "out")
    assert df.groupby("scenario").size().to_dict() == {**{lab: 2 * 4 * 2 for lab in labels},
                                                       "sync": 2 * 4 * 2}
    for lab in labels:
        assert (df.loc[df["scenario"] == lab, "act_delay"] == parse_label(lab)["act_delay"]).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e6, allow_nan=False), min_size=1,
                max_size=6, unique=True))
def test_labels_are_unique_and_round_trip(values):
    values = [v + 0.0 for v in values]
    if len(set(values)) != len(values):
        return
    spec = parse_spec(GRID_HEAD + f"[timing.grid]\nobs_delay = {[float(v) for v in values]!r}\n")
    labels = [s.label for s in spec.scenarios]
    assert len(set(labels)) == len(labels)
    assert [parse_label(lab)["obs_delay"] for lab in labels] == values


def test_names_over_the_file_system_limit_are_refused_at_parse():
    long_policy = STUDY.format(n=4, shard=4).replace('a = "fake_engine:policy_a"',
                                                     f'{"p" * 250} = "fake_engine:policy_a"')
    with pytest.raises(StudySpecError, match=r"policies\.p+: the policy name makes a 257-byte "
                                             r"directory name .* allow 255"):
        parse_spec(long_policy, path="t.toml")
    v = "[0.30000000000000004]"
    axes = "".join(f"{f} = {v}\n" for f in ("obs_delay", "act_delay", "msg_delay", "min_delay"))
    text = GRID_HEAD + f"[timing.grid.field]\n{axes}[timing.grid.coordinator]\n{axes}"
    with pytest.raises(StudySpecError, match=r"makes a \d+-byte directory name; file systems "
                                             r"allow 255"):
        parse_spec(text, path="t.toml")


def test_a_huge_grid_is_refused_before_it_is_enumerated():
    vals = repr([round(0.01 * i, 2) for i in range(1, 41)])
    fields = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "min_delay", "jitter_ratio")
    text = GRID_HEAD.replace('base = "w1"', 'base = "w1"') + "[timing.grid.field]\n" + \
        "".join(f"{f} = {vals}\n" for f in fields) + \
        f"[timing.grid.coordinator]\nobs_delay = {vals}\nact_delay = {vals}\n"
    t0 = time.perf_counter()
    with pytest.raises(StudySpecError, match=r"6,553,600,000,000 scenarios \(40 \(field_tick_"
                                             r"interval\) x 40 .*at most 100,000"):
        parse_spec(text, path="t.toml")
    assert time.perf_counter() - t0 < 2.0


# -- 3. checksums ----------------------------------------------------------------------------
@pytest.fixture
def done(study_file, tmp_path):
    """A finished study and a reference copy of it."""
    path = study_file(n=10, shard=5)
    run(path, tmp_path / "out")
    run(path, tmp_path / "ref")
    return path, tmp_path / "out", tmp_path / "ref"


def _flip(path, n=8, at=None):
    data = bytearray(path.read_bytes())
    mid = len(data) // 2 if at is None else at
    for k in range(n):
        data[mid + k] ^= 0xFF
    path.write_bytes(bytes(data))


def test_each_commit_records_the_file_s_checksum(done):
    _, out, _ = done
    recs = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines()]
    shards = [r for r in recs if r["type"] == "shard"]
    assert len(shards) == 2 * 6 * 2
    for r in shards:
        data = (out / r["file"]).read_bytes()
        assert r["bytes"] == len(data) and r["sha256"] == hashlib.sha256(data).hexdigest()


def test_flipped_bytes_are_found_by_load_report_and_resume(done, capsys):
    path, out, ref = done
    rec = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines()][5]
    _flip(out / rec["file"])
    before = tree(out)
    with pytest.raises(StudyDataError, match=re.escape(f"shard {rec['id']} ({rec['file']}) is "
                                                       "damaged: checksum mismatch")):
        load(out)
    # a filter that prunes the damaged shard's partition reads (and checks) only the others
    other = {"a": "b", "b": "a"}[rec["id"].split("/")[0]]
    assert set(load(out, filters={"policy": other})["policy"]) == {other}
    assert cli.main(["report", str(out), "--n-boot", "20"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"shard {rec['id']}" in err and "checksum mismatch" in err
    assert tree(out) == before                              # readers never write
    again = run(path, out)
    assert again.shards_run == 1 and [w for w, _ in again.repaired] == [f"shard {rec['id']}"]
    pd.testing.assert_frame_equal(load(ref), load(out))
    assert (out / rec["file"]).read_bytes() == (ref / rec["file"]).read_bytes()


def test_parquet_page_checksums_catch_what_the_file_checksum_is_not_asked_for(done):
    _, out, _ = done
    rec = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines()][3]
    f = out / rec["file"]
    col = pq.ParquetFile(f).metadata.row_group(0).column(5)       # "return": float64, plain
    assert col.path_in_schema == "return"
    _flip(f, n=8, at=col.data_page_offset + col.total_compressed_size // 2)
    with pytest.raises(StudyDataError, match=re.escape(str(f)) + r": a shard of the study cannot "
                                             r"be read \(OSError: .*CRC checksum verification "
                                             r"failed"):
        load(out, verify_checksums=False)


def test_a_truncated_shard_is_named(done):
    _, out, _ = done
    rec = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines()][2]
    f = out / rec["file"]
    f.write_bytes(f.read_bytes()[:-100])
    with pytest.raises(StudyDataError, match=re.escape(
            f"{rec['id']} ({rec['file']}) is damaged: its file has {rec['bytes'] - 100} bytes; "
            f"the manifest records {rec['bytes']}")):
        load(out)


# -- 4. readers never write; resume repairs ----------------------------------------------------
def test_a_damaged_manifest_line_is_reported_and_repaired(done, capsys):
    path, out, ref = done
    lines = (out / MANIFEST).read_text().splitlines(keepends=True)
    lost = json.loads(lines[4])
    lines[4] = "garbage {\n"
    (out / MANIFEST).write_text("".join(lines))
    before = tree(out)
    with pytest.warns(StudyDataWarning, match=r"manifest.jsonl:5: damaged manifest line"):
        df = load(out)
    assert len(df) == len(load(ref)) - 5 * 2 and lost["id"] not in set(
        df["policy"] + "/" + df["scenario"])
    assert cli.main(["report", str(out), "--n-boot", "20", "--quiet"]) == 0
    assert "manifest.jsonl:5: damaged manifest line (not JSON)" in capsys.readouterr().err
    now = tree(out)
    assert {k: v for k, v in now.items() if k in before} == before   # manifest, data untouched
    again = run(path, out)
    assert again.repaired == [("manifest line 5", "not JSON")] and again.shards_run == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_frame_equal(load(ref), load(out))


def test_a_damaged_header_is_repaired_from_the_files_provenance(done):
    path, out, ref = done
    lines = (out / MANIFEST).read_text().splitlines(keepends=True)
    (out / MANIFEST).write_text("\x00\x00\n" + "".join(lines[1:]))
    with pytest.raises(StudyDataError, match=r"manifest.jsonl:1: the manifest's header line is "
                                             r"damaged"):
        load(out)
    again = run(path, out)
    assert again.shards_run == 0 and again.repaired[0][0] == "manifest line 1 (header)"
    pd.testing.assert_frame_equal(load(ref), load(out))


# -- 6. plans are sized before they run --------------------------------------------------------
def test_absurd_episode_counts_are_refused_quickly(study_file, tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(STUDY.format(n=10 ** 15, shard=50_000))
    t0 = time.perf_counter()
    with pytest.raises(StudyTooLargeError, match=r"is too large: 240,000,000,000 shards \(limit "
                                                 r"1,000,000; raise shard_size\); about "
                                                 r"24,000,000,000,000,000 rows \(limit "
                                                 r"1,000,000,000\); about 1,200\.0 PB on disk"):
        run(str(path), tmp_path / "out")
    with pytest.raises(StudyTooLargeError, match=r"shards \(limit 1,000,000; raise shard_size\); "
                                                 r"reduce n_episodes or the grid$"):
        run(str(path), tmp_path / "out", allow_large=True)       # hard limits stay
    assert time.perf_counter() - t0 < 5.0 and not (tmp_path / "out").exists()


def test_soft_limits_are_lifted_by_allow_large(study_file, tmp_path):
    path = study_file(n=10, shard=5)
    with pytest.raises(StudyTooLargeError, match=r"about 240 rows \(limit 100\); reduce "
                                                 r"n_episodes or the grid, or pass --allow-large"):
        run(path, tmp_path / "out", limits=Limits(rows=100))
    assert not (tmp_path / "out").exists()
    r = run(path, tmp_path / "out", limits=Limits(rows=100), allow_large=True)
    assert r.shards_run == 24 and r.plan.rows == 240 and r.plan.episodes == 120


def test_a_tiny_tick_is_refused_not_a_memory_error(tmp_path):
    path = tmp_path / "tick.toml"
    path.write_text(GRID_HEAD.replace("horizon = 20.0", "horizon = 1e6") +
                    "[timing.grid]\ntick_interval = [1e-9]\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # the scheduler's note on its 1 ms floor
        with pytest.raises(StudyTooLargeError, match=r"about 7e\+09 engine events per episode "
                                                     r"\(scenario 'tick_interval=1e-09': horizon / "
                                                     r"tick interval\) \(limit 1e\+08\)"):
            run(str(path), tmp_path / "out")


def test_not_enough_disk_space_is_refused(study_file, tmp_path, monkeypatch):
    import heron.study.plan as plan

    monkeypatch.setattr(plan, "_free_bytes", lambda path: 1000)
    with pytest.raises(StudyTooLargeError, match=r"about 12\.\d kB to write but 1\.0 kB free in"):
        run(study_file(n=10, shard=5), tmp_path / "out")
    assert not (tmp_path / "out" / "data").exists()
