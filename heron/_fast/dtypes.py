"""Every structured dtype and every event-class code of heron, in one place.

Times are float64 seconds. Dtypes are named ``*_dt`` and are C-aligned so that compiled code
(Cython structs, Numba records) can share them.
"""
import numpy as np

# One record of the compiled event heap (matches ``heap_event`` in ``_heap.pxd``).
heap_event_dt = np.dtype(
    [("time", "f8"), ("cls", "i8"), ("agent", "i8"), ("seq", "i8"), ("data", "i8")],
    align=True,
)

# Event classes of the timing contract, in tie-break order at one timestamp
# (timing-model.md section 4): lower code runs first.
EV_OBS_SAMPLE = 0
EV_TICK = 1
EV_MSG_DELIVERY = 2
EV_ACTION_EFFECT = 3
EV_REWARD = 4
EV_CUSTOM = 5
N_EVENT_CLASSES = 6
