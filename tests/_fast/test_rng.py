"""Counter-based random streams: purity, distributions, independence."""
import numpy as np
import pytest
from scipy import stats

from heron._fast import rng


def test_samples_are_pure_functions_of_the_tuple():
    a = rng.uniform_array(7, 3, 1, rng.Q_OBS, 50)
    b = rng.uniform_array(7, 3, 1, rng.Q_OBS, 50)
    assert np.array_equal(a, b)
    # a longer draw extends the shorter one: index k does not depend on how many are drawn
    c = rng.uniform_array(7, 3, 1, rng.Q_OBS, 80)
    assert np.array_equal(a, c[:50])


@pytest.mark.parametrize("changed", ["seed", "episode", "agent", "quantity"])
def test_each_component_changes_the_stream(changed):
    base = dict(seed=7, episode=3, agent=1, quantity=rng.Q_OBS)
    other = dict(base)
    other[changed] += 1
    a = rng.uniform_array(base["seed"], base["episode"], base["agent"], base["quantity"], 100)
    b = rng.uniform_array(other["seed"], other["episode"], other["agent"], other["quantity"], 100)
    assert not np.any(a == b)


def test_uniform_range_and_distribution():
    u = rng.uniform_array(12345, 0, 0, rng.Q_INTERVAL, 20000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 0.001


def test_normal_distribution_and_ppf_accuracy():
    z = rng.normal_array(12345, 0, 0, rng.Q_ACT, 20000)
    assert stats.kstest(z, "norm").pvalue > 0.001
    p = np.linspace(1e-9, 1 - 1e-9, 2001)
    from numba import njit

    ppf = njit(lambda x: rng.norm_ppf(x))
    approx = np.array([ppf(x) for x in p])
    assert np.max(np.abs(approx - stats.norm.ppf(p))) < 1e-7


def test_streams_of_different_agents_are_uncorrelated():
    n = 20000
    a = rng.normal_array(5, 9, 0, rng.Q_INTERVAL, n)
    b = rng.normal_array(5, 9, 1, rng.Q_INTERVAL, n)
    c = rng.normal_array(5, 10, 0, rng.Q_INTERVAL, n)
    bound = 4.0 / np.sqrt(n)
    assert abs(np.corrcoef(a, b)[0, 1]) < bound
    assert abs(np.corrcoef(a, c)[0, 1]) < bound
    # lag-1 autocorrelation within a stream
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < bound
