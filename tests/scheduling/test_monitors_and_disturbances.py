"""Condition monitors and disturbance schedules on a bare scheduler (issue 13 item 2): the
reference's fields (cooldown, one-shot, preempting the next tick), heron's additions (bands,
edge triggering), list and Poisson schedules drawn from the batch engine's streams."""
import math

import numpy as np
import pytest

from heron._fast.rng import ENV_AGENT, Q_DISTURB_TIME, uniform_array
from heron.scheduling import (
    ConditionMonitor, Disturbance, DisturbanceSchedule, EventScheduler, EventType, TickConfig,
)


def test_threshold_directions_and_key_paths():
    below = ConditionMonitor.threshold("low", "a", ["bus", "v"], 0.95)
    above = ConditionMonitor.threshold("high", "a", [0], 2.0, direction="above")
    band = ConditionMonitor.threshold("out", "a", [1], (0.2, 0.8), direction="outside")
    inside = ConditionMonitor.threshold("in", "a", "x", (0.2, 0.8), direction="inside")
    assert below.fires({"bus": {"v": 0.9}}, 0.0) and not below.fires({"bus": {"v": 1.0}}, 1.0)
    assert not below.fires({"bus": {}}, 2.0)  # a missing value never fires
    assert above.fires(np.array([2.5]), 0.0) and not above.fires(np.array([2.0]), 1.0)
    assert band.fires([0, 0.9], 0.0) and not band.fires([0, 0.8], 1.0)  # inclusive band
    assert inside.fires({"x": 0.5}, 0.0)
    with pytest.raises(ValueError, match="direction must be one of"):
        ConditionMonitor.threshold("m", "a", [0], 1.0, direction="sideways")
    with pytest.raises(TypeError, match=r"needs threshold=\(low, high\)"):
        ConditionMonitor.threshold("m", "a", [0], 1.0, direction="outside")
    with pytest.raises(ValueError, match="cooldown of monitor 'm' must be >= 0 seconds"):
        ConditionMonitor("m", "a", bool, cooldown=-1.0)
    assert not ConditionMonitor.noop().fires({}, 0.0)


def test_cooldown_one_shot_and_edge_triggering():
    cool = ConditionMonitor("c", "a", lambda x: x > 0, cooldown=5.0)
    assert [cool.fires(1, t) for t in (0.0, 1.0, 4.9, 5.0, 6.0)] == [True, False, False, True,
                                                                       False]
    once = ConditionMonitor("o", "a", lambda x: x > 0, one_shot=True)
    assert [once.fires(1, t) for t in (0.0, 1.0)] == [True, False]
    edge = ConditionMonitor("e", "a", lambda x: x > 0, edge_triggered=True)
    assert [edge.fires(x, t) for t, x in enumerate([1, 1, 0, 1, 1])] == [True, False, False,
                                                                          True, False]
    for m in (cool, once, edge):
        m.reset()
    assert once.fires(1, 100.0) and cool.fires(1, 0.0)


def test_evaluate_conditions_queues_condition_triggers():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0)
    s.register_condition(ConditionMonitor.threshold("hot", "a", ["T"], 30.0, direction="above",
                                                    delay=0.5))
    s.register_condition(ConditionMonitor("once", "a", lambda st: True, one_shot=True))
    with pytest.raises(ValueError, match="'hot' is already registered"):
        s.register_condition(ConditionMonitor("hot", "a", bool))
    fired = s.evaluate_conditions({"T": 31.0})
    assert [(e.timestamp, e.event_type, e.payload["monitor_id"]) for e in fired] == [
        (0.5, EventType.CONDITION_TRIGGER, "hot"), (0.0, EventType.CONDITION_TRIGGER, "once")]
    assert [m.monitor_id for m in s.condition_monitors] == ["hot"]  # one-shot deregistered
    assert s.deregister_condition("hot") and not s.deregister_condition("hot")


def test_preempt_next_tick_replaces_the_queued_tick():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0)
    s.register_agent("b", tick_interval=1.0)
    s.register_condition(ConditionMonitor("alarm", "a", lambda st: st, preempt_next_tick=True,
                                          delay=0.25))
    log = []
    s.set_handler(EventType.AGENT_TICK, lambda ev, sch: log.append((ev.timestamp, ev.agent_id)))
    s.set_handler(EventType.CONDITION_TRIGGER,
                  lambda ev, sch: log.append((ev.timestamp, "trigger")))
    s.run_until(1.5)
    s.evaluate_conditions(True)  # at 1.5 s: trigger at 1.75 s replaces a's tick at 2 s
    s.run_until(4.0)
    a_ticks = [t for t, who in log if who == "a"]
    assert (1.75, "trigger") in log and a_ticks == [0.0, 1.0, 2.75, 3.75]
    assert [t for t, who in log if who == "b"] == [0.0, 1.0, 2.0, 3.0, 4.0]
    s.reset()
    assert len(s.evaluate_conditions(True)) == 1  # monitors survive a reset


def test_list_schedules_sorted_and_numbered():
    sched = DisturbanceSchedule.from_list([{"t": 5.0, "type": "fault", "line": 7},
                                           {"t": 2.0, "type": "spike"}])
    assert [(d.timestamp, d.disturbance_type, d.index) for d in sched.disturbances] == [
        (2.0, "spike", 0), (5.0, "fault", 1)]
    assert sched.disturbances[1].payload == {"line": 7} and len(sched) == 2
    assert [d.timestamp for d in DisturbanceSchedule.at([3.0, 1.0]).arrivals(0.0, 10.0)] == [
        1.0, 3.0]
    with pytest.raises(ValueError, match="needs a 't'"):
        DisturbanceSchedule.from_list([{"type": "x"}])
    with pytest.raises(ValueError, match="finite"):
        Disturbance(math.inf)


def test_poisson_arrivals_are_the_batch_engines_stream():
    sched = DisturbanceSchedule.poisson(mean_spacing=60.0)
    times = [d.timestamp for d in sched.arrivals(0.0, 2000.0, seed=7, episode=3)]
    u = uniform_array(7, 3, ENV_AGENT, Q_DISTURB_TIME, len(times) + 1)
    expect = np.cumsum(-60.0 * np.log1p(-u))
    np.testing.assert_array_equal(times, [t for t in expect if t <= 2000.0])
    assert 15 < len(times) < 55
    by_rate = [d.timestamp for d in DisturbanceSchedule.poisson(rate=1 / 60.0).arrivals(
        0.0, 2000.0, seed=7, episode=3)]
    np.testing.assert_allclose(by_rate, times, rtol=1e-12)
    other = [d.timestamp for d in DisturbanceSchedule.poisson(60.0, stream=1).arrivals(
        0.0, 2000.0, seed=7, episode=3)]
    assert other[:3] != times[:3]  # another stream: independent arrivals
    with pytest.raises(ValueError, match="one disturbance type per Poisson schedule"):
        DisturbanceSchedule.poisson(60.0, disturbance_types=["a", "b"])
    with pytest.raises(ValueError, match="exactly one"):
        DisturbanceSchedule.poisson(60.0, rate=0.1)


def test_enqueue_on_a_bare_scheduler_in_the_custom_place():
    s = EventScheduler()
    s.register_agent("a", TickConfig.deterministic(1.0))
    got = []
    s.set_handler(EventType.ENV_UPDATE, lambda ev, sch: got.append(
        ("disturbance", ev.timestamp, ev.payload["disturbance"].disturbance_type)))
    s.set_handler(EventType.CUSTOM, lambda ev, sch: got.append(("custom", ev.timestamp)))
    s.set_handler(EventType.AGENT_TICK, lambda ev, sch: got.append(("tick", ev.timestamp)))
    DisturbanceSchedule.at([1.0, 2.0], "spike").enqueue(s)
    s.schedule_at(2.0, EventType.CUSTOM)
    s.schedule_at(1.0, EventType.ENV_UPDATE, payload={"disturbance": Disturbance(1.0, "plain")},
                  priority=EventType.ENV_UPDATE.default_priority)
    s.run_until(2.0)
    assert got == [("tick", 0.0), ("tick", 1.0), ("disturbance", 1.0, "plain"),
                   ("disturbance", 1.0, "spike"), ("tick", 2.0), ("custom", 2.0),
                   ("disturbance", 2.0, "spike")]
    with pytest.raises(ValueError, match="needs t_end"):
        DisturbanceSchedule.poisson(10.0).enqueue(s)
    assert len(DisturbanceSchedule.poisson(10.0).enqueue(s, t_end=100.0, seed=1)) > 3
