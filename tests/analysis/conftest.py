"""A small study dataset written by the study runner with the stand-in engine
(``tests/study/fake_engine.py``), shared by the analysis tests of one session."""
import os
import sys

import pytest

STUDY_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "study")
if STUDY_TESTS not in sys.path:
    sys.path.insert(0, STUDY_TESTS)

TOML = """\
[study]
name = "analysis"
seed = 5
n_episodes = 60
shard_size = 25

[environment]
name = "fake_engine:make_env"

[policies]
a = "fake_engine:policy_a"
b = "fake_engine:policy_b"

[timing]
base = "w1"
presets = ["scada"]

[timing.grid]
act_delay = [0.0, 0.5, 1.0]
jitter_ratio = [0.0, 0.2]
"""


@pytest.fixture(scope="session")
def study_dir(tmp_path_factory):
    from heron.study import parse_spec, run_study

    out = tmp_path_factory.mktemp("analysis") / "out"
    run_study(parse_spec(TOML, path="analysis.toml"), str(out), executor="inline",
              evaluator="fake_engine:evaluate", quiet=True)
    return str(out)
