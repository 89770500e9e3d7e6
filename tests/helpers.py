"""Helpers shared by the tests: compile an IDL file in memory and import the result."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Sequence

from midlpy.compiler.api import load_module

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
VECTORS = DATA / "vectors"

_cache: dict[tuple[str, str | None, tuple[str, ...]], types.ModuleType] = {}


def load_idl(idl_path: str | Path, acf_path: str | Path | None = None,
             include_dirs: Sequence[str | Path] = ()) -> types.ModuleType:
    """The generated module for ``idl_path``, compiled once per test session."""
    key = (str(idl_path), str(acf_path) if acf_path else None, tuple(map(str, include_dirs)))
    if key not in _cache:
        _cache[key] = load_module(str(idl_path), acf=key[1], include_dirs=key[2])
    return _cache[key]
