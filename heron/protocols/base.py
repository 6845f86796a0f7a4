"""Messages and the protocol interface between agents of different levels.

A ``Protocol`` turns a sender's command (what its policy returned at a tick) into ``Message``
objects, one per recipient, in a deterministic order (the sender's subordinate order). The
environment core delivers each message as a ``MESSAGE_DELIVERY`` event after the sender's
jittered ``msg_delay`` (first in, first out per sender and recipient;
``docs/timing-model.md`` s. 3); the recipient keeps the latest delivered message
(``Agent.latest_message``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional


@dataclass
class Message:
    """One message on a sender -> recipient link.

    Attributes
    ----------
    sender, recipient : str
        Agent ids.
    content : any
        The payload (for setpoints: a float64 array).
    sent_at : float
        Simulated time (s) of the sender's tick.
    delivered_at : float or None
        Simulated time (s) of delivery; None until delivered.
    round_head : bool
        True for the first message of one sending tick (the env core counts message rounds
        with it: a tick's messages to several recipients count as one in the timing stats).
    """

    sender: str
    recipient: str
    content: Any
    sent_at: float
    delivered_at: Optional[float] = None
    round_head: bool = True


class Protocol:
    """Base class: override ``route`` (and ``command_space`` when the sender is an RL agent)."""

    def route(self, sender, command, time: float) -> List[Message]:
        """Messages for ``command`` issued by ``sender`` at ``time`` (s), in recipient order."""
        raise NotImplementedError(f"{type(self).__name__} must implement route(sender, command, "
                                  "time)")

    def command_space(self, sender):
        """The gymnasium space of ``sender``'s commands."""
        raise NotImplementedError(f"{type(self).__name__} does not define a command space")
