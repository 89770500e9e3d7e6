"""The front end: preprocess, parse and transform an IDL file, its imports and its ACF.

``load_program`` reads a root IDL file and every file it imports (each once per run,
resolved beside the importing file then along the include path, cycles reported), and the
root's ACF (``<stem>.acf`` beside the IDL when none is named, as MIDL does; imported files'
ACFs are not applied).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Mapping, Sequence

from lark.exceptions import VisitError

from midlpy.compiler import ast
from midlpy.compiler.parser import parse_text
from midlpy.compiler.preprocess import Preprocessed, Preprocessor, find_file
from midlpy.compiler.transform import AcfTransformer, IdlTransformer
from midlpy.diagnostics import Diagnostics, Severity, SourceCache

# Every attribute an ACF may carry (ndr-mes.md section 6.1, plus call_as which MIDL also
# takes in the ACF). Anything else is an error at its location.
ACF_ATTRIBUTES = frozenset({
    "encode", "decode", "explicit_handle", "implicit_handle", "auto_handle",
    "context_handle_serialize", "context_handle_noserialize", "strict_context_handle",
    "type_strict_context_handle", "code", "nocode", "optimize", "allocate", "byte_count",
    "enable_allocate", "force_allocate", "comm_status", "fault_status", "represent_as",
    "user_marshal", "async", "notify", "notify_flag", "in_line", "out_of_line", "heap",
    "cs_char", "cs_stag", "cs_drtag", "cs_rtag", "cs_tag_rtn", "call_as",
})


@dataclass
class Program:
    """Every file of one run. ``files`` is in dependency order (imports before importers)."""

    root: ast.IdlFile
    files: dict[str, ast.IdlFile] = field(default_factory=dict)
    imports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acf: ast.AcfFile | None = None


# (real path, options) -> the parsed file and the text of every file its preprocessing read
ParseCache = dict[tuple[str, object], tuple[ast.IdlFile, dict[str, str]]]


@dataclass(frozen=True)
class _Options:
    include_dirs: tuple[str, ...]
    defines: tuple[tuple[str, str | None], ...]
    undefines: tuple[str, ...]


def _preprocessor(diags: Diagnostics, sources: SourceCache, opts: _Options) -> Preprocessor:
    return Preprocessor(diags, sources, include_dirs=opts.include_dirs,
                        defines=dict(opts.defines), undefines=opts.undefines)


def parse_idl_text(text: str, path: str, diags: Diagnostics, sources: SourceCache, *,
                   include_dirs: Sequence[str] = (),
                   defines: Mapping[str, str | None] | None = None,
                   undefines: Sequence[str] = ()) -> ast.IdlFile | None:
    """Preprocess and parse IDL text as the file ``path`` (imports are not followed)."""
    opts = _Options(tuple(include_dirs), tuple((defines or {}).items()), tuple(undefines))
    pp = _preprocessor(diags, sources, opts).run_text(text, path)
    return _idl_from_pp(pp, path, diags)


def parse_acf_text(text: str, path: str, diags: Diagnostics, sources: SourceCache, *,
                   include_dirs: Sequence[str] = (),
                   defines: Mapping[str, str | None] | None = None,
                   undefines: Sequence[str] = ()) -> ast.AcfFile | None:
    """Preprocess and parse ACF text as the file ``path``; unknown attributes are errors."""
    opts = _Options(tuple(include_dirs), tuple((defines or {}).items()), tuple(undefines))
    pp = _preprocessor(diags, sources, opts).run_text(text, path)
    return _acf_from_pp(pp, path, diags)


def _tree_to_ast(grammar: Literal["midl", "acf"], transformer: Any, pp: Preprocessed, path: str,
                 diags: Diagnostics) -> Any:
    """Parse preprocessed text with ``grammar`` and transform it; None after errors."""
    tree = parse_text(grammar, pp, diags)
    if tree is None:
        return None
    try:
        return transformer(pp, path, diags).transform(tree)
    except (RecursionError, VisitError) as e:
        _too_deep(e, pp, diags)
        return None


def _idl_from_pp(pp: Preprocessed, path: str, diags: Diagnostics) -> ast.IdlFile | None:
    result: ast.IdlFile | None = _tree_to_ast("midl", IdlTransformer, pp, path, diags)
    return result


def _acf_from_pp(pp: Preprocessed, path: str, diags: Diagnostics) -> ast.AcfFile | None:
    acf: ast.AcfFile | None = _tree_to_ast("acf", AcfTransformer, pp, path, diags)
    if acf is not None:
        check_acf_attributes(acf, diags)
    return acf


def _too_deep(e: Exception, pp: Preprocessed, diags: Diagnostics) -> None:
    """Report a tree too deep for the recursive transformer; re-raise anything else."""
    if isinstance(e, VisitError) and not isinstance(e.orig_exc, RecursionError):
        raise e.orig_exc
    diags.error("too-deep", "input nested too deeply to process", pp.span(1, 1, 1, 1))


def _acf_attrs(acf: ast.AcfFile) -> Iterator[ast.Attribute]:
    for iface in acf.interfaces:
        yield from iface.attrs
        for item in iface.body:
            if isinstance(item, (ast.AcfTypedef, ast.AcfOperation)):
                yield from item.attrs
            if isinstance(item, ast.AcfOperation):
                for p in item.params:
                    yield from p.attrs


def check_acf_attributes(acf: ast.AcfFile, diags: Diagnostics) -> None:
    for a in _acf_attrs(acf):
        if a.name not in ACF_ATTRIBUTES:
            diags.error("unknown-acf-attribute", f"unknown ACF attribute '{a.name}'", a.span)


def iter_imports(items: Sequence[ast.Item]) -> Iterator[ast.Import]:
    """Every ``import`` statement, including those inside interfaces and libraries."""
    for it in items:
        if isinstance(it, ast.Import):
            yield it
        elif isinstance(it, (ast.Interface, ast.Library, ast.Module)) and it.body:
            yield from iter_imports(it.body)


def load_program(idl_path: str, *, acf_path: str | None = None,
                 include_dirs: Sequence[str] = (),
                 defines: Mapping[str, str | None] | None = None,
                 undefines: Sequence[str] = (),
                 diags: Diagnostics, sources: SourceCache,
                 parse_cache: ParseCache | None = None,
                 ) -> Program | None:
    """Read ``idl_path``, its imports and its ACF. Returns None when the root file could not
    be parsed; other problems are in ``diags`` (check ``diags.has_errors``).

    ``parse_cache`` (optional, shared across calls) reuses imported files parsed by an
    earlier call with the same options, as a batch ``check`` of hundreds of files that
    all import the same base files does. Only files that preprocessed and parsed without
    errors are kept, with the source lines they read (for rendering later diagnostics)."""
    opts = _Options(tuple(include_dirs), tuple((defines or {}).items()), tuple(undefines))
    files: dict[str, ast.IdlFile] = {}
    imports: dict[str, tuple[str, ...]] = {}
    by_real: dict[str, str] = {}  # realpath -> key used in files
    state: dict[str, str] = {}  # realpath -> "active" | "done" | "failed"
    stack: list[str] = []

    def load(path: str) -> ast.IdlFile | None:
        real = os.path.realpath(path)
        by_real[real] = path
        state[real] = "active"
        stack.append(path)
        try:
            cached = None if parse_cache is None or not stack[:-1] else \
                parse_cache.get((real, opts))
            if cached is not None:
                idl: ast.IdlFile | None = cached[0]
                for name, text in cached[1].items():
                    sources.add(name, text)
            else:
                errors = sum(d.severity is Severity.ERROR for d in diags)
                pp = _preprocessor(diags, sources, opts).run_file(path)
                if not pp.files:  # could not read the file at all
                    state[real] = "failed"
                    return None
                idl = _idl_from_pp(pp, path, diags)
                clean = errors == sum(d.severity is Severity.ERROR for d in diags)
                if parse_cache is not None and idl is not None and clean:
                    parse_cache[(real, opts)] = (idl, {f: sources.text(f) for f in pp.files})
            if idl is None:
                state[real] = "failed"
                return None
            resolved: list[str] = []
            for imp in iter_imports(idl.items):
                for name in imp.files:
                    found = find_file(name, path, opts.include_dirs)
                    if found is None:
                        diags.error("import-not-found", f"cannot find imported file '{name}'",
                                    imp.span)
                        continue
                    freal = os.path.realpath(found)
                    st = state.get(freal)
                    if st == "active":
                        key = by_real[freal]
                        cycle = stack[stack.index(key):] + [key]
                        diags.error("import-cycle", "import cycle: " + " -> ".join(
                            os.path.basename(p) for p in cycle), imp.span)
                        continue
                    if st is None:
                        load(found)
                    key = by_real[freal]
                    if state.get(freal) == "done" and key not in resolved:
                        resolved.append(key)
            files[path] = idl
            imports[path] = tuple(resolved)
            state[real] = "done"
            return idl
        finally:
            stack.pop()

    root = load(idl_path)
    if root is None:
        return None
    program = Program(root, files, imports)
    if acf_path is None:
        stem, _ = os.path.splitext(idl_path)
        beside = stem + ".acf"
        if os.path.isfile(beside):
            acf_path = beside
    if acf_path is not None:
        pp = _preprocessor(diags, sources, opts).run_file(acf_path)
        if pp.files:
            program.acf = _acf_from_pp(pp, acf_path, diags)
    return program


def load_text(text: str, path: str = "<string>.idl", *, diags: Diagnostics | None = None,
              sources: SourceCache | None = None, **options: object) -> ast.IdlFile | None:
    """Parse one IDL string (tests and quick checks); imports are not followed."""
    return parse_idl_text(text, path, diags if diags is not None else Diagnostics(),
                          sources if sources is not None else SourceCache(), **options)  # type: ignore[arg-type]


__all__ = ["Program", "load_program", "load_text", "parse_idl_text", "parse_acf_text",
           "ACF_ATTRIBUTES"]
