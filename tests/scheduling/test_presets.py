"""Calibrated timing presets: values, sampling statistics, errors."""
import numpy as np
import pytest

from heron.scheduling.presets import PRESETS, ntcip, preset, preset_names, scada
from heron.scheduling.tick_config import JitterType, TickConfig


def test_scada_calibration():
    field = scada("field")
    coord = scada("coordinator")
    assert (field.obs_delay, field.act_delay, field.jitter_type, field.jitter_ratio) == \
        (2.0, 1.5, JitterType.LOGNORMAL, 0.4)
    assert coord.tick_interval == 60.0 and coord.obs_delay == 2.0 and coord.act_delay == 1.5


def test_ntcip_and_deterministic_calibration():
    f = ntcip()
    assert (f.tick_interval, f.obs_delay, f.act_delay, f.jitter_type, f.jitter_ratio) == \
        (0.1, 0.05, 0.2, JitterType.UNIFORM, 0.2)
    d = preset("deterministic").tick_config("field")
    assert d == TickConfig.deterministic(tick_interval=1.0)


def test_scada_lognormal_latency_statistics():
    cfg = scada("field", seed=7)
    obs = np.array([cfg.get_obs_delay() for _ in range(40_000)])
    assert obs.min() > 0
    assert abs(obs.mean() - 2.0) < 0.03          # mean = the base value
    assert abs(obs.std() - 0.8) < 0.03           # std = 40 % of it
    assert np.median(obs) < obs.mean()           # right-skewed, unlike the Gaussian


def test_ntcip_uniform_bounds():
    cfg = ntcip(seed=3)
    acts = np.array([cfg.get_act_delay() for _ in range(5_000)])
    assert acts.min() >= 0.2 * 0.8 and acts.max() <= 0.2 * 1.2
    assert acts.max() - acts.min() > 0.07        # really spread over +/- 20 %


def test_fresh_generators_and_overrides():
    a, b = preset("w1").tick_config(seed=5), preset("w1").tick_config(seed=5)
    assert [a.get_tick_interval() for _ in range(5)] == [b.get_tick_interval() for _ in range(5)]
    c = preset("scada").tick_config("field", act_delay=0.8)
    assert c.act_delay == 0.8 and c.obs_delay == 2.0
    configs = preset("ntcip").tick_configs()
    assert set(configs) == {"field", "coordinator"}


def test_every_preset_builds_and_describes():
    assert preset_names() == sorted(PRESETS)
    for name in preset_names():
        p = preset(name.upper())
        for cls in ("field", "coordinator"):
            assert isinstance(p.tick_config(cls), TickConfig)
        assert name in p.describe()


@pytest.mark.parametrize("call, match", [
    (lambda: preset("scadaa"), r"unknown timing preset 'scadaa'.*valid presets"),
    (lambda: preset(3), "preset name must be a str"),
    (lambda: scada("system"), r"agent_class must be one of \['coordinator', 'field'\]"),
    (lambda: scada(act_dela=1.0), r"unknown TickConfig field\(s\) \['act_dela'\]"),
    (lambda: scada(act_delay=-1.0), "act_delay must be >= 0"),
])
def test_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
