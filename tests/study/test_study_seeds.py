"""Seeds as replicates: ``seeds = [...]`` / ``n_seeds`` in study files, shards per seed (ids,
files, resume), plan sizing, and a real battery study whose report shows the between-seed
spread."""
import os

import pandas as pd
import pytest

import fake_engine
from heron.analysis import load
from heron.study import StudySpecError, parse_spec, run_study
from heron.study.plan import Limits, StudyTooLargeError, check_plan, size_plan
from heron.study.shards import plan_shards

FAKE = "fake_engine:evaluate"


def text(seeds="seed = 11", n=6, shard=4):
    return fake_engine.STUDY.format(n=n, shard=shard).replace("seed = 11", seeds)


def run(spec_text, out, **kw):
    kw.setdefault("executor", "inline")
    kw.setdefault("evaluator", FAKE)
    kw.setdefault("quiet", True)
    return run_study(parse_spec(spec_text, path="s.toml"), str(out), **kw)


def test_seed_list_count_and_single_seed():
    one = parse_spec(text())
    assert one.seeds == (11,) and one.seed == 11 and not one.multi_seed
    listed = parse_spec(text("seeds = [11, 12, 13]"))
    counted = parse_spec(text("seed = 11\nn_seeds = 3"))
    assert listed.seeds == counted.seeds == (11, 12, 13) and listed.seed == 11
    assert listed.fingerprint() == counted.fingerprint() != one.fingerprint()
    assert listed.to_dict()["seeds"] == [11, 12, 13]
    # seed = N and n_seeds = 1 are today's study: same document, same fingerprint
    same = parse_spec(text("seed = 11\nn_seeds = 1"))
    assert same.fingerprint() == one.fingerprint() and "seeds" not in one.to_dict()
    assert parse_spec(text("n_seeds = 2")).seeds == (0, 1)
    seven = parse_spec(text("seed = 7")).fingerprint()
    assert parse_spec(text("seeds = [7]")).fingerprint() == seven


@pytest.mark.parametrize("line, words", [
    ("seeds = []", "non-empty array"),
    ("seeds = 3", "non-empty array"),
    ("seeds = [1, 1]", "distinct"),
    ("seeds = [1, -2]", "non-negative"),
    ("seeds = [1.5]", "non-negative integers"),
    ("seeds = [true]", "non-negative integers"),
    ("seeds = [1, 2]\nseed = 4", "either seeds"),
    ("seeds = [1, 2]\nn_seeds = 2", "either seeds"),
    ("n_seeds = 0", "between 1 and"),
    ("n_seeds = 2.0", "positive integer"),
    ("seed = 9223372036854775807\nn_seeds = 2", "exceeds"),
])
def test_bad_seeds_name_the_key_and_line(line, words):
    with pytest.raises(StudySpecError, match=words) as err:
        parse_spec(text(line), path="s.toml")
    assert str(err.value).startswith("s.toml:")


def test_shards_per_seed_include_the_seed():
    spec = parse_spec(text("seeds = [1, 2, 3]", n=6, shard=4))
    shards = plan_shards(spec)
    cells = len(spec.policies) * len(spec.all_scenarios())
    assert len(shards) == cells * 3 * 2
    assert len({s.id for s in shards}) == len({s.file for s in shards}) == len(shards)
    first = shards[0]
    assert first.id == "a/sync/seed=1/0+4" and first.seed == 1
    assert first.file.endswith("part-s1-0000000000-0000000004.parquet")
    assert [(s.seed, s.start) for s in shards[:6]] == [(1, 0), (1, 4), (2, 0), (2, 4), (3, 0),
                                                       (3, 4)]
    # one seed: the ids and files a study had before seeds were a list (resume keeps working)
    single = plan_shards(parse_spec(text(n=6, shard=4)))[0]
    assert single.id == "a/sync/0+4" and single.file.endswith("part-0000000000-0000000004.parquet")


def test_plan_counts_seeds():
    env = fake_engine.make_env()
    one = size_plan(parse_spec(text(n=6, shard=4)), env)
    three = size_plan(parse_spec(text("seeds = [1, 2, 3]", n=6, shard=4)), env)
    assert three.cells == one.cells and three.seeds == 3 and one.seeds == 1
    assert (three.episodes, three.shards, three.rows) == (3 * one.episodes, 3 * one.shards,
                                                          3 * one.rows)
    assert three.events_est == pytest.approx(3 * one.events_est)
    assert three.seconds_est == pytest.approx(3 * one.seconds_est)
    assert three.shard_rows == one.shard_rows and three.episodes_per_seed == 6
    assert "x 3 seeds x 6 episodes" in three.describe() and "seeds" not in one.describe()
    with pytest.raises(StudyTooLargeError, match="rows"):
        check_plan(three, Limits(rows=one.rows * 2))
    check_plan(one, Limits(rows=one.rows * 2))


def test_multi_seed_dataset_and_resume(tmp_path):
    r = run(text("seeds = [1, 2, 3]", n=6, shard=4), tmp_path / "out")
    assert r.shards_run == r.shards_total == 2 * 6 * 3 * 2 and r.episodes_run == 2 * 6 * 3 * 6
    df = load(tmp_path / "out")
    assert sorted(df["seed"].unique()) == [1, 2, 3]
    per = df.groupby(["policy", "scenario", "seed"])["episode"].agg(["nunique", "min", "max"])
    assert (per["nunique"] == 6).all() and (per["min"] == 0).all() and (per["max"] == 5).all()
    # each seed's rows are that seed's one-seed study, whatever the shard size
    alone = run(text("seed = 2", n=6, shard=6), tmp_path / "two")
    assert alone.shards_total == 2 * 6
    two = load(tmp_path / "two")
    sub = df[df["seed"] == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(sub, two, check_categorical=False)
    # resume: nothing to do; a damaged shard of one seed reruns alone
    again = run(text("seeds = [1, 2, 3]", n=6, shard=4), tmp_path / "out")
    assert again.shards_run == 0 and again.shards_skipped == r.shards_total
    victim = next(p for p in sorted((tmp_path / "out" / "data").rglob("part-s3-*.parquet")))
    victim.write_bytes(b"damaged")
    fixed = run(text("seeds = [1, 2, 3]", n=6, shard=4), tmp_path / "out")
    assert fixed.shards_run == 1 and len(fixed.repaired) == 1
    pd.testing.assert_frame_equal(load(tmp_path / "out"), df)


def test_changing_the_seeds_is_another_study(tmp_path):
    from heron.study import StudyConflictError

    run(text("seeds = [1, 2]", n=4, shard=4), tmp_path / "out")
    with pytest.raises(StudyConflictError):
        run(text("seeds = [1, 2, 3]", n=4, shard=4), tmp_path / "out")


BATTERY = """\
[study]
name = "battery-seeds"
seeds = [1, 2, 3]
n_episodes = 12
horizon = 10.0
output = "{out}"

[environment]
name = "battery_fleet"
kwargs = {{ n_batteries = 2 }}

[policies]
simple = "simple"

[timing]
base = "w1"
[timing.grid]
act_delay = [0.5]
"""


def test_battery_study_with_three_seeds_reports_the_spread(tmp_path, capsys):
    pytest.importorskip("heron.batch")
    from heron import cli

    out = tmp_path / "out"
    path = tmp_path / "battery.toml"
    path.write_text(BATTERY.format(out=out.as_posix()))
    assert cli.main(["run", str(path), "--executor", "inline", "--report", "--n-boot", "100"]) == 0
    printed = capsys.readouterr().out
    assert "x 3 seeds x 12 episodes" in printed and "between seeds (sd)" in printed
    df = load(out)
    assert sorted(df["seed"].unique()) == [1, 2, 3]
    assert df.groupby(["scenario", "seed"])["episode"].nunique().eq(12).all()
    # the seeds are different replicates: per-seed mean returns differ
    means = df[df["mode"] == "sync"].groupby("seed")["return"].mean()
    assert means.nunique() == 3
    report = (out / "report.md").read_text()
    assert "3 seeds (1, 2, 3) as replicates" in report and "## Between seeds" in report
    assert "sd of per-seed mean return" in report and "Per seed:" in report
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["n_seeds"] == 3).all() and (summary["seed_sd"] > 0).all()
    event = summary[summary["scenario"] != "sync"].iloc[0]
    assert event["seed_gap_sd"] > 0
    by_seed = pd.read_csv(out / "summary_by_seed.csv")
    assert len(by_seed) == 2 * 3 and sorted(by_seed["seed"].unique()) == [1, 2, 3]
    assert by_seed[["ci_low", "ci_high", "gap_ci_low", "gap_ci_high"]].notna().all().all()
    assert os.path.exists(out / "plots" / "scenarios.png")
