"""Per-agent timing bookkeeping of the event-driven env core (``heron.envs.base``).

One ``AgentRuntime`` per registered agent, rebuilt by ``setup_event_driven()`` (a new episode).
It holds what the tick, effect and message handlers need on their hot path (the agent, the
priority of its action effects, the FIFO bound of its command channel) and the episode's timing
statistics, defined like the batch engine's metric columns (``heron.batch.result``); all times in
seconds:

* ``n_ticks``: ticks handled (passive ticks included; out-of-cycle ticks an env adds with
  ``HeronEnvCore.record_tick``);
* ``obs_staleness_sum`` / ``obs_staleness_max``: sum and max over ticks of ``T - S`` (the age of
  what the tick observed);
* ``n_effects``: action effects applied; ``act_staleness_sum`` / ``act_staleness_max``: sum and
  max over effects of ``E - S`` (effect time minus the observation instant of the tick that
  issued the command);
* ``n_messages``: message rounds delivered *from* the agent (one tick's messages to several
  recipients count once, see ``Message.round_head``).

``AgentRuntime.as_dict()`` gives the statistics with the means (NaN without ticks / effects).
"""
from __future__ import annotations

import math
from collections import deque

from heron.agents.base import Agent

_NEG_INF = -math.inf


class AgentRuntime:
    """Hot-path record and timing statistics of one agent for one episode."""

    __slots__ = ("agent", "index", "effect_priority", "k", "e_last", "in_flight", "n_ticks",
                 "obs_staleness_sum", "obs_staleness_max", "n_effects", "act_staleness_sum",
                 "act_staleness_max", "n_messages", "is_sender", "decide", "validate")

    def __init__(self, agent, index: int, effect_priority: int):
        self.agent = agent
        self.index = index
        self.effect_priority = effect_priority
        self.is_sender = hasattr(agent, "route")
        cls = type(agent)
        # the tick handler inlines Agent.decide / validate_command unless overridden
        self.decide = None if cls.decide is Agent.decide else agent.decide
        if cls.validate_command is Agent.validate_command and agent.action.dim_c:
            self.validate = agent.action.validate
        else:
            self.validate = lambda command, agent_id, _v=agent.validate_command: _v(command)
        self.k = 0                      # next tick number
        self.e_last = _NEG_INF          # latest scheduled effect time (FIFO bound), s
        self.in_flight = deque()        # (E, S) of scheduled effects, in landing order
        self.n_ticks = 0
        self.obs_staleness_sum = 0.0
        self.obs_staleness_max = 0.0
        self.n_effects = 0
        self.act_staleness_sum = 0.0
        self.act_staleness_max = 0.0
        self.n_messages = 0

    def as_dict(self) -> dict:
        """The statistics (see the module docstring); means are NaN without ticks/effects."""
        nt, ne = self.n_ticks, self.n_effects
        nan = math.nan
        return {
            "n_ticks": nt, "n_effects": ne, "n_messages": self.n_messages,
            "obs_staleness_sum": self.obs_staleness_sum,
            "obs_staleness_mean": self.obs_staleness_sum / nt if nt else nan,
            "obs_staleness_max": self.obs_staleness_max if nt else nan,
            "act_staleness_sum": self.act_staleness_sum,
            "act_staleness_mean": self.act_staleness_sum / ne if ne else nan,
            "act_staleness_max": self.act_staleness_max if ne else nan,
        }
