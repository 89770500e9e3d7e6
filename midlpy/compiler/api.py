"""Library entry points: check, compile, and load IDL files.

These are the functions the CLI, the import hook and the tests call. Each runs the whole
pipeline (preprocess, parse, semantic passes, code generation) and returns the
diagnostics together with the results instead of raising, except the ``load_*``
helpers, which raise :class:`~midlpy.diagnostics.CompileError` on errors.
"""

from __future__ import annotations

import sys
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from midlpy.diagnostics import CompileError, Diagnostics, SourceCache, Span


@dataclass(frozen=True)
class GeneratedFile:
    """One output module: ``path`` is relative to the output folder (``pac.py``)."""

    path: str
    text: str
    module_name: str


@dataclass
class CompileResult:
    diagnostics: Diagnostics
    sources: SourceCache
    files: list[GeneratedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diagnostics.has_errors


def _analyse(idl_path: str, acf: str | None, include_dirs: Sequence[str],
             defines: Mapping[str, str | None] | None, undefines: Sequence[str],
             result: CompileResult, parse_cache: Any = None,
             pickle_types: Sequence[str] = ()):  # -> model.Program | None
    from midlpy.compiler import frontend
    from midlpy.compiler.sema import analyse

    program = frontend.load_program(
        idl_path, acf_path=acf, include_dirs=tuple(include_dirs), defines=dict(defines or {}),
        undefines=tuple(undefines), diags=result.diagnostics, sources=result.sources,
        parse_cache=parse_cache)
    if program is None or result.diagnostics.has_errors:
        return None
    model = analyse(program, result.diagnostics, pickle_types=pickle_types)
    if result.diagnostics.has_errors:
        return None
    return model


def check_file(idl_path: str, *, acf: str | None = None, include_dirs: Sequence[str] = (),
               defines: Mapping[str, str | None] | None = None,
               undefines: Sequence[str] = (), target: str = "win32") -> CompileResult:
    """Parse and analyse ``idl_path`` (and its ACF and imports); generate nothing.
    ``target`` is MIDL's /env: ``win64`` predefines ``_WIN64`` (``_WIN32`` always is)."""
    result = CompileResult(Diagnostics(), SourceCache())
    with _depth_guard(idl_path, result):
        _analyse(idl_path, acf, include_dirs, _for_target(defines, target), undefines, result)
    return result


def check_files(idl_paths: Sequence[str], *, include_dirs: Sequence[str] = (),
                defines: Mapping[str, str | None] | None = None,
                undefines: Sequence[str] = ()) -> Iterator[tuple[str, CompileResult]]:
    """``check_file`` for each of ``idl_paths`` (each with its own ``<stem>.acf``), as one
    batch: a file that several of them import is read and parsed once. The results come
    one by one, in order."""
    import gc

    parse_cache: dict[Any, Any] = {}
    # The ASTs are large and acyclic: the cyclic collector would rescan them for nothing.
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 100_000), *threshold[1:])
    try:
        for path in idl_paths:
            result = CompileResult(Diagnostics(), SourceCache())
            with _depth_guard(path, result):
                _analyse(path, None, include_dirs, defines, undefines, result, parse_cache)
            yield path, result
    finally:
        gc.set_threshold(*threshold)


def compile_file(idl_path: str, *, acf: str | None = None, include_dirs: Sequence[str] = (),
                 defines: Mapping[str, str | None] | None = None,
                 undefines: Sequence[str] = (), pickle_types: Sequence[str] = (),
                 target: str = "win32") -> CompileResult:
    """Compile ``idl_path`` into Python modules: one for it, one for each imported IDL.
    ``pickle_types`` names typedefs to pickle as if the ACF marked them
    ``[encode, decode]`` (with an explicit handle), ACF or not. ``target`` is as for
    :func:`check_file`."""
    result = CompileResult(Diagnostics(), SourceCache())
    with _depth_guard(idl_path, result):
        model = _analyse(idl_path, acf, include_dirs, _for_target(defines, target), undefines,
                         result, pickle_types=pickle_types)
        if model is not None:
            from midlpy.compiler.codegen import generate

            result.files = generate(model)
    return result


def _for_target(defines: Mapping[str, str | None] | None,
                target: str) -> dict[str, str | None]:
    from midlpy.compiler.preprocess import target_defines

    return {**target_defines(target), **(defines or {})}


@contextmanager
def _depth_guard(idl_path: str, result: CompileResult) -> Iterator[None]:
    """Types nested by value thousands deep exhaust the stack in the recursive passes:
    a diagnostic, like the parser's, rather than a RecursionError out of the API."""
    try:
        yield
    except RecursionError:
        result.files = []
        result.diagnostics.error("too-deep", "input nested too deeply to process",
                                 Span(idl_path, 1, 1, 1, 1))


def load_module(idl_path: str, *, acf: str | None = None, include_dirs: Sequence[str] = (),
                defines: Mapping[str, str | None] | None = None) -> types.ModuleType:
    """Compile ``idl_path`` in memory and return the module for it.

    Modules for imported IDL files are created too, in a private namespace of
    ``sys.modules`` (see :func:`midlpy.importer.load`, which this shares its loader with).
    """
    from midlpy.importer import _install

    result = compile_file(idl_path, acf=acf, include_dirs=include_dirs, defines=defines)
    if not result.ok:
        raise CompileError(result.diagnostics, result.sources)
    return _install([(f.path, f.module_name, f.text) for f in result.files], idl_path)
