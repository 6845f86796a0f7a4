"""EventScheduler: the contract of docs/timing-model.md section 5 (runs on both heap
implementations)."""
import math

import pytest

from heron.scheduling import Event, EventScheduler, EventType, JitterType, TickConfig


def _logger(log):
    def on_tick(event, sched):
        log.append((round(event.timestamp, 9), event.agent_id))
    return on_tick


def test_tutorial_step2_two_agents_for_ten_seconds():
    s = EventScheduler(start_time=0.0)
    s.register_agent("battery_1", tick_config=TickConfig.with_jitter(
        tick_interval=1.0, obs_delay=0.05, act_delay=0.1, jitter_type=JitterType.UNIFORM,
        jitter_ratio=0.1, seed=42))
    s.register_agent("microgrid_1", tick_config=TickConfig.with_jitter(
        tick_interval=5.0, obs_delay=0.2, act_delay=0.5, jitter_type=JitterType.GAUSSIAN,
        jitter_ratio=0.05, seed=43))
    assert list(s.agent_intervals) == ["battery_1", "microgrid_1"]
    assert s.agent_intervals == {"battery_1": 1.0, "microgrid_1": 5.0}
    assert s.pending_count == 2
    assert "agents=2" in repr(s) and "pending=2" in repr(s)
    log = []
    s.set_handler(EventType.AGENT_TICK, _logger(log))
    n = s.run_until(t_end=10.0)
    assert n == len(log) == s.processed_count
    battery = [t for t, a in log if a == "battery_1"]
    grid = [t for t, a in log if a == "microgrid_1"]
    assert log[:2] == [(0.0, "battery_1"), (0.0, "microgrid_1")]  # registration order at t=0
    assert 9 <= len(battery) <= 12 and len(grid) == 2
    assert all(0.9 - 1e-12 <= b - a <= 1.1 + 1e-12 for a, b in zip(battery, battery[1:]))
    assert s.current_time == 10.0


def test_intervals_follow_the_configs_own_samples():
    cfg = TickConfig.with_jitter(tick_interval=1.0, jitter_type="gaussian", jitter_ratio=0.2, seed=9)
    twin = TickConfig.with_jitter(tick_interval=1.0, jitter_type="gaussian", jitter_ratio=0.2, seed=9)
    s = EventScheduler()
    s.register_agent("a", cfg)
    log = []
    s.set_handler(EventType.AGENT_TICK, _logger(log))
    s.run_until(30.0)
    t, expected = 0.0, []
    while t <= 30.0:
        expected.append(t)
        t = t + twin.get_tick_interval()
    assert [x for x, _ in log] == [round(e, 9) for e in expected]


def test_run_until_is_inclusive_and_moves_the_clock_to_t_end():
    s = EventScheduler()
    s.register_agent("a", TickConfig.deterministic(tick_interval=1.0))
    log = []
    s.set_handler(EventType.AGENT_TICK, _logger(log))
    assert s.run_until(2.0) == 3  # ticks at 0, 1 and 2
    assert s.current_time == 2.0
    assert s.run_until(2.5) == 0 and s.current_time == 2.5
    empty = EventScheduler(start_time=3.0)
    assert empty.run_until(7.0) == 0 and empty.current_time == 7.0


def test_tutorial_step_loop_never_stalls_under_jitter():
    """The tutorial's `end_time = scheduler.current_time + 1.0` loop must always advance."""
    s = EventScheduler()
    s.register_agent("a", TickConfig.with_jitter(tick_interval=1.0, jitter_type="gaussian",
                                                 jitter_ratio=0.4, seed=0))
    for step in range(1, 51):
        s.run_until(s.current_time + 1.0)
        assert s.current_time == pytest.approx(float(step))


def test_max_events_stops_at_the_last_handled_event():
    s = EventScheduler()
    s.register_agent("a", TickConfig.deterministic(tick_interval=1.0))
    assert s.run_until(10.0, max_events=3) == 3
    assert s.current_time == 2.0
    assert s.step() and s.current_time == 3.0


def test_registration_order_breaks_ties_never_hashing():
    ids = ["zeta", "alpha", 3, ("tuple", 1), "mid"]
    s = EventScheduler()
    for aid in ids:
        s.register_agent(aid, TickConfig.deterministic(tick_interval=0.5))
    log = []
    s.set_handler(EventType.AGENT_TICK, _logger(log))
    s.run_until(2.0)
    for k in range(5):
        assert [a for _, a in log[5 * k:5 * k + 5]] == ids
    assert s.agent_indices == {aid: s.agent_index(aid) for aid in ids}
    assert list(s.agent_indices.values()) == [0, 1, 2, 3, 4]


def test_class_order_at_one_timestamp():
    s = EventScheduler()
    s.register_agent("b")
    s.register_agent("a")
    seen = []
    for et in EventType:
        s.set_handler(et, lambda ev, sched: seen.append((ev.event_type, ev.agent_id)))
    for et in [EventType.ENV_UPDATE, EventType.ACTION_EFFECT, EventType.MESSAGE_DELIVERY,
               EventType.OBSERVATION_READY]:
        s.schedule_at(0.0, et, agent_id="a")
        s.schedule_at(0.0, et, agent_id="b")
    s.run_until(0.0)
    order = [EventType.OBSERVATION_READY, EventType.AGENT_TICK, EventType.MESSAGE_DELIVERY,
             EventType.ACTION_EFFECT, EventType.ENV_UPDATE]
    assert seen == [(et, aid) for et in order for aid in ("b", "a")]


def test_equal_priority_events_run_first_scheduled_first():
    s = EventScheduler()
    seen = []
    s.set_handler(EventType.CUSTOM, lambda ev, sched: seen.append(ev.payload))
    for i in range(20):
        s.schedule(Event(1.0, EventType.CUSTOM, payload=i, priority=7))
    s.schedule(Event(1.0, EventType.CUSTOM, payload="urgent", priority=-1))
    s.run_until(1.0)
    assert seen == ["urgent"] + list(range(20))


def test_registering_twice_is_an_error_not_a_second_chain():
    s = EventScheduler()
    s.register_agent("a")
    with pytest.raises(ValueError, match="agent_id 'a' is already registered"):
        s.register_agent("a")
    assert s.pending_count == 1


def test_unregister_stops_the_chain_and_reregistering_starts_one():
    s = EventScheduler()
    s.register_agent("a")
    log = []
    s.set_handler(EventType.AGENT_TICK, _logger(log))
    s.run_until(2.0)
    s.unregister_agent("a")
    s.run_until(5.0)
    assert [t for t, _ in log] == [0.0, 1.0, 2.0]
    s.register_agent("a", first_tick=5.5)
    s.run_until(7.0)
    assert [t for t, _ in log] == [0.0, 1.0, 2.0, 5.5, 6.5]
    with pytest.raises(KeyError, match="'nobody' is not registered"):
        s.unregister_agent("nobody")


def test_step_skips_dropped_ticks_and_handles_the_next_event():
    s = EventScheduler()
    s.register_agent("gone")
    s.register_agent("b", first_tick=1.0)
    s.unregister_agent("gone")  # its tick at 0 stays queued and is dropped when reached
    log = []
    s.set_handler(EventType.AGENT_TICK, _logger(log))
    assert s.step() is True
    assert log == [(1.0, "b")] and s.current_time == 1.0
    s.unregister_agent("b")
    assert s.step() is False and s.pending_count == 0


def test_unregister_from_inside_the_handler():
    s = EventScheduler()
    s.register_agent("a")
    log = []

    def once(ev, sched):
        log.append(ev.timestamp)
        sched.unregister_agent(ev.agent_id)
    s.set_handler(EventType.AGENT_TICK, once)
    s.run_until(5.0)
    assert log == [0.0] and s.pending_count == 0


def test_scheduling_into_the_past_and_running_backwards_are_errors():
    s = EventScheduler()
    s.run_until(5.0)
    with pytest.raises(ValueError, match=r"in the past: timestamp 4.0 s is before the current time 5.0 s"):
        s.schedule(Event(4.0, EventType.CUSTOM))
    with pytest.raises(ValueError, match=r"t_end must be >= the current time 5.0 s; got 1.0"):
        s.run_until(1.0)
    with pytest.raises(ValueError, match="t_end must not be NaN"):
        s.run_until(math.nan)
    with pytest.raises(ValueError, match="needs max_events"):
        s.run_until(math.inf)
    with pytest.raises(ValueError, match="delay must be >= 0 seconds; got -1"):
        s.schedule_after(-1, EventType.CUSTOM)
    with pytest.raises(TypeError, match="takes a heron Event"):
        s.schedule("not an event")
    with pytest.raises(TypeError, match="tick_config must be a TickConfig"):
        s.register_agent("x", tick_config={"tick_interval": 1.0})
    with pytest.raises(ValueError, match="max_events must be a non-negative int"):
        s.run_until(6.0, max_events=-2)


def test_a_raising_handler_names_the_event_and_leaves_the_scheduler_usable():
    s = EventScheduler()
    s.register_agent("a")
    calls = []

    def flaky(ev, sched):
        calls.append(ev.timestamp)
        if ev.timestamp == 2.0:
            raise RuntimeError("sensor offline")
    s.set_handler(EventType.AGENT_TICK, flaky)
    with pytest.raises(RuntimeError, match="sensor offline") as info:
        s.run_until(5.0)
    notes = " ".join(getattr(info.value, "__notes__", []))
    if hasattr(info.value, "add_note"):
        assert "AGENT_TICK" in notes and "'a'" in notes and "t=2.0" in notes
    assert s.current_time == 2.0 and s.processed_count == 3
    assert s.run_until(5.0) == 3  # the chain continued: ticks at 3, 4, 5
    assert calls == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_reset_requeues_first_ticks_in_registration_order():
    s = EventScheduler()
    s.register_agent("b")
    s.register_agent("a", TickConfig.deterministic(tick_interval=2.0))
    s.schedule_at(0.5, EventType.CUSTOM)
    s.run_until(3.0)
    s.reset(start_time=10.0)
    assert s.current_time == 10.0 and s.processed_count == 0
    assert [(e.timestamp, e.agent_id) for e in s.pending_events()] == [(10.0, "b"), (10.0, "a")]


def test_handler_validation():
    s = EventScheduler()
    with pytest.raises(TypeError, match="event_type must be an EventType"):
        s.set_handler("AGENT_TICK", print)
    with pytest.raises(TypeError, match="must be callable"):
        s.set_handler(EventType.AGENT_TICK, 42)


def test_scheduler_counts_ten_thousand_agents_exactly():
    s = EventScheduler()
    for i in range(10000):
        s.register_agent(i, TickConfig.deterministic(tick_interval=1.0))
    assert s.run_until(2.0) == 30000
