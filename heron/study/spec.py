"""Study files: TOML (``tomllib``, or ``tomli`` on Python 3.10) -> ``StudySpec``.

A study file is data: nothing in it is evaluated, it never imports a module or calls what it names,
and no pickle is ever loaded (policy weights are ``.npz`` read with ``allow_pickle=False``). The
environment is a registered env id (``heron.registry``: shipped envs, ``heron.register`` calls of
modules you import, installed plugins); policies are registered names, ``.npz`` files or
``"module:object"`` references to policy objects of modules you imported. Importing your module is
your decision, on the command line: ``heron run --import mymodule study.toml`` (see
``heron.study.resolve``). Example::

    [study]
    name = "plant-robustness"
    output = "heron-study-plant"     # default output directory (relative to the working dir)
    seed = 2026                      # the study seed: episode e of seed s is the same everywhere
    n_seeds = 3                      # optional: replicates 2026, 2027, 2028 (or seeds = [...])
    n_episodes = 2000                # per cell (policy x scenario) and seed
    horizon = 50.0                   # seconds (optional: the environment's default)
    shard_size = 50000               # episodes per shard (optional)
    engine = "batch"                 # "batch" (default) or "interactive"

    [environment]
    name = "Plant-v0"                # a registered env id (heron.list_envs(), `heron envs`)
    kwargs = { n_units = 2 }         # keyword arguments of its factory

    [policies]                       # name -> registered name | "file.npz" | "module:object"
    simple = "simple"
    tuned = "weights/tuned.npz"

    [timing]                         # see heron.study.grid
    base = "w1"
    presets = ["scada"]
    [timing.grid]
    jitter_ratio = [0.0, 0.2, 0.4]

Seeds as replicates: ``seed = N`` runs one replicate; ``seeds = [1, 2, 3]`` (instead of ``seed``)
or ``n_seeds = 3`` (with ``seed`` as the first: seeds ``seed, seed + 1, ..., seed + n_seeds - 1``,
each an independent set of random streams) run every cell ``n_episodes`` times per seed. The
dataset's ``seed`` column tells them apart; the analysis nests episodes in seeds (per-seed and
pooled intervals, the between-seed spread: ``heron.analysis.summarize``). ``seed = N`` and
``n_seeds = 1`` are the same study as before seeds were a list (same fingerprint, same shards).

Presets are scaled to the study's env (``heron.scheduling.presets``): ``parse_spec`` reads the
file alone, so its scenarios hold the presets at their reference timing (``spec.nominal is
None``); ``spec.for_env(env)`` applies them to the env's nominal timing (a preset that does not
fit the env is a ``StudySpecError`` at its line), and ``run_study`` does that as soon as the env
resolves, before anything runs or is recorded. A fitted spec records the env's nominal ticks and
the synchronous baseline's decision period (``env.dt``) in ``to_dict()["env_timing"]`` (reports
print it); like the env's code, that record is not part of the fingerprint, while the scaled
scenario timings are.

The dataset's columns follow the environment: the engine's columns, then the metric columns the
env declares (``BatchEnv.metrics``). ``examples/`` holds complete study files.

Every error is a ``StudySpecError`` (a ``ValueError``) naming the file, the line where possible, the
key and the valid choices. Names that would make directory names longer than the file system
allows (255 bytes) are refused here, before any work (``heron.study.plan.check_names``).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Optional

from heron.study.errors import SourceLocator, StudySpecError
from heron.study.grid import SYNC, Scenario, parse_timing

DEFAULT_SHARD_SIZE = 50_000
ENV_TIMING_KEY = "env_timing"   # to_dict(): the env's nominal timing, once fitted (for_env)
ENGINES = ("batch", "interactive")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_IMPORT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_ENV_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+/-]*$")
MAX_STUDY_BYTES = 1 << 24   # 16 MiB: a study file is a short text
MAX_SEEDS = 10_000          # replicates of a study (each runs every cell n_episodes times)
MAX_SEED = 2 ** 63 - 1      # seeds are int64 in the dataset (uint64 stream keys in the engine)
_SECTIONS = {
    "study": ("name", "output", "seed", "seeds", "n_seeds", "n_episodes", "horizon",
              "shard_size", "engine"),
    "environment": ("name", "kwargs"),
    "policies": None,  # free keys: policy names
    "timing": None,    # validated in grid.py
    "sensitivity": None,  # heron sensitivity's factors: validated in sensitivity_spec.py
}


@dataclass(frozen=True)
class PolicySpec:
    """A policy of the study: ``kind`` is ``"builtin"``, ``"npz"`` or ``"import"``."""

    name: str
    kind: str
    ref: str

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "ref": self.ref}


@dataclass(frozen=True)
class StudySpec:
    """A validated study. Times in seconds; ``scenarios`` excludes the sync baseline. ``seeds``:
    the replicates (``(seed,)`` unless the study lists several); ``seed`` is the first.
    ``nominal``: the env's ``NominalTiming`` the presets of ``scenarios`` are applied to (None:
    not fitted yet, the presets' reference timing; ``for_env``); ``timing_table``: the study
    file's ``[timing]`` table (what ``for_env`` re-applies)."""

    name: str
    seed: int
    n_episodes: int
    horizon: Optional[float]
    shard_size: int
    engine: str
    output: Optional[str]
    env_name: str
    env_kwargs: dict
    policies: tuple
    scenarios: tuple
    axes: tuple
    source_text: str = ""
    source_path: Optional[str] = None
    seeds: tuple = ()
    nominal: object = None
    timing_table: Optional[dict] = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        seeds = tuple(int(x) for x in self.seeds) if self.seeds else (int(self.seed),)
        object.__setattr__(self, "seeds", seeds)
        object.__setattr__(self, "seed", seeds[0])

    @property
    def multi_seed(self) -> bool:
        """True when the study has several seeds (replicates): its shards name their seed."""
        return len(self.seeds) > 1

    @property
    def baseline(self) -> Scenario:
        """The synchronous baseline scenario (run once per policy, paired by seed/episode)."""
        return SYNC

    def all_scenarios(self) -> list:
        """The baseline first, then the event-driven scenarios."""
        return [SYNC, *self.scenarios]

    def to_dict(self) -> dict:
        """Everything that defines the results (not the output directory), JSON-ready. A study
        of one seed has no ``seeds`` key (the document, so the fingerprint, of a ``seed = N``
        study is what it was before studies took several seeds)."""
        out = {
            "name": self.name, "seed": self.seed, "n_episodes": self.n_episodes,
            "horizon": self.horizon, "shard_size": self.shard_size, "engine": self.engine,
            "environment": {"name": self.env_name, "kwargs": self.env_kwargs},
            "policies": [p.to_dict() for p in self.policies],
            "scenarios": [s.to_dict() for s in self.scenarios], "axes": list(self.axes),
        }
        if self.multi_seed:
            out["seeds"] = list(self.seeds)
        if self.nominal is not None:
            out[ENV_TIMING_KEY] = self.nominal.to_dict()
        return out

    def fingerprint(self) -> str:
        """SHA-256 of ``to_dict()`` without the env's timing record (``env_timing``, derived from
        the env like its code): two specs with the same fingerprint give the same dataset."""
        doc = {k: v for k, v in self.to_dict().items() if k != ENV_TIMING_KEY}
        blob = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def for_env(self, env) -> "StudySpec":
        """This study with its presets applied to ``env``'s nominal timing (a ``BatchEnv``, a
        ``PettingZooSpec`` or a ``NominalTiming``): the scenarios are rebuilt from the study
        file's ``[timing]`` table; ``StudySpecError`` (naming the line) when a preset does not
        fit the env. Returns ``self`` when it is already fitted to that timing."""
        from heron.scheduling.nominal import nominal_timing

        nominal = nominal_timing(env)
        if nominal == self.nominal:
            return self
        if self.timing_table is None:   # built in code, not from a file: nothing to re-apply
            return replace(self, nominal=nominal)
        loc = SourceLocator(self.source_text, self.source_path)
        scenarios = tuple(parse_timing(loc, self.timing_table, nominal))
        return replace(self, scenarios=scenarios, nominal=nominal)


def _tomllib():
    """The TOML reader: the standard library's ``tomllib`` (Python >= 3.11), else ``tomli``
    (the same module as a package; a dependency of heron on Python 3.10)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib


def load_spec(path) -> StudySpec:
    """Read and validate the study file at ``path`` (UTF-8 TOML, at most ``MAX_STUDY_BYTES``)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise StudySpecError(f"study file {path!r}: expected a TOML file; it is a directory")
    if not os.path.exists(path):
        raise FileNotFoundError(f"study file {path!r} does not exist")
    try:
        size = os.path.getsize(path)
        if size > MAX_STUDY_BYTES:
            raise StudySpecError(f"study file {path!r}: expected a study file of at most "
                                 f"{MAX_STUDY_BYTES:,} bytes; it has {size:,}")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_STUDY_BYTES + 1)
    except OSError as exc:
        raise StudySpecError(f"study file {path!r}: cannot read it: "
                             f"{exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise StudySpecError(f"{path}:{line}: expected UTF-8 text; byte 0x{raw[exc.start]:02x} "
                             f"at offset {exc.start} is not UTF-8 (save the file as UTF-8)"
                             ) from None
    return parse_spec(text, path=path)


def parse_spec(text: str, path: Optional[str] = None) -> StudySpec:
    """Validate the TOML ``text`` of a study (``path`` is used in messages and for relative
    ``.npz`` paths)."""
    tomllib = _tomllib()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudySpecError(f"{path or '<study>'}: not valid TOML: {exc}") from None
    return parse_spec_dict(data, text=text, path=path)


def _typed(loc, table, key, value, types, what):
    if isinstance(value, bool) and bool not in types or not isinstance(value, types):
        raise loc.error(table, key, f"must be {what}; got {value!r} ({type(value).__name__})")
    return value


def parse_spec_dict(data: dict, *, text: str = "", path: Optional[str] = None) -> StudySpec:
    """Validate an already-parsed study (the TOML document as a dict)."""
    loc = SourceLocator(text, path)
    for key in data:
        if key not in _SECTIONS:
            raise loc.error((), key, f"unknown section; valid sections: {list(_SECTIONS)}")
    for section in ("study", "environment", "policies"):
        if section not in data:
            raise loc.error((), section, f"missing section [{section}]")
        if not isinstance(data[section], dict):
            raise loc.error((), section, f"must be a table; got {data[section]!r}")
    study = data["study"]
    for key in study:
        if key not in _SECTIONS["study"]:
            raise loc.error(("study",), key, f"unknown key; valid keys: {list(_SECTIONS['study'])}")
    t = ("study",)
    default_name = os.path.splitext(os.path.basename(path))[0] if path else "study"
    name = _typed(loc, t, "name", study.get("name", default_name), (str,), "a string")
    output = study.get("output")
    if output is not None:
        _typed(loc, t, "output", output, (str,), "a directory path (string)")
    seeds = _parse_seeds(loc, study)
    if "n_episodes" not in study:
        raise loc.error(t, None, "missing key n_episodes (episodes per policy and scenario)")
    n_episodes = _typed(loc, t, "n_episodes", study["n_episodes"], (int,), "a positive integer")
    if n_episodes < 1:
        raise loc.error(t, "n_episodes", f"must be >= 1; got {n_episodes}")
    horizon = study.get("horizon")
    if horizon is not None:
        horizon = float(_typed(loc, t, "horizon", horizon, (int, float), "a number of seconds"))
        if not horizon > 0 or horizon == float("inf"):
            raise loc.error(t, "horizon", f"must be a finite number of seconds > 0; got {horizon}")
    shard_size = _typed(loc, t, "shard_size", study.get("shard_size", DEFAULT_SHARD_SIZE), (int,),
                        "a positive integer (episodes per shard)")
    if shard_size < 1:
        raise loc.error(t, "shard_size", f"must be >= 1; got {shard_size}")
    engine = study.get("engine", "batch")
    if engine not in ENGINES:
        raise loc.error(t, "engine", f"must be one of {list(ENGINES)}; got {engine!r}")

    env = data["environment"]
    for key in env:
        if key not in _SECTIONS["environment"]:
            raise loc.error(("environment",), key,
                            f"unknown key; valid keys: {list(_SECTIONS['environment'])}")
    env_name = env.get("name")
    if not isinstance(env_name, str) or not (_ENV_ID.match(env_name) or _IMPORT.match(env_name)):
        raise loc.error(("environment",), "name", "must be a registered environment id "
                        f"({_env_ids()}) or \"module:name\" of a module you import "
                        f"(heron run --import MODULE); got {env_name!r}")
    env_kwargs = env.get("kwargs", {})
    if not isinstance(env_kwargs, dict):
        raise loc.error(("environment",), "kwargs", f"must be a table; got {env_kwargs!r}")

    policies = tuple(_parse_policy(loc, k, v, path) for k, v in data["policies"].items())
    if not policies:
        raise loc.error(("policies",), None,
                        "at least one policy is needed, e.g. simple = \"simple\"")
    timing = data.get("timing", {})
    if not isinstance(timing, dict):
        raise loc.error((), "timing", f"must be a table; got {timing!r}")
    scenarios = tuple(parse_timing(loc, timing))
    if "sensitivity" in data:   # only `heron sensitivity` reads it; checked here all the same
        from heron.study.sensitivity_spec import parse_sensitivity
        parse_sensitivity(loc, data["sensitivity"], timing.get("base", "deterministic"))
    axes = tuple(scenarios[0].axes) if scenarios else ()
    spec = StudySpec(name=name, seed=seeds[0], n_episodes=n_episodes, horizon=horizon,
                     shard_size=shard_size, engine=engine, output=output, env_name=env_name,
                     env_kwargs=dict(env_kwargs), policies=policies, scenarios=scenarios,
                     axes=axes, source_text=text, source_path=path, seeds=seeds,
                     timing_table=timing)
    from heron.study.plan import check_names

    check_names(spec, loc.error)
    return spec


def _seed_value(loc, key, value, what="a non-negative integer"):
    t = ("study",)
    _typed(loc, t, key, value, (int,), what)
    if not 0 <= value <= MAX_SEED:
        raise loc.error(t, key, f"must be {what} (0 .. 2**63 - 1); got {value}")
    return value


def _parse_seeds(loc, study: dict) -> tuple:
    """The study's seeds from ``seed``, ``seeds`` or ``seed`` + ``n_seeds`` (see the module
    docstring): a non-empty tuple of distinct non-negative ints."""
    t = ("study",)
    if "seeds" in study:
        for other in ("seed", "n_seeds"):
            if other in study:
                raise loc.error(t, other, f"give either seeds = [...] or {other}, not both "
                                          "(seeds lists every seed; seed + n_seeds derives them)")
        values = study["seeds"]
        if not isinstance(values, list) or not values:
            raise loc.error(t, "seeds", f"must be a non-empty array of non-negative integers "
                                        f"(e.g. seeds = [1, 2, 3]); got {values!r}")
        if len(values) > MAX_SEEDS:
            raise loc.error(t, "seeds", f"at most {MAX_SEEDS:,} seeds; got {len(values):,}")
        seeds = tuple(_seed_value(loc, "seeds", v, "an array of non-negative integers")
                      for v in values)
        if len(set(seeds)) != len(seeds):
            dup = sorted(x for x, k in Counter(seeds).items() if k > 1)
            raise loc.error(t, "seeds", f"seeds must be distinct (a repeated seed repeats the "
                                        f"same episodes); {dup} repeat")
        return seeds
    seed = _seed_value(loc, "seed", study.get("seed", 0))
    n = study.get("n_seeds", 1)
    _typed(loc, t, "n_seeds", n, (int,), "a positive integer (how many seeds)")
    if not 1 <= n <= MAX_SEEDS:
        raise loc.error(t, "n_seeds", f"must be between 1 and {MAX_SEEDS:,}; got {n}")
    if seed + n - 1 > MAX_SEED:
        raise loc.error(t, "n_seeds", f"seed {seed} + n_seeds {n} - 1 exceeds 2**63 - 1; use a "
                                      "smaller seed")
    return tuple(range(seed, seed + n))


def _env_ids() -> str:
    """The registered env ids and aliases, for error messages."""
    from heron.registry import list_envs

    names = [n for s in list_envs() for n in (s.id, *s.aliases)]
    return "one of " + ", ".join(repr(n) for n in names)


def _parse_policy(loc, name, value, path) -> PolicySpec:
    t = ("policies",)
    if not _NAME.match(name) or name == "sync":
        raise loc.error(t, name, "policy names may use letters, digits, '_', '.', '+', '-' (and "
                                 "not 'sync')")
    if isinstance(value, dict):
        keys = ("builtin", "weights", "callable")
        if len(value) != 1 or next(iter(value)) not in keys:
            raise loc.error(t, name, f"a policy table needs exactly one of {list(keys)}; got "
                                     f"{sorted(value)}")
        kind, ref = next(iter(value.items()))
        kind = {"builtin": "builtin", "weights": "npz", "callable": "import"}[kind]
    elif isinstance(value, str):
        ref = value
        kind = ("npz" if value.endswith(".npz") else "import" if ":" in value else "builtin")
    else:
        raise loc.error(t, name, "must be a built-in policy name, a .npz weights file or an import"
                                 f" path \"module:object\" (of a module you import); got {value!r}")
    if not isinstance(ref, str):
        raise loc.error(t, name, f"must be a string; got {ref!r}")
    if kind == "npz":
        if not ref.endswith(".npz"):
            raise loc.error(t, name, f"weights must be a .npz file; got {ref!r}")
        if not os.path.isabs(ref) and path:
            ref = os.path.join(os.path.dirname(os.path.abspath(path)), ref)
        if not os.path.isfile(ref):
            raise loc.error(t, name, f"weights file {ref!r} does not exist")
        ref = os.path.abspath(ref)
    elif kind == "import" and not _IMPORT.match(ref):
        raise loc.error(t, name, "an import path looks like \"package.module:object\"; "
                                 f"got {ref!r}")
    elif kind == "builtin":
        names = _builtin_policy_names()
        if not ref.isidentifier() or (names is not None and ref not in names):
            choices = sorted(names) if names is not None else "heron.batch.policies names"
            raise loc.error(t, name, f"unknown policy name {ref!r}; registered: {choices}; or a "
                                     ".npz weights file, or \"module:object\" of a module you "
                                     "import (heron run --import MODULE)")
    return PolicySpec(name, kind, ref)


def _builtin_policy_names():
    """Names registered in ``heron.batch.policies`` (None when that module cannot be imported)."""
    try:
        from heron.batch import policies
    except ImportError:
        return None
    from heron.registry import plugin_policy_names

    return set(policies.available()) | set(plugin_policy_names())
