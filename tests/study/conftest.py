"""Fixtures for the study tests: a small study on the stand-in engine (``fake_engine``)."""
import os

import pytest

from fake_engine import STUDY  # the study file template

HERE = os.path.dirname(os.path.abspath(__file__))


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
