"""The pure-Python heap twin (HERON_NO_EXTENSIONS=1) gives the same W2 episodes as the compiled
heap. The twin's kernels cannot use Numba's cache, so this compiles them afresh (slow)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from heron._fast import heap as heap_select

CODE = """
import json, sys
from heron._fast import heap
assert not heap.COMPILED
from heron.batch import evaluate
from heron.demo_envs import battery_fleet
from heron.workloads import w2
env = battery_fleet(8, coordinator=True, horizon=40.0, disturbance_mean=8.0)
r = evaluate(env, None, timing=w2().timing, n_episodes=12, seed=5, threads=1)
json.dump({"ret": r.arrays["return"].tolist(), "msg": r.arrays["n_messages"].tolist()},
          sys.stdout)
"""


@pytest.mark.slow
@pytest.mark.skipif(not heap_select.COMPILED, reason="already running on the twin")
def test_w2_with_the_pure_heap_twin_matches_the_compiled_heap(tmp_path):
    from heron.batch import evaluate
    from heron.demo_envs import battery_fleet
    from heron.workloads import w2

    env = battery_fleet(8, coordinator=True, horizon=40.0, disturbance_mean=8.0)
    ref = evaluate(env, None, timing=w2().timing, n_episodes=12, seed=5)
    envvars = dict(os.environ, HERON_NO_EXTENSIONS="1", NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", CODE], env=envvars, capture_output=True,
                         text=True, timeout=600, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout)
    assert np.array_equal(np.array(got["ret"]), ref.arrays["return"])
    assert got["msg"] == ref.arrays["n_messages"].tolist()
    field = ref.arrays["agent_class"] == "field"
    assert ref.arrays["n_messages"][field].sum() > 0   # alarms went through the heap
