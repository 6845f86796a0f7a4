"""What ``heron bench`` reports: one ``BenchRow`` per (workload, engine) and the ratios between
them, with the table for people and the dict for ``--json``.

A row's rate is units per second at the median wall time of its repeats (``heron.bench.measure``);
``vs_reference`` divides it by the high end of the reference anchor (``docs/performance.md``)
and ``vs_target`` by the target, when those exist for the row's unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from heron.bench.anchors import reference_for, target_for
from heron.bench.measure import Measurement


@dataclass(frozen=True)
class BenchRow:
    """One measured (workload, engine): ``unit`` is e.g. ``"events/s"`` or ``"episodes/s"``."""

    workload: str
    engine: str
    unit: str
    measurement: Measurement
    size: Dict[str, object] = field(default_factory=dict)
    note: str = ""
    extra: Dict[str, object] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.measurement.rate

    @property
    def vs_reference(self) -> Optional[float]:
        ref = reference_for(self.workload)
        if ref is None or ref.unit != self.unit or self.engine in _BASELINE_ENGINES:
            return None
        return self.rate / ref.conservative_rate

    @property
    def vs_target(self) -> Optional[float]:
        tgt = target_for(self.workload, self.engine)
        if tgt is None or tgt.unit != self.unit:
            return None
        return self.rate / tgt.rate

    def to_dict(self) -> dict:
        m = self.measurement
        ref = reference_for(self.workload)
        tgt = target_for(self.workload, self.engine)
        return {
            "workload": self.workload,
            "engine": self.engine,
            "unit": self.unit,
            "rate": self.rate,
            "median_wall_s": m.median_s,
            "wall_times_s": list(m.wall_times_s),
            "units_per_run": m.units,
            "size": dict(self.size),
            "vs_reference": self.vs_reference,
            "reference": None if ref is None or self.vs_reference is None else {
                "name": ref.name, "unit": ref.unit, "rate": list(ref.rate)},
            "vs_target": self.vs_target,
            "target": None if tgt is None else {"unit": tgt.unit, "rate": tgt.rate,
                                                "text": tgt.text},
            "note": self.note,
            "extra": dict(self.extra),
        }


# engines that are not heron (no reference/target ratio is meaningful for them)
_BASELINE_ENGINES = frozenset({"heapq", "simpy"})


@dataclass(frozen=True)
class Ratio:
    """``numerator`` engine's rate over ``denominator`` engine's, same workload, same run."""

    workload: str
    numerator: str
    denominator: str
    value: float

    def to_dict(self) -> dict:
        return {"workload": self.workload, "numerator": self.numerator,
                "denominator": self.denominator, "ratio": self.value}


def ratios(rows: List[BenchRow], pairs) -> List[Ratio]:
    """The ratios of ``pairs`` ``(workload, numerator, denominator)`` whose rows were measured."""
    by_key = {(r.workload, r.engine): r for r in rows}
    out = []
    for workload, num, den in pairs:
        a, b = by_key.get((workload, num)), by_key.get((workload, den))
        if a is not None and b is not None and a.unit == b.unit and b.rate > 0:
            out.append(Ratio(workload, num, den, a.rate / b.rate))
    return out


def _si(x: float) -> str:
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {suffix}"
    return f"{x:.3g} "


def _times(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.2f}x"


def format_table(rows: List[BenchRow], rat: List[Ratio]) -> str:
    """A plain-text table of the rows, then the ratios between engines."""
    header = ("workload", "engine", "rate", "events/s", "median wall", "runs", "vs reference",
              "vs target")
    lines = [header]
    for r in rows:
        ev = r.rate if r.unit == "events/s" else r.extra.get("events_per_s")
        lines.append((r.workload, r.engine, f"{_si(r.rate)}{r.unit}",
                      "-" if ev is None else _si(ev).strip(),
                      f"{r.measurement.median_s:.3f} s", str(len(r.measurement.wall_times_s)),
                      _times(r.vs_reference), _times(r.vs_target)))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    text = []
    for k, line in enumerate(lines):
        text.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip())
        if k == 0:
            text.append("  ".join("-" * w for w in widths))
    if rat:
        text.append("")
        text.append("ratios between engines (same run):")
        for q in rat:
            text.append(f"  {q.workload}: {q.numerator} / {q.denominator} = {q.value:.2f}x")
    notes = [f"  {r.workload} {r.engine}: {r.note}" for r in rows if r.note]
    if notes:
        text.append("")
        text.append("notes:")
        text.extend(notes)
    text.append("")
    text.append("vs reference: rate / the high end of the public HERON reference anchor "
                "(docs/performance.md); vs target: rate / the target.")
    return "\n".join(text)
