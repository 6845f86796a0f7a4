"""Global sensitivity analysis of timing: Sobol indices of the loss against synchronous.

::

    from heron.analysis.sobol import Factor, run_sobol

    factors = [Factor("act_delay", 0.0, 0.5, agents="field"),          # seconds, uniform
               Factor("obs_delay", 0.0, 0.5, agents="field"),
               Factor("jitter_ratio", 0.0, 0.3, agents="field", dist="triangular", mode=0.1)]
    res = run_sobol(env, "simple", factors, timing=w1_timing, n_base=256, replicates=8, seed=1)
    res.indices          # one row per factor (+ "episode noise"): S1, ST and their intervals

**Design.** A Saltelli design (``SALib.sample.sobol``, scrambled Sobol' sequence, first and total
order only) of ``n_base`` base samples over the ``D`` factors gives ``n_base * (D + 2)`` design
points. Design point ``j`` runs ``replicates`` episodes, global episode indices ``j * replicates
.. (j + 1) * replicates - 1``, each with the point's timing through the batch engine's
per-episode timing table (``heron.batch.episode_timing``): one ``evaluate`` call for the whole
design, so the results do not depend on chunk size, threads or shards. The same episodes run
through the synchronous baseline (``engine="sync"`` with ``baseline_timing``, by default the
env's own timing, as in a study), paired by ``(seed, episode)``.

**The loss** of an episode is ``sync return - event return`` (returns summed over the agents; one
sign convention: positive = worse than synchronous), expressed in percent of the mean
synchronous return over the whole design (a common scale: the indices are those of the absolute
loss). A design point's value is the mean loss of its replicates. ``SALib.analyze.sobol`` gives
the first-order (``S1``) and total (``ST``) indices with bootstrap intervals (``num_resamples =
n_boot``; ``*_conf`` is the half-width at ``conf_level``, ``*_low``/``*_high`` the interval).

**Replicates and episode noise.** An episode's loss also depends on its own random numbers
(initial state, jitter variates, disturbances), which are different for every episode. Averaging
``replicates`` episodes per point shrinks that noise, and the replicates measure it: with
``v`` the mean within-point variance of the point means (variance of the replicate losses /
``replicates``) and ``V`` the variance of the point means, the noise share is ``eta = v / V``.
Noise is an extra, independent input of the design: it leaves ``S1`` unbiased (``S1`` is a
share of ``V``, noise included) but adds ``eta`` to every total index estimate (Jansen's estimator
differences two runs that share every factor but one, not the noise), so ``ST`` is reported net
of it (``ST = ST_raw - eta``, ``ST_raw`` is SALib's) and the row ``"episode noise"`` shows
``eta`` itself, with a bootstrap interval over the base samples. Common random numbers across
design points would remove the noise instead, but the engine keys every random stream by the
global episode index (that is what makes runs chunk-, thread- and shard-invariant), so each
design point has episodes of its own. Raise ``replicates`` when ``eta`` is large against the
indices of interest (``replicates >= 2`` is required to measure it).

Factors are timing fields of an agent class (``"field"``, ``"coordinator"``), of one agent (its
id) or of every agent (``agents=None``): ``tick_interval``, ``obs_delay``, ``act_delay``,
``msg_delay``, ``min_delay`` (seconds), ``jitter_ratio`` (a fraction of the base value) and
``tick_ratio`` (coordinators tick every ``tick_ratio`` field ticks: their tick interval is that
times the first field agent's). Distributions: ``uniform`` (``low``, ``high``), ``loguniform``
(``low`` > 0, ``high``), ``triangular`` (``low``, ``high``, ``mode`` in ``[low, high)``) and
``truncnormal`` (``low``, ``high``, ``mean``, ``sd``: a normal truncated to ``[low, high]``).
Fields a factor does not set keep the value of ``timing=`` (jitter types always do).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field as dc_field

import numpy as np

#: The timing fields a factor may vary (seconds, except the two ratios).
FACTOR_FIELDS = ("tick_interval", "obs_delay", "act_delay", "msg_delay", "min_delay",
                 "jitter_ratio", "tick_ratio")
#: Distributions and their parameters, in SALib's order.
DISTRIBUTIONS = {"uniform": ("low", "high"), "loguniform": ("low", "high"),
                 "triangular": ("low", "high", "mode"),
                 "truncnormal": ("low", "high", "mean", "sd")}
_SALIB = {"uniform": "unif", "loguniform": "logunif", "triangular": "triang",
          "truncnormal": "truncnorm"}
NOISE = "episode noise"
INDEX_COLUMNS = ("factor", "agents", "field", "distribution", "S1", "S1_conf", "S1_low",
                 "S1_high", "ST", "ST_conf", "ST_low", "ST_high", "ST_raw")
MAX_SECONDS = 1e9
MAX_RATIO = 100.0


def require_salib() -> None:
    """Raise the clear ``ModuleNotFoundError`` of ``_salib`` now when SALib is missing."""
    _salib("sample")


def _salib(module: str):
    """``SALib.sample.sobol`` or ``SALib.analyze.sobol``; a clear ImportError without SALib."""
    import importlib

    try:
        return importlib.import_module(f"SALib.{module}.sobol")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "SALib":
            raise ModuleNotFoundError(
                "Sobol sensitivity analysis needs SALib: pip install 'heron[sensitivity]' (or "
                "pip install SALib)", name="SALib") from None
        raise


def _number(where: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number; got {value!r} "
                        f"({type(value).__name__})")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{where}: {name} must be finite; got {value!r}")
    return x


@dataclass(frozen=True)
class Factor:
    """One timing factor: ``field`` of ``agents`` (an agent class, an agent id or None for
    every agent) drawn from ``dist`` on ``[low, high]`` (seconds for times; see the module
    docstring). ``mode`` (triangular) and ``mean``/``sd`` (truncnormal) as the distribution
    needs them."""

    field: str
    low: float = None
    high: float = None
    agents: str = None
    dist: str = "uniform"
    mode: float = None
    mean: float = None
    sd: float = None

    def __post_init__(self):
        if self.field not in FACTOR_FIELDS:
            raise ValueError(f"Factor: field must be one of {list(FACTOR_FIELDS)}; got "
                             f"{self.field!r}")
        if self.agents is not None and (not isinstance(self.agents, str) or not self.agents):
            raise TypeError(f"Factor {self.field!r}: agents must be an agent class "
                            f"('field', 'coordinator'), an agent id or None; got "
                            f"{self.agents!r}")
        where = f"factor {self.name!r}"
        if self.dist not in DISTRIBUTIONS:
            raise ValueError(f"{where}: dist must be one of {list(DISTRIBUTIONS)}; got "
                             f"{self.dist!r}")
        needed = DISTRIBUTIONS[self.dist]
        for p in ("low", "high", "mode", "mean", "sd"):
            v = getattr(self, p)
            if p in needed:
                if v is None:
                    raise ValueError(f"{where}: a {self.dist} distribution needs "
                                     f"{list(needed)}; {p} is missing")
                object.__setattr__(self, p, _number(where, p, v))
            elif v is not None:
                raise ValueError(f"{where}: a {self.dist} distribution takes {list(needed)}; "
                                 f"got {p}={v!r} as well")
        lo, hi = self.low, self.high
        if not lo < hi:
            raise ValueError(f"{where}: expected low < high; got low={lo:g}, high={hi:g}")
        if self.dist == "loguniform" and lo <= 0:
            raise ValueError(f"{where}: expected low > 0 (loguniform needs low > 0); got "
                             f"low={lo:g}")
        if self.field in ("tick_interval", "tick_ratio") and lo <= 0:
            raise ValueError(f"{where}: expected low > 0 ({self.field} must be positive); got "
                             f"low={lo:g}")
        if lo < 0:
            raise ValueError(f"{where}: expected low >= 0 ({self.field} cannot be negative); "
                             f"got low={lo:g}")
        cap = MAX_RATIO if self.field in ("jitter_ratio", "tick_ratio") else MAX_SECONDS
        if hi > cap:
            raise ValueError(f"{where}: expected high <= {cap:g}; got high={hi:g}")
        if self.dist == "triangular" and not lo <= self.mode < hi:
            raise ValueError(f"{where}: expected low <= mode < high; got mode={self.mode:g} "
                             f"on [{lo:g}, {hi:g}]")
        if self.dist == "truncnormal" and not self.sd > 0:
            raise ValueError(f"{where}: expected sd > 0; got sd={self.sd:g}")

    @property
    def name(self) -> str:
        """``"field.act_delay"`` (``"act_delay"`` for every agent)."""
        return f"{self.agents}.{self.field}" if self.agents else self.field

    def describe(self) -> str:
        """The distribution in words: ``"uniform [0, 0.5] s"``."""
        unit = "" if self.field in ("jitter_ratio", "tick_ratio") else " s"
        extra = ""
        if self.dist == "triangular":
            extra = f", mode {self.mode:g}"
        elif self.dist == "truncnormal":
            extra = f", mean {self.mean:g}, sd {self.sd:g}"
        return f"{self.dist} [{self.low:g}, {self.high:g}]{unit}{extra}"

    def salib(self) -> tuple:
        """``(dist, bounds)`` as ``SALib`` reads them."""
        if self.dist == "triangular":
            return "triang", [self.low, self.high, (self.mode - self.low) / (self.high -
                                                                             self.low)]
        if self.dist == "truncnormal":
            return "truncnorm", [self.low, self.high, self.mean, self.sd]
        return _SALIB[self.dist], [self.low, self.high]


@dataclass
class SobolResult:
    """What ``run_sobol`` returns: ``indices`` (DataFrame, ``INDEX_COLUMNS``, one row per
    factor and the ``"episode noise"`` row; metadata in ``indices.attrs``), ``design`` (one row
    per design point: its factor values, role in the Saltelli design, mean loss and the
    replicates' standard deviation) and ``meta`` (the settings and figures of the run)."""

    indices: object
    design: object
    meta: dict = dc_field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
def _int(name: str, value, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{name} must be {rng}; got {value}")
    return int(value)


def check_factors(factors) -> list:
    """``factors`` as a non-empty list of distinct ``Factor`` objects (dicts of ``Factor``'s
    fields are accepted)."""
    if isinstance(factors, (Factor, dict, str)) or not hasattr(factors, "__iter__"):
        raise TypeError(f"factors must be a list of Factor objects; got "
                        f"{type(factors).__name__} {factors!r}")
    out = []
    for k, f in enumerate(factors):
        if isinstance(f, dict):
            try:
                f = Factor(**f)
            except TypeError as exc:
                raise TypeError(f"factors[{k}]: {exc}") from None
        if not isinstance(f, Factor):
            raise TypeError(f"factors[{k}] must be a Factor (or a dict of its fields); got "
                            f"{type(f).__name__} {f!r}")
        out.append(f)
    if not out:
        raise ValueError("factors must hold at least one Factor; got none")
    names = [f.name for f in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"factors must be distinct; {dup} repeat")
    return out


def _targets(env, factor: Factor) -> list:
    """Agent indices a factor sets."""
    sel = factor.agents
    if sel is None:
        idx = list(range(len(env.agents)))
    elif sel in env.agent_ids:
        idx = [env.agent_ids.index(sel)]
    else:
        idx = [i for i, a in enumerate(env.agents) if a.agent_class == sel]
        if not idx:
            classes = sorted({a.agent_class for a in env.agents})
            raise ValueError(f"factor {factor.name!r}: agents must be an agent class of env "
                             f"{env.name!r} ({classes}) or one of its agent ids "
                             f"({env.agent_ids}); got {sel!r}")
    if factor.field == "tick_ratio":
        idx = [i for i in idx if env.agents[i].agent_class == "coordinator"]
        if not idx:
            raise ValueError(f"factor {factor.name!r}: tick_ratio sets coordinators' tick "
                             f"intervals, and env {env.name!r} has no coordinator agent among "
                             f"{factor.agents or 'its agents'}")
        if not any(a.agent_class == "field" for a in env.agents):
            raise ValueError(f"factor {factor.name!r}: tick_ratio is relative to the field "
                             f"agents' tick interval; env {env.name!r} has no field agent")
    return idx


def check_targets(env, factors: list, configs: list) -> list:
    """Each factor's agent indices; refuses two factors on one (agent, field) and jitter ratios
    for agents without a jitter type."""
    from heron._fast.jitter import JITTER_NONE

    seen = {}
    out = []
    for f in factors:
        idx = _targets(env, f)
        for i in idx:
            key = (i, "tick_interval" if f.field == "tick_ratio" else f.field)
            if key in seen:
                raise ValueError(f"factors {seen[key]!r} and {f.name!r} both set "
                                 f"{key[1]} of agent {env.agent_ids[i]!r}; keep one")
            seen[key] = f.name
            if f.field == "jitter_ratio" and configs[i].jitter_code == JITTER_NONE:
                raise ValueError(f"factor {f.name!r}: agent {env.agent_ids[i]!r} has jitter "
                                 f"type NONE in timing=, so its jitter ratio has no effect; give "
                                 f"it a jitter type (e.g. GAUSSIAN) or drop the factor")
        out.append(idx)
    return out


# ---------------------------------------------------------------------------------------------
# Design -> per-episode timing -> losses
# ---------------------------------------------------------------------------------------------
def problem(factors: list) -> dict:
    """The ``SALib`` problem of ``factors``."""
    dists, bounds = zip(*(f.salib() for f in factors))
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [list(b) for b in bounds], "dists": list(dists)}


def saltelli_design(factors: list, n_base: int, seed: int) -> np.ndarray:
    """The ``(n_base * (D + 2), D)`` Saltelli design (first and total order) of ``factors``:
    blocks of ``D + 2`` rows ``A, AB_1 .. AB_D, B`` per base sample (SALib's layout)."""
    sobol_sample = _salib("sample")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # SALib's note on powers of two
        return sobol_sample.sample(problem(factors), n_base, calc_second_order=False,
                                   scramble=True, seed=int(seed))


def design_timing(env, factors: list, targets: list, configs: list, X: np.ndarray,
                  replicates: int) -> dict:
    """The per-episode timing (``heron.batch.episode_timing`` dict form) of design ``X``:
    ``replicates`` consecutive rows per design point."""
    from heron._fast.jitter import MIN_INTERVAL

    n_rows = X.shape[0] * replicates
    n_agents = len(env.agents)
    fields = {}

    def column(name, getter):
        if name not in fields:
            base = np.array([getter(c) for c in configs], dtype=np.float64)
            fields[name] = np.repeat(base[None, :], n_rows, axis=0)
        return fields[name]

    ratio_k = []
    for k, (f, idx) in enumerate(zip(factors, targets)):
        if f.field == "tick_ratio":
            ratio_k.append(k)
            continue
        col = column(f.field, lambda c, name=f.field: getattr(c, name))
        col[:, idx] = np.repeat(X[:, k], replicates)[:, None]
    if ratio_k:
        ticks = column("tick_interval", lambda c: max(c.tick_interval, MIN_INTERVAL))
        first_field = next(i for i, a in enumerate(env.agents) if a.agent_class == "field")
        for k in ratio_k:
            ratio = np.repeat(X[:, k], replicates)
            ticks[:, targets[k]] = (ratio * ticks[:, first_field])[:, None]
    assert all(v.shape == (n_rows, n_agents) for v in fields.values())
    return fields


def _episode_returns(result, n_episodes: int) -> np.ndarray:
    """Returns per episode (summed over agents), index = episode (the run starts at 0)."""
    arr = result.arrays
    return np.bincount(np.asarray(arr["episode"], dtype=np.int64),
                       weights=np.asarray(arr["return"], dtype=np.float64),
                       minlength=n_episodes)


def _noise_share(Y: np.ndarray, noise_var: np.ndarray, D: int, n_boot: int, conf_level: float,
                 seed: int) -> tuple:
    """``(eta, conf)``: mean within-point variance of the point means over the variance of the
    ``A`` and ``B`` points (SALib's denominator), and the half-width of its bootstrap interval
    over base samples."""
    from scipy.stats import norm

    G = Y.reshape(-1, D + 2)
    NV = noise_var.reshape(-1, D + 2)

    def eta(rows):
        den = np.var(np.r_[G[rows, 0], G[rows, -1]])
        return float(NV[rows].mean() / den) if den > 0 else float("nan")

    n = G.shape[0]
    est = eta(np.arange(n))
    rng = np.random.default_rng(seed)
    boots = np.array([eta(rng.integers(0, n, n)) for _ in range(n_boot)])
    conf = float(norm.ppf(0.5 + conf_level / 2) * np.nanstd(boots, ddof=1))
    return est, conf


def run_sobol(env, policy, factors, *, timing=None, baseline_timing=None, n_base: int = 256,
              replicates: int = 8, seed: int = 0, horizon=None, n_boot: int = 1000,
              conf_level: float = 0.95, chunk_size=None, threads=None) -> SobolResult:
    """Sobol indices of the loss against synchronous over timing ``factors`` (see the module
    docstring). ``env`` a ``BatchEnv``; ``policy`` as ``evaluate`` takes it; ``timing`` the
    timing the factors vary (``evaluate``'s forms; fields no factor sets keep its values);
    ``baseline_timing`` the synchronous baseline's (default: the env's own, as in a study);
    ``n_base`` the Saltelli base sample count (a power of two); ``replicates`` episodes per
    design point (>= 2); ``horizon`` in seconds; ``n_boot`` bootstrap resamples and
    ``conf_level`` the level of the intervals; ``chunk_size`` and ``threads`` as in ``evaluate``
    (the indices do not depend on them)."""
    import pandas as pd

    from heron.batch import BatchEnv, evaluate
    from heron.batch.timing import resolve_timing

    if not isinstance(env, BatchEnv):
        raise TypeError(f"env must be a heron.batch.BatchEnv; got {type(env).__name__}")
    factors = check_factors(factors)
    n_base = _int("n_base", n_base, 2, 1 << 20)
    if n_base & (n_base - 1):
        raise ValueError(f"n_base must be a power of two (the Sobol' sequence is balanced "
                         f"only then), e.g. {1 << (n_base.bit_length() - 1)} or "
                         f"{1 << n_base.bit_length()}; got {n_base}")
    replicates = _int("replicates", replicates, 2, 1 << 20)
    seed = _int("seed", seed, 0, 2 ** 63 - 1)
    n_boot = _int("n_boot", n_boot, 10, 100_000)
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float)) or \
            not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be a number in (0, 1), e.g. 0.95; got {conf_level!r}")
    configs = resolve_timing(env, timing)
    targets = check_targets(env, factors, configs)

    D = len(factors)
    X = saltelli_design(factors, n_base, seed)
    n_points = X.shape[0]
    n_ep = n_points * replicates
    table = design_timing(env, factors, targets, configs, X, replicates)
    common = dict(n_episodes=n_ep, seed=seed, horizon=horizon, chunk_size=chunk_size,
                  threads=threads)
    event = evaluate(env, policy, timing=timing, timing_per_episode=table, **common)
    sync = evaluate(env, policy, timing=baseline_timing, engine="sync", **common)
    ev = _episode_returns(event, n_ep)
    sy = _episode_returns(sync, n_ep)
    scale = abs(float(sy.mean()))
    if scale > 0 and math.isfinite(scale):
        unit, factor = "% of the mean synchronous return", 100.0 / scale
    else:
        unit, factor = "return units", 1.0
    loss = ((sy - ev) * factor).reshape(n_points, replicates)
    Y = loss.mean(axis=1)
    noise_var = loss.var(axis=1, ddof=1) / replicates

    sobol_analyze = _salib("analyze")
    names = [f.name for f in factors]
    if np.var(Y) > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = sobol_analyze.analyze(problem(factors), Y, calc_second_order=False,
                                       num_resamples=n_boot, conf_level=conf_level, seed=seed)
        eta, eta_conf = _noise_share(Y, noise_var, D, n_boot, conf_level, seed)
    else:
        warnings.warn("the loss does not vary over the design: every Sobol index is undefined "
                      "(NaN)", RuntimeWarning, stacklevel=2)
        nan = np.full(D, np.nan)
        si = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        eta, eta_conf = float("nan"), float("nan")
    rows = []
    for k, f in enumerate(factors):
        s1, s1c = float(si["S1"][k]), float(si["S1_conf"][k])
        st_raw, stc = float(si["ST"][k]), float(si["ST_conf"][k])
        st = st_raw - eta
        rows.append({"factor": f.name, "agents": f.agents or "all", "field": f.field,
                     "distribution": f.describe(), "S1": s1, "S1_conf": s1c,
                     "S1_low": s1 - s1c, "S1_high": s1 + s1c, "ST": st, "ST_conf": stc,
                     "ST_low": st - stc, "ST_high": st + stc, "ST_raw": st_raw})
    rows.append({"factor": NOISE, "agents": "", "field": "", "distribution":
                 f"{replicates} episodes per design point", "S1": eta, "S1_conf": eta_conf,
                 "S1_low": eta - eta_conf, "S1_high": eta + eta_conf, "ST": eta,
                 "ST_conf": eta_conf, "ST_low": eta - eta_conf, "ST_high": eta + eta_conf,
                 "ST_raw": eta})
    indices = pd.DataFrame(rows, columns=list(INDEX_COLUMNS))

    roles = ["A"] + [f"AB:{n}" for n in names] + ["B"]
    design = pd.DataFrame(X, columns=names)
    design.insert(0, "point", np.arange(n_points, dtype=np.int64))
    design.insert(1, "base_sample", np.arange(n_points, dtype=np.int64) // (D + 2))
    design.insert(2, "role", np.tile(np.array(roles, dtype=object), n_base))
    design["first_episode"] = design["point"] * replicates
    design["loss"] = Y
    design["loss_sd"] = loss.std(axis=1, ddof=1)
    meta = {"env": env.name, "n_base": n_base, "n_factors": D, "n_points": n_points,
            "replicates": replicates, "n_episodes": n_ep, "seed": seed, "loss_unit": unit,
            "loss_mean": float(Y.mean()), "loss_sd": float(Y.std(ddof=1)),
            "sync_mean_return": float(sy.mean()), "noise_share": eta,
            "conf_level": float(conf_level), "n_boot": n_boot,
            "horizon": event.config["horizon"],
            "timing_per_episode": event.config.get("timing_per_episode"),
            "event_wall_s": event.stats["wall_time_s"], "sync_wall_s": sync.stats["wall_time_s"]}
    indices.attrs.update({k: v for k, v in meta.items() if not isinstance(v, dict)})
    return SobolResult(indices, design, meta)


def sobol_indices(env, policy, factors, **kwargs):
    """``run_sobol(...).indices``: the DataFrame of first-order and total Sobol indices."""
    return run_sobol(env, policy, factors, **kwargs).indices
