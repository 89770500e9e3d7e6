"""Compiler benchmarks: compile time and peak memory, front-end throughput, and the
import time of a generated module.

Times are CPU time (the machine is shared). Cold figures come from fresh interpreters (what ``midlpy compile`` pays: the
Lark parsers are built once per process); warm ones repeat the call in one
process.  Run through run.py, or ``python tests/bench/bench_compiler.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
from gen_idl import large_idl
import harness
from harness import Report, fmt_bytes, fmt_time

# Run in a fresh interpreter: compile once (cold), then again (warm) a few times,
# then once more under tracemalloc; print the figures as JSON.  With "traced", trace
# the cold compile instead (the Lark parsers' construction included), nothing else.
_COMPILE = r"""
import json, sys, time, tracemalloc
traced = sys.argv[3] == "traced"
if traced:
    tracemalloc.start()
t0 = time.process_time()
from midlpy.compiler.api import compile_file
t1 = time.process_time()
r = compile_file(sys.argv[1])
t2 = time.process_time()
if not r.ok:
    print(json.dumps({"error": r.diagnostics.render(r.sources).splitlines()[0]}))
    sys.exit()
if traced:
    print(json.dumps({"peak": tracemalloc.get_traced_memory()[1]}))
    sys.exit()
warm = []
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    compile_file(sys.argv[1])
    warm.append(time.process_time() - t)
tracemalloc.start()
compile_file(sys.argv[1])
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
hwm = 0  # this process's own high-water mark (ru_maxrss would include the forking parent)
try:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) * 1024
except OSError:
    pass
print(json.dumps({"import": t1 - t0, "cold": t2 - t1, "warm": warm, "peak": peak,
                  "hwm": hwm, "out": sum(len(f.text) for f in r.files)}))
"""


def _run(code: str, *args: str, timeout: float = 120, env: dict | None = None) -> str:
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       timeout=timeout, cwd=common.ROOT, env=env)
    if p.returncode:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed")
    return p.stdout


def _compile(rep: Report, label: str, idl: Path, limit: float, runs: int) -> None:
    lines = idl.read_text().count("\n")
    colds, warm, peaks, last = [], [], [], {}
    for _ in range(runs):
        last = json.loads(_run(_COMPILE, str(idl), "2", "timed"))
        if "error" in last:
            rep.note(f"SKIPPED {label}: {last['error']}")
            rep.target(f"compile {label}", "not measured", None, f"< {limit:g} s")
            return
        colds.append(last["cold"])
        warm += last["warm"]
        peaks.append(last["peak"])
    cold = statistics.median(colds)
    cold_peak = json.loads(_run(_COMPILE, str(idl), "0", "traced"))["peak"]
    hwm = f", process peak RSS {fmt_bytes(last['hwm'])}" if last["hwm"] else ""
    rep.note(f"{label} ({lines} lines -> {fmt_bytes(last['out'])} of Python): cold "
             f"{fmt_time(cold)} (median of {runs} fresh interpreters, after "
             f"{fmt_time(last['import'])} importing midlpy.compiler), warm "
             f"{fmt_time(statistics.median(warm))}")
    rep.note(f"  peak traced memory: cold {fmt_bytes(cold_peak)} (parsers built, imports "
             f"included), warm {fmt_bytes(statistics.median(peaks))}{hwm}")
    rep.target(f"compile {label} (cold)", fmt_time(cold), cold < limit, f"< {limit:g} s")


def compiler(rep: Report) -> None:
    rep.section("Compiler")
    runs = 3 if harness.SCALE >= 1 else 1
    _compile(rep, "PAC example", common.PAC_IDL, 1.0, runs)
    with tempfile.TemporaryDirectory() as tmp:
        idl, acf, groups = large_idl(5000)
        path = Path(tmp) / "large.idl"
        path.write_text(idl)
        path.with_suffix(".acf").write_text(acf)
        _compile(rep, f"generated 5,000-line IDL ({groups * 7} types)", path, 3.0, runs)
        frontend(rep, path)


def frontend(rep: Report, large: Path) -> None:
    """bench_frontend.py (the front-end engineer's) if present, else check_file throughput."""
    script = common.BENCH / "bench_frontend.py"
    if script.exists():
        rep.note("front end: tests/bench/bench_frontend.py says:")
        try:
            p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                               timeout=300, cwd=common.ROOT)
            out = (p.stdout + p.stderr).strip() or f"(no output, exit {p.returncode})"
        except subprocess.TimeoutExpired:
            out = "(timed out after 300 s)"
        for line in out.splitlines():
            rep.note(f"  | {line}")
        return
    code = r"""
import json, sys, time
from midlpy.compiler.api import check_file
check_file(sys.argv[1])  # builds the parsers
times = []
for _ in range(3):
    t = time.process_time()
    r = check_file(sys.argv[1])
    times.append(time.process_time() - t)
print(json.dumps({"ok": r.ok, "t": sorted(times)[1]}))
"""
    got = json.loads(_run(code, str(large)))
    lines = large.read_text().count("\n")
    rep.note(f"front end (check_file, warm, 5,000-line IDL): {fmt_time(got['t'])}, "
             f"{lines / got['t']:,.0f} lines/s")


# Time imports in a fresh interpreter; argv: folder, modules to time (comma-separated),
# modules to import first.
_IMPORT = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
for name in sys.argv[3:]:
    __import__(name)
t = time.process_time()
for name in sys.argv[2].split(","):
    __import__(name)
print(time.process_time() - t)
"""


def imports(rep: Report) -> None:
    from midlpy.compiler.api import compile_file

    rep.section("Import time of generated modules (fresh interpreters, bytecode cached, median)")
    runs = 9 if harness.SCALE >= 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        mods = {}
        for label, idl in (("PAC", common.PAC_IDL), ("DRS", common.DRS_IDL)):
            r = compile_file(str(idl))
            if not r.ok:
                rep.note(f"SKIPPED {label}: {r.diagnostics.render(r.sources).splitlines()[0]}")
                continue
            for f in r.files:
                (Path(tmp) / f.path).write_text(f.text)
            mods[label] = r.files[-1].module_name
        # Imports from cached bytecode, as installed code does: PYTHONDONTWRITEBYTECODE may
        # be set (it is here), so the .pyc files go to a private prefix, filled by a first run.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        # what a generated module imports, so the last case times its own body only
        deps = ["enum", "dataclasses", "typing", "uuid", "midlpy.runtime", "midlpy.runtime.support"]
        cases = [("midlpy.runtime alone", "midlpy.runtime.support", []),
                 ("stdlib modules it uses + runtime", ",".join(deps), [])]
        for label, name in mods.items():
            cases += [(f"{label} module, everything", name, []),
                      (f"{label} module body only", name, deps)]
        times: dict[str, list[float]] = {c[0]: [] for c in cases}
        for label, name, pre in cases:
            _run(_IMPORT, tmp, name, *pre, env=env)  # writes the bytecode
        for _ in range(runs):  # interleaved
            for label, name, pre in cases:
                times[label].append(float(_run(_IMPORT, tmp, name, *pre, env=env)))
        for label, _, _ in cases:
            rep.note(f"{label:<34} {fmt_time(statistics.median(times[label])):>10}")
        if "PAC" in mods:
            t = statistics.median(times["PAC module, everything"])
            rep.target("import generated PAC module", fmt_time(t), t < 0.05, "< 50 ms")
            _importtime(rep, tmp, mods["PAC"], env)
        else:
            rep.target("import generated PAC module", "not measured", None, "< 50 ms")


def _importtime(rep: Report, folder: str, module: str, env: dict) -> None:
    """The largest self times of ``python -X importtime`` for the module."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-c",
                        f"import sys; sys.path.insert(0, {folder!r}); import {module}"],
                       capture_output=True, text=True, cwd=common.ROOT, env=env)
    rows = []
    for line in p.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].split(":")[-1].strip().isdigit():
            rows.append((int(parts[0].split(":")[-1]), parts[2].strip()))
    rows.sort(reverse=True)
    rep.note("largest self times (-X importtime, wall clock, one run): " + ", ".join(
        f"{name} {us / 1000:.1f} ms" for us, name in rows[:6]))


ALL = [compiler, imports]

if __name__ == "__main__":
    r = Report()
    t0 = time.perf_counter()
    for bench in ALL:
        bench(r)
    r.summary()
    print(f"({time.perf_counter() - t0:.0f} s)")
