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
    "ms-dhcpm.idl": "enumerators in switch_is",
    "ms-efsr.idl": "pipes in an RPC interface",
    "ms-even6.idl": "sizeof(type) in constants",
    "ms-fasp.idl": "constants in size_is",
    "ms-frs2.idl": "pipes in an RPC interface",
    "ms-mqds.idl": "forward typedef recursive through pointers",
    "ms-mqmp.idl": "forward typedef recursive through pointers",
    "ms-mqmq.idl": "forward typedef recursive through pointers",
    "ms-mqmr.idl": "forward typedef recursive through pointers",
    "ms-mqqp.idl": "forward typedef recursive through pointers",
    "ms-mqrr.idl": "forward typedef recursive through pointers",
    "ms-rrasm.idl": "struct declared but not defined, through a pointer parameter",
    "ms-scmr.idl": "[string, range] on a string parameter",
    "ms-tpmvsc.idl": "imports oaidl.idl (needs -I with Wine's IDL)",
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
    """The imported module for ``name`` (and for each file it imports, under their names)."""
    import sys

    if name not in _modules:
        result = compiled(name)
        assert result.ok, result.diagnostics.render(result.sources)
        mod = None
        for gen in result.files:  # imported modules first, as load_module does
            mod = types.ModuleType(gen.module_name)
            mod.__file__ = str(MS_SPEC / gen.path)
            sys.modules[gen.module_name] = mod
            exec(compile(gen.text, mod.__file__, "exec"), mod.__dict__)
        assert mod is not None
        _modules[name] = mod
    return _modules[name]
