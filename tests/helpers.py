"""Helpers shared by the tests: compile an IDL file in memory and import the result."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Sequence

from midlpy.compiler.api import load_module
from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate

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


def error_cases(folder: Path) -> list[str]:
    """The ``e_<what>`` cases of an error-case folder (``e_<what>.idl`` + ``.expected``)."""
    return sorted(p.stem for p in folder.glob("e_*.idl"))


def check_pinned(folder: Path, case: str) -> None:
    """``midlpy check`` on ``folder/case.idl`` (run from ``folder``, so paths render
    relative) must fail with exactly the diagnostics in ``case.expected``."""
    import os

    from midlpy.compiler.api import check_file

    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = check_file(f"{case}.idl")
    finally:
        os.chdir(cwd)
    expected = (folder / f"{case}.expected").read_text(encoding="utf-8").rstrip("\n")
    assert result.diagnostics.render(result.sources) == expected
    assert not result.ok


def encode(m: types.ModuleType, t: str, value: Any) -> bytes:
    """Pickle ``value`` with module ``m``'s ``T_Encode`` on a dynamic handle."""
    h = MesEncodeDynBufferHandleCreate()
    getattr(m, t + "_Encode")(h, value)
    return bytes(h.buffer)


def decode(m: types.ModuleType, t: str, data: bytes) -> Any:
    """Unpickle ``data`` with module ``m``'s ``T_Decode``."""
    return getattr(m, t + "_Decode")(MesDecodeBufferHandleCreate(data))
