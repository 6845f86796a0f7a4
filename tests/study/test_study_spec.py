"""Study files: parsing, the timing grid, and errors that name file, line, key and choices."""
import itertools
import os
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from heron.study import StudySpecError, load_spec, parse_spec
from heron.study.grid import SYNC_LABEL

BASE = """\
[study]
name = "t"
seed = 3
n_episodes = 10

[environment]
name = "battery_fleet"

[policies]
p = "fake_engine:policy_a"

[timing]
base = "w1"
presets = ["scada"]

[timing.grid]
jitter_ratio = [0.0, 0.2]
act_delay = [0.0, 0.5, 1.0]
"""


def spec_text(**replace):
    text = BASE
    for old, new in replace.items():
        text = text.replace(old.replace("__", " "), new)
    return text


def test_parse_grid_and_presets():
    s = parse_spec(BASE, path="t.toml")
    assert len(s.scenarios) == 2 * 3 + 1
    assert s.axes == ("jitter_ratio", "act_delay")
    labels = [x.label for x in s.scenarios]
    assert labels[0] == "jitter_ratio=0,act_delay=0" and labels[-1] == "scada"
    grid = s.scenarios[4]  # jitter 0.2, act 0.5
    assert grid.axes == {"jitter_ratio": 0.2, "act_delay": 0.5}
    assert grid.timing["field"]["act_delay"] == 0.5 and grid.timing["field"]["obs_delay"] == 0.05
    assert grid.timing["field"]["jitter_type"] == "GAUSSIAN"
    assert s.scenarios[-1].axes == {"jitter_ratio": None, "act_delay": None}
    assert s.all_scenarios()[0].label == SYNC_LABEL
    assert s.shard_size == 50_000 and s.engine == "batch" and s.horizon is None


def test_per_class_axes_and_tick_ratio():
    s = parse_spec(BASE.replace("act_delay = [0.0, 0.5, 1.0]", textwrap.dedent("""\
        tick_ratio = [2, 10]
        [timing.grid.field]
        obs_delay = [0.3]
        [timing.grid.coordinator]
        msg_delay = [0.7]""")))
    sc = s.scenarios[1]
    assert sc.axes == {"jitter_ratio": 0.0, "tick_ratio": 10.0, "field_obs_delay": 0.3,
                       "coordinator_msg_delay": 0.7}
    assert sc.timing["coordinator"]["tick_interval"] == 10.0 * sc.timing["field"]["tick_interval"]
    assert sc.timing["field"]["obs_delay"] == 0.3 and sc.timing["coordinator"]["obs_delay"] == 0.2
    assert sc.timing["coordinator"]["msg_delay"] == 0.7 and sc.timing["field"]["msg_delay"] == 0.05


def test_no_grid_runs_the_base_preset():
    s = parse_spec(BASE.split("[timing]")[0] + '[timing]\nbase = "ntcip"\n')
    assert [x.label for x in s.scenarios] == ["ntcip"]


def test_fingerprint_tracks_results_not_output():
    a = parse_spec(BASE)
    assert a.fingerprint() == parse_spec(BASE.replace('name = "t"', 'name = "t"\noutput = "x"')
                                         ).fingerprint()
    assert a.fingerprint() != parse_spec(BASE.replace("seed = 3", "seed = 4")).fingerprint()
    assert a.fingerprint() != parse_spec(BASE.replace("[0.0, 0.2]", "[0.0, 0.3]")).fingerprint()


def test_example_study_file_parses():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    s = load_spec(os.path.join(root, "examples", "study_battery.toml"))
    assert s.output == "heron-study-battery" and len(s.scenarios) == 4 * 4 * 2 + 2


def test_npz_weights_relative_to_study(tmp_path):
    np.savez(tmp_path / "w.npz", W=np.ones((1, 2)), b=np.zeros(1))
    path = tmp_path / "s.toml"
    path.write_text(BASE.replace('p = "fake_engine:policy_a"', 'p = "w.npz"'))
    s = load_spec(path)
    assert s.policies[0].kind == "npz" and s.policies[0].ref == str(tmp_path / "w.npz")


BAD = [
    # (old, new, message pattern)  -- the line number of the offending key is checked too
    ('seed = 3', 'seed = 3\nn_episode = 5',
     r"t\.toml:4: study\.n_episode: unknown key; valid keys"),
    ('n_episodes = 10', 'n_episodes = "10"', r"t\.toml:4: study\.n_episodes: must be a positive "
                                             r"integer; got '10' \(str\)"),
    ('n_episodes = 10', 'n_episodes = 0', r"study\.n_episodes: must be >= 1"),
    ('seed = 3', 'seed = -1', r"t\.toml:3: study\.seed: must be a non-negative integer"),
    ('seed = 3', 'seed = 3\nhorizon = -5', r"t\.toml:4: study\.horizon: must be a finite"),
    ('seed = 3', 'seed = 3\nengine = "gpu"', r"study\.engine: must be one of \['batch', "
                                              r"'interactive'\]"),
    ('jitter_ratio = [0.0, 0.2]', 'jitter_ratio = []', r"t\.toml:17: timing\.grid\.jitter_ratio:"
                                                        r" an axis must not be empty"),
    ('jitter_ratio = [0.0, 0.2]', 'jitter_ratio = 0.2', r"timing\.grid\.jitter_ratio: an axis "
                                                         r"must be an array"),
    ('act_delay = [0.0, 0.5, 1.0]', 'act_delay = [0.0, -0.5]', r"t\.toml:18: timing\.grid\."
                                                               r"act_delay: values must be >= 0"),
    ('act_delay = [0.0, 0.5, 1.0]', 'act_delay = [0.0, "x"]', r"values must be numbers"),
    ('act_delay = [0.0, 0.5, 1.0]', 'act_delay = [0.5, 0.5]', r"values must be distinct"),
    ('act_delay = [0.0, 0.5, 1.0]', 'jitter_type = ["GAUS"]',
     r"timing\.grid\.jitter_type: unknown jitter type 'GAUS'; valid choices"),
    ('act_delay = [0.0, 0.5, 1.0]', 'tick_interval = [0.0]', r"values must be > 0"),
    ('act_delay = [0.0, 0.5, 1.0]', 'act_dlay = [0.1]',
     r"t\.toml:18: timing\.grid\.act_dlay: unknown axis; valid axes: \['tick_interval'"),
    ('act_delay = [0.0, 0.5, 1.0]', '[timing.grid.system]\nobs_delay = [1.0]',
     r"timing\.grid\.system: unknown axis"),
    ('act_delay = [0.0, 0.5, 1.0]', '[timing.grid.field]\ntick_ratio = [1.0]',
     r"t\.toml:19: timing\.grid\.field\.tick_ratio: unknown axis; valid axes for an agent class"),
    ('base = "w1"', 'base = "scada!"', r"t\.toml:13: timing\.base: must be a preset name, one of "
                                       r"\['deterministic', 'ntcip', 'scada', 'w1'\] or one the "
                                       r"study's env defines; got 'scada!'"),
    ('base = "w1"', 'base = "deterministic"', r"jitter_ratio 0\.2 has no effect with jitter_type "
                                              r"NONE"),
    ('presets = ["scada"]', 'presets = ["scada", "f o"]', r"unknown preset 'f o'"),
    ('presets = ["scada"]', 'preset = ["scada"]', r"t\.toml:14: timing\.preset: unknown key; "
                                                  r"valid keys: \['base', 'presets', 'grid'\]"),
    ('p = "fake_engine:policy_a"', 'p = "fake_engine:"', r"policies\.p: an import path"),
    ('p = "fake_engine:policy_a"', 'p = "missing.npz"', r"weights file .*missing\.npz' does not "
                                                        r"exist"),
    ('p = "fake_engine:policy_a"', 'p = 3', r"t\.toml:10: policies\.p: must be a built-in"),
    ('p = "fake_engine:policy_a"', 'p = { weights = "a.npz", builtin = "simple" }',
     r"needs exactly one of \['builtin', 'weights', 'callable'\]"),
    ('p = "fake_engine:policy_a"', '"a b" = "simple"', r"policy names may use"),
    ('p = "fake_engine:policy_a"', 'sync = "simple"', r"policy names may use"),
    ('name = "battery_fleet"', 'name = "no such"', r"t\.toml:7: environment\.name: must be a "
                                                   r"registered environment id \(one of "
                                                   r"'BatteryFleet-v0', 'battery_fleet'"),
    ('[environment]', '[enviroment]', r"enviroment: unknown section; valid sections"),
    ('seed = 3', 'seed = [3', r"t\.toml: not valid TOML"),
]


@pytest.mark.parametrize("old, new, pattern", BAD)
def test_errors_name_file_line_key_and_choices(old, new, pattern):
    text = BASE.replace(old, new)
    assert text != BASE
    with pytest.raises(StudySpecError, match=pattern):
        parse_spec(text, path="t.toml")


def test_missing_sections_and_file():
    with pytest.raises(StudySpecError, match=r"missing section \[policies\]"):
        parse_spec(BASE.split("[policies]")[0], path="t.toml")
    with pytest.raises(StudySpecError, match="missing key n_episodes"):
        parse_spec(BASE.replace("n_episodes = 10", ""), path="t.toml")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_spec("/nonexistent/study.toml")


axis_values = st.lists(st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0]), min_size=1,
                       max_size=3, unique=True)


@settings(max_examples=25, deadline=None)
@given(axes=st.dictionaries(st.sampled_from(["obs_delay", "act_delay", "msg_delay",
                                             "jitter_ratio"]), axis_values, min_size=1))
def test_grid_is_the_cartesian_product(axes):
    grid = "\n".join(f"{k} = {v!r}" for k, v in axes.items())
    s = parse_spec(BASE.split("[timing]")[0] + f'[timing]\nbase = "w1"\n[timing.grid]\n{grid}\n')
    expected = list(itertools.product(*axes.values()))
    assert len(s.scenarios) == len(expected)
    assert len({x.label for x in s.scenarios}) == len(expected)
    for sc, combo in zip(s.scenarios, expected):
        assert tuple(sc.axes.values()) == combo
        for k, v in zip(axes, combo):
            assert sc.timing["field"][k] == v and sc.timing["coordinator"][k] == v
