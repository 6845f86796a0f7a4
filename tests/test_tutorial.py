"""Tutorial 5 end to end: ``examples/05_event_driven_testing.py`` runs unmodified tutorial code
on heron, prints the tutorial's numbers and saves its figures."""
import re
import struct
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "05_event_driven_testing.py"

TICKCONFIG_SAMPLES = [(1.030, 0.090, 0.215), (1.094, 0.080, 0.174), (1.013, 0.097, 0.200),
                      (0.915, 0.109, 0.216), (1.007, 0.111, 0.209)]  # docs/timing-model.md s. 2


def _png_size(path: Path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_tutorial_example_runs_and_saves_figures(tmp_path):
    out = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for i, (tick, obs, act) in enumerate(TICKCONFIG_SAMPLES, 1):
        assert f"Sample {i}: tick={tick:.3f}s, obs={obs:.3f}s, act={act:.3f}s" in text
    assert "Final time: 10.000s" in text
    battery = int(re.search(r"Battery ticks: (\d+)", text).group(1))
    grid = int(re.search(r"Microgrid ticks: (\d+)", text).group(1))
    assert 9 <= battery <= 11 and grid == 2
    for name in ("tick_patterns.png", "sync_vs_event_driven.png", "offset_start_gap.png"):
        w, h = _png_size(tmp_path / name)
        assert w >= 800 and h >= 250
    rewards = dict(re.findall(r"^(Synchronous|Event-driven, tutorial loop|Event-driven, policy "
                              r"on the battery):\s+total reward = (-?\d+\.\d+)", text, re.M))
    sync = float(rewards["Synchronous"])
    loop = float(rewards["Event-driven, tutorial loop"])
    onboard = float(rewards["Event-driven, policy on the battery"])
    assert loop < sync < 0 and onboard == sync
    lat = float(re.search(r"lands ([\d.]+) s after", text).group(1))
    assert abs(lat - 1.1) < 1e-9  # one 1 s step + the 100 ms act_delay
