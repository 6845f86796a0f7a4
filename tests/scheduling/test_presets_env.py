"""Presets at an env's scale: unchanged on the battery fleet (the scale their numbers were written
for), scaled or refused on a 60 s thermostat plant (``examples/custom_env.py``, TwoRooms-v0) as
``heron.scheduling.presets`` documents, and ``heron presets ENV``."""
import subprocess
import sys
from pathlib import Path

import pytest
from numba import njit

from heron import cli
from heron.batch.env import AgentSpec, BatchEnv
from heron.demo_envs import battery_fleet
from heron.scheduling.nominal import REFERENCE, nominal_timing, sync_period
from heron.scheduling.presets import PRESETS, PresetMismatchError, ntcip, preset
from heron.scheduling.tick_config import TickConfig
from heron.study.resolve import import_user_module

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_env.py"


def _old(tick, obs, act, msg, jitter="NONE", ratio=0.0):
    return {"tick_interval": tick, "obs_delay": obs, "act_delay": act, "msg_delay": msg,
            "jitter_type": jitter, "jitter_ratio": ratio, "min_delay": 0.0}


# The presets as heron defined them before they were scaled to each env (battery-scale absolutes)
OLD = {
    "scada": {"field": _old(1.0, 2.0, 1.5, 1.5, "LOGNORMAL", 0.4),
              "coordinator": _old(60.0, 2.0, 1.5, 1.5, "LOGNORMAL", 0.4)},
    "ntcip": {"field": _old(0.1, 0.05, 0.2, 0.05, "UNIFORM", 0.2),
              "coordinator": _old(1.0, 0.05, 0.2, 0.05, "UNIFORM", 0.2)},
    "deterministic": {"field": _old(1.0, 0.0, 0.0, 0.0), "coordinator": _old(5.0, 0.0, 0.0, 0.0)},
    "w1": {"field": _old(1.0, 0.05, 0.1, 0.05, "GAUSSIAN", 0.1),
           "coordinator": _old(5.0, 0.2, 0.0, 0.1, "GAUSSIAN", 0.05)},
}


@pytest.fixture(scope="module")
def two_rooms():
    """The guide's 60 s thermostat plant, imported as ``heron run --import`` does."""
    import_user_module(str(EXAMPLE))
    import custom_env

    return custom_env.make_env()


@njit
def _noop(*args):
    return 0.0


def plant(ticks, coordinator_tick=None, dt=1.0):
    """A BatchEnv whose field agents ``f_1..`` nominally tick at ``ticks`` (s), with a
    coordinator at ``coordinator_tick`` (s) if given (functions never compiled)."""
    agents = [AgentSpec(f"f_{i + 1}") for i in range(len(ticks))]
    timing = {a.id: TickConfig(t) for a, t in zip(agents, ticks)}
    if coordinator_tick is not None:
        agents.append(AgentSpec("boss", "coordinator", actuates=False))
        timing["coordinator"] = TickConfig(coordinator_tick)
    return BatchEnv(name="plant", agents=agents, default_timing=timing, state_dtype={"x": "f8"},
                    functions={n: _noop for n in ("init", "observe", "effect", "advance",
                                                  "reward")}, dt=dt)


# -- the battery fleet: exactly the old numbers -----------------------------------------------
@pytest.mark.parametrize("coordinator", [False, True])
def test_battery_preset_tick_configs_are_unchanged(coordinator):
    env = battery_fleet(3, coordinator=coordinator)
    assert nominal_timing(env).ticks == {"field": 1.0, "coordinator": 5.0}
    for name, old in OLD.items():
        p = preset(name)
        assert p.scenario_timing(env) == old                          # what studies record
        assert p.tick_configs(env) == {c: TickConfig(**f) for c, f in old.items()}
        configs = p.for_env(env)
        assert list(configs) == [a.id for a in env.agents]
        for a in env.agents:
            assert configs[a.id] == TickConfig(**old[a.agent_class])
        for cls in old:   # without an env: the reference timing, the battery's
            assert p.fields(cls) == old[cls] and p.tick_config(cls) == TickConfig(**old[cls])


# -- a 60 s plant: scaled, or refused ---------------------------------------------------------
def test_two_rooms_nominal_timing_and_sync_baseline(two_rooms):
    n = nominal_timing(two_rooms)
    assert (n.name, n.dt) == ("two_rooms", 60.0)
    assert n.ticks == {"field": 60.0, "coordinator": 300.0}   # no coordinator: 5 x field
    assert [a.id for a in n.agents] == ["thermostat_1", "thermostat_2"]
    assert n.sync_periods() == {"field": [60.0]}
    assert n.baseline_text() == ("lock-step every dt = 60 s (the env's dt); decisions every: "
                                 "field 60 s")
    assert sync_period(90.0, 60.0) == 120.0 and sync_period(10.0, 60.0) == 60.0


def test_presets_scale_to_the_60_s_plant(two_rooms):
    for name, want in (
            ("scada", _old(60.0, 2.0, 1.5, 1.5, "LOGNORMAL", 0.4)),   # absolute latencies
            ("w1", _old(60.0, 3.0, 6.0, 3.0, "GAUSSIAN", 0.1)),      # x 60 s / 1 s
            ("deterministic", _old(60.0, 0.0, 0.0, 0.0))):
        configs = preset(name).for_env(two_rooms, seed=4)
        assert set(configs) == {"thermostat_1", "thermostat_2"}
        for tc in configs.values():
            assert tc == TickConfig(seed=4, **want), name
        assert preset(name).scenario_timing(two_rooms)["field"] == want
    # the study record's coordinator entry (no coordinator here): at 5 x 60 s
    assert preset("scada").scenario_timing(two_rooms)["coordinator"]["tick_interval"] == 300.0
    assert preset("w1").scenario_timing(two_rooms)["coordinator"]["obs_delay"] == 12.0


def test_ntcip_is_refused_on_the_60_s_plant(two_rooms):
    msg = (r"timing preset 'ntcip' does not fit env 'two_rooms': its field agents nominally tick "
           r"every 60 s, outside the 0.01-1 s this preset applies to \(NTCIP 1202 fixes a 0.1 s "
           r"controller update; here it would make them tick 600x faster\)\. Presets that fit "
           r"this env: \['deterministic', 'scada', 'w1'\]")
    p = preset("ntcip")
    for call in (lambda: p.for_env(two_rooms), lambda: p.scenario_timing(two_rooms),
                 lambda: p.tick_configs(two_rooms), lambda: p.check(two_rooms)):
        with pytest.raises(PresetMismatchError, match=msg):
            call()
    assert isinstance(PresetMismatchError("x"), ValueError)
    with pytest.raises(PresetMismatchError, match="every 60 s, outside the 0.01-1 s"):
        ntcip("field", nominal_tick=60.0)
    assert p.fit_error(None) is None and p.fit_error(battery_fleet(2)) is None
    assert ntcip("coordinator", nominal_tick=60.0).tick_interval == 1.0  # field ticks decide
    with pytest.raises(PresetMismatchError,
                       match=r"every 0.001 s, outside the 0.01-1 s .*100x slower"):
        p.check(plant([0.5, 0.001]))        # every field agent must fit


def test_scada_polls_at_60_s_but_never_speeds_up_a_slower_coordinator():
    assert preset("scada").for_env(plant([1.0], 5.0))["boss"].tick_interval == 60.0
    slow = preset("scada").for_env(plant([10.0], 900.0))
    assert slow["boss"].tick_interval == 900.0 and slow["f_1"].tick_interval == 10.0
    assert slow["boss"].obs_delay == 2.0 and slow["f_1"].act_delay == 1.5


def test_agents_of_one_class_at_different_rates_keep_them():
    env = plant([10.0, 20.0], 60.0, dt=10.0)
    w1 = preset("w1").scenario_timing(env)
    assert w1["field"] == _old(10.0, 0.5, 1.0, 0.5, "GAUSSIAN", 0.1)
    assert w1["f_2"] == _old(20.0, 1.0, 2.0, 1.0, "GAUSSIAN", 0.1)   # its own entry
    assert w1["coordinator"]["tick_interval"] == 60.0 and "boss" not in w1
    assert set(preset("scada").scenario_timing(env)) == {"field", "coordinator", "f_2"}
    n = nominal_timing(env)
    assert n.sync_periods() == {"field": [10.0, 20.0], "coordinator": [60.0]}
    # an env without default timing: every agent at dt; coordinator record at 5 x dt
    bare = BatchEnv(name="bare", agents=[AgentSpec("a")], state_dtype={"x": "f8"},
                    functions={n: _noop for n in ("init", "observe", "effect", "advance",
                                                  "reward")}, dt=2.0)
    assert nominal_timing(bare).ticks == {"field": 2.0, "coordinator": 10.0}


def test_relative_values_are_rounded_products_and_bad_ticks_refused():
    f = preset("w1").fields("field", nominal_tick=0.3)
    assert (f["tick_interval"], f["obs_delay"], f["act_delay"]) == (0.3, 0.015, 0.03)
    assert preset("w1").fields("coordinator", nominal_tick=2.5)["obs_delay"] == 0.1
    assert REFERENCE.ticks == {"field": 1.0, "coordinator": 5.0}
    for bad in (0.0, -1.0, float("inf"), "1", True):
        with pytest.raises(ValueError, match=r"nominal_tick must be a finite number of seconds "
                                             r"> 0; got"):
            preset("scada").fields("field", nominal_tick=bad)
    with pytest.raises(TypeError, match="env must be a heron.batch.BatchEnv"):
        preset("w1").for_env("two_rooms")


def test_pettingzoo_envs_take_presets_at_their_step():
    from heron.pettingzoo.schedule import resolve_timing

    configs = resolve_timing(["a", "b"], "scada", 10.0)
    assert [c.tick_interval for c in configs] == [10.0, 10.0] and configs[0].obs_delay == 2.0
    assert resolve_timing(["a"], {"field": "w1"}, 10.0)[0].act_delay == 1.0
    with pytest.raises(PresetMismatchError, match="'ntcip' does not fit"):
        resolve_timing(["a"], "ntcip", 10.0)


# -- heron presets [ENV] ----------------------------------------------------------------------
def _rows(out: str) -> dict:
    """``{(preset, agents): [class, tick, obs, act, msg, jitter]}`` of the table."""
    rows = {}
    for line in out.splitlines():
        parts = [p for p in line.split("  ") if p.strip()]
        if len(parts) == 8 and parts[0].strip() in ("nominal", *PRESETS):
            rows[(parts[0].strip(), parts[1].strip())] = [p.strip() for p in parts[2:]]
    return rows


def test_cli_presets_on_the_battery_fleet(capsys):
    assert cli.main(["presets", "BatteryFleet-v0"]) == 0
    out = capsys.readouterr().out
    assert "synchronous baseline: lock-step every dt = 1 s (the env's dt); decisions every: " \
           "field 1 s" in out
    rows = _rows(out)
    both = "battery_1, battery_2"
    assert rows[("nominal", both)] == ["field", "1", "0.05", "0.1", "0", "GAUSSIAN 10%"]
    assert rows[("scada", both)] == ["field", "1", "2", "1.5", "1.5", "LOGNORMAL 40%"]
    assert rows[("ntcip", both)] == ["field", "0.1", "0.05", "0.2", "0.05", "UNIFORM 20%"]
    assert len(rows) == 5 and "refused" not in out
    assert cli.main(["presets", "BatteryFleet-v0", "--kwargs",
                     '{"n_batteries": 8, "coordinator": true}']) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows[("scada", "coordinator")] == ["coordinator", "60", "2", "1.5", "1.5",
                                              "LOGNORMAL 40%"]
    assert rows[("w1", "battery_1 .. battery_8 (8)")][1:5] == ["1", "0.05", "0.1", "0.05"]


def test_cli_presets_on_two_rooms_in_a_subprocess(tmp_path):
    out = subprocess.run([sys.executable, "-m", "heron", "presets", "--import", str(EXAMPLE),
                          "TwoRooms-v0"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "synchronous baseline: lock-step every dt = 60 s (the env's dt); decisions every: " \
           "field 60 s" in out.stdout
    rows = _rows(out.stdout)
    both = "thermostat_1, thermostat_2"
    assert rows[("nominal", both)] == ["field", "60", "2", "1.5", "0", "GAUSSIAN 40%"]
    assert rows[("scada", both)] == ["field", "60", "2", "1.5", "1.5", "LOGNORMAL 40%"]
    assert rows[("w1", both)] == ["field", "60", "3", "6", "3", "GAUSSIAN 10%"]
    assert not any(k[0] == "ntcip" for k in rows)
    assert "ntcip: refused, its field agents nominally tick every 60 s, outside the 0.01-1 s" \
        in out.stdout


def test_cli_presets_listing_and_errors(capsys):
    assert cli.main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "scada: IEEE 2030" in out and "field       tick = nominal, obs 2 s, act 1.5 s" in out
    assert "coordinator tick 60 s, obs 2 s, act 1.5 s" in out and "heron presets ENV" in out
    assert "fits envs whose field agents nominally tick every 0.01-1 s" in out
    assert cli.main(["presets", "NoSuchEnv-v0"]) == 2
    err = capsys.readouterr().err
    assert "heron presets: error: ENV 'NoSuchEnv-v0'" in err and "--import" in err
    assert cli.main(["presets", "BatteryFleet-v0", "--kwargs", "[1]"]) == 2
    assert "--kwargs: expected a JSON object" in capsys.readouterr().err
