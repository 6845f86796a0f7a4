"""Sobol indices of the loss against synchronous (``heron.analysis.sobol``): a constructed case
whose loss depends on the action delay only, chunk/thread invariance, validation.

The case: one battery whose initial state of charge is fixed (0.3), under a policy that always
commands the same charging power. Synchronously the command lands at t = 0; event-driven it lands
at the first tick's action delay ``A[0]`` (the first tick is at t = 0) and every later command is
the same, so the state trajectory, hence the loss, is a function of ``A[0]`` alone: observation
delays, tick intervals and jitter ratios do not matter (UNIFORM jitter keeps the mean
``act_delay``; it only adds episode noise). Battery-fleet kernels, shared with other tests."""
import numpy as np
import pandas as pd
import pytest

from heron.analysis.sobol import NOISE, Factor, run_sobol
from heron.batch import policies
from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig

ON = policies.step(0.5, 0.5, below=0.5, between=0.5, above=0.5, name="constant")
TIMING = {"field": TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.1, act_delay=0.2,
                                          jitter_type=JitterType.UNIFORM, jitter_ratio=0.1)}
FACTORS = [Factor("obs_delay", 0.0, 1.0, agents="field"),
           Factor("act_delay", 0.0, 1.0, agents="field"),
           Factor("tick_interval", 0.5, 2.0, agents="field"),
           Factor("jitter_ratio", 0.0, 0.5, agents="field")]


@pytest.fixture(scope="module")
def env():
    return battery_fleet(1, init_range=(0.3, 0.3), horizon=20.0)


@pytest.fixture(scope="module")
def known(env):
    return run_sobol(env, ON, FACTORS, timing=TIMING, n_base=512, replicates=4, seed=7,
                     n_boot=200)


def test_the_loss_follows_the_first_action_delay(known):
    d = known.design
    assert known.meta["loss_unit"] == "% of the mean synchronous return"
    # one function of A[0], whose replicate mean tracks act_delay (jitter only blurs it)
    assert abs(np.corrcoef(d["loss"], d["field.act_delay"])[0, 1]) > 0.95
    assert abs(np.corrcoef(d["loss"], d["field.obs_delay"])[0, 1]) < 0.1


def test_known_answer_puts_the_total_index_on_the_action_delay(known):
    idx = known.indices.set_index("factor")
    st = idx.loc[[f.name for f in FACTORS], "ST"]
    assert st["field.act_delay"] >= 0.9
    assert st["field.act_delay"] / st.clip(lower=0).sum() >= 0.9
    assert idx.loc["field.act_delay", "S1"] >= 0.9
    for other in ("field.obs_delay", "field.tick_interval", "field.jitter_ratio"):
        assert abs(st[other]) < 0.05, (other, st[other])
        assert abs(idx.loc[other, "S1"]) < 0.1, other
    # jitter only adds noise: measured by the replicates, small against the act_delay effect
    assert 0 < idx.loc[NOISE, "ST"] < 0.05
    assert list(known.indices.columns[:4]) == ["factor", "agents", "field", "distribution"]
    assert known.indices.attrs["n_points"] == 512 * (len(FACTORS) + 2)


def test_chunk_size_and_threads_do_not_change_the_indices(env, known):
    again = run_sobol(env, ON, FACTORS, timing=TIMING, n_base=512, replicates=4, seed=7,
                      n_boot=200, chunk_size=37, threads=1)
    pd.testing.assert_frame_equal(again.indices, known.indices, check_exact=True)
    pd.testing.assert_frame_equal(again.design, known.design, check_exact=True)
    other_seed = run_sobol(env, ON, FACTORS[:2], timing=TIMING, n_base=8, replicates=2, seed=8,
                           n_boot=20, threads=2)
    assert other_seed.meta["n_points"] == 8 * 4


@pytest.mark.parametrize("kwargs, kind, words", [
    (dict(factors=[]), ValueError, ["at least one Factor"]),
    (dict(factors="act_delay"), TypeError, ["factors must be a list of Factor", "got str"]),
    (dict(factors=[Factor("act_delay", 0, 1), Factor("act_delay", 0, 2)]), ValueError,
     ["distinct", "['act_delay'] repeat"]),
    (dict(factors=[Factor("act_delay", 0, 1, agents="coordinator")]), ValueError,
     ["agents must be an agent class", "['field']", "got 'coordinator'"]),
    (dict(factors=[Factor("tick_ratio", 2, 5)]), ValueError, ["no coordinator agent"]),
    (dict(factors=[Factor("act_delay", 0, 1), Factor("act_delay", 0, 1, agents="battery_1")]),
     ValueError, ["both set act_delay of agent 'battery_"]),
    (dict(timing={"field": TickConfig.deterministic(tick_interval=1.0)},
          factors=[Factor("jitter_ratio", 0, 0.2)]), ValueError,
     ["jitter type NONE", "agent 'battery_"]),
    (dict(n_base=100), ValueError, ["n_base must be a power of two", "64 or 128", "got 100"]),
    (dict(n_base=2.0), TypeError, ["n_base must be an integer", "got 2.0"]),
    (dict(replicates=1), ValueError, ["replicates must be in [2,", "got 1"]),
    (dict(conf_level=1.5), ValueError, ["conf_level must be a number in (0, 1)", "got 1.5"]),
    (dict(n_boot=3), ValueError, ["n_boot must be in [10,", "got 3"]),
])
def test_bad_arguments_name_argument_expected_and_received(env, kwargs, kind, words):
    args = dict(factors=FACTORS[:2], timing=TIMING, n_base=8, replicates=2)
    args.update(kwargs)
    factors = args.pop("factors")
    with pytest.raises(kind) as err:
        run_sobol(env, ON, factors, **args)
    for w in words:
        assert w in str(err.value), (w, str(err.value))


@pytest.mark.parametrize("kwargs, words", [
    (dict(field="latency", low=0, high=1), ["field must be one of", "got 'latency'"]),
    (dict(field="act_delay", low=1, high=0.5), ["'act_delay'", "low < high", "low=1, high=0.5"]),
    (dict(field="act_delay", low=-0.1, high=0.5), ["low >= 0", "got low=-0.1"]),
    (dict(field="tick_interval", low=0, high=2), ["low > 0", "got low=0"]),
    (dict(field="obs_delay", low=0, high=1, dist="loguniform"), ["loguniform needs low > 0"]),
    (dict(field="act_delay", low=0, high=1, dist="triangular", mode=1.0),
     ["low <= mode < high", "mode=1"]),
    (dict(field="act_delay", low=0, high=1, dist="truncnormal", mean=0.5, sd=0.0),
     ["sd > 0", "sd=0"]),
    (dict(field="act_delay", low=0, high=1, dist="normal"), ["dist must be one of",
                                                           "got 'normal'"]),
    (dict(field="act_delay", low=0, high=1, dist="triangular"), ["needs ['low', 'high', "
                                                                 "'mode']", "mode is missing"]),
    (dict(field="act_delay", low=0, high=1, mode=0.5), ["takes ['low', 'high']", "mode=0.5"]),
    (dict(field="jitter_ratio", low=0, high=200), ["high <= 100", "got high=200"]),
    (dict(field="act_delay", low=0, high=float("nan")), ["high must be finite"]),
    (dict(field="act_delay", low=0, high="1"), ["high must be a number", "got '1'"]),
])
def test_bad_factors_are_refused(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as err:
        Factor(**kwargs)
    for w in words:
        assert w in str(err.value), (w, str(err.value))
