"""The front end against widl, Wine's IDL compiler in C, on the IDL files Wine ships
(libwine-dev; widl is in wine64-tools). CPU time of child processes (getrusage), so other
load on the machine matters less than wall clock would.

- widl: one process per file, writing a header (its cheapest full pass).
- midlpy, batch: one ``midlpy check`` over every file (imports parsed once).
- midlpy, per file: one ``midlpy check`` process per file, on a sample (every Nth file,
  scaled to the whole set), as a build system runs it.
- cold start: ``midlpy compile examples/pac/pac.idl`` in a fresh process (parse tables and
  bytecode cached, as after the first run).
"""

from __future__ import annotations

import glob
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import Report, fmt_time

ROOT = Path(__file__).resolve().parents[2]
WINE = "/usr/include/wine/wine/windows"
WIDL = shutil.which("widl") or "/usr/lib/wine/widl"


def _child_cpu(cmd: list[str], **kw: object) -> tuple[float, int]:
    """CPU seconds (user + system) the command took, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        **kw).returncode  # type: ignore[call-overload]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), rc


def _peak_rss_kb(cmd: list[str]) -> int:
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    return int(out.stderr.strip().splitlines()[-1])


def widl(rep: Report) -> None:
    rep.section("Front end against widl (Wine's IDL files)")
    files = sorted(glob.glob(os.path.join(WINE, "*.idl")))
    if not files or not os.path.exists(WIDL):
        rep.note("SKIPPED: needs libwine-dev and wine64-tools (apt-get install them)")
        rep.target("batch check vs widl", "not measured", None, "<= 3x widl")
        return
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as after installation
    py = [sys.executable, "-m", "midlpy"]
    with tempfile.TemporaryDirectory() as tmp:
        env["XDG_CACHE_HOME"] = tmp  # parse tables kept here after the first run
        t_widl = 0.0
        for f in files:
            t, _ = _child_cpu([WIDL, "-I", WINE, "-h", "-o", os.path.join(tmp, "x.h"), f])
            t_widl += t
        _child_cpu(py + ["compile", str(ROOT / "examples/pac/pac.idl"), "-o", tmp], env=env)
        t_batch, _ = _child_cpu(py + ["check", "-I", WINE, *files], env=env)
        step = 1 if len(files) < 60 else max(1, len(files) // 30)
        sample = files[::step]
        t_sample = sum(_child_cpu(py + ["check", "-I", WINE, f], env=env)[0] for f in sample)
        t_per_file = t_sample * len(files) / len(sample)
        colds = [_child_cpu(py + ["compile", str(ROOT / "examples/pac/pac.idl"), "-o", tmp],
                            env=env)[0] for _ in range(5)]
        rss = _peak_rss_kb(py + ["check", "-I", WINE, *files])
    n = len(files)
    rep.note(f"{n} files; widl {fmt_time(t_widl)} CPU as {n} processes "
             f"({fmt_time(t_widl / n)} a file)")
    rep.note(f"midlpy batch: {fmt_time(t_batch)} CPU in one process, peak RSS {rss / 1024:.0f} MiB")
    rep.note(f"midlpy per file: {fmt_time(t_per_file)} CPU (from {len(sample)} sampled files)")
    rep.target("batch check vs widl", f"{t_batch / t_widl:.1f}x", t_batch <= 3 * t_widl,
               "<= 3x widl")
    rep.target("one process per file vs widl", f"{t_per_file / t_widl:.1f}x",
               t_per_file <= 8 * t_widl, "<= 8x widl")
    cold = statistics.median(colds)
    rep.target("cold compile of pac.idl", fmt_time(cold), cold <= 0.150, "<= 150 ms CPU")


ALL = [widl]
