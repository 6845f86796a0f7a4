"""Reproducible interactive episodes: timing drawn from the streams of ``(seed, episode)``.

``HeronEnvCore.use_streams(seed, episode=0)`` (``reset_agents(seed)`` and the envs' ``reset(seed=
...)`` call it) makes every following episode a pure function of ``(seed, episode)``, timing
included, as the batch engine's episodes are (``docs/timing-model.md`` s. 2):

* at each episode start (``setup_event_driven``), an agent whose config is a plain jittered
  ``TickConfig`` gets a ``StreamTickConfig`` over it (``agent.tick_config`` is replaced; the
  original is ``agent.tick_config.base`` and comes back with ``use_streams(None)``): its samples
  are those of the batch engine's schedule of the same ``(seed, episode)``, whatever generator
  state the shared config has. Deterministic configs draw nothing and stay as they are; a config
  that replays samples (``ScheduledTickConfig``, or any subclass with a ``rewind()`` method) is
  rewound to its tick 0, so a replayed schedule restarts with every episode;
* out-of-cycle delays (``heron.envs.irregular``) and Poisson disturbances come from the same
  ``(seed, episode)`` streams (seed 0 before any ``use_streams``).

Without a seed (the default) configs keep drawing from their own generators in call order (the
tutorial's numbers). ``reset_agents(None)`` after a seeded episode moves to the next episode
number. Times in seconds.
"""
from __future__ import annotations

from typing import Optional

from heron._fast.jitter import JITTER_NONE
from heron.scheduling.checks import check_count
from heron.scheduling.streams import StreamTickConfig, timing_sample
from heron.scheduling.tick_config import TickConfig


class TimingStreams:
    """Mixin of ``HeronEnvCore`` (see the module docstring)."""

    def _init_streams(self) -> None:
        self.stream_seed: Optional[int] = None
        self.stream_episode: int = 0
        self.episode_count = 0  # episodes started (setup_event_driven calls)
        self._stream_cfgs: dict = {}  # agent id -> its StreamTickConfig (reloaded per episode)

    def use_streams(self, seed: Optional[int], episode: int = 0) -> None:
        """Draw the next episodes' timing from the streams of ``(seed, episode)`` (None: from
        the configs' own generators again). Takes effect at the next episode start."""
        if seed is None:
            self.stream_seed = None
            return
        self.stream_seed = check_count("seed", seed)
        self.stream_episode = check_count("episode", episode)

    def _prepare_timing(self) -> None:
        """At an episode start: stream configs for jittered plain configs (when seeded), base
        configs back otherwise, replays rewound."""
        seed, episode = self.stream_seed, self.stream_episode
        for i, (aid, agent) in enumerate(self._registered.items()):
            cfg = agent.tick_config
            mine = self._stream_cfgs.get(aid)
            base = cfg.base if (mine is not None and cfg is mine) else cfg
            if seed is not None and type(base) is TickConfig and base.jitter_code != JITTER_NONE:
                if mine is None or mine.base is not base:
                    mine = self._stream_cfgs[aid] = StreamTickConfig(
                        base, seed=seed, episode=episode, agent_index=i)
                else:
                    mine.load(seed, episode, i)
                agent.tick_config = mine
                continue
            agent.tick_config = base
            rewind = getattr(base, "rewind", None)
            if callable(rewind):
                rewind()

    def episode_label(self) -> str:
        """``"episode e of seed s"`` for a seeded env, else ``"episode n"`` (counted from 0
        since the env was built): how error notes name the episode."""
        if self.stream_seed is not None:
            return f"episode {self.stream_episode} of seed {self.stream_seed}"
        return f"episode {max(self.episode_count - 1, 0)}"

    def ooc_sample(self, agent_id, quantity: int, index: int, base: float) -> float:
        """Delay sample (s) number ``index`` of ``agent_id``'s stream ``quantity`` in this
        episode (``Q_OOC_OBS``, ``Q_OOC_ACT``, ``Q_OOC_MSG``: out-of-cycle ticks), with the
        agent's jitter applied to ``base``."""
        rt = self._rt[agent_id]
        seed = 0 if self.stream_seed is None else self.stream_seed
        return timing_sample(rt.agent.tick_config, seed, self.stream_episode, rt.index, quantity,
                             index, base)
