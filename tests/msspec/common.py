"""The 79 IDL files of Microsoft's open specifications, as published (tests/data/ms-spec,
see its PROVENANCE.md): each compiled once per test session, with the folder on the
import path as the documents intend."""

from __future__ import annotations

import types
from pathlib import Path

from midlpy.compiler.api import CompileResult, compile_file
from tests.helpers import DATA

MS_SPEC = DATA / "ms-spec"
FILES = sorted(p.name for p in MS_SPEC.glob("*.idl"))

# Where Debian's libwine-dev puts Wine's system IDL (oaidl.idl, which ms-tpmvsc imports).
WINE_IDL = Path("/usr/include/wine/wine/windows")
if not WINE_IDL.is_dir():
    WINE_IDL = Path("/usr/include/wine/windows")

# Files that do not compile yet, with the reason; the tests expect them to fail (strict).
BLOCKED: dict[str, str] = {
    # (none left)
}

_results: dict[str, CompileResult] = {}
_modules: dict[str, types.ModuleType] = {}


def include_dirs() -> list[str]:
    return [str(MS_SPEC), str(WINE_IDL)]


def compiled(name: str) -> CompileResult:
    if name not in _results:
        _results[name] = compile_file(str(MS_SPEC / name), include_dirs=include_dirs())
    return _results[name]


def module(name: str) -> types.ModuleType:
    """The imported module for ``name`` (its imports loaded beside it, as load_module does)."""
    from midlpy.importer import _install

    if name not in _modules:
        result = compiled(name)
        assert result.ok, result.diagnostics.render(result.sources)
        _modules[name] = _install([(g.path, g.module_name, g.text) for g in result.files],
                                  str(MS_SPEC / name))
    return _modules[name]
