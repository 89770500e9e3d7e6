"""Paths and module loading shared by the benchmark scripts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parents[1]
VECTORS = ROOT / "tests" / "data" / "vectors"
# MIDLPY_BENCH_PAC: another copy of the PAC IDL to measure (a variant being tried)
PAC_IDL = Path(os.environ.get("MIDLPY_BENCH_PAC") or ROOT / "examples" / "pac" / "pac.idl")
DRS_IDL = ROOT / "examples" / "drs" / "drs.idl"
BULK_IDL = BENCH / "bulk.idl"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def vector(name: str) -> bytes:
    return (VECTORS / "synthetic" / f"{name}.bin").read_bytes()


def load(idl: Path):
    """The generated module for ``idl`` (compiled in memory), or the error text."""
    from midlpy.compiler.api import load_module
    from midlpy.diagnostics import CompileError

    try:
        return load_module(str(idl))
    except CompileError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "compile error"
        return f"{idl.name} does not compile: {first}"
