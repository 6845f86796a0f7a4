"""The event handlers of ``HeronEnvCore`` (``heron.envs.base`` states their contract).

``EventHandlers`` is a mixin of ``HeronEnvCore``: the tick, action-effect, message-delivery and
env-update handlers, and the helpers an env uses to add its own decisions (``record_tick``,
``queue_effect``, ``send_messages``). These run once per event, so they are written for speed:
per-agent data is read from one ``AgentRuntime`` record (``heron.envs.timing_stats``), event
priorities are precomputed (the same values ``EventScheduler.schedule_at`` gives: class priority
plus the agent's registration index), and trace records are only built when ``env.trace`` is a
list. Times are float64 seconds.

A policy that raises gets a note naming the policy, the agent, the tick time and the episode.
Effects and messages queued with the scheduler's reference-style helpers
(``schedule_action_effect``: payload ``{"action": ...}``, ``schedule_message_delivery``: payload
``{"sender": ..., "message": ...}``) are applied like the core's own.
"""
from __future__ import annotations

from heron.protocols.base import Message
from heron.scheduling.event import Event, EventType

_EFFECT = EventType.ACTION_EFFECT
_MESSAGE = EventType.MESSAGE_DELIVERY
_NEG_INF = float("-inf")
_INF = float("inf")


def _policy_name(policy) -> str:
    name = getattr(policy, "name", None)
    if not isinstance(name, str):  # an adapter around a named policy (run_interactive's)
        name = getattr(getattr(policy, "policy", None), "name", None)
    if not isinstance(name, str):
        name = getattr(policy, "__name__", None)
    if not isinstance(name, str):
        name = type(policy).__name__
    return name if len(name) <= 80 else name[:77] + "..."


class EventHandlers:
    """Handlers and decision helpers (mixed into ``HeronEnvCore``)."""

    # -- handlers ------------------------------------------------------------------------------
    def _handle_tick(self, event, sched) -> None:
        payload = event.payload
        if payload.__class__ is self._ooc_type:
            return self._handle_ooc_tick(event, payload)
        T = event.timestamp
        if T > self._advanced_to:  # (``_advance`` inlined)
            if self._dirty:
                self._flush_snapshot()
            if self._advance_hook is not None:
                self._advance_hook(T)
            self._advanced_to = T
        aid = event.agent_id
        rt = self._rt.get(aid)
        if rt is None:
            return  # an id registered directly on the scheduler, not an env agent
        agent = rt.agent
        k = rt.k
        rt.k = k + 1
        cfg = agent.tick_config
        S = T - cfg.get_obs_delay()
        if S < self._t_start:
            S = self._t_start
        age = T - S
        rt.n_ticks += 1
        rt.obs_staleness_sum += age
        if age > rt.obs_staleness_max:
            rt.obs_staleness_max = age
        pending = self._pending_actions
        command = pending.get(aid) if pending else None
        obs = None
        source = "pending"
        policy = agent._policy_fn
        if command is None and policy is not None:
            obs = self.delayed_observation(aid, S) if S < T else self._observe(agent)
            try:  # (``_call_policy`` inlined)
                if rt.decide is None:
                    command = policy(obs, agent.latest_message)
                else:
                    command = rt.decide(obs)
            except Exception as exc:
                self._policy_failed(exc, agent, T)
                raise
            source = "policy"
        trace = self.trace
        if command is None:
            if trace is not None:
                trace.append({"kind": "tick", "time": T, "agent": aid, "tick": k,
                              "obs_time": S, "source": None})
            return
        M = None
        if rt.is_sender:  # a coordinator: its protocol turns the command into messages
            M = self._send_command(rt, command, T, S, k, source)
        else:
            action = rt.validate(command, aid)
            A = cfg.get_act_delay()
            E = T + A
            e_last = rt.e_last
            if E < e_last:  # FIFO: never overtake an earlier command
                E = e_last
            rt.e_last = E
            rt.in_flight.append((E, S))
            prio = rt.effect_priority
            ev = Event(E, _EFFECT, aid, action, prio)
            if sched._now <= E < _INF:  # what EventScheduler.schedule checks (the rest holds
                ev.sequence = sched._queue.push(E, prio, ev)  # by construction)
            else:
                sched.schedule(ev)  # raises its error
            if trace is not None:
                trace.append({"kind": "tick", "time": T, "agent": aid, "tick": k,
                              "obs_time": S, "source": source, "act_delay": A,
                              "effect_time": E, "command": action})
        if aid in self._source_monitors:
            self._monitors_after_decision(aid, T, S, obs, agent, M)
        if self._decision_hook is not None:
            self._decision_hook(aid, T, S, obs, command)

    def _call_policy(self, rt, agent, obs, T):
        """The agent's policy on ``obs`` (``Agent.decide`` inlined unless overridden); an
        exception gets a note naming the policy, the agent, the tick and the episode."""
        try:
            if rt.decide is None:
                return agent._policy_fn(obs, agent.latest_message)
            return rt.decide(obs)
        except Exception as exc:
            self._policy_failed(exc, agent, T)
            raise

    def _policy_failed(self, exc: BaseException, agent, T: float) -> None:
        """Add a note to ``exc`` (raised by ``agent``'s policy at its tick at ``T`` s) naming the
        policy, the agent, the tick time and the episode."""
        if hasattr(exc, "add_note"):
            exc.add_note(f"heron: raised by the policy {_policy_name(agent.policy)!r} of "
                         f"agent {agent.agent_id!r} at its tick at t={T!r} s "
                         f"({self.episode_label()}{self._env_name()})")

    def _env_name(self) -> str:
        return "" if self.env_id is None else f", env {self.env_id!r}"

    def _send_command(self, rt, command, T, S, k, source):
        """A sender's tick (step 4): route ``command`` and deliver its messages; returns the
        message delay drawn (s), or None when nothing was sent."""
        agent = rt.agent
        aid = agent.agent_id
        messages = agent.route(command, T)
        trace = self.trace
        if messages:
            M = agent.tick_config.get_msg_delay()
            self.send_messages(aid, messages, T, M)
            if trace is not None:
                trace.append({"kind": "tick", "time": T, "agent": aid, "tick": k,
                              "obs_time": S, "source": source, "msg_delay": M,
                              "command": command})
        elif trace is not None:
            trace.append({"kind": "tick", "time": T, "agent": aid, "tick": k, "obs_time": S,
                          "source": source, "command": command})
        return M if messages else None

    def _handle_effect(self, event, sched) -> None:
        t = event.timestamp
        if t > self._advanced_to:  # (``_advance`` inlined)
            if self._dirty:
                self._flush_snapshot()
            if self._advance_hook is not None:
                self._advance_hook(t)
            self._advanced_to = t
        aid = event.agent_id
        action = event.payload
        rt = self._rt.get(aid)
        if action.__class__ is dict:  # queued with scheduler.schedule_action_effect
            action = self._registered[aid].validate_command(action.get("action"))
        if rt is None:
            self._registered[aid].actuator = action
        else:
            rt.agent.actuator = action
            rt.n_effects += 1
            q = rt.in_flight
            if q and q[0][0] == t:
                age = t - q.popleft()[1]
                rt.act_staleness_sum += age
                if age > rt.act_staleness_max:
                    rt.act_staleness_max = age
        cb = self._on_action_effect
        if cb is not None:
            cb(aid, action)
        if self.trace is not None:
            self.trace.append({"kind": "effect", "time": t, "agent": aid, "action": action})
        if self._delayed_ids:
            self._dirty = True
        if self._state_monitors:
            self._check_state_monitors()

    def _handle_message(self, event, sched) -> None:
        t = event.timestamp
        if t > self._advanced_to:  # (``_advance`` inlined)
            if self._dirty:
                self._flush_snapshot()
            if self._advance_hook is not None:
                self._advance_hook(t)
            self._advanced_to = t
        msg = event.payload
        if type(msg) is dict:  # queued with scheduler.schedule_message_delivery
            content = msg.get("message")
            msg = content if isinstance(content, Message) else Message(
                msg.get("sender"), event.agent_id, content, t)
        msg.delivered_at = t
        sender = self._registered.get(msg.sender)
        recipient = self._registered.get(msg.recipient)
        if recipient is None and sender is not None:
            recipient = sender.subordinates[msg.recipient]
        if msg.round_head:
            rt = self._rt.get(msg.sender)
            if rt is not None:
                rt.n_messages += 1
        recipient.receive_message(msg)
        if self.trace is not None:
            self.trace.append({"kind": "message", "time": t, "agent": msg.recipient,
                               "sender": msg.sender, "sent_at": msg.sent_at,
                               "content": msg.content})
        if self._delayed_ids:
            self._dirty = True
        if self._state_monitors:
            self._check_state_monitors()

    def _handle_env_update(self, event, sched) -> None:
        t = event.timestamp
        if t > self._advanced_to:  # (``_advance`` inlined)
            if self._dirty:
                self._flush_snapshot()
            if self._advance_hook is not None:
                self._advance_hook(t)
            self._advanced_to = t
        if self.on_env_update(event) is not False:
            if self._delayed_ids:
                self._dirty = True
            if self._state_monitors:
                self._check_state_monitors()

    # -- helpers for envs that add decisions ---------------------------------------------------
    def record_tick(self, agent_id: str, T: float, S: float) -> None:
        """Count a tick of ``agent_id`` at ``T`` (s) that observed instant ``S`` (s) in the
        timing statistics (the tick handler does it; envs call it for extra ticks)."""
        rt = self._rt[agent_id]
        rt.n_ticks += 1
        age = T - S
        rt.obs_staleness_sum += age
        if age > rt.obs_staleness_max:
            rt.obs_staleness_max = age

    def queue_effect(self, agent_id: str, action, T: float, A: float, S: float) -> float:
        """Schedule ``action`` of ``agent_id`` (a tick at ``T`` s that observed ``S`` s) to take
        effect at ``E = max(T + A, E_prev)`` (FIFO command channel); returns ``E`` (s)."""
        rt = self._rt[agent_id]
        E = T + A
        if E < rt.e_last:
            E = rt.e_last
        rt.e_last = E
        rt.in_flight.append((E, S))
        self.scheduler.schedule(Event(E, _EFFECT, agent_id, action, rt.effect_priority))
        return E

    def send_messages(self, sender_id: str, messages, T: float, M: float) -> None:
        """Deliver ``messages`` sent by ``sender_id`` at ``T`` (s) after ``M`` s: each at
        ``D = max(T + M, D_prev)`` of its (sender, recipient) link (FIFO); the first one is the
        round's head (``Message.round_head``)."""
        sched = self.scheduler
        last = self._last_delivery
        head = True
        for msg in messages:
            key = (sender_id, msg.recipient)
            D = T + M
            prev = last.get(key, _NEG_INF)
            if D < prev:
                D = prev
            last[key] = D
            msg.round_head = head
            head = False
            sched.schedule_at(D, _MESSAGE, agent_id=msg.recipient, payload=msg)

    def timing_stats(self) -> dict:
        """This episode's timing statistics per agent (``heron.envs.timing_stats``)."""
        return {aid: rt.as_dict() for aid, rt in self._rt.items()}
