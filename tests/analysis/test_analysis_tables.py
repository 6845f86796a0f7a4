"""load / summarize / sensitivity / interaction / staleness on a study dataset."""
import numpy as np
import pandas as pd
import pytest

from heron.analysis import (
    dataset, episode_table, interaction, load, provenance, scenarios, sensitivity, staleness,
    summarize,
)


def test_load_sorted_typed_and_complete(study_dir):
    df = load(study_dir)
    assert len(df) == 2 * 8 * 60 * 2
    keys = ["policy", "scenario", "seed", "episode", "agent_index"]
    assert df.equals(df.sort_values(keys, ignore_index=True))
    assert df["return"].dtype == np.float64 and df["episode"].dtype == np.int64
    assert set(df["mode"]) == {"sync", "event"}


def test_filters_prune_partitions(study_dir):
    ds = dataset(study_dir)
    import pyarrow.compute as pc

    frags = list(ds.get_fragments(filter=pc.field("policy") == "a"))
    assert len(frags) == len(list(ds.get_fragments())) // 2
    one = load(study_dir, filters={"policy": "a", "scenario": ["sync", "scada"]})
    assert set(zip(one["policy"], one["scenario"])) == {("a", "sync"), ("a", "scada")}
    rows = load(study_dir, filters=[("act_delay", ">=", 0.5), ("policy", "==", "b")])
    assert set(rows["act_delay"]) == {0.5, 1.0} and set(rows["policy"]) == {"b"}
    with pytest.raises(TypeError, match="filters must be"):
        load(study_dir, filters="policy == a")


def test_not_a_study(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a heron study directory"):
        load(tmp_path)


def test_summarize_matches_a_direct_computation(study_dir):
    df = load(study_dir)
    s = summarize(df, n_boot=300)
    assert len(s) == 2 * 8
    row = s[(s["policy"] == "a") & (s["scenario"] == "act_delay=1,jitter_ratio=0.2")].iloc[0]
    ep = df[(df["policy"] == "a") & (df["scenario"] == "act_delay=1,jitter_ratio=0.2")]
    per_ep = ep.groupby("episode")["return"].sum()
    sync = df[(df["policy"] == "a") & (df["mode"] == "sync")].groupby("episode")["return"].sum()
    assert row["n_episodes"] == 60
    assert row["mean"] == pytest.approx(per_ep.mean())
    assert row["std"] == pytest.approx(per_ep.std(ddof=1))
    assert row["baseline_mean"] == pytest.approx(sync.mean())
    assert row["gap_pct"] == pytest.approx(100 * (sync.mean() - per_ep.mean()) / abs(sync.mean()))
    assert row["gap_ci_low"] < row["gap_pct"] < row["gap_ci_high"]
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    assert row["act_delay"] == 1.0 and row["jitter_ratio"] == 0.2 and row["mode"] == "event"
    syncrow = s[(s["scenario"] == "sync")].iloc[0]
    assert syncrow["gap_pct"] == 0.0 and syncrow["gap_ci_low"] == 0.0
    assert summarize(df, n_boot=300).equals(s)                       # reproducible


def test_summarize_per_agent_and_without_baseline(study_dir):
    df = load(study_dir, filters={"policy": "a"})
    per_agent = summarize(df, by=("policy", "scenario", "agent"), n_boot=100)
    assert len(per_agent) == 8 * 2 and (per_agent["n_episodes"] == 60).all()
    total = summarize(df, n_boot=100).set_index("scenario")["mean"]
    sums = per_agent.groupby("scenario")["mean"].sum()
    pd.testing.assert_series_equal(sums.sort_index(), total.sort_index(), check_names=False)
    no_sync = summarize(df[df["mode"] == "event"], n_boot=100)
    assert no_sync["gap_pct"].isna().all() and no_sync["ci_low"].notna().all()


def test_pairing_is_by_episode(study_dir):
    df = load(study_dir, filters={"policy": "a"})
    ep = episode_table(df, ("policy", "scenario"))
    sync = ep[ep["scenario"] == "sync"]
    assert (sync["value"] == sync["baseline"]).all()
    assert ep["baseline"].notna().all()


def test_sensitivity_curve(study_dir):
    df = load(study_dir)
    curve = sensitivity(df, "act_delay", n_boot=200)
    assert list(curve.columns[:3]) == ["policy", "jitter_ratio", "act_delay"]
    assert len(curve) == 2 * 2 * 3
    one = curve[(curve["policy"] == "a") & (curve["jitter_ratio"] == 0.2)]
    assert list(one["act_delay"]) == [0.0, 0.5, 1.0]
    assert one["gap_pct"].is_monotonic_increasing          # the stand-in degrades with delay
    # the same cells give exactly the summary table's intervals
    s = summarize(df, n_boot=200)
    ref = s[(s["policy"] == "a") & (s["scenario"] == "act_delay=0.5,jitter_ratio=0.2")].iloc[0]
    got = one[one["act_delay"] == 0.5].iloc[0]
    assert (got["gap_ci_low"], got["gap_ci_high"]) == (ref["gap_ci_low"], ref["gap_ci_high"])
    pinned = sensitivity(df, "act_delay", at={"jitter_ratio": 0.0}, n_boot=50)
    assert "jitter_ratio" not in pinned.columns[:2] and len(pinned) == 2 * 3
    with pytest.raises(ValueError, match=r"axis 'tick' is not a timing axis.*\['act_delay', "
                                         r"'jitter_ratio'\]"):
        sensitivity(df, "tick")


def test_interaction_grid(study_dir):
    df = load(study_dir)
    grid = interaction(df, "act_delay", "jitter_ratio", policy="b", n_boot=50)
    assert grid.shape == (3, 2)
    assert list(grid.index) == [0.0, 0.5, 1.0] and list(grid.columns) == [0.0, 0.2]
    s = summarize(df, n_boot=50)
    ref = s[(s["policy"] == "b") & (s["scenario"] == "act_delay=0.5,jitter_ratio=0.2")]
    assert grid.loc[0.5, 0.2] == pytest.approx(ref["gap_pct"].iloc[0])
    with pytest.raises(ValueError, match=r"policies \['a', 'b'\]; choose one"):
        interaction(df, "act_delay", "jitter_ratio")
    with pytest.raises(ValueError, match="must differ"):
        interaction(df, "act_delay", "act_delay", policy="a")


def test_staleness_and_metadata(study_dir):
    df = load(study_dir)
    st = staleness(df)
    scada = st[(st["policy"] == "a") & (st["scenario"] == "scada")].iloc[0]
    assert scada["obs_staleness_mean"] == pytest.approx(2.0)   # the stand-in reports obs_delay
    assert scada["obs_staleness_max"] == pytest.approx(3.0)
    assert provenance(study_dir)["seed"] == 5
    sc = scenarios(study_dir)
    assert list(sc["scenario"])[:2] == ["sync", "act_delay=0,jitter_ratio=0"]


def test_tables_reuse_a_summary_with_the_same_numbers(study_dir):
    df = load(study_dir)
    s = summarize(df, n_boot=100)
    direct = sensitivity(df, "jitter_ratio", n_boot=100)
    reused = sensitivity(df, "jitter_ratio", n_boot=100, summary=s)
    pd.testing.assert_frame_equal(direct, reused, check_dtype=False)
    g1 = interaction(df, "act_delay", "jitter_ratio", policy="a", n_boot=100)
    g2 = interaction(df, "act_delay", "jitter_ratio", policy="a", n_boot=100, summary=s)
    pd.testing.assert_frame_equal(g1, g2)


def test_metric_columns_follow_the_dataset(study_dir):
    """The stand-in env declares one metric, ``violation_s``: it is carried (summed over the
    episode's agents, averaged per cell), never taken for a timing axis."""
    from heron.analysis import axis_columns, metric_columns
    from heron.analysis.summarize import SUMMARY_COLUMNS, summary_columns

    df = load(study_dir)
    assert metric_columns(df) == ["violation_s"]
    assert axis_columns(df) == ["act_delay", "jitter_ratio"]
    s = summarize(df, n_boot=50)
    assert list(s.columns[:2 + len(SUMMARY_COLUMNS) + 1]) == [
        "policy", "scenario", *SUMMARY_COLUMNS, "violation_s"]
    assert summary_columns(df) == [*SUMMARY_COLUMNS, "violation_s"]
    assert "time_outside_band" not in s.columns
    cell = df[(df["policy"] == "b") & (df["scenario"] == "scada")]
    row = s[(s["policy"] == "b") & (s["scenario"] == "scada")].iloc[0]
    assert row["violation_s"] == pytest.approx(cell.groupby("episode")["violation_s"].sum().mean())
    # a frame that lost the recorded names (built by hand, or an older dataset): the same columns
    bare = df.copy()
    bare.attrs.clear()
    assert metric_columns(bare) == ["violation_s"] and axis_columns(bare) == axis_columns(df)
    pd.testing.assert_frame_equal(summarize(bare, n_boot=50), s)
    # only the columns read
    some = load(study_dir, columns=["seed", "episode", "return", "mode"])
    assert metric_columns(some) == [] and axis_columns(some) == []


def test_metric_named_like_a_summary_column_is_refused(study_dir):
    df = load(study_dir, filters={"policy": "a"}).rename(columns={"violation_s": "mean"})
    df.attrs["heron_metrics"] = ["mean"]
    with pytest.raises(ValueError, match=r"metric column\(s\) \['mean'\] have the name of a "
                                         r"summary column"):
        summarize(df, n_boot=10)
