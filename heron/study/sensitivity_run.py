"""``heron sensitivity STUDY.toml``: Sobol indices of the loss to the timing factors of the study
file's ``[sensitivity]`` section (``heron.study.sensitivity_spec``), for every policy of the
study, through ``heron.analysis.sobol.run_sobol``.

Writes to the output directory (``--out``, else ``[sensitivity] output``, else the study's
output directory name + ``-sensitivity``):

* ``sobol_indices.csv`` (or ``.parquet``): one row per (policy, factor) and the ``episode noise``
  row of each policy: ``S1``, ``ST`` with their intervals (``heron.analysis.sobol``);
* ``sobol_design.csv`` (or ``.parquet``): one row per (policy, design point): factor values,
  Saltelli role, mean loss and the replicates' standard deviation;
* ``sobol_indices.png``: the bar plot (``heron.analysis.sobol_plot``);
* ``sobol_meta.json``: the settings (factors, design size, seed, study fingerprint) and figures
  (noise share, wall times) of the run.

The study's seed (its first, when it lists several) seeds the design and the episodes; the
horizon is the study's (else the env's); the synchronous baseline runs with the env's own
timing, as in ``heron run``.
"""
from __future__ import annotations

import json
import os


def default_output(spec, sens) -> str:
    """Where results go when ``--out`` is not given."""
    return sens.output or f"{spec.output or spec.name}-sensitivity"


def run_sensitivity(path, out=None, *, imports=(), threads=None, chunk_size=None,
                    on_policy=None) -> dict:
    """Run the ``[sensitivity]`` study of the file at ``path`` (see the module docstring);
    ``imports`` as ``heron.study.resolve.check_study`` takes them; ``on_policy(name)`` is
    called before each policy runs. Returns ``{"indices", "design", "meta", "indices_path",
    "design_path", "plot", "meta_path", "out"}``."""
    import pandas as pd

    from heron.analysis.sobol import run_sobol
    from heron.analysis.sobol_plot import plot_sobol
    from heron.study import pettingzoo
    from heron.study.resolve import check_study, resolve_policy
    from heron.study.sensitivity_spec import base_timing, load_sensitivity

    spec, sens = load_sensitivity(path)
    env, task, _ = check_study(spec, imports)
    if task.get("kind") == pettingzoo.KIND:
        raise ValueError(f"{path}: heron sensitivity runs batch envs (heron.batch.BatchEnv); "
                         f"environment {spec.env_name!r} is a PettingZoo env")
    timing = base_timing(spec, sens, env)
    out = os.path.abspath(out or default_output(spec, sens))
    os.makedirs(out, exist_ok=True)
    indices, designs, metas = [], [], {}
    for p in spec.policies:
        if on_policy is not None:
            on_policy(p.name)
        res = run_sobol(env, resolve_policy(p.to_dict()), list(sens.factors), timing=timing,
                        n_base=sens.n_base, replicates=sens.replicates, seed=spec.seed,
                        horizon=spec.horizon, n_boot=sens.n_boot, conf_level=sens.conf_level,
                        chunk_size=chunk_size, threads=threads)
        indices.append(res.indices.assign(policy=p.name))
        designs.append(res.design.assign(policy=p.name))
        metas[p.name] = res.meta
    table = pd.concat(indices, ignore_index=True)
    table = table[["policy", *[c for c in table.columns if c != "policy"]]]
    table.attrs.update(indices[0].attrs)
    design = pd.concat(designs, ignore_index=True)
    design = design[["policy", *[c for c in design.columns if c != "policy"]]]
    ext = "parquet" if sens.format == "parquet" else "csv"
    paths = {"indices_path": os.path.join(out, f"sobol_indices.{ext}"),
             "design_path": os.path.join(out, f"sobol_design.{ext}"),
             "plot": os.path.join(out, "sobol_indices.png"),
             "meta_path": os.path.join(out, "sobol_meta.json")}
    for frame, key in ((table, "indices_path"), (design, "design_path")):
        if ext == "parquet":
            frame.to_parquet(paths[key], index=False)
        else:
            frame.to_csv(paths[key], index=False)
    plot_sobol(table, paths["plot"])
    meta = {"study": spec.name, "study_file": os.path.abspath(os.fspath(path)),
            "fingerprint": spec.fingerprint(), "environment": spec.env_name,
            "base_timing": sens.base,
            "factors": [{"name": f.name, "distribution": f.describe()} for f in sens.factors],
            "policies": metas}
    with open(paths["meta_path"], "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2, sort_keys=True, default=str)
    return {"indices": table, "design": design, "meta": meta, "out": out, **paths}
