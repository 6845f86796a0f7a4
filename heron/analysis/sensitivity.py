"""Degradation along timing axes: ``sensitivity`` (one axis) and ``interaction`` (two axes).

Both work on the grid scenarios of a study (rows whose axis value is not null) and measure each
grid point against the synchronous baseline with ``summarize`` (paired per episode, bootstrap
intervals). Axes of the grid that are not studied stay separate: each combination of their values
gives its own curve (or pin them with ``at={"act_delay": 0.5}``).
"""
from __future__ import annotations

from heron.analysis.load import axis_columns
from heron.analysis.summarize import summarize, summary_columns


def _grid_rows(df, axes, at):
    known = axis_columns(df)
    for a in axes:
        if a not in known:
            raise ValueError(f"axis {a!r} is not a timing axis of this study; axes: {known}")
    at = dict(at or {})
    for a in at:
        if a not in known:
            raise ValueError(f"at= names {a!r}, not a timing axis of this study; axes: {known}")
    mask = df["mode"] == "event"
    for a in axes:
        mask &= df[a].notna()
    for a, v in at.items():
        mask &= df[a] == v
    rows = df[mask]
    if rows.empty:
        raise ValueError(f"no grid rows for axes {list(axes)} with at={at}")
    others = [a for a in known if a not in axes and a not in at and rows[a].nunique() > 1]
    return rows, others


def _summarize_cells(df, rows, keys, summary, summary_kw):
    """``summarize(rows, by=keys)`` against ``df``'s sync rows; when every group is one
    (policy, scenario) cell and a ``summarize(df, by=("policy", "scenario"))`` table with the same
    settings is given, its rows are reused (same resamples, so the same numbers)."""
    values = summary_columns(df, keys)
    if (summary is not None and "policy" in keys
            and {"policy", "scenario", *values} <= set(summary.columns)
            and all(k in ("policy", *axis_columns(df)) for k in keys)
            and rows.groupby(keys, dropna=False, observed=True)["scenario"].nunique().max() == 1):
        cells = rows[["policy", "scenario", *[k for k in keys if k != "policy"]]].drop_duplicates()
        picked = cells.merge(summary[["policy", "scenario", *values]],
                             on=["policy", "scenario"], how="left")
        if not picked["n_episodes"].isna().any():
            return picked[[*keys, *values]]
    return summarize(rows, by=keys, baseline=df[df["mode"] == "sync"], **summary_kw)


def sensitivity(df, axis: str, *, by=("policy",), at=None, summary=None, **summary_kw):
    """Degradation curve along ``axis``: ``summarize`` per (``by``, other varying axes, axis
    value), sorted by the axis. ``summary_kw`` go to ``summarize`` (``n_boot``, ``ci``, ``seed``);
    ``summary`` (``summarize(df)`` with those settings) saves recomputing the same cells."""
    by = [by] if isinstance(by, str) else list(by)
    rows, others = _grid_rows(df, [axis], at)
    keys = [*by, *others, axis]
    out = _summarize_cells(df, rows, keys, summary, summary_kw)
    return out.sort_values(keys, kind="stable", ignore_index=True)


def interaction(df, axis_a: str, axis_b: str, *, policy=None, at=None, value: str = "gap_pct",
                summary=None, **summary_kw):
    """2-D grid of ``value`` (default the percent gap) over ``axis_a`` (rows) x ``axis_b``
    (columns) for one policy (needed when the data hold several)."""
    if axis_a == axis_b:
        raise ValueError(f"axis_a and axis_b must differ; got {axis_a!r} twice")
    policies = sorted(df["policy"].unique())
    if policy is None:
        if len(policies) != 1:
            raise ValueError(f"the data hold policies {policies}; choose one with policy=")
        policy = policies[0]
    elif policy not in policies:
        raise ValueError(f"policy {policy!r} is not in the data; policies: {policies}")
    sub = df[df["policy"] == policy]
    rows, others = _grid_rows(sub, [axis_a, axis_b], at)
    if others:
        raise ValueError(f"axes {others} also vary; pin them with at={{...}} "
                         f"(e.g. at={{{others[0]!r}: {rows[others[0]].iloc[0]!r}}})")
    table = _summarize_cells(sub, rows, ["policy", axis_a, axis_b], summary, summary_kw)
    if value not in table.columns:
        raise ValueError(f"value must be a summary column, e.g. 'gap_pct' or 'mean'; got {value!r}")
    return table.pivot(index=axis_a, columns=axis_b, values=value)
