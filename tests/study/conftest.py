"""Fixtures for the study tests: a small study on the stand-in engine (``fake_engine``)."""
import os
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

STUDY = textwrap.dedent("""\
    [study]
    name = "small"
    seed = 11
    n_episodes = {n}
    shard_size = {shard}
    horizon = 20.0

    [environment]
    name = "fake_engine:make_env"

    [policies]
    a = "fake_engine:policy_a"
    b = "fake_engine:policy_b"

    [timing]
    base = "w1"
    presets = ["scada"]

    [timing.grid]
    act_delay = [0.0, 0.5]
    jitter_ratio = [0.1, 0.4]
    """)


@pytest.fixture
def study_file(tmp_path):
    """``make(n=.., shard=..)`` writes a study file under tmp_path and returns its path."""
    def make(n=30, shard=10, name="study.toml"):
        path = tmp_path / name
        path.write_text(STUDY.format(n=n, shard=shard))
        return str(path)
    return make


@pytest.fixture
def fake_env():
    """Environment for subprocesses: the stand-in engine importable."""
    env = dict(os.environ)
    # no empty entry: an empty PYTHONPATH item means the working directory (the checkout)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, env.get("PYTHONPATH")) if p)
    return env
