"""The Parquet layer: schema, encodings, row groups, provenance, atomic writes, the manifest."""
import hashlib
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fake_engine
from heron.study import load_spec, provenance
from heron.study.dataset import (
    ENGINE_COLUMNS, ROW_GROUP_ROWS, Manifest, check_metric_names, dictionary_columns,
    episodes_to_table, schema_metrics, shard_file, study_schema, write_atomic,
)

METRICS = fake_engine.METRICS


def episodes(n, metrics=METRICS):
    env = fake_engine.make_env(metrics=metrics)
    return fake_engine.evaluate(env, None, n_episodes=n, seed=5, timing=None).episodes


def table_for(n, axes=("act_delay", "jitter_type"), prov="{}"):
    schema = study_schema(list(axes), prov, METRICS)
    return episodes_to_table(episodes(n), schema, mode="event", preset="w1",
                             axes={"act_delay": 0.5, "jitter_type": "GAUSSIAN"})


def test_engine_columns_are_the_engine_s():
    from heron.batch.result import COLUMNS

    assert {n: t for n, t, _ in ENGINE_COLUMNS} == COLUMNS
    assert [n for n, _, _ in ENGINE_COLUMNS] == list(COLUMNS)


def test_table_schema_and_constant_columns():
    t = table_for(10)
    names = [n for n, _, _ in ENGINE_COLUMNS] + list(METRICS)
    assert t.column_names == names + ["mode", "preset", "act_delay", "jitter_type"]
    assert t.schema.field("agent").type == pa.dictionary(pa.int32(), pa.string())
    assert str(t.schema.field("act_delay").type) == "double"
    assert schema_metrics(t.schema) == METRICS
    assert t.column("agent").chunk(0).dictionary.to_pylist() == ["unit_1", "unit_2"]
    df = t.to_pandas()
    for col in ("agent", "agent_class", "mode", "preset", "jitter_type"):
        df[col] = df[col].astype(str)
    assert (df["act_delay"] == 0.5).all() and (df["jitter_type"] == "GAUSSIAN").all()
    pd.testing.assert_frame_equal(df[names], episodes(10)[names], check_dtype=False)


def test_agent_strings_not_tied_to_agent_index():
    df = episodes(4)
    df["agent"] = ["x", "y", "y", "x", "x", "y", "z", "x"]        # not a function of agent_index
    t = episodes_to_table(df, study_schema([], "{}", METRICS), mode="sync", preset="", axes={})
    assert t.column("agent").to_pylist() == list(df["agent"])


def test_missing_engine_column_is_an_error():
    df = episodes(3).drop(columns=["n_ticks"])
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['n_ticks'\]"):
        episodes_to_table(df, study_schema([], "{}", METRICS), mode="event", preset="", axes={})
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['energy'\]"):
        episodes_to_table(episodes(3), study_schema([], "{}", [*METRICS, "energy"]),
                          mode="event", preset="", axes={})


def test_metric_columns_follow_the_env():
    """Any metric names: float64 columns after the engine's, never dictionary-encoded."""
    metrics = ("energy_kwh", "trips")
    schema = study_schema(["jitter_ratio"], "{}", metrics)
    t = episodes_to_table(episodes(4, metrics), schema, mode="event", preset="",
                          axes={"jitter_ratio": 0.1})
    n = len(ENGINE_COLUMNS)
    assert t.column_names[n:] == ["energy_kwh", "trips", "mode", "preset", "jitter_ratio"]
    assert all(t.schema.field(m).type == pa.float64() for m in metrics)
    assert json.loads(schema.metadata[b"heron.metrics"]) == list(metrics)
    low = dictionary_columns(["jitter_ratio"], metrics)
    assert not set(metrics) & set(low) and "jitter_ratio" in low
    bare = study_schema([], "{}")                     # an env without metrics
    assert bare.names == [n for n, _, _ in ENGINE_COLUMNS] + ["mode", "preset"]
    assert schema_metrics(bare) == ()


@pytest.mark.parametrize("metrics, pattern", [
    (("a", "a"), r"distinct; \['a'\] repeat"),
    (("return",), r"\['return'\] clash"),
    (("mode",), r"\['mode'\] clash"),
    (("policy",), r"\['policy'\] clash"),
    (("jitter_ratio",), r"\['jitter_ratio'\] clash"),
    (("field_act_delay",), r"\['field_act_delay'\] clash"),
    (("",), "non-empty strings"),
    ("abc", "not one str"),
])
def test_metric_names_are_checked(metrics, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_metric_names(metrics)


def test_parquet_layout_dictionary_only_on_low_cardinality(tmp_path):
    n = 70_000   # 140k rows: two row groups, the first of ROW_GROUP_ROWS
    t = table_for(n)
    axes = ["act_delay", "jitter_type"]
    size = write_atomic(t, str(tmp_path), "x/part.parquet",
                        dictionary=dictionary_columns(axes, METRICS))
    meta = pq.ParquetFile(tmp_path / "x/part.parquet").metadata
    assert size > 0 and meta.num_rows == 2 * n
    assert meta.row_group(0).num_rows == ROW_GROUP_ROWS >= 65_536
    rg = meta.row_group(0)
    enc = {rg.column(i).path_in_schema: rg.column(i).encodings for i in range(rg.num_columns)}
    for low in ("agent", "agent_class", "seed", "mode", "jitter_type"):
        assert any("DICTIONARY" in e for e in enc[low]), (low, enc[low])
    for high in ("return", "episode", "obs_staleness_mean", *METRICS):
        assert not any("DICTIONARY" in e for e in enc[high]), (high, enc[high])
    assert not list((tmp_path / "x").glob(".*"))   # no temporary left


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(pq, "write_table", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(table_for(5), str(tmp_path), "d/part.parquet")
    assert list((tmp_path / "d").iterdir()) == []


def test_provenance_in_every_file(study_file, tmp_path):
    from heron.study import run_study

    path = study_file(n=6, shard=3)
    run_study(path, str(tmp_path / "out"), executor="inline", evaluator="fake_engine:evaluate",
              quiet=True)
    spec = load_spec(path)
    files = Manifest(str(tmp_path / "out")).files()
    assert len(files) == 2 * 6 * 2
    docs = [provenance.read(f) for f in files]
    assert all(d == docs[0] for d in docs)
    d = docs[0]
    assert d["seed"] == 11 and d["study"]["fingerprint"] == spec.fingerprint()
    assert d["study"]["text"] == open(path).read() and d["study"]["path"] == path
    assert d["packages"]["pyarrow"] and d["packages"]["numpy"] and d["heron_version"]
    assert "git_revision" in d
    assert json.loads(provenance.to_json(d)) == d


def test_shard_paths_are_hive_and_uri_encoded():
    p = shard_file("simple", "act_delay=0.5,jitter_ratio=0.1", 100, 50)
    assert p.startswith("data/policy=simple/scenario=act_delay%3D0.5%2Cjitter_ratio%3D0.1/")
    assert p.endswith("part-0000000100-0000000050.parquet")


def test_manifest_reads_without_writing_and_checks_files(tmp_path):
    m = Manifest(str(tmp_path))
    m.start({"fingerprint": "f"})
    (tmp_path / "a.parquet").write_bytes(b"12345")
    sha = hashlib.sha256(b"12345").hexdigest()
    m.record_shard({"id": "s1", "file": "a.parquet", "bytes": 5, "sha256": sha})
    m.record_shard({"id": "s2", "file": "b.parquet", "bytes": 5})
    with open(tmp_path / "manifest.jsonl", "a") as fh:
        fh.write('{"type": "shard", "id": "s3", "fi')
    before = (tmp_path / "manifest.jsonl").read_bytes()
    m2 = Manifest(str(tmp_path))
    assert (tmp_path / "manifest.jsonl").read_bytes() == before      # a reader never writes
    assert set(m2.shards) == {"s1", "s2"} and m2.damaged == [(4, "torn (no end of line)")]
    assert m2.is_done("s1", checksum=True) and not m2.is_done("s2") and not m2.is_done("s3")
    (tmp_path / "a.parquet").write_bytes(b"12346")        # same size, other bytes
    assert Manifest(str(tmp_path)).is_done("s1") and not Manifest(str(tmp_path)).is_done(
        "s1", checksum=True)
    assert "checksum mismatch" in m2.verify(m2.shards["s1"])
    (tmp_path / "a.parquet").write_bytes(b"1234")        # truncated file: not done
    assert not Manifest(str(tmp_path)).is_done("s1")
    m2.record_shard({"id": "s4", "file": "a.parquet", "bytes": 4})   # after the torn line
    lines = (tmp_path / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == 5 and json.loads(lines[-1])["id"] == "s4"
    m3 = Manifest(str(tmp_path))
    assert set(m3.shards) == {"s1", "s2", "s4"} and [n for n, _ in m3.damaged] == [4]
    m3.rewrite(keep={"s1", "s4"})                         # the writer's repair
    lines = (tmp_path / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(x)["type"] for x in lines] == ["study", "shard", "shard"]
    assert Manifest(str(tmp_path)).damaged == []
