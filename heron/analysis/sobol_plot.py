"""Bar plot of Sobol indices (``heron.analysis.sobol``): one panel per policy, one group of two
bars per timing factor (first-order ``S1`` and total ``ST``, with their intervals), the episode
noise last in grey. Saved as PNG (matplotlib, Agg backend)."""
from __future__ import annotations

import numpy as np

from heron.analysis.plots import AXIS_NAMES, _pyplot, _save, _title_width, _wrap
from heron.analysis.sobol import NOISE

S1_COLOR = "#4c72b0"
ST_COLOR = "#dd8452"
NOISE_COLOR = "0.55"


def factor_label(row) -> str:
    """``"field: action delay"``, ``"all agents: jitter"``, ``"episode noise"``."""
    if row["factor"] == NOISE:
        return NOISE
    who = "all agents" if row["agents"] in ("all", "", None) else row["agents"]
    return f"{who}: {AXIS_NAMES.get(row['field'], row['field'])}"


def plot_sobol(indices, path: str, *, title: str | None = None) -> str:
    """Horizontal bars of ``S1`` and ``ST`` per factor from ``run_sobol(...).indices`` (several
    policies stacked with a ``policy`` column give one panel each), error bars from
    ``*_low``/``*_high``, the distribution of each factor in its label. Returns ``path``."""
    plt = _pyplot()
    policies = list(dict.fromkeys(indices["policy"])) if "policy" in indices else [None]
    first = indices if policies == [None] else indices[indices["policy"] == policies[0]]
    n_rows = len(first)
    height = 0.55 * n_rows + 1.6
    fig, axes = plt.subplots(1, len(policies), figsize=(6.6 * len(policies) + 0.6, height),
                             sharey=True, squeeze=False)
    y = np.arange(n_rows)[::-1]
    labels = [f"{factor_label(r)}\n{r['distribution']}" for _, r in first.iterrows()]
    for ax, pol in zip(axes.flat, policies):
        sub = indices if pol is None else indices[indices["policy"] == pol]
        noise = (sub["factor"] == NOISE).to_numpy()
        for off, col, color, name in ((0.19, "S1", S1_COLOR, "first order S1"),
                                      (-0.19, "ST", ST_COLOR, "total ST")):
            v = sub[col].to_numpy(dtype=float)
            err = np.vstack([v - sub[f"{col}_low"].to_numpy(dtype=float),
                             sub[f"{col}_high"].to_numpy(dtype=float) - v])
            colors = [NOISE_COLOR if n else color for n in noise]
            ax.barh(y + off, v, height=0.36, color=colors, xerr=err, capsize=3,
                    error_kw={"elinewidth": 0.9, "ecolor": "0.2"}, label=name)
            hi = sub[f"{col}_high"].to_numpy(dtype=float)
            for yy, val, top in zip(y + off, v, hi):   # the value, right of its interval
                if np.isfinite(val):
                    ax.text(max(val, top if np.isfinite(top) else val) + 0.015, yy,
                            f"{val:.2f}", va="center", fontsize=7.5, color="0.25")
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set_xlim(min(-0.05, float(np.nanmin(sub[["S1_low", "ST_low"]].to_numpy())) - 0.02),
                    max(1.0, float(np.nanmax(sub[["S1_high", "ST_high"]].to_numpy())) + 0.1))
        ax.set_xlabel("Sobol index: share of the loss variance")
        ax.grid(True, axis="x", alpha=0.3)
        if pol is not None:
            ax.set_title(f"policy {pol}", fontsize=11)
    axes[0, 0].set_yticks(y, labels, fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=S1_COLOR),
               plt.Rectangle((0, 0), 1, 1, color=ST_COLOR),
               plt.Rectangle((0, 0), 1, 1, color=NOISE_COLOR)]
    fig.legend(handles, ["first order S1 (this factor alone)",
                         "total ST (with its interactions)",
                         "episode noise (within a design point)"],
               loc="lower center", ncol=3, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    a = indices.attrs
    if title is None:
        title = "Which timing factor drives the loss vs synchronous?"
        if a.get("n_points"):
            title += (f"\n{a.get('env', '')}: {a['n_points']:,} design points x "
                      f"{a.get('replicates')} episodes, {int(100 * a.get('conf_level', 0.95))} % "
                      "intervals")
    fig.suptitle(_wrap(title, _title_width(fig.get_figwidth())), fontsize=12)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _save(fig, path)
