"""Shared test fixtures.

``heap_impl`` runs a test on both implementations of the interactive engine's hot path: the
compiled Cython heap and loop, and their pure-Python twin. Every test under the interactive
engine's folders (``INTERACTIVE_DIRS``) gets it automatically, so those suites run twice. (When
the package was imported with ``HERON_NO_EXTENSIONS=1`` only the twin exists and runs.)
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from heron._fast import _dispatch_py, _heap_py
from heron._fast import heap as heap_select

# Tests start subprocesses (`python -c ...`, `python -m heron ...`) from the checkout. With -c and
# -m Python puts the working directory first on sys.path, where the checkout's `heron/` has no
# compiled extensions: make every subprocess import the installed heron, as a user's would.
os.environ.setdefault("PYTHONSAFEPATH", "1")

INTERACTIVE_DIRS = ("scheduling", "envs", "agents", "protocols", "core")
_TESTS = Path(__file__).parent

_TWIN = {
    "EventQueue": _heap_py.EventQueue,
    "run_loop": _dispatch_py.run_loop,
    "make_tick": _dispatch_py.make_tick,
    "AgentEntry": _dispatch_py.AgentEntry,
    "JitterSampler": _dispatch_py.JitterSampler,
}


def pytest_generate_tests(metafunc):
    try:
        rel = Path(str(metafunc.definition.path)).relative_to(_TESTS)
    except ValueError:
        return
    wants = "heap_impl" in metafunc.fixturenames
    if not wants and rel.parts and rel.parts[0] in INTERACTIVE_DIRS:
        metafunc.fixturenames.append("heap_impl")
        wants = True
    if wants:
        impls = ["compiled", "python"] if heap_select.COMPILED else ["python"]
        metafunc.parametrize("heap_impl", impls, indirect=True)


@pytest.fixture
def heap_impl(request, monkeypatch):
    """"compiled" or "python": which heap, loop and sampler new schedulers and configs use."""
    if request.param == "python":
        for name, obj in _TWIN.items():
            monkeypatch.setattr(heap_select, name, obj)
    return request.param
