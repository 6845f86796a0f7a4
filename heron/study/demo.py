"""The study behind ``heron demo``: the W1 battery fleet (two batteries, the tutorial's
``simple`` rule policy, compiled) under a timing grid, plus the SCADA preset.

Grid: GAUSSIAN jitter ratio 0, 10, 20, 40 % x action delay 0, 0.5, 1 s on top of the W1 timing
(1 s ticks, 50 ms observation delay), plus ``scada``; each of the 13 scenarios and the synchronous
baseline runs ``n_episodes`` (10,000) episodes, 140,000 episodes in all, on the batch engine in
this process (the engine's threads use every core).
"""
from __future__ import annotations

DEMO_NAME = "heron-demo"
DEMO_OUT = "heron-demo"
DEMO_EPISODES = 10_000

DEMO_TOML = """\
# heron demo: how much does the tutorial's rule policy lose against its synchronous baseline
# as jitter and action delay grow, and under IEEE 2030-style SCADA timing?
[study]
name = "{name}"
output = "{out}"
seed = 2026
n_episodes = {n_episodes}
horizon = 50.0
shard_size = {n_episodes}

[environment]
name = "battery_fleet"
kwargs = {{ n_batteries = 2 }}

[policies]
simple = "simple"

[timing]
base = "w1"
presets = ["scada"]

[timing.grid]
jitter_ratio = [0.0, 0.1, 0.2, 0.4]
act_delay = [0.0, 0.5, 1.0]
"""


def demo_toml(n_episodes: int = DEMO_EPISODES, out: str = DEMO_OUT) -> str:
    """The demo's study file text."""
    if isinstance(n_episodes, bool) or not isinstance(n_episodes, int) or n_episodes < 1:
        raise ValueError(f"n_episodes must be a positive int; got {n_episodes!r}")
    return DEMO_TOML.format(name=DEMO_NAME, out=out.replace("\\", "/"), n_episodes=n_episodes)


def demo_spec(n_episodes: int = DEMO_EPISODES, out: str = DEMO_OUT):
    """The demo as a validated ``StudySpec``."""
    from heron.study.spec import parse_spec

    return parse_spec(demo_toml(n_episodes, out), path="<heron demo>")
