"""Building blocks of interactive agents: features, states, actions and the policy protocol.

Nothing heavy is imported here (gymnasium is imported lazily by ``Action.space``).
"""
from heron.core.action import Action
from heron.core.feature import FeatureProvider
from heron.core.policies import Policy, as_policy
from heron.core.state import CoordinatorAgentState, FieldAgentState, State

__all__ = ["Action", "CoordinatorAgentState", "FeatureProvider", "FieldAgentState", "Policy",
           "State", "as_policy"]
