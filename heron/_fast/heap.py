"""The event heap (and the scheduler loop over it) heron uses: compiled, or the pure-Python twin.

Set ``HERON_NO_EXTENSIONS=1`` to force the pure-Python twin (``heron._fast._heap_py``).
``EventScheduler`` reads ``EventQueue`` and ``run_loop`` from here when it is constructed, so
the test suite can swap implementations per test (``tests/conftest.py``).
"""
from __future__ import annotations

import os

NO_EXTENSIONS: bool = os.environ.get("HERON_NO_EXTENSIONS", "").strip().lower() in (
    "1", "true", "yes", "on",
)

_BUILD_HINT = (
    "heron's compiled event heap (heron._fast._heap) is not built. Install heron with "
    "`pip install .` (or `pip install -e . --no-build-isolation` in a checkout with Cython and "
    "numpy installed) so the extension is compiled, or set HERON_NO_EXTENSIONS=1 to use the "
    "slower pure-Python twin."
)

if NO_EXTENSIONS:
    from heron._fast import _dispatch_py as dispatch_impl
    from heron._fast import _heap_py as impl
else:
    try:
        from heron._fast import _dispatch as dispatch_impl
        from heron._fast import _heap as impl
    except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
        raise ImportError(f"{_BUILD_HINT} (import failed with: {exc})") from exc

COMPILED: bool = not NO_EXTENSIONS
EventQueue = impl.EventQueue
push_array = impl.push_array
pop_array = impl.pop_array
run_loop = dispatch_impl.run_loop  # the EventScheduler.run_until loop over an EventQueue
make_tick = dispatch_impl.make_tick  # the AGENT_TICK event of an agent's chain
Event = dispatch_impl.Event
JitterSampler = dispatch_impl.JitterSampler
AgentEntry = dispatch_impl.AgentEntry
