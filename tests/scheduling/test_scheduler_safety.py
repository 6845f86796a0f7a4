"""The scheduler's hardening of issue 12: no hang on tiny intervals, Ctrl-C interrupts a run,
no re-entrant run (the clock never moves back), every time argument checked like the
constructor checks ``start_time``."""
import math
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from heron.scheduling import Event, EventScheduler, EventType, TickConfig


def tiny(interval):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TickConfig.deterministic(tick_interval=interval)


@pytest.mark.parametrize("interval, start", [(1e-300, 0.0), (1e-12, 1e6)])
def test_tiny_deterministic_intervals_are_floored_and_do_not_hang(interval, start):
    s = EventScheduler(start_time=start)
    s.register_agent("a", tiny(interval))
    n = s.run_until(start + 0.0105)
    assert n == 11 and s.current_time == start + 0.0105


def test_a_tick_that_cannot_advance_the_clock_raises_instead_of_looping():
    class Frozen(TickConfig):
        def get_tick_interval(self):
            return 0.0

    s = EventScheduler()
    s.register_agent("stuck", Frozen())
    with pytest.raises(ValueError, match="'stuck'.*does not advance the clock at t=0.0 s"):
        s.run_until(1.0)
    late = EventScheduler(start_time=1e17)  # float64 steps are 16 s there: 1 ms vanishes
    late.register_agent("a")  # 1 s ticks: also lost at 1e17
    with pytest.raises(ValueError, match="does not advance the clock"):
        late.run_until(1e17 + 100.0)


def test_reentrant_run_until_is_refused_and_the_clock_never_moves_back():
    s = EventScheduler()
    s.register_agent("a", TickConfig.deterministic(tick_interval=1.0))
    times, errors = [], []

    def handler(ev, sch):
        times.append(sch.current_time)
        if ev.timestamp == 2.0:
            for call in (lambda: sch.run_until(20.0), sch.step, sch.process_next,
                         lambda: sch.run_steps(3), lambda: sch.reset(0.0)):
                try:
                    call()
                except RuntimeError as exc:
                    errors.append(str(exc))
    s.set_handler(EventType.AGENT_TICK, handler)
    s.run_until(5.0)
    assert len(errors) == 5 and all("inside an event handler" in e for e in errors)
    assert times == sorted(times) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert s.current_time == 5.0 and not s.running
    assert s.run_until(6.0) == 1  # usable afterwards


@pytest.mark.parametrize("bad, exc, match", [
    (math.inf, ValueError, "must be a finite number of seconds"),
    (-math.inf, ValueError, "must be a finite number of seconds"),
    (math.nan, ValueError, "must not be NaN"),
    ("5", TypeError, "must be a number of seconds; got '5'"),
    (True, TypeError, "must be a number of seconds; got True"),
    (None, TypeError, "must be a number of seconds; got None"),
])
def test_time_arguments_are_checked_everywhere(bad, exc, match):
    s = EventScheduler()
    s.register_agent("a")
    calls = {
        "start_time": lambda: EventScheduler(start_time=bad),
        "reset": lambda: s.reset(bad),
        "schedule_at": lambda: s.schedule_at(bad),
        "first_tick": lambda: s.register_agent("b", first_tick=bad),
        "schedule_after": lambda: s.schedule_after(bad),
        "schedule_agent_tick": lambda: s.schedule_agent_tick("a", timestamp=bad),
    }
    if bad is None:  # None means "now" / "one interval from now" there
        del calls["first_tick"], calls["schedule_agent_tick"]
    if not (isinstance(bad, float) and math.isinf(bad)):
        calls["run_until"] = lambda: s.run_until(bad)
    for name, call in calls.items():
        with pytest.raises(exc, match=match):
            call()
    assert s.current_time == 0.0 and s.agents == ["a"]


def test_inf_t_end_still_works_with_max_events_and_scheduling_at_inf_is_refused():
    s = EventScheduler()
    s.register_agent("a")
    assert s.run_until(math.inf, max_events=np.int64(3)) == 3 and s.current_time == 2.0
    with pytest.raises(ValueError, match="needs max_events"):
        s.run_until(math.inf)
    with pytest.raises(ValueError, match="timestamp must be finite"):
        s.schedule(Event(math.inf, EventType.CUSTOM))
    with pytest.raises(ValueError, match="max_events must be a non-negative int"):
        s.run_until(5.0, max_events=True)
    with pytest.raises(TypeError, match="event_type must be an EventType"):
        s.schedule_at(5.0, "agent_tick")


_INTERRUPT = r"""
import sys, warnings
from heron.scheduling import EventScheduler, TickConfig
warnings.simplefilter("ignore")
s = EventScheduler()
for i in range(10):
    s.register_agent(i, TickConfig.deterministic(tick_interval=1e-3))  # no handler at all
print("running", flush=True)
try:
    s.run_until(1e9)  # 1e13 events: hours
except KeyboardInterrupt:
    print(f"interrupted at t={s.current_time} processed={s.processed_count}", flush=True)
    s.unregister_agent(0)
    print("usable", s.run_until(s.current_time + 0.01) > 0, flush=True)
"""


def test_ctrl_c_interrupts_a_run_without_handlers(heap_impl):
    env = dict(os.environ, HERON_NO_EXTENSIONS="1" if heap_impl == "python" else "0")
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPT], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd="/")
    try:
        assert proc.stdout.readline().strip() == "running"
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "interrupted at t=" in out and "usable True" in out
