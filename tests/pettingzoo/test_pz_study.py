"""A study of a plain PettingZoo env (``pz_thermostat``: no heron class), registered by a test
module (``pz_study_env``, imported with ``--import``): 1,000 episodes per cell under jittered
delays through ``TimedParallelEnv``, paired with the unwrapped env in lock-step; ``heron
report`` reads the study directory; ``heron.analysis.compare`` gives the paired loss table of two
``heron.pettingzoo.evaluate`` results."""
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import heron
import pz_study_env
import pz_thermostat
from heron.analysis import load, summarize
from heron.analysis.compare import COMPARE_COLUMNS, compare
from heron.pettingzoo import PettingZooSpec, evaluate
from heron.scheduling import JitterType, TickConfig
from heron.study import parse_spec, run_study
from heron.study.dataset import Manifest
from heron.study.resolve import StudyResolveError

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.join(HERE, "pz_study_env.py")
N = 1000
SEED = 2026
STUDY = """\
[study]
name = "thermostat"
seed = 2026
n_episodes = 1000

[environment]
name = "TwoRoomThermostat-v0"

[policies]
proportional = "thermostat_proportional"   # registered by pz_study_env
bang_bang = "pz_study_env:bang_bang"       # defined in pz_study_env

[timing]
base = "deterministic"
[timing.grid]
tick_interval = [30.0]
obs_delay = [20.0]
act_delay = [15.0, 45.0]
jitter_type = ["UNIFORM"]
jitter_ratio = [0.2]
"""
LABEL = "tick_interval=30,obs_delay=20,act_delay={},jitter_type=UNIFORM,jitter_ratio=0.2"
SCENARIOS = [LABEL.format(15), LABEL.format(45)]
JITTERED = TickConfig(tick_interval=30.0, obs_delay=20.0, act_delay=15.0,
                      jitter_type=JitterType.UNIFORM, jitter_ratio=0.2)


def heron_cli(*args, cwd):
    """``heron ARGS`` as a user runs it (the installed package, ``python -m heron``)."""
    out = subprocess.run([sys.executable, "-m", "heron", *args], cwd=cwd, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, f"heron {' '.join(args)}:\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pz_study")
    (folder / "study.toml").write_text(STUDY)
    run = run_study(str(folder / "study.toml"), str(folder / "out"), executor="inline",
                    quiet=True, imports=[MODULE])
    assert run.shards_run == 2 * 3 and run.episodes_run == 2 * 3 * N
    return folder / "out"


def test_the_registry_returns_the_spec():
    spec = heron.make("TwoRoomThermostat-v0", max_steps=30)
    assert isinstance(spec, PettingZooSpec) and spec.dt == 10.0 and spec.horizon == 300.0
    assert spec().possible_agents == ["room_a", "room_b"]


def test_the_dataset_holds_the_wrapper_s_paired_episodes(study):
    manifest = Manifest(str(study))
    assert manifest.complete and len(manifest.files()) == 6
    df = load(study)
    assert len(df) == 2 * 3 * N * 2
    assert set(df["policy"]) == {"proportional", "bang_bang"}
    assert set(df["scenario"]) == {"sync", *SCENARIOS}
    assert set(df["agent"]) == {"room_a", "room_b"} and (df["agent_class"] == "field").all()
    assert (df.loc[df["mode"] == "sync", "obs_staleness_max"] == 0).all()
    assert (df.loc[df["mode"] == "event", "act_staleness_mean"] >= 30.0).all()
    # each cell is exactly heron.pettingzoo.evaluate on the same (seed, episode)s: the baseline
    # is the unwrapped env in lock-step, a scenario the wrapper with the field timing
    spec = pz_study_env.make_thermostat()
    for scenario, timing, engine in (("sync", None, "sync"),
                                     (SCENARIOS[0], {"field": JITTERED}, "event")):
        cell = df[(df["policy"] == "proportional") & (df["scenario"] == scenario)]
        direct = evaluate(spec, pz_thermostat.proportional, timing=timing, engine=engine,
                          n_episodes=N, seed=SEED, as_arrays=True)
        np.testing.assert_array_equal(cell["episode"], direct.arrays["episode"])
        np.testing.assert_array_equal(cell["return"], direct.arrays["return"])


def test_heron_report_shows_the_paired_loss_with_intervals(study):
    stdout = heron_cli("report", str(study), "--n-boot", "200", cwd=str(study.parent))
    for label in SCENARIOS:   # one line per policy and scenario: "loses x % [lo, hi]"
        lines = [ln for ln in stdout.splitlines() if label in ln]
        assert len(lines) == 2 and all("loses" in ln and "[" in ln for ln in lines), stdout
    summary = pd.read_csv(study / "summary.csv")
    event = summary[summary["scenario"] != "sync"]
    assert len(event) == 4 and (event["n_episodes"] == N).all()
    assert (event["gap_ci_low"] > 0).all() and (event["gap_ci_low"] <= event["gap_pct"]).all()
    assert (event["gap_pct"] <= event["gap_ci_high"]).all()
    report = (study / "report.md").read_text()
    assert "TwoRoomThermostat-v0" in report and "vs synchronous [95% CI]" in report
    assert (study / "plots" / "scenarios.png").is_file()


def test_compare_two_evaluate_results_gives_the_paired_loss_table(study):
    spec = pz_study_env.make_thermostat()
    kw = dict(n_episodes=N, seed=SEED, timing={"field": JITTERED})
    event = evaluate(spec, pz_thermostat.proportional, **kw)
    sync = evaluate(spec, pz_thermostat.proportional, **{**kw, "timing": None}, engine="sync")
    whole = compare(event, sync, n_boot=200)
    per_agent = compare(event, sync, by="agent", n_boot=200)
    print("\n" + pd.concat([whole.assign(agent="all"), per_agent]).to_string(index=False))
    assert list(whole.columns) == list(COMPARE_COLUMNS)
    assert per_agent["agent"].tolist() == ["room_a", "room_b"]
    for table in (whole, per_agent):
        assert (table["n_episodes"] == N).all() and (table["gap_ci_low"] > 0).all()
        assert table["verdict"].str.startswith("loses").all()
    # the same cell of the study, summarised from its dataset: the same paired loss
    cell = summarize(load(study, filters={"policy": "proportional"}), n_boot=200)
    row = cell[cell["scenario"] == SCENARIOS[0]].iloc[0]
    assert whole["gap_pct"].iloc[0] == pytest.approx(row["gap_pct"], rel=1e-12)


# -- what a PettingZoo study refuses before any work ------------------------------------------
@pytest.mark.parametrize("policy, match", [
    ('"simple"', r"registered policy 'simple' is a CompiledPolicy, a policy of the batch engine"),
    ('"shutil:rmtree"', r"only from a module you import for the study.*--import shutil"),
    ('"pz_study_env:functools.partial"', r"is defined in module 'functools', not in "
                                         r"'pz_study_env'"),
    ('"pz_study_env:DT"', r"is a float, not callable"),
])
def test_policies_a_pettingzoo_study_refuses(tmp_path, policy, match):
    text = STUDY.replace('"pz_study_env:bang_bang"', policy)
    with pytest.raises(StudyResolveError, match=r"\[policies\] bang_bang: .*" + match):
        run_study(parse_spec(text), str(tmp_path / "out"), executor="inline", quiet=True,
                  imports=[MODULE])
    assert not (tmp_path / "out").exists()


def test_weights_files_and_batch_policy_objects_are_refused(tmp_path):
    np.savez(tmp_path / "w.npz", W=np.ones((1, 2)), b=np.zeros(1))
    text = STUDY.replace('"pz_study_env:bang_bang"', f'"{tmp_path / "w.npz"}"')
    with pytest.raises(StudyResolveError, match=r"a \.npz file gives a policy of the batch"):
        run_study(parse_spec(text), str(tmp_path / "out"), executor="inline", quiet=True,
                  imports=[MODULE])


@pytest.mark.parametrize("old, new, match", [
    ("n_episodes = 1000", 'n_episodes = 4\nengine = "interactive"', r"engine = 'interactive'"),
    ("jitter_ratio = [0.2]", "jitter_ratio = [0.2]\nmsg_delay = [1.0]", r"\['msg_delay'\] do "
                                                                         "nothing"),
    ("jitter_ratio = [0.2]", "jitter_ratio = [0.2]\n[timing.grid.coordinator]\n"
                             "act_delay = [1.0]", r"\['coordinator_act_delay'\] do nothing"),
])
def test_settings_without_effect_are_refused(tmp_path, old, new, match):
    with pytest.raises(StudyResolveError, match=match):
        run_study(parse_spec(STUDY.replace(old, new)), str(tmp_path / "out"),
                  executor="inline", quiet=True, imports=[MODULE])


def test_a_spec_without_horizon_needs_the_study_s(tmp_path):
    heron.register("ThermostatNoHorizon-v0", lambda: PettingZooSpec(pz_thermostat.make_env, 10.0),
                   override=True)
    text = STUDY.replace("TwoRoomThermostat-v0", "ThermostatNoHorizon-v0") \
        .replace("n_episodes = 1000", "n_episodes = 4")
    with pytest.raises(StudyResolveError, match=r"give \[study\] horizon"):
        run_study(parse_spec(text), str(tmp_path / "out"), executor="inline", quiet=True,
                  imports=[MODULE])
    plan = []
    run_study(parse_spec(text.replace("n_episodes = 4", "n_episodes = 4\nhorizon = 300.0")),
              str(tmp_path / "out"), executor="inline", quiet=True, imports=[MODULE],
              on_plan=plan.append)
    assert plan[0].rows == 2 * 3 * 4 * 2 and plan[0].events_per_episode > 30
    df = load(tmp_path / "out")
    assert (df["n_ticks"] <= 30).all()  # 300 s of 10 s steps
