"""``heron bench --workload AS``: batch-engine events/s against the number of agents, and the
same-run ratios to the 2-battery fleet (``heron.bench.agent_scaling``)."""
import json

import pytest

import heron.bench
from heron.batch import evaluate
from heron.bench.agent_scaling import HORIZON, FleetCase, timing_for
from heron.demo_envs import battery_fleet


def test_bench_as_reports_events_per_s_and_ratios(capsys):
    assert heron.bench.main(["--workload", "AS", "--json", "--quick", "--repeats", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {r["engine"]: r for r in report["rows"] if r["workload"] == "AS"}
    assert set(rows) == {"w1-n2", "w1-n16", "deterministic-n2", "deterministic-n16"}
    for r in rows.values():
        assert r["unit"] == "events/s" and r["rate"] > 0 and r["size"]["threads"] == 1
    # a run's units are the kernel's events for exactly those episodes (W1 timing, 16 batteries)
    r = rows["w1-n16"]
    env = battery_fleet(16, coordinator=False, horizon=HORIZON)
    res = evaluate(env, "simple", timing=timing_for("w1"), n_episodes=r["size"]["n_episodes"],
                   seed=0, horizon=HORIZON)
    assert r["units_per_run"] == res.stats["events"]
    ratios = {(q["numerator"], q["denominator"]): q["ratio"] for q in report["ratios"]}
    for t in ("w1", "deterministic"):
        assert ratios[(f"{t}-n16", f"{t}-n2")] == pytest.approx(
            rows[f"{t}-n16"]["rate"] / rows[f"{t}-n2"]["rate"])


def test_fleet_case_validates_and_sizes_runs():
    with pytest.raises(ValueError, match="n \\(batteries\\) must be an int >= 1; got 0"):
        FleetCase(0, "w1", 1000)
    with pytest.raises(ValueError, match="timing must be one of .*'hourly'"):
        timing_for("hourly")
    case = FleetCase(3, "deterministic", 3000)
    assert case.run() == pytest.approx(3000, rel=0.5)
    assert case.run() == case.run()     # the same episodes every run
