"""Plots (PNG, Agg) and the report of a study."""
import numpy as np
import pytest

from heron.analysis import interaction, load, sensitivity
from heron.analysis.plots import (
    axis_label, plot_degradation, plot_gap_heatmap, plot_tick_pattern, tick_pattern,
)
from heron.analysis.report import markdown_table, write_report
from heron.scheduling.presets import scada
from heron.scheduling.tick_config import TickConfig


def png_shape(path):
    import matplotlib.image as mpimg

    return mpimg.imread(path).shape


def test_degradation_and_heatmap_pngs(study_dir, tmp_path):
    df = load(study_dir)
    curve = sensitivity(df, "act_delay", n_boot=50)
    p = plot_degradation(curve, "act_delay", str(tmp_path / "d.png"))
    h, w, _ = png_shape(p)
    assert w > 600 and h > 300
    grid = interaction(df, "act_delay", "jitter_ratio", policy="a", n_boot=50)
    assert png_shape(plot_gap_heatmap(grid, str(tmp_path / "h.png")))[1] > 300


def test_tick_pattern_follows_the_timing():
    pattern = tick_pattern({"det": TickConfig.deterministic(1.0, act_delay=0.25),
                            "scada": scada("field", seed=3)}, t_end=10.0)
    ticks, effects = pattern["det"]
    np.testing.assert_allclose(ticks, np.arange(11.0))
    np.testing.assert_allclose(effects, np.arange(10.0) + 0.25)
    sticks, seffects = pattern["scada"]
    assert np.all(np.diff(seffects) >= 0)                # first-in first-out commands
    assert len(seffects) <= len(sticks) and np.all(seffects[:len(sticks)] >= sticks[:len(seffects)])


def test_tick_pattern_png(tmp_path):
    p = plot_tick_pattern({"battery_1 (1s)": TickConfig.with_jitter(1.0, 0.05, 0.1, seed=42),
                           "microgrid_1 (5s)": TickConfig.with_jitter(5.0, 0.2, 0.5, seed=43)},
                          str(tmp_path / "t.png"))
    assert png_shape(p)[1] >= 1200


def test_axis_labels_have_units():
    assert axis_label("act_delay") == "action delay (s)"
    assert axis_label("coordinator_obs_delay") == "coordinator observation delay (s)"
    assert "ratio" in axis_label("tick_ratio")


def test_report_files(study_dir, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(study_dir, out)
    r = write_report(str(out), n_boot=50)
    names = sorted(p.split("/")[-1] for p in r["plots"])
    assert names == ["degradation_act_delay.png", "degradation_jitter_ratio.png",
                     "gap_heatmap_a.png", "gap_heatmap_b.png", "tick_pattern.png"]
    text = open(r["report"]).read()
    assert "# Study `analysis`" in text and "## Where it breaks" in text
    assert "![tick_pattern.png](plots/tick_pattern.png)" in text
    assert "| a | scada |" in text
    import pandas as pd

    csv = pd.read_csv(r["summary_csv"])
    assert len(csv) == 16 and {"gap_pct", "gap_ci_low", "iqm", "ci_high"} <= set(csv.columns)


def test_markdown_table():
    import pandas as pd

    t = markdown_table(pd.DataFrame({"a": [1.23456, float("nan")], "b": ["x", "y"]}))
    assert t.splitlines() == ["| a | b |", "|---|---|", "| 1.235 | x |", "|  | y |"]


def test_report_of_an_incomplete_study_warns(study_dir, tmp_path):
    import shutil

    out = tmp_path / "partial"
    shutil.copytree(study_dir, out)
    lines = (out / "manifest.jsonl").read_text().splitlines(keepends=True)
    (out / "manifest.jsonl").write_text("".join(lines[:-4]))   # drop "complete" + 3 shards
    r = write_report(str(out), n_boot=20)
    assert "incomplete" in r["warning"]
    assert "**Warning: the study is incomplete" in open(r["report"]).read()
