"""The heap from Numba kernels: compiled (via llvmlite symbols) and the Numba twin agree."""
import os
import subprocess
import sys

import numpy as np
from numba import njit

from heron._fast.dtypes import heap_event_dt
from heron._fast.heap_nb import CACHE, heap_peek_time_nb, heap_pop_nb, heap_push_nb


@njit(cache=CACHE)
def _drain(times, classes):
    heap = np.empty(times.shape[0], heap_event_dt)
    out = np.empty(1, heap_event_dt)
    size = 0
    for i in range(times.shape[0]):
        size = heap_push_nb(heap, size, times[i], classes[i], 0, i, i)
    first = heap_peek_time_nb(heap, size)
    res = np.empty((times.shape[0], 3))
    for i in range(times.shape[0]):
        size = heap_pop_nb(heap, size, out)
        res[i, 0] = out[0].time
        res[i, 1] = out[0].cls
        res[i, 2] = out[0].seq
    return first, res, heap_pop_nb(heap, size, out), heap_peek_time_nb(heap, size)


def test_numba_heap_orders_by_time_class_seq():
    rng = np.random.default_rng(3)
    times = rng.integers(0, 20, 500).astype(np.float64) / 4.0
    classes = rng.integers(0, 5, 500)
    first, res, empty_pop, empty_peek = _drain(times, classes)
    expected = sorted(zip(times, classes, range(500)))
    assert first == expected[0][0]
    assert [tuple(r) for r in res] == [tuple(map(float, e)) for e in expected]
    assert empty_pop == -1 and empty_peek == np.inf


def test_numba_twin_gives_the_same_order(tmp_path):
    """Run the same drain with HERON_NO_EXTENSIONS=1 (the Numba twin) in a fresh process."""
    script = tmp_path / "drain.py"
    script.write_text(
        "import numpy as np, sys\n"
        "sys.path.insert(0, %r)\n"
        "from test_heap_nb import _drain\n"
        "from heron._fast.heap_nb import COMPILED\n"
        "rng = np.random.default_rng(3)\n"
        "t = rng.integers(0, 20, 500).astype(np.float64) / 4.0\n"
        "c = rng.integers(0, 5, 500)\n"
        "np.save(%r, _drain(t, c)[1])\n"
        "print('COMPILED' if COMPILED else 'TWIN')\n" % (os.path.dirname(__file__),
                                                         str(tmp_path / "twin.npy"))
    )
    env = dict(os.environ, HERON_NO_EXTENSIONS="1")
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "TWIN"
    rng = np.random.default_rng(3)
    times = rng.integers(0, 20, 500).astype(np.float64) / 4.0
    classes = rng.integers(0, 5, 500)
    np.testing.assert_array_equal(np.load(tmp_path / "twin.npy"), _drain(times, classes)[1])


def test_missing_extension_gives_build_hint(tmp_path):
    """Importing without the compiled heap explains how to build it."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name in ('heron._fast._heap', 'heron._fast._dispatch'):\n"
        "            raise ImportError('blocked for the test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "try:\n"
        "    import heron.scheduling\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HERON_NO_EXTENSIONS"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert "pip install" in proc.stdout and "HERON_NO_EXTENSIONS=1" in proc.stdout
