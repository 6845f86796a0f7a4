"""``ConditionMonitor``: threshold alarms that wake an agent out of cycle.

A monitor watches a condition; when it holds, the monitor *fires*: a ``CONDITION_TRIGGER`` event
(an alarm, a message-delivery-class event in the timing contract) reaches ``agent_id`` ``delay``
seconds later. The reference's fields keep their meaning:

* ``condition_fn(x) -> bool``; ``ConditionMonitor.threshold(...)`` builds one from a key path
  into ``x`` (dict keys, or int indices into sequences / arrays) and a threshold;
* ``cooldown`` (s): no firing within ``cooldown`` seconds of the previous one;
* ``one_shot``: fires at most once (per episode, in an env; a scheduler deregisters it);
* ``preempt_next_tick``: the alarm's out-of-cycle tick takes the place of the agent's next
  regular tick (the agent's ticks then continue one interval after it); without it the
  out-of-cycle tick is extra.

heron adds, for alarms as the batch engine raises them (``docs/timing-model.md`` s. 3):

* ``source``: an agent id. The condition is then checked on that agent's observation right
  after each of its decisions (the observation its policy saw), and the alarm travels like the
  agent's messages: ``delay=None`` means that tick's message-delay sample, first-in first-out
  per (source, agent) link. Without a source the condition is checked on the env's state (the
  env's ``monitor_state()``, by default its global state) after every state-changing event, and
  ``delay=None`` means 0.
* ``edge_triggered``: fire once per excursion: after firing, the monitor waits until it sees the
  condition false again (re-arms) before it can fire again.

In an env (``heron.envs.irregular``) an arriving alarm makes its agent observe the state at once
and decide after an observation delay drawn from the episode's out-of-cycle streams; alarms that
arrive while one is pending merge into it. The state of a monitor (cooldown, armed, spent)
restarts with every episode (``reset()``).
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable, Optional, Sequence

from heron.scheduling.checks import check_seconds

_DIRECTIONS = ("below", "above", "outside", "inside")


def extract(state: Any, key_path: Sequence) -> Any:
    """``state[k0][k1]...`` (dict keys or int indices), or None when a step is missing."""
    cur = state
    for key in key_path:
        try:
            cur = cur[key]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


class ConditionMonitor:
    """A condition that fires ``CONDITION_TRIGGER`` alarms for ``agent_id`` (module docstring).

    Parameters
    ----------
    monitor_id : str
        Unique name.
    agent_id
        The agent woken when the monitor fires.
    condition_fn : callable
        ``condition_fn(x) -> bool``: ``x`` is the source's observation or the env's state.
    cooldown : float
        Minimum seconds between two firings (>= 0).
    one_shot, preempt_next_tick : bool
        See the module docstring.
    source : agent id, optional
        Check after each decision of this agent, on its observation.
    delay : float, optional
        Seconds from firing to the alarm's arrival (default: the source's message delay, or 0).
    edge_triggered : bool
        Fire once per excursion (re-arm when the condition is seen false).
    """

    __slots__ = ("monitor_id", "agent_id", "condition_fn", "cooldown", "one_shot",
                 "preempt_next_tick", "source", "delay", "edge_triggered", "_last", "_armed",
                 "_spent")

    def __init__(self, monitor_id: str, agent_id, condition_fn: Callable[[Any], bool],
                 cooldown: float = 0.0, one_shot: bool = False, preempt_next_tick: bool = False,
                 *, source=None, delay: Optional[float] = None, edge_triggered: bool = False):
        if not isinstance(monitor_id, str) or not monitor_id:
            raise TypeError(f"monitor_id must be a non-empty str; got {monitor_id!r}")
        if not callable(condition_fn):
            raise TypeError(f"condition_fn of monitor {monitor_id!r} must be callable; got "
                            f"{condition_fn!r}")
        for name, flag in (("one_shot", one_shot), ("preempt_next_tick", preempt_next_tick),
                           ("edge_triggered", edge_triggered)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} of monitor {monitor_id!r} must be a bool; got {flag!r}")
        self.monitor_id = monitor_id
        self.agent_id = agent_id
        self.condition_fn = condition_fn
        self.cooldown = check_seconds(f"cooldown of monitor {monitor_id!r}", cooldown)
        self.one_shot = one_shot
        self.preempt_next_tick = preempt_next_tick
        self.source = source
        self.delay = None if delay is None else check_seconds(
            f"delay of monitor {monitor_id!r}", delay)
        self.edge_triggered = edge_triggered
        self.reset()

    @classmethod
    def threshold(cls, monitor_id: str, agent_id, key_path: Sequence, threshold,
                  direction: str = "below", cooldown: float = 0.0, one_shot: bool = False,
                  preempt_next_tick: bool = False, **kwargs) -> "ConditionMonitor":
        """Fire when the value at ``key_path`` is ``"below"`` / ``"above"`` ``threshold``, or
        ``"outside"`` / ``"inside"`` the band ``threshold = (low, high)`` (inclusive bounds).
        A missing value never fires. ``kwargs``: ``source``, ``delay``, ``edge_triggered``."""
        if direction not in _DIRECTIONS:
            raise ValueError(f"direction must be one of {_DIRECTIONS}; got {direction!r}")
        path = list(key_path) if isinstance(key_path, (list, tuple)) else [key_path]
        if direction in ("below", "above"):
            level = _number("threshold", threshold)
            op = operator.lt if direction == "below" else operator.gt

            def check(x, _op=op, _level=level):
                v = extract(x, path)
                return v is not None and _op(float(v), _level)
        else:
            try:
                lo, hi = (_number("threshold low", threshold[0]),
                          _number("threshold high", threshold[1]))
            except (TypeError, IndexError):
                raise TypeError(f"direction {direction!r} needs threshold=(low, high); got "
                                f"{threshold!r}") from None
            if not lo <= hi:
                raise ValueError(f"threshold band must have low <= high; got {threshold!r}")
            inside = direction == "inside"

            def check(x, _lo=lo, _hi=hi, _inside=inside):
                v = extract(x, path)
                if v is None:
                    return False
                v = float(v)
                return (_lo <= v <= _hi) == _inside
        return cls(monitor_id, agent_id, check, cooldown, one_shot, preempt_next_tick, **kwargs)

    @classmethod
    def noop(cls, monitor_id: str = "noop", agent_id="system_agent") -> "ConditionMonitor":
        """A monitor that never fires (a placeholder)."""
        return cls(monitor_id, agent_id, lambda _x: False)

    # -- firing -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the previous firing (cooldown), re-arm, un-spend (a new episode)."""
        self._last = -math.inf
        self._armed = True
        self._spent = False

    def fires(self, x: Any, now: float) -> bool:
        """Check the condition on ``x`` at ``now`` (s); True when the monitor fires (its state
        is updated: last firing time, armed, spent)."""
        if self._spent:
            return False
        if not self.condition_fn(x):
            self._armed = True
            return False
        if self.edge_triggered and not self._armed:
            return False
        if now - self._last < self.cooldown:
            return False
        self._armed = False
        self._last = now
        self._spent = self.one_shot
        return True

    def delay_or_zero(self) -> float:
        """The alarm's fixed delay (s), 0 when none was given."""
        return 0.0 if self.delay is None else self.delay

    def __repr__(self) -> str:
        extra = "" if self.source is None else f", source={self.source!r}"
        return (f"ConditionMonitor({self.monitor_id!r}, agent={self.agent_id!r}{extra}, "
                f"cooldown={self.cooldown:g}s, one_shot={self.one_shot}, "
                f"preempt_next_tick={self.preempt_next_tick}, "
                f"edge_triggered={self.edge_triggered})")


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(
            value, "__float__"):
        raise TypeError(f"{name} must be a number; got {value!r}")
    x = float(value)
    if math.isnan(x):
        raise ValueError(f"{name} must not be NaN; got {value!r}")
    return x
