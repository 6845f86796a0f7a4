"""Plots (PNG, Agg) and the report of a study."""
import numpy as np
import pytest

from heron.analysis import interaction, load, sensitivity
from heron.analysis.plots import (
    axis_label, default_window, plot_degradation, plot_gap_heatmap, plot_scenarios,
    plot_tick_pattern, scenario_kinds, tick_pattern, value_text,
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


def test_axis_labels_are_plain_with_units():
    assert axis_label("act_delay") == "action delay (s)"
    assert axis_label("coordinator_obs_delay") == "coordinator observation delay (s)"
    assert axis_label("jitter_ratio") == "jitter (fraction of the base value)"
    assert axis_label("tick_ratio") == "coordinator tick (in field ticks)"
    assert value_text("field_act_delay", 15.0) == "field action delay 15 s"
    assert value_text("jitter_ratio", 0.2) == "jitter 0.2"


def test_report_files(study_dir, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(study_dir, out)
    r = write_report(str(out), n_boot=50)
    names = sorted(p.split("/")[-1] for p in r["plots"])
    assert names == ["degradation_act_delay.png", "degradation_jitter_ratio.png",
                     "gap_heatmap_a.png", "gap_heatmap_b.png", "scenarios.png",
                     "tick_pattern.png"]
    text = open(r["report"]).read()
    assert "# Study `analysis`" in text and "## Where it breaks" in text
    assert "![tick_pattern.png](plots/tick_pattern.png)" in text
    assert "| a | scada |" in text
    assert "| a | sync | 60 |" in text and "(the baseline)" in text
    assert "loses " in text and "loss vs sync %" not in text
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


def test_tick_window_follows_the_time_scale(tmp_path):
    """A 60 s system shows ten of its ticks (600 s), not one bar in a fixed 10 s window."""
    heating = {"tick_interval=60,jitter_ratio=0.4,act_delay=15 (field)":
               TickConfig.with_jitter(60.0, 2.0, 15.0, seed=1),
               "tick_interval=60,jitter_ratio=0,act_delay=1.5 (field)":
               TickConfig.deterministic(60.0, 2.0, 1.5)}
    assert default_window(heating) == 600.0
    assert default_window([TickConfig.deterministic(1.0), scada("coordinator")]) == 600.0
    # a 1:300 hierarchy: at most 600 ticks of the fast agent, never past the horizon
    slow = [TickConfig.deterministic(60.0), TickConfig.deterministic(18000.0)]
    assert default_window(slow) == 36000.0
    assert default_window(slow, horizon=21600.0) == 21600.0
    ticks, effects = tick_pattern(heating)["tick_interval=60,jitter_ratio=0,act_delay=1.5 (field)"]
    np.testing.assert_allclose(ticks, np.arange(0.0, 601.0, 60.0))
    np.testing.assert_allclose(effects, np.arange(0.0, 600.0, 60.0) + 1.5)
    h, w, _ = png_shape(plot_tick_pattern(heating, str(tmp_path / "t60.png")))
    assert w >= 1200 and h >= 250


def _three_axis_study(tmp_path, extra_axis=""):
    from heron.study import parse_spec, run_study

    toml = f"""
[study]
name = "three axes"
seed = 3
n_episodes = 20
[environment]
name = "fake_engine:make_env"
[policies]
a = "fake_engine:policy_a"
[timing]
base = "w1"
presets = ["scada"]
[timing.grid]
act_delay = [0.0, 0.5]
jitter_ratio = [0.0, 0.2]
obs_delay = [0.05, 0.5]
{extra_axis}
"""
    out = tmp_path / "out"
    run_study(parse_spec(toml, path="three.toml"), str(out), executor="inline",
              evaluator="fake_engine:evaluate", quiet=True)
    return out


def test_heatmap_facets_a_third_axis_and_states_a_fourth(tmp_path, monkeypatch):
    import heron.analysis.report as report

    calls = []
    real = report.plot_gap_heatmap

    def spy(grid, path, *, title=None):
        calls.append((grid, title))
        return real(grid, path, title=title)

    monkeypatch.setattr(report, "plot_gap_heatmap", spy)
    r = write_report(str(_three_axis_study(tmp_path / "3")), n_boot=20)
    (grid, title), = calls
    assert isinstance(grid, dict) and list(grid) == ["observation delay 0.05 s",
                                                     "observation delay 0.5 s"]
    assert all(g.shape == (2, 2) for g in grid.values())
    assert "one panel per observation delay (s)" in title and "slice" not in title
    assert png_shape(next(p for p in r["plots"] if "gap_heatmap" in p))[1] > 800
    calls.clear()
    write_report(str(_three_axis_study(tmp_path / "4", "msg_delay = [0.0, 0.1]")), n_boot=20)
    (grid, title), = calls
    assert len(grid) == 2 and "slice at message delay 0 s" in title


def test_scenarios_plot_shows_presets_and_absolute_returns(study_dir, tmp_path):
    from heron.analysis import axis_columns, summarize

    df = load(study_dir)
    s = summarize(df, n_boot=50)
    kinds = scenario_kinds(s, axis_columns(df))
    assert kinds["sync"] == "sync" and kinds["scada"] == "preset"
    assert kinds["act_delay=0.5,jitter_ratio=0.2"] == "grid"
    h, w, _ = png_shape(plot_scenarios(s, str(tmp_path / "s.png"), kinds=kinds))
    assert w > 1200 and h > 400


def test_scenarios_plot_of_a_large_grid_shows_the_extremes(tmp_path):
    """216 scenarios would make a figure 14,000 px tall: the plot keeps the baseline, the
    presets and the grid scenarios with the largest and the smallest losses, and says so."""
    import pandas as pd

    from heron.analysis import plots

    labels = [f"tick_ratio={r},jitter_ratio={j}" for r in range(18) for j in range(12)]
    gap = np.arange(len(labels), dtype=float) - 100.0
    mean = np.r_[-1.0, -1.1, -1.0 - gap / 100]
    summary = pd.DataFrame({
        "policy": "p", "scenario": ["sync", "scada"] + labels,
        "mean": mean, "ci_low": mean - 0.1, "ci_high": mean + 0.1,
        "gap_pct": np.r_[0.0, 10.0, gap], "gap_ci_low": np.r_[0.0, 9.0, gap - 1],
        "gap_ci_high": np.r_[0.0, 11.0, gap + 1], "baseline_mean": -1.0})
    kinds = {"sync": "sync", "scada": "preset", **{s: "grid" for s in labels}}
    chosen, note = plots._readable_subset(summary, ["sync", "scada"] + labels, kinds)
    assert len(chosen) == plots.MAX_SCENARIO_ROWS and chosen[:2] == ["sync", "scada"]
    assert labels[-1] in chosen and labels[0] in chosen       # the worst and the best
    assert labels[len(labels) // 2] not in chosen
    assert "28 of 216 grid scenarios" in note
    h, w, _ = png_shape(plots.plot_scenarios(summary, str(tmp_path / "big.png"), kinds=kinds))
    assert h < 2600


def test_report_says_gains_as_gains():
    """A scenario better than synchronous is reported as a gain with its interval, never as a
    negative loss (the table and the text)."""
    import pandas as pd

    from heron.analysis.report import _gains, _verdicts, compact_summary

    summary = pd.DataFrame({
        "policy": ["p"] * 4, "scenario": ["sync", "jitter", "delay", "noise"],
        "mode": ["sync", "event", "event", "event"], "n_episodes": [100] * 4,
        "mean": [-3.0, -2.6, -4.0, -3.01], "ci_low": [-3.1, -2.7, -4.1, -3.1],
        "ci_high": [-2.9, -2.5, -3.9, -2.9], "gap_pct": [0.0, -12.9, 33.3, 0.3],
        "gap_ci_low": [0.0, -13.4, 31.0, -0.4], "gap_ci_high": [0.0, -12.4, 35.0, 1.1],
        "obs_staleness_mean": [0.0, 0.05, 0.05, 0.05], "act_staleness_mean": [0.0, 0.1, 0.5, 0.1],
    })
    table = compact_summary(summary)
    assert list(table["vs synchronous [95% CI]"]) == [
        "(the baseline)", "gains 12.90 % [12.40, 13.40]", "loses 33.30 % [31.00, 35.00]",
        "no clear difference (loss 0.30 % [-0.40, 1.10])"]
    gains = "\n".join(_gains(summary))
    assert "`jitter` (gains 12.9 % [12.4, 13.4] over synchronous)" in gains
    shares = pd.DataFrame({"policy": ["p"], "scenario": ["jitter"], "better": [0.61],
                           "worse": [0.38]}).set_index(["policy", "scenario"])
    assert ("(gains 12.9 % [12.4, 13.4] over synchronous; 61 % of its episodes did better, 38 % "
            "worse)") in "\n".join(_gains(summary, shares))
    verdicts = "\n".join(_verdicts(summary))
    assert "loses 33.3 % [31.0, 35.0] against synchronous" in verdicts
    assert "-12.9" not in gains + verdicts
