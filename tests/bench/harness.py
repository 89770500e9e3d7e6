"""Timing and reporting helpers shared by the benchmark scripts.

Contenders of one comparison run in the same process, interleaved: every
round times each of them once (in a rotated order, so none always runs
first after the others warmed the caches), and the figure reported is the
median over rounds.  Only two cores are shared by everyone on the machine,
so wall-clock timings are very noisy (a 2x spread is common).  The clock is
therefore the process's CPU time (``time.process_time``): time spent waiting
for a core is not counted, and the spread drops to a few percent.  Every
benchmark is single-threaded and CPU-bound, so nothing else is lost.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

#: Scale for every time budget (run.py --quick lowers it).
SCALE = 1.0
#: The clock of every measurement (see above).
TIMER = time.process_time


@dataclass
class Result:
    name: str
    samples: list[float] = field(default_factory=list)  # seconds per call, one per round

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def _loops(fn: Callable[[], object], budget: float) -> int:
    """How many calls make one sample of about ``budget`` seconds (at least one)."""
    t = TIMER()
    fn()
    once = TIMER() - t
    return max(1, int(budget / max(once, 1e-7)))


def compare(contenders: Sequence[tuple[str, Callable[[], object]]], rounds: int = 7,
            budget: float = 0.02) -> list[Result]:
    """Median seconds per call of each contender, sampled interleaved."""
    budget *= SCALE
    loops = [_loops(fn, budget) for _, fn in contenders]
    results = [Result(name) for name, _ in contenders]
    order = list(range(len(contenders)))
    gc_was = gc.isenabled()
    for rnd in range(max(3, round(rounds * min(1.0, SCALE * 2)))):
        for i in order[rnd % len(order):] + order[:rnd % len(order)]:
            fn, n = contenders[i][1], loops[i]
            gc.collect()
            gc.disable()  # the contenders allocate alike; collections would add noise
            try:
                t = TIMER()
                for _ in range(n):
                    fn()
                results[i].samples.append((TIMER() - t) / n)
            finally:
                if gc_was:
                    gc.enable()
    return results


def fmt_time(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.1f} us"
    return f"{s * 1e9:.0f} ns"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


class Report:
    """Collects the lines and the target checks; run.py prints the summary."""

    def __init__(self) -> None:
        self.targets: list[tuple[str, str, bool]] = []

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def table(self, label: str, results: list[Result], ref: str | None = None) -> None:
        """One line per contender: median, spread, and the ratio to ``ref``."""
        by = {r.name: r for r in results}
        base = by[ref].median if ref else None
        print(f"  {label}")
        for r in results:
            spread = (max(r.samples) - min(r.samples)) / r.median * 100
            ratio = f"  {r.median / base:7.2f}x {ref}" if base and r.name != ref else ""
            print(f"    {r.name:<26} {fmt_time(r.median):>10}  (+-{spread:3.0f}%){ratio}",
                  flush=True)

    def note(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def target(self, what: str, figure: str, ok: bool | None, goal: str) -> None:
        """A figure next to its target; ``ok`` None means it could not be measured."""
        status = "PASS" if ok else ("n/a " if ok is None else "MISS")
        line = f"{what}: {figure} (target {goal})"
        print(f"  [{status}] {line}", flush=True)
        self.targets.append((status, line, bool(ok)))

    def summary(self) -> None:
        """One line: how many targets were met, and which were missed."""
        passed = sum(1 for s, _, _ in self.targets if s == "PASS")
        missed = [line.split(":")[0] for s, line, _ in self.targets if s == "MISS"]
        unmeasured = sum(1 for s, _, _ in self.targets if s not in ("PASS", "MISS"))
        print(f"\n== Targets: {passed}/{len(self.targets)} met"
              + (f"; MISS: {'; '.join(missed)}" if missed else "")
              + (f"; {unmeasured} not measured" if unmeasured else ""))
