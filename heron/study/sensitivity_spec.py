"""The ``[sensitivity]`` section of a study file: Sobol sensitivity of the loss to timing factors.

``heron sensitivity STUDY.toml`` reads the study's ``[study]`` (seed: the first one; horizon),
``[environment]``, ``[policies]`` and ``[timing] base`` (the timing the factors vary; presets and
the grid are for ``heron run`` and are not used), and this section::

    [sensitivity]
    n_base = 1024            # Saltelli base samples (a power of two): n_base * (D + 2) points
    replicates = 16          # episodes per design point (>= 2; they measure the episode noise)
    n_boot = 1000            # bootstrap resamples of the intervals (optional)
    conf_level = 0.95        # level of the intervals (optional)
    format = "csv"           # the index table: "csv" (default) or "parquet"
    output = "heron-sensitivity-battery"   # output directory (optional; --out overrides)

    [sensitivity.factors.field]             # factors of one agent class ("field", "coordinator")
    act_delay = [0.0, 0.5]                  # uniform on [0, 0.5] s
    obs_delay = { dist = "uniform", low = 0.0, high = 0.5 }
    jitter_ratio = { dist = "triangular", low = 0.0, high = 0.3, mode = 0.1 }

    [sensitivity.factors]                   # a key here (not a class table): every agent
    tick_ratio = { dist = "loguniform", low = 2.0, high = 10.0 }

A factor is a timing field (``heron.analysis.sobol.FACTOR_FIELDS``: seconds, except the ratios)
and a distribution: ``[low, high]`` (uniform) or a table with ``dist`` (``uniform``,
``loguniform``, ``triangular``, ``truncnormal``) and its parameters (``low``, ``high``, and
``mode`` or ``mean``/``sd``). Errors are ``StudySpecError`` naming the file, line and key. The
file stays data: nothing here is evaluated or imported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from heron.study.errors import SourceLocator, StudySpecError

KEYS = ("n_base", "replicates", "n_boot", "conf_level", "format", "output", "factors")
FORMATS = ("csv", "parquet")
CLASSES = ("field", "coordinator")
MAX_N_BASE = 1 << 20
MAX_REPLICATES = 1 << 16
MAX_N_BOOT = 100_000


@dataclass(frozen=True)
class SensitivitySpec:
    """A validated ``[sensitivity]`` section: ``factors`` a tuple of ``heron.analysis.sobol``
    ``Factor`` objects, in file order."""

    factors: tuple
    n_base: int = 1024
    replicates: int = 16
    n_boot: int = 1000
    conf_level: float = 0.95
    format: str = "csv"
    output: Optional[str] = None
    base: str = "deterministic"    # the [timing] base preset: the timing the factors vary


def _int(loc, key, value, lo, hi):
    t = ("sensitivity",)
    if isinstance(value, bool) or not isinstance(value, int):
        raise loc.error(t, key, f"must be an integer; got {value!r} ({type(value).__name__})")
    if not lo <= value <= hi:
        raise loc.error(t, key, f"must be between {lo} and {hi:,}; got {value}")
    return value


def _factor(loc, table: tuple, field: str, agents, value):
    from heron.analysis.sobol import DISTRIBUTIONS, FACTOR_FIELDS, Factor

    if field not in FACTOR_FIELDS:
        raise loc.error(table, field, f"unknown timing factor; valid factors: "
                                      f"{list(FACTOR_FIELDS)}")
    if isinstance(value, list):
        if len(value) != 2:
            raise loc.error(table, field, f"a range is [low, high] (uniform); got {value!r}")
        kwargs = {"dist": "uniform", "low": value[0], "high": value[1]}
    elif isinstance(value, dict):
        kwargs = dict(value)
        dist = kwargs.get("dist", "uniform")
        if dist not in DISTRIBUTIONS:
            raise loc.error(table, field, f"dist must be one of {list(DISTRIBUTIONS)}; got "
                                          f"{dist!r}")
        allowed = ("dist",) + DISTRIBUTIONS[dist]
        extra = [k for k in kwargs if k not in allowed]
        if extra:
            raise loc.error(table, field, f"unknown key(s) {extra} for a {dist} distribution; "
                                          f"valid keys: {list(allowed)}")
    else:
        raise loc.error(table, field, f"must be [low, high] or a table "
                                      f"{{ dist = \"uniform\", low = ..., high = ... }}; got "
                                      f"{value!r} ({type(value).__name__})")
    for k, v in kwargs.items():
        if k != "dist" and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise loc.error(table, field, f"{k} must be a number; got {v!r} "
                                          f"({type(v).__name__})")
    try:
        return Factor(field, agents=agents, **kwargs)
    except (TypeError, ValueError) as exc:
        raise loc.error(table, field, str(exc)) from None


def parse_sensitivity(loc: SourceLocator, section, base: str = "deterministic"
                      ) -> SensitivitySpec:
    """Validate a ``[sensitivity]`` table (see the module docstring); ``base`` is the study's
    ``[timing] base`` preset."""
    t = ("sensitivity",)
    if not isinstance(section, dict):
        raise loc.error((), "sensitivity", f"must be a table; got {section!r}")
    for key in section:
        if key not in KEYS:
            raise loc.error(t, key, f"unknown key; valid keys: {list(KEYS)}")
    n_base = _int(loc, "n_base", section.get("n_base", 1024), 2, MAX_N_BASE)
    if n_base & (n_base - 1):
        raise loc.error(t, "n_base", f"must be a power of two (the Sobol' sequence is balanced "
                                     f"only then), e.g. {1 << (n_base.bit_length() - 1)}; got "
                                     f"{n_base}")
    replicates = _int(loc, "replicates", section.get("replicates", 16), 2, MAX_REPLICATES)
    n_boot = _int(loc, "n_boot", section.get("n_boot", 1000), 10, MAX_N_BOOT)
    conf = section.get("conf_level", 0.95)
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0 < conf < 1:
        raise loc.error(t, "conf_level", f"must be a number in (0, 1), e.g. 0.95; got {conf!r}")
    fmt = section.get("format", "csv")
    if fmt not in FORMATS:
        raise loc.error(t, "format", f"must be one of {list(FORMATS)}; got {fmt!r}")
    output = section.get("output")
    if output is not None and (not isinstance(output, str) or not output):
        raise loc.error(t, "output", f"must be a directory path (string); got {output!r}")
    factors_table = section.get("factors")
    if factors_table is None:
        raise loc.error(t, None, "missing [sensitivity.factors]: name at least one timing "
                                 "factor, e.g. [sensitivity.factors.field] act_delay = [0.0, 0.5]")
    if not isinstance(factors_table, dict):
        raise loc.error(t, "factors", f"must be a table; got {factors_table!r}")
    factors = []
    ft = t + ("factors",)
    for key, value in factors_table.items():
        if key in CLASSES:
            if not isinstance(value, dict):
                raise loc.error(ft, key, f"must be a table of factors "
                                         f"([sensitivity.factors.{key}]); got {value!r}")
            for field, v in value.items():
                factors.append(_factor(loc, ft + (key,), field, key, v))
        else:
            factors.append(_factor(loc, ft, key, None, value))
    if not factors:
        raise loc.error(ft, None, "no factor given; e.g. [sensitivity.factors.field] "
                                  "act_delay = [0.0, 0.5]")
    return SensitivitySpec(tuple(factors), n_base, replicates, n_boot, float(conf), fmt, output,
                           str(base).lower())


def load_sensitivity(path) -> tuple:
    """``(StudySpec, SensitivitySpec)`` of the study file at ``path``; ``StudySpecError`` when
    it has no ``[sensitivity]`` section."""
    from heron.study.spec import _tomllib, load_spec

    spec = load_spec(path)
    data = _tomllib().loads(spec.source_text)
    loc = SourceLocator(spec.source_text, spec.source_path)
    if "sensitivity" not in data:
        raise StudySpecError(f"{spec.source_path}: no [sensitivity] section: heron sensitivity "
                             "needs one (its factors and ranges; see heron.study.sensitivity_spec)")
    base = (data.get("timing") or {}).get("base", "deterministic")   # validated by load_spec
    return spec, parse_sensitivity(loc, data["sensitivity"], base)


def base_timing(spec, sens: SensitivitySpec, env) -> dict:
    """``{agent_class: TickConfig}``: the ``[timing] base`` preset applied to ``env``'s nominal
    timing, as ``heron run`` applies the study's presets (``StudySpec.for_env``)."""
    from heron.study.grid import parse_timing

    fitted = spec.for_env(env)
    loc = SourceLocator(spec.source_text, spec.source_path)
    return parse_timing(loc, {"base": sens.base}, fitted.nominal)[0].tick_configs()
