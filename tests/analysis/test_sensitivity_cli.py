"""``[sensitivity]`` in study files and ``heron sensitivity`` (battery-fleet kernels, shared with
the other battery tests; a tiny design)."""
import json
import os

import pandas as pd
import pytest

from heron.cli import main
from heron.study import parse_spec
from heron.study.errors import SourceLocator, StudySpecError
from heron.study.sensitivity_spec import load_sensitivity, parse_sensitivity

STUDY = """\
[study]
name = "sens"
seed = 3
n_episodes = 10
horizon = 10.0

[environment]
name = "battery_fleet"
kwargs = { n_batteries = 1 }

[policies]
simple = "simple"

[timing]
base = "w1"
"""

SECTION = """
[sensitivity]
n_base = 8
replicates = 2
n_boot = 50
format = "{fmt}"

[sensitivity.factors.field]
act_delay = [0.0, 0.5]
obs_delay = {{ dist = "triangular", low = 0.0, high = 0.4, mode = 0.1 }}
"""


def _write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_sensitivity_section_is_read_and_leaves_the_study_unchanged(tmp_path):
    with_section = parse_spec(STUDY + SECTION.format(fmt="csv"))
    assert with_section.fingerprint() == parse_spec(STUDY).fingerprint()
    _, sens = load_sensitivity(_write(tmp_path, STUDY + SECTION.format(fmt="csv")))
    assert [f.name for f in sens.factors] == ["field.act_delay", "field.obs_delay"]
    assert sens.factors[1].dist == "triangular" and sens.factors[1].mode == 0.1
    assert (sens.n_base, sens.replicates, sens.n_boot, sens.base) == (8, 2, 50, "w1")


@pytest.mark.parametrize("section, words", [
    ("[sensitivity]\nn_base = 100\n[sensitivity.factors.field]\nact_delay = [0.0, 1.0]\n",
     [":18: sensitivity.n_base:", "power of two", "got 100"]),
    ("[sensitivity]\nrepeats = 2\n", [":18: sensitivity.repeats:", "unknown key"]),
    ("[sensitivity]\nn_base = 8\n", ["missing [sensitivity.factors]"]),
    ("[sensitivity.factors.field]\nlatency = [0.0, 1.0]\n",
     [":18: sensitivity.factors.field.latency:", "unknown timing factor"]),
    ("[sensitivity.factors.field]\nact_delay = [1.0, 0.5]\n",
     [":18: sensitivity.factors.field.act_delay:", "low < high", "low=1, high=0.5"]),
    ("[sensitivity.factors.field]\nact_delay = { dist = \"gamma\", low = 0, high = 1 }\n",
     ["dist must be one of", "got 'gamma'"]),
    ("[sensitivity.factors.field]\nact_delay = { low = 0, high = 1, mode = 0.5 }\n",
     ["unknown key(s) ['mode'] for a uniform distribution"]),
    ("[sensitivity.factors.field]\nact_delay = 0.5\n",
     ["must be [low, high] or a table", "got 0.5"]),
    ("[sensitivity.factors]\nfield = 3\n", ["must be a table of factors", "got 3"]),
    ("[sensitivity]\nformat = \"xlsx\"\n[sensitivity.factors]\nact_delay = [0, 1]\n",
     ["format: must be one of ['csv', 'parquet']", "got 'xlsx'"]),
])
def test_bad_sections_name_file_line_key_expected_and_received(section, words):
    with pytest.raises(StudySpecError) as err:
        parse_spec(STUDY + "\n" + section, path="study.toml")
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_a_study_without_the_section_is_refused(tmp_path):
    with pytest.raises(StudySpecError, match=r"no \[sensitivity\] section"):
        load_sensitivity(_write(tmp_path, STUDY))
    with pytest.raises(StudySpecError, match="must be a table"):
        parse_sensitivity(SourceLocator(""), 3)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_heron_sensitivity_writes_the_indices_the_design_and_a_plot(tmp_path, capsys, fmt):
    path = _write(tmp_path, STUDY + SECTION.format(fmt=fmt))
    out = tmp_path / "out"
    assert main(["sensitivity", path, "--out", str(out), "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    assert "field.act_delay" in printed and "episode noise" in printed
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    idx = read(out / f"sobol_indices.{fmt}")
    assert list(idx["factor"]) == ["field.act_delay", "field.obs_delay", "episode noise"]
    assert set(idx["policy"]) == {"simple"}
    assert {"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"} <= set(idx.columns)
    design = read(out / f"sobol_design.{fmt}")
    assert len(design) == 8 * 4 and design["loss"].notna().all()
    assert design["field.act_delay"].between(0.0, 0.5).all()
    with open(out / "sobol_indices.png", "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((out / "sobol_meta.json").read_text())
    assert meta["policies"]["simple"]["n_episodes"] == 8 * 4 * 2
    assert meta["base_timing"] == "w1"


def test_heron_sensitivity_reports_bad_input_on_one_line(tmp_path, capsys):
    path = _write(tmp_path, STUDY + "\n[sensitivity]\nn_base = 6\n")
    assert main(["sensitivity", path, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "n_base" in err and "power of two" in err
    assert not os.path.exists(tmp_path / "o")


@pytest.mark.parametrize("name, n_factors", [("sensitivity_battery.toml", 5),
                                              ("sensitivity_heating.toml", 3)])
def test_the_example_study_files_are_valid(name, n_factors):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec, sens = load_sensitivity(os.path.join(root, "examples", name))
    assert len(sens.factors) == n_factors and sens.n_base & (sens.n_base - 1) == 0
    assert sens.output and spec.output is None   # `heron run` of it needs --out: no clash


def test_missing_salib_is_one_clear_line_before_any_work(tmp_path, monkeypatch, capsys):
    import sys

    path = tmp_path / "s.toml"
    path.write_text(STUDY + SECTION.format(fmt="csv"))
    monkeypatch.setitem(sys.modules, "SALib", None)       # as if it were not installed
    monkeypatch.setitem(sys.modules, "SALib.sample", None)
    monkeypatch.setitem(sys.modules, "SALib.sample.sobol", None)
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "needs SALib: pip install 'heron[sensitivity]'" in err and "unexpected" not in err
    assert not (tmp_path / "out").exists()
