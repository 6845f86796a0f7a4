"""Sizing a study before it runs, and the file-system limits of its names.

``size_plan(spec, env, workers)`` computes, from the study and its environment alone (nothing is
enumerated or allocated), the number of cells, shards, episodes and rows, an estimate of the
bytes written and of the compute time, the largest shard (rows held in memory at once) and the
most events one episode takes. ``check_plan(plan, limits, allow_large=...)`` refuses a plan over
the ``Limits`` with one message naming every exceeded limit; ``allow_large=True`` (``heron run
--allow-large``) lifts the soft limits (rows, bytes, time, shard rows, events per episode, free
disk space) but not the hard ones (shards, episode indices), whose breach would exhaust memory
before the first shard. ``check_names(spec)`` refuses policy names and scenario labels whose
directory names exceed ``NAME_MAX`` bytes; ``check_paths(spec, out_dir)`` the full paths.

The estimates are calibrated on the W1 battery study (about 2.5 bytes per column and row on disk;
about 3.5 engine events per agent tick; 5 million events per second per worker): they are
orders of magnitude, good for refusing a plan that cannot finish, not for scheduling.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from urllib.parse import quote

#: bytes per path component on common file systems (ext4, xfs, apfs, ntfs)
NAME_MAX = 255
BYTES_PER_CELL = 2.5            # on disk, per column and row (snappy; W1: 44 B/row, 18 columns)
EVENTS_PER_TICK = 3.5           # engine events per agent tick (W1: 345 per 2 agents x 50 ticks)
# per worker; "pettingzoo": steps, ticks and commands of the wrapper (heron.study.pettingzoo)
EVENTS_PER_SECOND = {"batch": 5e6, "sync": 5e6, "interactive": 1e5, "pettingzoo": 1.5e5}
SHARD_FILE_BYTES = len("part-0000000000-0000000000.parquet")   # a study of one seed


class StudyTooLargeError(ValueError):
    """The study's plan exceeds a limit (``heron run --allow-large`` lifts the soft ones)."""


@dataclass(frozen=True)
class Limits:
    """Soft limits (lifted by ``allow_large``): ``rows`` in the dataset, ``bytes`` on disk,
    ``seconds`` of estimated compute (wall clock on the workers), ``shard_rows`` (rows one shard
    holds in memory), ``events_per_episode``. Hard limits: ``shards``, ``episode_index``."""

    rows: float = 1e9
    bytes: float = 100e9
    seconds: float = 24 * 3600.0
    shard_rows: float = 2e7
    events_per_episode: float = 1e8
    shards: int = 1_000_000
    episode_index: int = 2 ** 53


@dataclass(frozen=True)
class Plan:
    """What a study will do (estimates marked ``est``; times in seconds, sizes in bytes)."""

    name: str
    cells: int
    shards: int
    episodes: int
    rows: int
    columns: int
    bytes_est: float
    events_est: float
    seconds_est: float
    workers: int
    shard_rows: int
    events_per_episode: float
    worst_scenario: str
    seeds: int = 1

    @property
    def episodes_per_seed(self) -> int:
        """Episodes of one cell and seed (the study's ``n_episodes``)."""
        return self.episodes // max(self.cells * self.seeds, 1)

    def describe(self) -> str:
        """One line: ``plan: ... (estimates)``."""
        seeds = f" x {self.seeds:,} seeds" if self.seeds > 1 else ""
        return (f"plan: {self.cells:,} cells{seeds} x {self.episodes_per_seed:,} episodes = "
                f"{self.episodes:,} episodes in {self.shards:,} shard(s); {self.rows:,} rows, "
                f"about {_bytes(self.bytes_est)}, about {_duration(self.seconds_est)} on "
                f"{self.workers} worker(s)")


def _bytes(n: float) -> str:
    """``n`` bytes in decimal units (kB = 1000 B)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""  # pragma: no cover


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.2g} s"
    if s < 2 * 3600:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    if s < 2 * 365 * 86400:
        return f"{s / 86400:.0f} days"
    return f"{s / (365 * 86400):.3g} years"


def _floor() -> float:
    """The scheduler's floor of every tick interval (s; 0 if it has none)."""
    try:
        from heron.scheduling.checks import MIN_INTERVAL
    except ImportError:
        return 0.0
    return float(MIN_INTERVAL)


def _tick_of(env, agent, timing: dict) -> float:
    """Tick interval (s) of ``agent`` in a scenario (``timing``: agent id or class ->
    TickConfig fields; an agent's own entry first), or on its default timing for the synchronous
    baseline (``timing`` empty); at least the scheduler's floor."""
    if timing:
        tick = float((timing.get(agent.id) or timing[agent.agent_class])["tick_interval"])
    else:
        cfg = (env.default_timing or {}).get(agent.id) or (env.default_timing or {}).get(
            agent.agent_class)
        tick = float(getattr(cfg, "tick_interval", None) or env.dt)
    return max(tick, _floor())


def size_plan(spec, env, workers: int = 1) -> Plan:
    """The plan of ``spec`` on ``env`` (a ``BatchEnv``) with ``workers`` in parallel; pure
    arithmetic, instant for any size. A ``PettingZooSpec`` env is sized by
    ``heron.study.pettingzoo.size_plan`` (events of its wrapper)."""
    from heron.study.dataset import study_columns
    from heron.study.pettingzoo import is_pettingzoo

    if is_pettingzoo(env):
        from heron.study.pettingzoo import size_plan as pettingzoo_plan

        return pettingzoo_plan(spec, env, workers)

    horizon = float(spec.horizon or env.horizon)
    n_agents = len(env.agents)
    scenarios = spec.all_scenarios()
    cells = len(spec.policies) * len(scenarios)
    n_seeds = len(spec.seeds)   # every seed runs every cell n_episodes times
    per_cell = n_seeds * -(-spec.n_episodes // spec.shard_size)
    columns = len(study_columns(spec.axes, getattr(env, "metric_names", ()))) + 2
    events, seconds, worst, worst_label = 0.0, 0.0, 0.0, ""
    for sc in scenarios:
        ev = EVENTS_PER_TICK * sum(horizon / _tick_of(env, a, sc.timing) for a in env.agents)
        engine = "sync" if sc.mode == "sync" else spec.engine
        n = spec.n_episodes * n_seeds * len(spec.policies)
        events += ev * n
        seconds += ev * n / EVENTS_PER_SECOND[engine]
        if ev > worst:
            worst, worst_label = ev, sc.label
    rows = cells * n_seeds * spec.n_episodes * n_agents
    workers = max(1, int(workers))
    return Plan(spec.name, cells, cells * per_cell, cells * n_seeds * spec.n_episodes, rows,
                columns, rows * columns * BYTES_PER_CELL, events, seconds / workers, workers,
                min(spec.shard_size, spec.n_episodes) * n_agents, worst, worst_label, n_seeds)


def _free_bytes(path: str):
    while path and not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def check_plan(plan: Plan, limits: Limits = Limits(), *, allow_large: bool = False,
               out_dir: str = None, bytes_todo: float = None) -> None:
    """Refuse ``plan`` if it exceeds ``limits`` (``StudyTooLargeError``, one line naming each
    exceeded limit). ``out_dir``/``bytes_todo``: also refuse when the estimated bytes still to
    write exceed the free space there."""
    hard, soft = [], []
    if plan.shards > limits.shards:
        hard.append(f"{plan.shards:,} shards (limit {limits.shards:,}; raise shard_size)")
    if plan.episodes_per_seed > limits.episode_index:
        hard.append(f"episode indices up to {plan.episodes_per_seed:,} (limit "
                    f"{limits.episode_index:,})")
    checks = [(plan.rows, limits.rows, "rows", lambda x: f"{x:,.0f}"),
              (plan.bytes_est, limits.bytes, "on disk", _bytes),
              (plan.seconds_est, limits.seconds, f"of compute on {plan.workers} worker(s)",
               _duration),
              (plan.shard_rows, limits.shard_rows, "rows in one shard (in memory at once; lower "
               "shard_size)", lambda x: f"{x:,.0f}"),
              (plan.events_per_episode, limits.events_per_episode, "engine events per episode "
               f"(scenario {plan.worst_scenario!r}: horizon / tick interval)",
               lambda x: f"{x:.3g}")]
    for value, limit, what, fmt in checks:
        if value > limit:
            soft.append(f"about {fmt(value)} {what} (limit {fmt(limit)})")
    if out_dir is not None:
        free = _free_bytes(os.path.abspath(out_dir))
        need = plan.bytes_est if bytes_todo is None else bytes_todo
        if free is not None and need > free:
            soft.append(f"about {_bytes(need)} to write but {_bytes(free)} free in {out_dir!r}")
    if hard or (soft and not allow_large):
        advice = ("reduce n_episodes or the grid" + ("" if hard else
                  ", or pass --allow-large (allow_large=True) to run it anyway"))
        raise StudyTooLargeError(f"study {plan.name!r} is too large: "
                                 f"{'; '.join(hard + ([] if allow_large else soft))}; {advice}")


def component_bytes(prefix: str, value: str) -> int:
    """Bytes of the directory name ``prefix=<value URI-encoded>``."""
    return len(f"{prefix}={quote(value, safe='')}".encode())


def check_names(spec, error) -> None:
    """Call ``error(table, key, message)`` (a ``SourceLocator.error``, raised) for a policy name
    or scenario label whose directory name would exceed ``NAME_MAX`` bytes."""
    for p in spec.policies:
        n = component_bytes("policy", p.name)
        if n > NAME_MAX:
            raise error(("policies",), p.name, f"the policy name makes a {n}-byte directory name "
                        f"(policy=...); file systems allow {NAME_MAX}: shorten it")
    for sc in spec.scenarios:
        n = component_bytes("scenario", sc.label)
        if n > NAME_MAX:
            raise error(("timing",), None, f"scenario label {sc.label[:60]!r}... makes a {n}-byte "
                        f"directory name; file systems allow {NAME_MAX}: use fewer or shorter "
                        "axes (per-class axes have long names) or split the study")


def check_paths(spec, out_dir: str) -> None:
    """ValueError when a shard's full path under ``out_dir`` would exceed the system's path
    limit (``PC_PATH_MAX``, 4096 where unknown)."""
    base = os.path.abspath(out_dir)
    probe = base
    while not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    try:
        limit = os.pathconf(probe, "PC_PATH_MAX")
    except (AttributeError, OSError, ValueError):
        limit = 4096
    longest_p = max(component_bytes("policy", p.name) for p in spec.policies)
    longest_s = max(component_bytes("scenario", s.label) for s in spec.all_scenarios())
    file_bytes = SHARD_FILE_BYTES + (len(f"s{max(spec.seeds)}-") if spec.multi_seed else 0)
    n = len(base.encode()) + len("/data///") + longest_p + longest_s + file_bytes
    if n >= limit:
        raise ValueError(f"output directory {out_dir!r}: shard paths would be {n} bytes long; "
                         f"the system allows {limit}: choose a shorter output path")

