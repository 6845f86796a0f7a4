"""Every structured dtype and every event-class code of heron, in one place.

Times are float64 seconds. Dtypes are named ``*_dt`` and are C-aligned so that compiled code
(Cython structs, Numba records) can share them.
"""
import enum
import types

import numpy as np

# One record of the compiled event heap (matches ``heap_event`` in ``_heap.pxd``).
heap_event_dt = np.dtype(
    [("time", "f8"), ("cls", "i8"), ("agent", "i8"), ("seq", "i8"), ("data", "i8")],
    align=True,
)

# Event classes of the timing contract, in tie-break order at one timestamp
# (docs/timing-model.md section 4): lower code runs first.
EV_OBS_SAMPLE = 0
EV_TICK = 1
EV_MSG_DELIVERY = 2
EV_ACTION_EFFECT = 3
EV_REWARD = 4
EV_CUSTOM = 5
N_EVENT_CLASSES = 6

AGENT_STRIDE = 1 << 20  # priority units per event class: room for a million agents


class EventType(enum.Enum):
    """Kinds of scheduled events. The value is the public HERON reference's name
    (``"agent_tick"``, ...; ``EventType("agent_tick")`` looks one up); ``code`` is the event class
    of the tie-break order above (``CONDITION_TRIGGER``, an alarm, is a message delivery).

    An event's default priority is its class code times ``AGENT_STRIDE``; the scheduler's
    agent-related helpers add the agent's registration index, so ties at one timestamp break by
    class, then agent, then scheduling order.
    """

    OBSERVATION_READY = ("observation_ready", EV_OBS_SAMPLE)
    AGENT_TICK = ("agent_tick", EV_TICK)
    MESSAGE_DELIVERY = ("message_delivery", EV_MSG_DELIVERY)
    ACTION_EFFECT = ("action_effect", EV_ACTION_EFFECT)
    ENV_UPDATE = ("env_update", EV_REWARD)
    CUSTOM = ("custom", EV_CUSTOM)
    CONDITION_TRIGGER = ("condition_trigger", EV_MSG_DELIVERY)

    def __new__(cls, name: str, code: int):
        member = object.__new__(cls)
        member._value_ = name
        member.code = code  # event class (tie-break order)
        member.default_priority = code * AGENT_STRIDE  # priority when none is given
        return member

    # Members are singletons: hash by identity (C speed) instead of Enum's Python-level
    # ``hash(name)``, since the scheduler looks up a handler for every event.
    __hash__ = object.__hash__


# The payload of the ticks the scheduler queues itself: an empty read-only mapping (handlers
# written for the reference read ``event.payload[...]`` / ``.get``), shared, so ticks cost nothing.
TICK_PAYLOAD = types.MappingProxyType({})

# --------------------------------------------------------------------------------------------
# Batch engine (heron.batch, heron._fast.schedule_nb / rollout_nb / sync_nb). Times in seconds.

# One agent's timing as kernels read it (from a TickConfig): base values (s), jitter code/ratio,
# floor of delays (s) and the time of the first tick (s).
agent_timing_dt = np.dtype(
    [("tick_interval", "f8"), ("obs_delay", "f8"), ("act_delay", "f8"), ("msg_delay", "f8"),
     ("jitter_code", "i8"), ("jitter_ratio", "f8"), ("min_delay", "f8"), ("first_tick", "f8")],
    align=True,
)

# One tick k of one agent in one episode: tick time T[k], the interval I[k] to the next tick and
# the delay samples O[k], A[k], M[k]; ``s`` = S[k] = max(t_start, T[k] - O[k]) the instant the
# observation shows; ``obs_k`` = the tick whose observation sample is the k-th in time order
# (equal to k unless delays reorder samples).
schedule_tick_dt = np.dtype(
    [("t", "f8"), ("interval", "f8"), ("obs", "f8"), ("act", "f8"), ("msg", "f8"), ("s", "f8"),
     ("obs_k", "i8")],
    align=True,
)

# ``status`` of an episode cursor: running states (>= 0) and the kernels' errors (< 0).
ST_NEW = 0
ST_RUN = 1
ST_WAIT = 2          # paused for a Python policy's decision
ST_DONE = 3
ST_REFILL = 4        # paused at the end of an agent's schedule window (heron._fast.window_nb)
ERR_RING = -1        # a ring of pending observations/actions/messages overflowed
ERR_HEAP = -2        # the irregular-event heap overflowed
ERR_NAN = -3         # a policy produced NaN
ERR_RANGE = -4       # a policy produced an action outside the agent's range

# Per-episode cursor of the resumable rollout kernels (simulation time ``t`` in s). ``select``:
# how the event-driven kernel picks the next regular event (``heron._fast.rollout_nb``): 0 by
# agent count (what the runner leaves), 1 linear scan, 2 tournament tree (tests, benchmarks).
episode_cursor_dt = np.dtype(
    [("t", "f8"), ("status", "i8"), ("reward_m", "i8"), ("heap_size", "i8"), ("heap_seq", "i8"),
     ("events", "i8"), ("dec_agent", "i8"), ("dec_kind", "i8"), ("dec_t", "f8"), ("dec_s", "f8"),
     ("err_code", "i8"), ("err_agent", "i8"), ("phase", "i8"), ("n_trace", "i8"),
     ("n_pending", "i8"), ("err_index", "i8"), ("err_value", "f8"), ("select", "i8")],
    align=True,
)

# Per-(episode, agent) cursor and metrics of the rollout kernels. Times in s. The schedule
# holds the agent's ticks from ``win_base`` on (0 unless the episode's schedule is generated in
# windows: ``heron._fast.window_nb``); ``tick_end`` and ``obs_end`` are the first tick index and
# observation position (global) past the stored window that the kernel may not read.
agent_cursor_dt = np.dtype(
    [("obs_pos", "i8"), ("tick_k", "i8"), ("win_base", "i8"), ("tick_end", "i8"),
     ("obs_end", "i8"), ("eff_head", "i8"), ("eff_tail", "i8"),
     ("msg_head", "i8"), ("msg_tail", "i8"), ("e_last", "f8"), ("d_last", "f8"),
     ("alarm_last", "f8"), ("ooc_pending", "i8"), ("ooc_t", "f8"), ("ooc_s", "f8"),
     ("ooc_count", "i8"), ("inbox", "f8"),
     ("ret", "f8"), ("n_ticks", "i8"), ("n_effects", "i8"), ("n_messages", "i8"),
     ("obs_stale_sum", "f8"), ("obs_stale_max", "f8"), ("act_stale_sum", "f8"),
     ("act_stale_max", "f8"),
     ("dec_pending", "i8"), ("dec_kind", "i8"), ("dec_idx", "i8"), ("dec_t", "f8"),
     ("dec_s", "f8")],
    align=True,
)

# Static description of one agent for the kernels: parent (-1: none), slot in the parent's
# message, env observation width, whether it actuates / sends messages, action width, policy,
# whether its trigger may raise alarms; a user policy's slot (which compiled function) and number of
# parameters; whether out-of-range actions are clipped (1) instead of refused (0).
agent_info_dt = np.dtype(
    [("parent", "i8"), ("child_slot", "i8"), ("obs_env_dim", "i8"), ("msg_in", "i8"),
     ("actuates", "i8"), ("sends", "i8"), ("act_dim", "i8"), ("policy_kind", "i8"),
     ("policy_offset", "i8"), ("alarms", "i8"), ("policy_slot", "i8"), ("policy_n_params", "i8"),
     ("clip", "i8")],
    align=True,
)

# One processed event of a traced episode (``heron.batch.trace``): time ``t`` (s), event class
# (``EV_*``), agent (-1: none), index ``k`` (tick / effect / message / reward / disturbance number;
# out-of-cycle ticks -1 - n), ``s`` the instant the decision's observation shows (s), ``ref_t``
# the decision's tick time (s) and ``delay`` the delay sample (s) the event's time was built from.
trace_event_dt = np.dtype(
    [("t", "f8"), ("cls", "i8"), ("agent", "i8"), ("k", "i8"), ("s", "f8"), ("ref_t", "f8"),
     ("delay", "f8")],
    align=True,
)
