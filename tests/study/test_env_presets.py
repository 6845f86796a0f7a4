"""Timing presets an env defines for itself (``BatchEnv(presets=...)``,
``heron.scheduling.env_presets``), on a user's env (``two_tanks_env``, not a shipped env): applied
as written to its own agents only (agents a preset does not name keep their nominal timing), found
by ``preset(name, env)``, named in study files (checked once the env is known, at the file's
line), listed by ``heron presets ENV``, recorded with the study; bad definitions are refused."""
import dataclasses

import pytest

import two_tanks_env
from heron.batch import evaluate
from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig
from heron.scheduling.preset_table import preset_table
from heron.scheduling.presets import PresetMismatchError, preset, preset_names
from heron.study import StudySpecError, parse_spec, run_study

RADIO = TickConfig.with_jitter(2.0, 0.5, 0.3, 0.0, JitterType.LOGNORMAL, 0.3)
STUDY = """\
[study]
name = "tank-presets"
seed = 4
n_episodes = 3
horizon = 10.0

[environment]
name = "TwoTanks-v0"

[policies]
drain = "two_tanks_env:drain"

[timing]
base = "plant_radio"
presets = ["valve_2_slow", "w1"]
[timing.grid]
act_delay = [0.1, 0.6]
"""


@pytest.fixture(scope="module")
def env():
    return two_tanks_env.make_env()


def fields(tc):
    return {k: v for k, v in tc.to_dict().items() if k != "seed"}


def test_an_env_preset_applies_as_written_and_leaves_unnamed_agents_nominal(env):
    assert preset_names(env) == ["deterministic", "ntcip", "scada", "w1", "plant_radio",
                                 "valve_2_slow"]
    radio = preset("Plant_Radio", env).for_env(env, seed=3)
    assert {a: fields(tc) for a, tc in radio.items()} == {"valve_1": fields(RADIO),
                                                          "valve_2": fields(RADIO)}
    assert all(tc.seed == 3 for tc in radio.values())
    slow = preset("valve_2_slow", env).for_env(env)
    assert fields(slow["valve_2"]) == fields(TickConfig.deterministic(3.0))
    assert fields(slow["valve_1"]) == fields(TickConfig.deterministic(1.0))  # nominal: dt
    p = preset("plant_radio", env)
    assert (p.title, p.source) == ("the plant's radio links", "made up for the tests")
    assert "defined by env 'two_tanks'" in p.describe() and "tick 2 s, obs 0.5 s" in p.describe()


def test_evaluate_with_an_env_preset_is_evaluate_with_its_timing(env):
    by_name = evaluate(env, two_tanks_env.drain, n_episodes=20, seed=5,
                       timing=preset("plant_radio", env).for_env(env)).episodes
    written = evaluate(env, two_tanks_env.drain, n_episodes=20, seed=5,
                       timing={"field": RADIO}).episodes
    nominal = evaluate(env, two_tanks_env.drain, n_episodes=20, seed=5).episodes
    assert by_name.equals(written)
    assert not by_name["return"].equals(nominal["return"])
    assert (by_name["n_ticks"] < nominal["n_ticks"]).all()     # 2 s ticks instead of 1 s


def test_an_env_preset_belongs_to_its_env(env):
    p = preset("plant_radio", env)
    with pytest.raises(PresetMismatchError, match=r"timing preset 'plant_radio' does not apply: "
                                                  r"it is defined by env 'two_tanks' for its own "
                                                  r"agents, and the env given \('battery_fleet', "
                                                  r"2 agents\) does not define it"):
        p.for_env(battery_fleet(2))
    with pytest.raises(ValueError, match=r"unknown timing preset 'plant_radio'; valid presets: "
                                         r"\['deterministic', 'ntcip', 'scada', 'w1'\] "
                                         r"\(built in\)"):
        preset("plant_radio", battery_fleet(2))
    with pytest.raises(ValueError, match=r"valid presets: \[.*'w1', 'plant_radio', "
                                         r"'valve_2_slow'\] \(built in, then those env "
                                         r"'two_tanks' defines\)"):
        preset("plant_radoi", env)
    other = dataclasses.replace(env, presets={"plant_radio": {"valve_1": RADIO}})
    with pytest.raises(PresetMismatchError, match="defines it differently"):
        p.for_env(other)
    again = dataclasses.replace(env, horizon=20.0)          # rebuilt: same presets
    assert again.presets == env.presets and p.for_env(again).keys() == {"valve_1", "valve_2"}


BAD = [
    ({"scada": {"field": RADIO}}, ValueError,
     r"BatchEnv 'two_tanks': preset name 'scada' is a built-in preset \(each name has one "
     r"definition: .*\); choose another, e.g. 'two_tanks_scada'"),
    ({"sync": {"field": RADIO}}, ValueError, r"preset name 'sync' is reserved"),
    ({"Radio": {"field": RADIO}}, ValueError, r"preset names must be lower case letters, digits, "
                                              r"'_' or '-', starting with a letter; got 'Radio'"),
    ({"radio": {"valve_9": RADIO}}, ValueError,
     r"BatchEnv 'two_tanks': presets\['radio'\] has unknown agent id\(s\) or class\(es\) "
     r"\['valve_9'\]; valid agent ids: \['valve_1', 'valve_2'\]"),
    ({"radio": {"field": 2.0}}, TypeError, r"EnvPreset: timing\['field'\] must be a TickConfig; "
                                           r"got float 2.0"),
    ({"radio": {}}, TypeError, r"EnvPreset: timing must be a non-empty dict"),
    ({"radio": [RADIO]}, TypeError, r"presets\['radio'\] must be an EnvPreset or a dict"),
    ([("radio", RADIO)], TypeError, r"presets must be a dict of name -> EnvPreset"),
]


@pytest.mark.parametrize("presets, exc, pattern", BAD)
def test_bad_env_presets_are_refused_naming_the_preset(env, presets, exc, pattern):
    with pytest.raises(exc, match=pattern):
        dataclasses.replace(env, presets=presets)


def test_heron_presets_env_shows_env_presets_per_agent(env):
    text = preset_table(env, "TwoTanks-v0")
    rows = [line.split() for line in text.splitlines()]
    assert ["plant_radio", "valve_1,", "valve_2", "field", "2", "0.5", "0.3", "0",
            "LOGNORMAL", "30%"] in rows
    assert ["valve_2_slow", "valve_1", "field", "1", "0", "0", "0", "no", "jitter"] in rows
    assert ["valve_2_slow", "valve_2", "field", "3", "0", "0", "0", "no", "jitter"] in rows
    assert "presets env 'two_tanks' defines for itself" in text
    assert "  plant_radio: the plant's radio links [made up for the tests]" in text
    assert "  valve_2_slow: (no title)" in text


def test_a_study_names_env_presets_checked_once_the_env_is_known(env, tmp_path):
    spec = parse_spec(STUDY, path="tanks.toml")       # the file alone: names not known yet
    assert [s.label for s in spec.scenarios] == ["act_delay=0.1", "act_delay=0.6",
                                                 "valve_2_slow", "w1"]
    fitted = spec.for_env(env)
    grid = fitted.scenarios[1].timing
    assert grid["field"] == {**fields(RADIO), "act_delay": 0.6}
    slow = fitted.scenarios[2].timing
    assert slow["field"] == fields(TickConfig.deterministic(1.0))
    assert slow["valve_2"] == fields(TickConfig.deterministic(3.0))
    record = fitted.to_dict()["env_timing"]["presets"]
    assert record["plant_radio"]["timing"]["field"] == fields(RADIO)
    assert fitted.fingerprint() != parse_spec(
        STUDY.replace("act_delay = [0.1, 0.6]", "act_delay = [0.1, 0.7]")).for_env(
        env).fingerprint()
    typo = parse_spec(STUDY.replace('base = "plant_radio"', 'base = "plant_radoi"'),
                      path="tanks.toml")
    with pytest.raises(StudySpecError, match=r"^tanks\.toml:14: timing\.base: must be a preset "
                                             r"name, one of \[.*'w1', 'plant_radio', "
                                             r"'valve_2_slow'\]; got 'plant_radoi'"):
        typo.for_env(env)
    elsewhere = parse_spec(STUDY.replace("TwoTanks-v0", "battery_fleet"), path="b.toml")
    with pytest.raises(StudySpecError, match=r"^b\.toml:14: timing\.base: must be a preset name"):
        elsewhere.for_env(battery_fleet(2))
    out = tmp_path / "out"
    run = run_study(spec, str(out), executor="inline", quiet=True, imports=["two_tanks_env"])
    assert run.episodes_run == 5 * 3
    from heron.analysis import load

    df = load(str(out))
    assert sorted(df["scenario"].unique()) == ["act_delay=0.1", "act_delay=0.6", "sync",
                                               "valve_2_slow", "w1"]
    ticks = df[df["scenario"] == "valve_2_slow"].groupby("agent")["n_ticks"].max()
    assert ticks["valve_1"] == 11 and ticks["valve_2"] == 4      # at 0, 1, .., 10 s; 0, 3, 6, 9 s


def test_the_plan_counts_an_agent_s_own_tick(env):
    from heron.study.plan import EVENTS_PER_TICK, size_plan

    def events(presets):     # 3 episodes of 10 s: the sync baseline and one scenario
        text = STUDY.split("[timing]")[0] + f'[timing]\nbase = "deterministic"\n{presets}'
        return size_plan(parse_spec(text).for_env(env), env).events_est

    ticks = 10 + 10                                    # the sync baseline: both valves every 1 s
    assert events("") == pytest.approx(EVENTS_PER_TICK * 3 * (ticks + 10 + 10))
    assert events('presets = ["valve_2_slow"]') == pytest.approx(
        EVENTS_PER_TICK * 3 * (ticks + 10 + 10 / 3))  # valve 2 ticks every 3 s
