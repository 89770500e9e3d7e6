"""``make fuzz``: Hypothesis at scale over every decoder target and the compiler.

Each target gets an equal slice of the time budget (``--seconds``, default 600, or the
FUZZ_SECONDS environment variable) and is run in chunks of Hypothesis examples until its
slice is spent, so the run stops by itself. An input is a mutation of a real encoding
(tests/fuzz/mutate.py, driven by a Hypothesis-drawn ``Random``) or plain drawn bytes;
decoding it must return a value or raise RpcError, through a buffer handle and through
an incremental one. The compiler target mutates the test IDL files and runs
``check_file``/``compile_file``; it must give diagnostics or a module that compiles. The
compiler-hostile target does the same with small hostile IDL (tests/fuzz/hostile_idl.py).

Printed per target: inputs tried, unexpected exceptions, the slowest input (seconds and
its length) and the peak memory traced while decoding one input. Exit status 1 when
anything unexpected was seen, with Hypothesis' shrunk reproducer.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import signal
import sys
import tempfile
import time
import tracemalloc
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from midlpy.runtime import RpcError  # noqa: E402
from tests.fuzz.compiler_fuzz import check_text, mutate_text  # noqa: E402
from tests.fuzz.hostile_idl import hostile_text  # noqa: E402
from tests.fuzz.mutate import mutate  # noqa: E402
from tests.fuzz.targets import Target, all_targets, seed_pairs  # noqa: E402

HANG_SECONDS = 10  # one input taking this long is reported as a hang
BATCH = 16  # mutants per Hypothesis example: its per-example overhead exceeds a decode


class Hang(Exception):
    pass


@dataclass
class Stats:
    name: str
    inputs: int = 0
    unexpected: list[str] = field(default_factory=list)
    slowest: float = 0.0
    slowest_len: int = 0
    peak: int = 0
    peak_len: int = 0
    total: float = 0.0

    def line(self) -> str:
        return (f"{self.name:34} inputs {self.inputs:7d}  unexpected {len(self.unexpected):2d}  "
                f"slowest {self.slowest * 1000:7.1f} ms ({self.slowest_len} B)  "
                f"peak {self.peak / 1024:8.1f} KiB ({self.peak_len} B in)")


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"no result after {HANG_SECONDS} s")


def measured(stats: Stats, data: Any, fn: Callable[[], Any], expected: tuple) -> None:
    """Run ``fn`` once, timing it and tracing its peak allocation."""
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    signal.alarm(HANG_SECONDS)
    t0 = time.perf_counter()
    try:
        fn()
    except expected:
        pass
    finally:
        signal.alarm(0)
        took = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] - base
        stats.inputs += 1
        stats.total += took
        if took > stats.slowest:
            stats.slowest, stats.slowest_len = took, len(data)
        if peak > stats.peak:
            stats.peak, stats.peak_len = peak, len(data)


def chunk_settings(n: int) -> settings:
    return settings(max_examples=n, database=None, deadline=None, derandomize=False,
                    phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False,
                    suppress_health_check=list(HealthCheck))


def decoder_test(t: Target, stats: Stats, n: int) -> Callable[[], None]:
    """One Hypothesis example is a batch: BATCH mutants of the seeds drawn from one
    ``Random`` (its seed is what Hypothesis shrinks), drawn bytes and a truncation."""

    @chunk_settings(n)
    @given(seed=st.integers(0, 2**64), raw=st.binary(max_size=256), cut=st.integers(0, 2**16),
           incremental=st.booleans())
    def run(seed: int, raw: bytes, cut: int, incremental: bool) -> None:
        rng = random.Random(seed)
        decode = t.decode_incremental if incremental else t.decode
        whole = rng.choice(t.seeds)
        batch = [mutate(rng, rng.choice(t.seeds), t.kind) for _ in range(BATCH)]
        for data in batch + [raw, whole[:cut % (len(whole) + 1)]]:
            measured(stats, data, lambda: decode(data), (RpcError,))

    return run


def compiler_test(stats: Stats, n: int, tmp: Path) -> Callable[[], None]:
    pairs = [(i.read_bytes(), a.read_bytes() if a else None) for i, a in seed_pairs()]

    @chunk_settings(n)
    @given(pair=st.sampled_from(pairs), seed=st.integers(0, 2**64), which=st.integers(0, 3))
    def run(pair: tuple[bytes, bytes | None], seed: int, which: int) -> None:
        rng = random.Random(seed)
        idl, acf = pair
        if acf is not None and which == 0:  # one time in four the ACF is the mutated one
            acf = mutate_text(rng, acf)
        else:
            idl = mutate_text(rng, idl)
        measured(stats, idl, lambda: check_text(idl, tmp, acf), ())

    return run


def hostile_compiler_test(stats: Stats, n: int, tmp: Path) -> Callable[[], None]:
    """Small hostile IDL from tests/fuzz/hostile_idl.py: long token runs, deep and long
    expressions, big numbers, macro bombs, values with no Python spelling."""

    @chunk_settings(n)
    @given(seed=st.integers(0, 2**64))
    def run(seed: int) -> None:
        idl = hostile_text(random.Random(seed))
        measured(stats, idl, lambda: check_text(idl, tmp), ())

    return run


def drive(stats: Stats, make: Callable[[int], Callable[[], None]], seconds: float,
          chunk: int) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            make(chunk)()
        except Exception as exc:  # Hypothesis re-raises the shrunk failure
            report = "".join(traceback.format_exception(exc))
            stats.unexpected.append(report if len(report) < 6000 else
                                    report[:3000] + "\n[...]\n" + report[-3000:])
            if len(stats.unexpected) >= 3:
                return


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 600)),
                    help="total time budget (default 600, or $FUZZ_SECONDS)")
    ap.add_argument("--only", default="", help="run only targets whose name contains this")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGALRM, _alarm)
    targets = [t for t in all_targets() if args.only in t.name]
    run_compiler = args.only in "compiler"
    # the compiler is ~100x slower per input than a decoder: give it a fifth of the budget
    share = args.seconds * (0.8 if run_compiler else 1.0) / max(len(targets), 1)
    tracemalloc.start()
    results = []
    t0 = time.monotonic()
    for t in targets:
        stats = Stats(t.name)
        drive(stats, functools.partial(decoder_test, t, stats), share, 50)
        print(stats.line(), flush=True)
        results.append(stats)
    if run_compiler:
        stats = Stats("compiler")
        with tempfile.TemporaryDirectory() as tmp:
            drive(stats, lambda n: compiler_test(stats, n, Path(tmp)), args.seconds * 0.1, 20)
        print(stats.line(), flush=True)
        results.append(stats)
        stats = Stats("compiler-hostile")
        with tempfile.TemporaryDirectory() as tmp:
            drive(stats, lambda n: hostile_compiler_test(stats, n, Path(tmp)),
                  args.seconds * 0.1, 5)
        print(stats.line(), flush=True)
        results.append(stats)
    tracemalloc.stop()
    total = sum(s.inputs for s in results)
    bad = [s for s in results if s.unexpected]
    print(f"\n{len(results)} targets, {total} inputs in {time.monotonic() - t0:.0f} s, "
          f"{sum(len(s.unexpected) for s in bad)} unexpected exceptions")
    for kind, group in (("decoder", [s for s in results if not s.name.startswith("compiler")]),
                        ("compiler", [s for s in results if s.name.startswith("compiler")])):
        if not group:
            continue
        slow = max(group, key=lambda s: s.slowest)
        peak = max(group, key=lambda s: s.peak)
        mean = sum(s.total for s in group) / max(sum(s.inputs for s in group), 1)
        print(f"{kind}: slowest input {slow.slowest * 1000:.1f} ms ({slow.name}, "
              f"{slow.slowest_len} bytes; mean {mean * 1000:.2f} ms), peak memory for one "
              f"input {peak.peak / 1024:.1f} KiB ({peak.name}, {peak.peak_len} bytes in)")
    for s in bad:
        for report in s.unexpected:
            print(f"\n--- {s.name}\n{report}")
    return 1 if bad else 0


if __name__ == "__main__":
    random.seed()
    sys.exit(main())
