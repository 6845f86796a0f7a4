"""``PettingZooParallelEnv``: a PettingZoo ``ParallelEnv`` with HERON's event-driven core.

Subclasses register their agents (``register_agent``), declare the PettingZoo ids and spaces
(``_set_agent_ids``, ``_init_spaces``, or ``init_from_agents()`` for both at once) and implement
``reset``/``step``. A step can be synchronous (apply the actions now) or event-driven: keep the
actions as pending commands (``set_pending_actions`` validates them) and advance simulated time
with ``run_event_driven(t_end)``; see ``heron.envs.base`` for what happens in between.

``observation_space(agent)`` and ``action_space(agent)`` are methods returning the same object on
every call, as PettingZoo's ``parallel_api_test`` requires. (The tutorial's ``DualModeEnvironment``
overrides them with properties returning dicts: that runs, but is not PettingZoo-conformant.)

Importing this module pulls in pettingzoo and gymnasium only: no numba, pandas, pyarrow or
matplotlib.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from pettingzoo.utils.env import ParallelEnv

from heron.envs.base import HeronEnvCore


class PettingZooParallelEnv(HeronEnvCore, ParallelEnv):
    """PettingZoo parallel environment over HERON agents.

    Parameters
    ----------
    env_id : str
        Name of the environment (used in error messages).
    """

    metadata = {"name": "heron_parallel_env_v0", "render_modes": []}

    def __init__(self, env_id: str = "heron_env"):
        HeronEnvCore.__init__(self, env_id)
        self._agents: List[str] = []
        self._possible_agents: List[str] = []
        self.observation_spaces: Dict[str, object] = {}
        self.action_spaces: Dict[str, object] = {}

    # -- PettingZoo attributes -----------------------------------------------------------------
    @property
    def agents(self) -> List[str]:
        """Ids of the live agents."""
        return self._agents

    @agents.setter
    def agents(self, ids: Iterable[str]) -> None:
        self._agents = list(ids)

    @property
    def possible_agents(self) -> List[str]:
        """Ids of every agent that can appear."""
        return self._possible_agents

    @possible_agents.setter
    def possible_agents(self, ids: Iterable[str]) -> None:
        self._possible_agents = list(ids)

    def _set_agent_ids(self, ids: Iterable[str]) -> None:
        """Set ``possible_agents`` and ``agents`` (unique str ids)."""
        ids = list(ids)
        for aid in ids:
            if not isinstance(aid, str):
                raise TypeError(f"agent ids must be str; got {aid!r}")
        dup = sorted({a for a in ids if ids.count(a) > 1})
        if dup:
            raise ValueError(f"agent ids must be unique; repeated: {dup}")
        self._possible_agents = list(ids)
        self._agents = list(ids)

    def _init_spaces(self, action_spaces: Optional[Dict[str, object]] = None,
                     observation_spaces: Optional[Dict[str, object]] = None) -> None:
        """Set the per-agent gymnasium spaces (keys must be known agent ids)."""
        from gymnasium.spaces import Space

        known = set(self._possible_agents) | set(self._registered)
        for name, spaces in (("action_spaces", action_spaces),
                             ("observation_spaces", observation_spaces)):
            if spaces is None:
                continue
            if not isinstance(spaces, dict):
                raise TypeError(f"{name} must be a dict agent_id -> gymnasium Space; got "
                                f"{type(spaces).__name__}")
            for aid, sp in spaces.items():
                if aid not in known:
                    raise ValueError(f"{name} has unknown agent id {aid!r}; known: "
                                     f"{self._possible_agents or list(self._registered)}")
                if not isinstance(sp, Space):
                    raise TypeError(f"{name}[{aid!r}] must be a gymnasium Space; got {sp!r}")
            setattr(self, name, dict(spaces))

    def init_from_agents(self) -> None:
        """Ids and spaces from the registered agents (registration order)."""
        agents = self._registered
        self._set_agent_ids(list(agents))
        self._init_spaces(
            action_spaces={a: ag.action_space for a, ag in agents.items()
                           if ag.action_space is not None},
            observation_spaces={a: ag.observation_space for a, ag in agents.items()})

    def observation_space(self, agent: str):
        """The observation space of ``agent`` (the same object on every call)."""
        try:
            return self.observation_spaces[agent]
        except KeyError:
            raise KeyError(f"no observation space for agent {agent!r}; known: "
                           f"{list(self.observation_spaces)}") from None

    def action_space(self, agent: str):
        """The action space of ``agent`` (the same object on every call)."""
        try:
            return self.action_spaces[agent]
        except KeyError:
            raise KeyError(f"no action space for agent {agent!r}; known: "
                           f"{list(self.action_spaces)}") from None

    def render(self) -> None:
        """No rendering (headless)."""
        return None
