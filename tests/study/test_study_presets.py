"""Study files apply presets at the study env's scale: battery studies are the same study as
before (same scenario timings, same fingerprint), the two-room thermostat study keeps its 60 s
tick without a ``tick_interval`` override, a preset that does not fit is refused at its line,
and the report states the synchronous baseline's decision period (the env's ``dt``)."""
from pathlib import Path

import pytest

import presets_env
from heron.demo_envs import battery_fleet
from heron.scheduling.nominal import AgentNominal, NominalTiming
from heron.study import StudySpecError, load_spec, parse_spec, run_study
from heron.study.resolve import import_user_module

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BATTERY = """\
[study]
name = "battery-presets"
seed = 5
n_episodes = 4

[environment]
name = "battery_fleet"
kwargs = { n_batteries = 3, coordinator = true }

[policies]
p = "simple"

[timing]
base = "w1"
presets = ["scada", "ntcip", "deterministic"]
[timing.grid]
jitter_ratio = [0.0, 0.2]
tick_ratio = [2, 10]
[timing.grid.coordinator]
obs_delay = [0.5]
"""
# BATTERY's fingerprint computed by heron before presets were scaled to each env
BATTERY_FINGERPRINT = "6e298f3aae73a6b0eae280b382923f483f867cd4910e3453b2ff6254aaa46499"
TWO_ROOMS = """\
[study]
name = "rooms"
seed = 3
n_episodes = 2
shard_size = 2

[environment]
name = "TwoRooms-v0"

[policies]
thermostat = "custom_env:thermostat"

[timing]
base = "scada"
presets = ["w1"]
[timing.grid]
act_delay = [1.5, 15.0]
"""


@pytest.fixture(scope="module")
def two_rooms():
    import_user_module(str(EXAMPLES / "custom_env.py"))   # registers TwoRooms-v0
    import custom_env

    return custom_env.make_env()


def test_battery_study_is_the_same_study():
    spec = parse_spec(BATTERY, path="b.toml")
    assert spec.nominal is None and spec.fingerprint() == BATTERY_FINGERPRINT
    fitted = spec.for_env(battery_fleet(3, coordinator=True))
    assert fitted.scenarios == spec.scenarios and fitted.fingerprint() == BATTERY_FINGERPRINT
    assert fitted.for_env(battery_fleet(3, coordinator=True)) is fitted
    grid = fitted.scenarios[3]   # jitter 0.2, tick_ratio 10
    assert grid.timing["coordinator"]["tick_interval"] == 10.0
    assert grid.timing["coordinator"]["obs_delay"] == 0.5
    assert grid.timing["field"]["obs_delay"] == 0.05
    assert fitted.to_dict()["env_timing"] == {
        "dt": 1.0, "tick": {"field": 1.0, "coordinator": 5.0},
        "sync_period": {"field": [1.0], "coordinator": [5.0]}}
    assert "env_timing" not in spec.to_dict()


def test_two_rooms_example_study_keeps_the_60_s_tick(two_rooms):
    spec = load_spec(EXAMPLES / "study_two_rooms.toml")
    assert "tick_interval" not in spec.axes        # no override of the tick any more
    fitted = spec.for_env(two_rooms)
    assert fitted.fingerprint() != spec.fingerprint()
    assert len(fitted.scenarios) == 4
    for s in fitted.scenarios:
        f = s.timing["field"]
        assert (f["tick_interval"], f["obs_delay"], f["msg_delay"], f["jitter_type"]) == \
            (60.0, 2.0, 1.5, "LOGNORMAL")
        assert f["act_delay"] == s.axes["act_delay"] and f["jitter_ratio"] == s.axes["jitter_ratio"]
    assert fitted.to_dict()["env_timing"]["sync_period"] == {"field": [60.0]}


def test_grid_axes_reach_agents_that_keep_their_own_rate():
    fields = {"obs_delay": 0.0, "act_delay": 0.0, "msg_delay": 0.0, "jitter_type": "NONE",
              "jitter_ratio": 0.0, "min_delay": 0.0}
    agents = tuple(AgentNominal(i, c, {**fields, "tick_interval": t}) for i, c, t in
                   (("f_1", "field", 10.0), ("f_2", "field", 20.0), ("boss", "coordinator", 60.0)))
    nominal = NominalTiming("plant", 10.0, {"field": 10.0, "coordinator": 60.0}, agents)
    text = BATTERY.split("[timing]")[0] + '[timing]\nbase = "w1"\n[timing.grid]\n'
    spec = parse_spec(text + "act_delay = [0.5]\ntick_ratio = [3]\n").for_env(nominal)
    timing = spec.scenarios[0].timing
    assert set(timing) == {"field", "coordinator", "f_2"}
    assert (timing["field"]["tick_interval"], timing["field"]["act_delay"]) == (10.0, 0.5)
    assert (timing["f_2"]["tick_interval"], timing["f_2"]["obs_delay"],
            timing["f_2"]["act_delay"]) == (20.0, 1.0, 0.5)          # its rate, the axis value
    assert timing["coordinator"]["tick_interval"] == 30.0            # 3 x the field tick
    axes = "tick_interval = [5.0]\nobs_delay = [0.1]\nact_delay = [0.1]\n"
    part = parse_spec(text + axes).for_env(nominal).scenarios[0].timing
    assert part["f_2"]["msg_delay"] == 1.0 and part["field"]["msg_delay"] == 0.5
    flat = parse_spec(text + axes + "msg_delay = [0.0]\n").for_env(nominal)
    assert set(flat.scenarios[0].timing) == {"field", "coordinator"}  # f_2 = its class now
    assert spec.to_dict()["env_timing"]["sync_period"] == {"field": [10.0, 20.0],
                                                           "coordinator": [60.0]}


def test_a_preset_that_does_not_fit_the_env_is_refused_at_its_line(two_rooms):
    text = TWO_ROOMS.replace('presets = ["w1"]', 'presets = ["w1", "ntcip"]')
    spec = parse_spec(text, path="r.toml")      # the file alone: not known yet
    with pytest.raises(StudySpecError, match=r"^r\.toml:15: timing\.presets: timing preset "
                                             r"'ntcip' does not fit env 'two_rooms': its field "
                                             r"agents nominally tick every 60 s"):
        spec.for_env(two_rooms)
    base = parse_spec(TWO_ROOMS.replace('base = "scada"', 'base = "ntcip"'), path="r.toml")
    with pytest.raises(StudySpecError, match=r"^r\.toml:14: timing\.base: timing preset 'ntcip'"):
        base.for_env(two_rooms)


def test_run_hands_the_engine_the_env_scaled_timing_and_reports_the_baseline(two_rooms,
                                                                            tmp_path):
    from heron.analysis.report import write_report

    out = tmp_path / "out"
    presets_env.SEEN.clear()
    run_study(parse_spec(TWO_ROOMS, path="rooms.toml"), str(out), executor="inline", quiet=True,
              evaluator="presets_env:recording_evaluate",
              imports=[str(EXAMPLES / "custom_env.py")])
    event = [t for t in presets_env.SEEN if t is not None]
    assert len(event) == 3 and presets_env.SEEN.count(None) == 1    # 3 scenarios + sync
    assert {t["field"]["tick_interval"] for t in event} == {60.0}
    assert sorted(t["field"]["act_delay"] for t in event) == [1.5, 6.0, 15.0]  # w1: 0.1 x 60 s
    assert {t["field"]["obs_delay"] for t in event} == {2.0, 3.0}
    report = Path(write_report(out, n_boot=50)["report"]).read_text()
    line = "lock-step every dt = 60 s (the env's dt); decisions every: field 60 s"
    assert f"- synchronous baseline: {line}" in report
    assert f"`sync` rows: the synchronous baseline, {line}." in report
