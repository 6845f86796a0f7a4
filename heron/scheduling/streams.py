"""``StreamTickConfig``: an agent's timing drawn from the counter-based streams of an episode.

A seeded interactive episode (``HeronEnvCore.use_streams(seed, episode)``, done by
``reset(seed=...)``) draws every jittered sample from the streams the batch engine's schedules
use (``heron._fast.rng``, ``heron._fast.schedule_nb``): tick ``k`` of agent ``i`` has interval
``I[k]``, observation, action and message delays ``O[k]``, ``A[k]``, ``M[k]``, each variate ``k``
of the stream ``(seed, episode, i, Q_INTERVAL / Q_OBS / Q_ACT / Q_MSG)`` with the agent's
jitter applied (``docs/timing-model.md`` s. 2). So the episode is a pure function of
``(seed, episode)``, whichever configs other envs share, and equals the batch engine's episode
of the same numbers.

Like ``heron.batch.schedule.ScheduledTickConfig`` (which replays a stored schedule),
``get_tick_interval()`` returns ``I[k]`` and moves to tick ``k + 1``; the delay getters return
the samples of the current tick ``k``, however often they are called. Samples are computed in
blocks (``sample_block_nb``, bit-identical to the batch schedules). Times in seconds.
"""
from __future__ import annotations

import numpy as np

from heron.scheduling.tick_config import TickConfig

_FIRST_BLOCK = 32
_MAX_BLOCK = 1024


class StreamTickConfig(TickConfig):
    """``base``'s timing drawn from the streams ``(seed, episode, agent_index, Q_*)``.

    The base values (the properties) are ``base``'s; ``base`` itself is not consumed.
    """

    __slots__ = ("base", "_stream", "_k", "_n", "_iv", "_ob", "_ac", "_ms")

    def __init__(self, base: TickConfig, *, seed: int, episode: int, agent_index: int):
        if not isinstance(base, TickConfig):
            raise TypeError(f"base must be a TickConfig; got {type(base).__name__}")
        for name in TickConfig.__slots__:  # base is validated: copy its fields
            setattr(self, name, getattr(base, name))
        self.base = base
        self.load(seed, episode, agent_index)

    def load(self, seed: int, episode: int, agent_index: int) -> None:
        """Draw from the streams of ``(seed, episode, agent_index)``, from tick 0."""
        self._stream = (int(seed), int(episode), int(agent_index))
        self._k = 0
        self._n = 0
        self._iv, self._ob, self._ac, self._ms = [], [], [], []

    def rewind(self) -> None:
        """Start again at tick 0 (the same samples)."""
        self._k = 0

    @property
    def tick_index(self) -> int:
        """The current tick number ``k``."""
        return self._k

    @property
    def stream(self) -> tuple:
        """``(seed, episode, agent_index)`` of the streams."""
        return self._stream

    def reseed(self, seed=None) -> None:
        raise TypeError("a StreamTickConfig draws from the episode's streams: reseed the env "
                        "(reset(seed=...)) or its base config instead")

    def _fill(self) -> None:
        from heron._fast.jitter import MIN_INTERVAL
        from heron._fast.rng import Q_ACT, Q_INTERVAL, Q_MSG, Q_OBS, stream_key
        from heron._fast.schedule_nb import sample_block_nb

        seed, episode, agent = self._stream
        k0 = self._n
        n = max(_FIRST_BLOCK, min(2 * k0, _MAX_BLOCK))
        out = np.empty(n)
        scratch = np.empty(n)
        code, ratio, floor = self._code, self._jitter_ratio, self._min_delay
        for q, base, fl, dest in ((Q_INTERVAL, self._tick_interval, MIN_INTERVAL, self._iv),
                                  (Q_OBS, self._obs_delay, floor, self._ob),
                                  (Q_ACT, self._act_delay, floor, self._ac),
                                  (Q_MSG, self._msg_delay, floor, self._ms)):
            key = np.uint64(stream_key(seed, episode, agent, q))
            sample_block_nb(key, k0, n, base, code, ratio, fl, out, scratch)
            dest.extend(out.tolist())
        self._n = k0 + n

    def get_tick_interval(self) -> float:
        k = self._k
        if k >= self._n:
            self._fill()
        self._k = k + 1
        return self._iv[k]

    def get_obs_delay(self) -> float:
        k = self._k
        if k >= self._n:
            self._fill()
        return self._ob[k]

    def get_act_delay(self) -> float:
        k = self._k
        if k >= self._n:
            self._fill()
        return self._ac[k]

    def get_msg_delay(self) -> float:
        k = self._k
        if k >= self._n:
            self._fill()
        return self._ms[k]

    def __repr__(self) -> str:
        seed, episode, agent = self._stream
        return (f"StreamTickConfig({self.base!r}, seed={seed}, episode={episode}, "
                f"agent={agent}, tick={self._k})")


def timing_sample(config: TickConfig, seed: int, episode: int, agent_index: int, quantity: int,
                  index: int, base: float) -> float:
    """Sample ``index`` (s) of stream ``(seed, episode, agent_index, quantity)``: ``base`` with
    ``config``'s jitter, at least its ``min_delay`` (out-of-cycle delays, ``Q_OOC_*``)."""
    from heron._fast.schedule_nb import timing_sample_nb

    return float(timing_sample_nb(seed, episode, agent_index, quantity, index, base,
                                  config.jitter_code, config.jitter_ratio, config.min_delay))
