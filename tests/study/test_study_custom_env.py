"""A study of a user's own batch env (``two_tanks_env``, not a shipped env) on the real engine:
the dataset and the analysis carry exactly the metric columns that env declares. The study names
the env by the id its module registers; the module is imported on request (``imports=``), as
``heron run --import two_tanks_env`` does."""
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("heron.batch")

import two_tanks_env  # noqa: E402,F401 - METRICS; run_study imports it again on request
from heron.analysis import axis_columns, load, metric_columns, sensitivity, summarize  # noqa: E402
from heron.study import parse_spec, run_study  # noqa: E402
from heron.study.dataset import ENGINE_COLUMNS, Manifest, schema_metrics  # noqa: E402

TOML = """\
[study]
name = "tanks"
seed = 7
n_episodes = 6
shard_size = 4
horizon = 10.0

[environment]
name = "TwoTanks-v0"

[policies]
drain = "two_tanks_env:drain"

[timing]
base = "w1"
[timing.grid]
act_delay = [0.0, 0.5]
"""

METRICS = list(two_tanks_env.METRICS)


@pytest.fixture(scope="module")
def tanks(tmp_path_factory):
    out = tmp_path_factory.mktemp("tanks") / "out"
    run_study(parse_spec(TOML, path="tanks.toml"), str(out), executor="inline", quiet=True,
              imports=["two_tanks_env"])
    return out


def test_files_have_the_env_s_metric_columns(tanks):
    files = Manifest(str(tanks)).files()
    assert len(files) == 3 * 2          # sync + 2 grid points, 2 shards each
    assert Manifest(str(tanks)).header["metrics"] == METRICS
    for f in files:
        schema = pq.read_schema(f)
        engine = [n for n, _, _ in ENGINE_COLUMNS]
        assert schema.names == engine + METRICS + ["mode", "preset", "act_delay"]
        assert all(schema.field(m).type == pa.float64() for m in METRICS)
        assert list(schema_metrics(schema)) == METRICS
        assert "time_outside_band" not in schema.names


def test_analysis_carries_exactly_those_metrics(tanks):
    df = load(tanks)
    assert len(df) == 3 * 6 * 2 and set(df["agent"]) == {"valve_1", "valve_2"}
    assert "time_outside_band" not in df.columns
    assert metric_columns(df) == METRICS and axis_columns(df) == ["act_delay"]
    assert (df["energy"] > 0).all() and df["spill_s"].ge(0).all()

    s = summarize(df, n_boot=50)
    assert "time_outside_band" not in s.columns
    assert list(s.columns[-len(METRICS) - 3:]) == [*METRICS, "mode", "preset", "act_delay"]
    # each metric: summed over the episode's agents, then averaged over the cell's episodes
    for (policy, scenario), cell in df.groupby(["policy", "scenario"]):
        row = s[(s["policy"] == policy) & (s["scenario"] == scenario)].iloc[0]
        per_episode = cell.groupby("episode")[METRICS].sum()
        for m in METRICS:
            assert row[m] == pytest.approx(per_episode[m].mean())
    per_agent = summarize(df, by=("policy", "scenario", "agent"), n_boot=20)
    assert {*METRICS} <= set(per_agent.columns)
    np.testing.assert_allclose(per_agent.groupby("scenario")["energy"].sum().sort_index(),
                               s.set_index("scenario")["energy"].sort_index())

    curve = sensitivity(df, "act_delay", n_boot=50, summary=s)
    assert [c for c in curve.columns if c in METRICS] == METRICS
    assert curve["energy"].tolist() == s[s["mode"] == "event"].sort_values("act_delay")[
        "energy"].tolist()


def test_provenance_and_manifest_are_plain_json(tanks):
    header = json.loads(open(tanks / "manifest.jsonl").readline())
    assert header["type"] == "study" and header["metrics"] == METRICS
