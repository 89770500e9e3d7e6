"""``make bench``: every benchmark in one process, then the targets with PASS/MISS.

Usage: python tests/bench/run.py [--quick] [--only NAME ...]
  --quick   shorter samples and fewer rounds (a smoke run; figures are noisier)
  --only    run only the named parts: logon_info bulk_arrays drs procedure handles
            compiler imports rpc rpc_auth widl

Timings are medians of interleaved rounds (see harness.py); nothing is asserted.
Profiles of the generated codecs: tests/bench/profile_codecs.py.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_codecs  # noqa: E402
import bench_compiler  # noqa: E402
import bench_rpc  # noqa: E402
import bench_rpcauth  # noqa: E402
import bench_widl  # noqa: E402
import harness  # noqa: E402

PARTS = (bench_codecs.ALL + bench_compiler.ALL + bench_rpc.ALL + bench_rpcauth.ALL
         + bench_widl.ALL)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", nargs="+", choices=[p.__name__ for p in PARTS], default=None)
    args = ap.parse_args(argv)
    if args.quick:
        harness.SCALE = 0.25
    import midlpy
    try:
        import impacket
        imp = getattr(impacket, "__version__", None) or _dist_version("impacket")
    except ImportError:
        imp = "not installed"
    print(f"midlpy {midlpy.__version__}, Python {platform.python_version()} "
          f"({platform.python_implementation()}), {platform.machine()}, impacket {imp}")
    print("Times are CPU time (process_time), medians over interleaved rounds "
          "(+-: max-min spread in % of the median).")
    rep = harness.Report()
    t0 = time.perf_counter()  # wall clock: how long the run took
    for part in PARTS:
        if args.only and part.__name__ not in args.only:
            continue
        try:
            part(rep)
        except Exception:  # one broken part must not hide the others' figures
            print(f"  ERROR in {part.__name__}:")
            print("    " + traceback.format_exc().strip().replace("\n", "\n    "))
    rep.summary()
    print(f"(total {time.perf_counter() - t0:.0f} s)")
    return 0


def _dist_version(name: str) -> str:
    from importlib.metadata import version
    return version(name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
