"""The tutorial example's flat comparison says why its gap is zero, from the run."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "05_event_driven_testing.py"


def _example():
    spec = importlib.util.spec_from_file_location("tutorial05", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)      # defines the tutorial's classes; main() does not run
    return module


def test_explain_gap_reads_the_run():
    ex = _example()
    flat = {"battery_1": [0.5] * 4, "battery_2": [0.5] * 4}
    start = {"battery_1": np.array([0.5]), "battery_2": np.array([0.5])}
    variant = {"battery_1": 0.3, "battery_2": 0.7}
    lines, note = ex.explain_gap(start, {"Synchronous": flat, "Event-driven": flat},
                                 {"synchronous": 0.0, "event-driven": 0.0}, ex.simple_policy,
                                 variant)
    assert lines[0].startswith("Why the gap is 0.00: the batteries start at SOC battery_1 0.500, "
                               "battery_2 0.500, and simple_policy returns 0 (hold)")
    assert "battery_1 0.3, battery_2 0.7" in lines[-1] and "offset_start_gap.png" in lines[-1]
    assert "nothing to delay" in note
    # a run where the policy acts: no "cannot show a timing effect"
    moving = {"battery_1": [0.4, 0.5, 0.6], "battery_2": [0.5, 0.5, 0.5]}
    start = {"battery_1": np.array([0.3]), "battery_2": np.array([0.5])}
    lines, _ = ex.explain_gap(start, {"Synchronous": moving, "Event-driven": flat},
                              {"synchronous": -0.3, "event-driven": -0.5}, ex.simple_policy,
                              variant)
    assert lines[0].startswith("The gap is 0.20: the policy acted (actions [-0.5, 0.0, 0.5])")


def test_the_example_prints_the_explanation(tmp_path):
    out = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(tmp_path), "--steps", "10"],
                         capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Performance gap: 0.00 reward units" in text
    assert ("Why the gap is 0.00: the batteries start at SOC battery_1 0.500, battery_2 0.500"
            in text)
    assert "the SOC never moves in either mode" in text
    assert "(offset_start_gap.png)" in text
