"""Protocols between agent levels: ``Message``, ``Protocol``, ``SetpointProtocol``."""
from heron.protocols.base import Message, Protocol
from heron.protocols.vertical import SetpointProtocol

__all__ = ["Message", "Protocol", "SetpointProtocol"]
