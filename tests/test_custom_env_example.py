"""The newcomer's path: ``examples/custom_env.py`` prints its loss-vs-synchronous table, its env
code stays within 40 lines, and every ``python``/``heron`` command of ``docs/custom-env.md`` runs
as written from the root of a checkout.

The commands run in subprocesses that import the installed heron (``PYTHONSAFEPATH``, set in
``tests/conftest.py``), in a temporary directory laid out like a checkout: ``examples/`` holds
copies of the example and its study file, so relative paths in the guide work unchanged. A
cold run compiles the env's kernels (about a minute on two cores); later runs load them from
Numba's cache (the kernels are keyed on the code, not on the file's path).
"""
from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "custom_env.py"
STUDY = REPO / "examples" / "study_two_rooms.toml"
GUIDE = REPO / "docs" / "custom-env.md"
MAX_ENV_LINES = 40
TIMEOUT = 900  # seconds per command: generous for cold compiles on a busy 2-core machine
POLICIES = ("thermostat", "pi")
_NUM = r"(-?\d+\.\d+)"
ROW = re.compile(rf"^(\w+)\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+\[{_NUM}, {_NUM}\]\s+{_NUM}\s+{_NUM}\s*$")


def env_code_lines(path: Path = EXAMPLE) -> list:
    """The non-blank, non-comment lines between ``# --- env ---`` and ``# --- end env ---``."""
    lines = path.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "# --- env ---"]
    ends = [i for i, line in enumerate(lines) if line.strip() == "# --- end env ---"]
    assert len(starts) == 1 and len(ends) == 1 and starts[0] < ends[0], \
        f"{path} needs exactly one '# --- env ---' ... '# --- end env ---' section"
    return [line for line in lines[starts[0] + 1:ends[0]]
            if line.strip() and not line.strip().startswith("#")]


def parse_table(stdout: str) -> dict:
    """``{policy: (sync, event, loss, ci_low, ci_high, kwh_sync, kwh_event)}`` from the table."""
    lines = stdout.splitlines()
    header = [i for i, line in enumerate(lines) if line.split()[:3] == ["policy", "sync", "return"]]
    assert header, f"no table header in the output:\n{stdout}"
    rows = {}
    for line in lines[header[-1] + 1:]:
        m = ROW.match(line)
        if m:
            rows[m.group(1)] = tuple(float(x) for x in m.groups()[1:])
    return rows


def _run(argv, cwd, env=None):
    out = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=TIMEOUT)
    assert out.returncode == 0, (f"{' '.join(map(str, argv))} exited {out.returncode}\n"
                                 f"stdout:\n{out.stdout[-3000:]}\nstderr:\n{out.stderr[-6000:]}")
    return out.stdout


def test_env_code_is_at_most_40_lines():
    code = env_code_lines()
    assert 10 < len(code) <= MAX_ENV_LINES, (len(code), code)
    stated = re.search(r"is\s+(\d+)\s+lines", EXAMPLE.read_text())
    assert stated and int(stated.group(1)) == len(code), \
        f"the example's docstring states {stated and stated.group(1)} lines; counted {len(code)}"
    guide = re.search(r"(\d+) lines of env\s+code", GUIDE.read_text())
    assert guide and int(guide.group(1)) == len(code)


def test_example_prints_the_loss_table(tmp_path):
    stdout = _run([sys.executable, str(EXAMPLE), "--episodes", "200"], cwd=tmp_path)
    assert "check_env('two_rooms'): passed" in stdout
    assert "200 episodes per run" in stdout
    rows = parse_table(stdout)
    assert set(rows) == set(POLICIES), stdout
    for name, (sync, event, loss, lo, hi, kwh_sync, kwh_event) in rows.items():
        assert sync < 0 and event < 0, (name, sync, event)      # returns are -|T - target| sums
        assert lo <= loss <= hi and hi - lo < 10.0, (name, loss, lo, hi)
        # the loss is computed from the unrounded means; the table shows them to 0.01
        assert math.isclose(loss, 100 * (sync - event) / abs(sync),
                            abs_tol=0.01 + 100 * 0.011 / abs(sync))
        assert 0 < kwh_sync < 2 * 2 * 3.0 and 0 < kwh_event < 2 * 2 * 3.0  # <= 2 rooms x 2 h x 3 kW
    # the PI controller holds the rooms far closer to the target than the dead-band thermostat
    assert rows["pi"][0] > rows["thermostat"][0]


def guide_commands(text: str) -> list:
    """``(assignments, argv, line)`` for each command line of the guide's ```bash blocks that
    starts with ``python`` or ``heron`` (after optional ``VAR=value`` assignments)."""
    cmds = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            assigns = {}
            while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
                key, _, value = words.pop(0).partition("=")
                assigns[key] = value
            if words and words[0] in ("python", "heron"):
                cmds.append((assigns, words, line.strip()))
    return cmds


def test_guide_lists_the_commands():
    cmds = [c[2] for c in guide_commands(GUIDE.read_text())]
    assert "python examples/custom_env.py" in cmds
    assert "heron run --import examples/custom_env.py examples/study_two_rooms.toml" in cmds
    assert not any("PYTHONPATH" in c for c in cmds)     # a study file never imports code
    assert "heron report heron-study-two-rooms" in cmds
    # the guide shows the study file as it is
    assert STUDY.read_text().split("[study]", 1)[1].strip() in GUIDE.read_text()


@pytest.mark.slow
def test_guide_commands_run_as_written(tmp_path):
    (tmp_path / "examples").mkdir()
    for path in (EXAMPLE, STUDY):
        shutil.copy(path, tmp_path / "examples" / path.name)
    cmds = guide_commands(GUIDE.read_text())
    assert cmds
    outputs = {}
    for assigns, words, line in cmds:
        # "python" is this interpreter; "heron" the installed package's command, run as
        # "python -m heron" so the test does not depend on PATH
        prefix = [sys.executable] if words[0] == "python" else [sys.executable, "-m", "heron"]
        env = {**os.environ, **assigns}
        outputs[line] = _run(prefix + words[1:], cwd=tmp_path, env=env)
    assert set(parse_table(outputs["python examples/custom_env.py"])) == set(POLICIES)
    report = outputs["heron report heron-study-two-rooms"]
    for name in POLICIES:
        assert re.search(rf"^\s*{name}\s+sync\s", report, re.M), report
        assert re.search(rf"^\s*{name}\s+jitter_ratio=0.4,act_delay=1.5\s",
                         report, re.M), report
    assert (tmp_path / "heron-study-two-rooms" / "report.md").is_file()
