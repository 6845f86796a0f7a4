"""The public reference's scheduler surface on heron (issue 13 item 1), with heron's contract:
``register_agent`` in both spellings, ``peek``/``pop``/``process_next``/``run_steps``/``clear``,
``schedule_agent_tick``/``schedule_action_effect``/``schedule_message_delivery``, the views,
``EventType`` strings and ``Event.payload`` defaults. Modelled on the reference's documented
behaviour (run limits, observation delays, deterministic replay, unregistration)."""
import pytest

from heron.scheduling import (
    EVENT_TYPE_FROM_STRING, Event, EventScheduler, EventType, JitterType, TickConfig,
)
from heron.scheduling.event import TICK_PAYLOAD


def ticks_of(s, until):
    log = []
    s.set_handler(EventType.AGENT_TICK, lambda ev, sch: log.append((ev.timestamp, ev.agent_id)))
    s.run_until(until)
    return log


def test_register_agent_with_the_references_plain_timing_values():
    s = EventScheduler()
    s.register_agent("sensor_1", tick_interval=1.0, obs_delay=0.1, act_delay=0.2)
    s.register_agent("controller_1", tick_interval=5.0)
    assert s.agent_intervals == {"sensor_1": 1.0, "controller_1": 5.0}
    assert s.agent_obs_delays == {"sensor_1": 0.1, "controller_1": 0.0}
    assert s.agent_act_delays == {"sensor_1": 0.2, "controller_1": 0.0}
    cfgs = s.agent_tick_configs
    assert list(cfgs) == ["sensor_1", "controller_1"]
    assert cfgs["sensor_1"] == TickConfig.deterministic(1.0, 0.1, 0.2)
    assert s.get_obs_delay("sensor_1") == 0.1 and s.get_act_delay("sensor_1") == 0.2
    assert s.get_tick_interval("controller_1") == 5.0 and s.get_msg_delay("sensor_1") == 0.0


def test_register_agent_positional_forms_of_both_apis():
    s = EventScheduler()
    s.register_agent("ref", 2.0, 0.1, 0.3, 0.5)  # reference: (tick_interval, obs, act, first_tick)
    s.register_agent("heron", TickConfig.deterministic(3.0), 0.25)  # heron: (tick_config, first)
    assert s.agent_intervals == {"ref": 2.0, "heron": 3.0}
    assert s.agent_act_delays["ref"] == 0.3
    assert [(e.timestamp, e.agent_id) for e in s.pending_events()] == [(0.25, "heron"),
                                                                        (0.5, "ref")]
    with pytest.raises(ValueError, match="not both"):
        s.register_agent("x", tick_config=TickConfig(), tick_interval=1.0)
    with pytest.raises(TypeError, match="got tick_interval twice"):
        s.register_agent("y", 1.0, tick_interval=2.0)
    with pytest.raises(ValueError, match="tick_interval must be > 0"):
        s.register_agent("z", tick_interval=0.0)


def test_run_limits_max_events_and_time():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0)
    s.register_agent("b", tick_interval=2.0)
    assert s.run_until(10.0, max_events=5) == 5
    assert s.processed_count == 5
    n = s.run_until(10.0)
    assert s.processed_count == 5 + n and s.current_time == 10.0
    assert [e.timestamp for e in s.event_queue] == [11.0, 12.0]


def test_deterministic_replay_same_configs_same_ticks():
    def run():
        s = EventScheduler()
        for i in range(3):
            s.register_agent(f"a{i}", tick_config=TickConfig.with_jitter(
                1.0, jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.2, seed=i))
        return ticks_of(s, 30.0)
    assert run() == run()


def test_unregistration_stops_ticks_and_reference_views_follow():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0)
    s.register_agent("b", tick_interval=1.0)
    s.run_until(2.0)
    s.unregister_agent("a")
    assert list(s.agent_obs_delays) == ["b"]
    log = ticks_of(s, 4.0)
    assert {aid for _, aid in log} == {"b"}


def test_peek_pop_process_next_and_run_steps():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0)
    s.schedule_at(0.5, EventType.CUSTOM, payload={"k": 1})
    seen = []
    s.set_handler(EventType.CUSTOM, lambda ev, sch: seen.append(ev.payload["k"]))
    assert s.peek().event_type is EventType.AGENT_TICK and s.peek().timestamp == 0.0
    assert s.pending_count == 2  # peek removes nothing
    assert s.process_next() is True and s.current_time == 0.0
    assert s.run_steps(3) == 3  # custom at 0.5, ticks at 1 and 2
    assert seen == [1] and s.current_time == 2.0
    ev = s.pop()  # the tick at 3 s, unhandled: the chain of "a" stops
    assert (ev.timestamp, ev.agent_id) == (3.0, "a") and s.current_time == 2.0
    assert s.peek() is None and s.pop() is None and s.process_next() is False
    assert s.run_steps(5) == 0 and s.current_time == 2.0
    s.schedule_agent_tick("a", timestamp=4.0)  # restarts the chain
    assert s.run_steps(3) == 3 and s.current_time == 6.0


def test_clear_stops_chains_and_schedule_agent_tick_restarts_one():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0)
    s.register_agent("b", tick_interval=1.0)
    s.run_until(1.0)
    s.clear()
    assert s.pending_count == 0 and s.run_until(5.0) == 0 and s.current_time == 5.0
    s.schedule_agent_tick("b")  # one interval from now
    log = ticks_of(s, 8.0)
    assert log == [(6.0, "b"), (7.0, "b"), (8.0, "b")]


def test_schedule_agent_tick_is_extra_never_a_second_chain():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0)
    s.schedule_agent_tick("a", timestamp=0.5, payload={"why": "extra"})
    payloads = []
    s.set_handler(EventType.AGENT_TICK,
                  lambda ev, sch: payloads.append((ev.timestamp, dict(ev.payload))))
    s.run_until(3.0)
    assert payloads == [(0.0, {}), (0.5, {"why": "extra"}), (1.0, {}), (2.0, {}), (3.0, {})]
    with pytest.raises(KeyError, match="'ghost' is not registered"):
        s.schedule_agent_tick("ghost")


def test_schedule_action_effect_fifo_and_reference_payload():
    s = EventScheduler()
    s.register_agent("a", tick_interval=1.0, act_delay=0.3)
    s.register_agent("b", tick_interval=1.0)
    got = []
    s.set_handler(EventType.ACTION_EFFECT,
                  lambda ev, sch: got.append((round(ev.timestamp, 9), ev.agent_id,
                                              ev.payload["action"])))
    s.schedule_action_effect("a", 1.0)              # default: act_delay 0.3 s
    s.schedule_action_effect("a", 2.0, delay=0.1)   # FIFO: lands with the first, not before
    s.schedule_action_effect("b", 3.0, delay=0.0)
    s.run_until(1.0)
    assert got == [(0.0, "b", 3.0), (0.3, "a", 1.0), (0.3, "a", 2.0)]
    with pytest.raises(ValueError, match="delay must be >= 0"):
        s.schedule_action_effect("a", 1.0, delay=-1.0)


def test_schedule_message_delivery_fifo_per_link():
    s = EventScheduler()
    s.register_agent("coord", tick_config=TickConfig.deterministic(5.0, msg_delay=0.4))
    s.register_agent("f1")
    got = []
    s.set_handler(EventType.MESSAGE_DELIVERY,
                  lambda ev, sch: got.append((round(ev.timestamp, 9), ev.agent_id,
                                              ev.payload["sender"], ev.payload["message"])))
    s.schedule_message_delivery("coord", "f1", "sp1")
    s.schedule_message_delivery("coord", "f1", "sp2", delay=0.1)  # cannot overtake sp1
    s.schedule_message_delivery("f1", "coord", "ack", delay=0.1)  # another link
    s.run_until(1.0)
    assert got == [(0.1, "coord", "f1", "ack"), (0.4, "f1", "coord", "sp1"),
                   (0.4, "f1", "coord", "sp2")]


def test_observation_delay_as_the_reference_reads_it():
    """The reference's tick handlers read the agent's observation delay from the scheduler."""
    s = EventScheduler()
    s.register_agent("sensor", tick_interval=1.0, obs_delay=0.25)
    ready = []
    s.set_handler(EventType.AGENT_TICK, lambda ev, sch: sch.schedule_at(
        sch.current_time + sch.get_obs_delay(ev.agent_id), EventType.OBSERVATION_READY,
        ev.agent_id, {"tick": ev.timestamp}))
    s.set_handler(EventType.OBSERVATION_READY,
                  lambda ev, sch: ready.append((ev.payload["tick"], ev.timestamp)))
    s.run_until(2.5)
    assert ready == [(0.0, 0.25), (1.0, 1.25), (2.0, 2.25)]


def test_event_types_are_the_references_strings():
    assert EventType("agent_tick") is EventType.AGENT_TICK
    assert EventType.ACTION_EFFECT.value == "action_effect"
    assert EVENT_TYPE_FROM_STRING["message_delivery"] is EventType.MESSAGE_DELIVERY
    assert {e.value for e in EventType} >= {"agent_tick", "action_effect", "message_delivery",
                                           "observation_ready", "env_update", "custom",
                                           "condition_trigger"}
    # the tie-break order is unchanged (class codes)
    order = [EventType.OBSERVATION_READY, EventType.AGENT_TICK, EventType.MESSAGE_DELIVERY,
             EventType.ACTION_EFFECT, EventType.ENV_UPDATE, EventType.CUSTOM]
    assert [e.code for e in order] == list(range(6))
    assert EventType.CONDITION_TRIGGER.code == EventType.MESSAGE_DELIVERY.code


def test_event_payload_defaults_to_an_empty_dict():
    e1, e2 = Event(1.0, EventType.CUSTOM), Event(timestamp=2.0, event_type=EventType.ENV_UPDATE)
    assert e1.payload == {} and e2.payload == {} and e1.payload is not e2.payload
    e1.payload["x"] = 1
    assert e2.payload == {}
    assert Event(1.0, payload=None).payload is None  # explicit None stays None
    s = EventScheduler()
    s.register_agent("a")
    s.schedule_at(0.5)
    evs = s.pending_events()
    assert evs[0].payload is TICK_PAYLOAD and evs[0].payload == {}  # ticks: read-only, empty
    assert evs[0].payload.get("anything") is None
    assert evs[1].payload == {} and "payload" not in repr(evs[1])


def test_heron_divergences_kept_unknown_agents_are_errors():
    s = EventScheduler()
    for call in (lambda: s.get_obs_delay("nobody"), lambda: s.schedule_action_effect("nobody", 1),
                 lambda: s.schedule_message_delivery("nobody", "x", "m")):
        with pytest.raises(KeyError, match="'nobody' is not registered"):
            call()
    assert s.handlers == {}
    s.set_handler(EventType.CUSTOM, print)
    assert s.handlers == {EventType.CUSTOM: print}
