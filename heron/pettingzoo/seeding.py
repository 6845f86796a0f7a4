"""Seeds of a wrapped episode: the study seed and episode index name everything.

Episode ``e`` of seed ``s`` is reproducible on its own (whatever other episodes, process or
worker count): its timing samples are the counter-based streams ``(s, e, agent index, Q_*)`` of
``heron._fast.rng`` (the batch engine's streams), and the inner env is reset with
``inner_seed(s, e)``, a 32-bit integer drawn from the stream ``(s, e, ENV_AGENT, Q_RESET)``. The
synchronous baseline resets the unwrapped env with the same ``inner_seed(s, e)``, so the two
modes are paired episode by episode.
"""
from __future__ import annotations

import numpy as np

# stream quantity of the inner env's reset seed (heron's own quantities are 0..10, so no overlap)
Q_RESET = 0x40
SEED_LIMIT = 2 ** 63


def check_seed(seed, name: str = "seed") -> int:
    """``seed`` as an int in ``[0, 2**63)`` (TypeError / ValueError naming ``name``)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be a non-negative int; got {type(seed).__name__} {seed!r}")
    if not 0 <= int(seed) < SEED_LIMIT:
        raise ValueError(f"{name} must be in [0, 2**63); got {seed!r}")
    return int(seed)


def inner_seed(seed: int, episode: int) -> int:
    """The seed (``0 <= x < 2**32``) passed to the inner env's ``reset`` for episode
    ``episode`` of study seed ``seed``: the top 32 bits of number 0 of the stream
    ``(seed, episode, ENV_AGENT, Q_RESET)``."""
    from heron._fast.rng import ENV_AGENT, bits, stream_key

    key = stream_key(check_seed(seed), check_seed(episode, "episode"), ENV_AGENT, Q_RESET)
    return int(bits(np.uint64(key), 0)) >> 32


def fresh_seed() -> int:
    """A seed from the operating system's entropy (for ``reset()`` before any seed was given)."""
    return int(np.random.SeedSequence().entropy % SEED_LIMIT)
