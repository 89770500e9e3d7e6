"""Compile IDL at run time: :func:`load`, the ``import x_idl`` hook, and their disk cache.

The cache holds generated source, which is executed, so it lives in a per-user directory
(``$XDG_CACHE_HOME/midlpy`` or ``~/.cache/midlpy``) created with mode 0700 and used only
if it is owned by the current user and writable by nobody else. An entry is found by a
key over midlpy's version (and its compiler files' sizes and times), the options and
the root IDL and ACF (contents, and whether the default ACF exists); it records the
hash of every file the compiler read, and is used only while all of them are unchanged. ``MIDLPY_NO_CACHE=1`` turns the cache off.
When it cannot be used (not writable, unsafe) modules are compiled in memory, with one
warning per process. Entries unused for 60 days are removed when a new one is written.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import json
import linecache
import os
import sys
import tempfile
import types
import warnings
from pathlib import Path
from typing import Mapping, Sequence

__all__ = ["load", "install_import_hook", "uninstall_import_hook", "cache_dir", "IdlFinder"]

SUFFIX = "_idl"  # import pac_idl -> pac.idl
_FORMAT = 1  # bump when the entry layout changes
_warned = False


# ---------------------------------------------------------------------------- cache

def cache_dir(warn: bool = True) -> Path | None:
    """The cache directory (created if needed), or None when caching is off or unsafe
    (with one warning per process, unless ``warn`` is false)."""
    if os.environ.get("MIDLPY_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    path = root / "midlpy"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError as e:
        if warn:
            _warn(f"cannot create the cache directory {path}: {e.strerror}")
        return None
    problem = _unsafe(st)
    if problem:
        if warn:
            _warn(f"not using the cache directory {path}: {problem}")
        return None
    return path


def _unsafe(st: os.stat_result) -> str:
    import stat

    if not stat.S_ISDIR(st.st_mode):
        return "it is not a directory"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return "it is owned by another user"
    if st.st_mode & 0o022:
        return "other users can write to it"
    return ""


def _warn(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(f"midlpy: {message}; compiling in memory", RuntimeWarning, stacklevel=4)


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


_fingerprint: list[str] = []


def _compiler_fingerprint() -> str:
    """midlpy's version and the size and time of every compiler, grammar and template
    file: a checkout whose generator changed without a version bump misses the cache."""
    if not _fingerprint:
        from midlpy import __version__
        from midlpy._resources import resource_dir

        here = Path(__file__).resolve().parent
        stamps = []
        for folder in (here / "compiler", resource_dir("grammars"), resource_dir("templates")):
            for path in sorted(folder.rglob("*")):
                if path.suffix in (".py", ".lark", ".j2"):
                    st = path.stat()
                    stamps.append(f"{path.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}")
        _fingerprint.append(hashlib.sha256(
            "\n".join([__version__, *stamps]).encode()).hexdigest())
    return _fingerprint[0]


def _key(idl: str, acf: str | None, include_dirs: Sequence[str],
         defines: Mapping[str, str | None]) -> str:
    default_acf = os.path.splitext(idl)[0] + ".acf"
    parts = {
        "format": _FORMAT, "compiler": _compiler_fingerprint(), "python": sys.version_info[:2],
        "idl": os.path.abspath(idl), "acf": os.path.abspath(acf) if acf else None,
        "include": [os.path.abspath(d) for d in include_dirs],
        "defines": sorted((k, v) for k, v in defines.items()),
        "contents": [_digest(idl), _digest(acf or default_acf)],
    }
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _read_entry(directory: Path, key: str) -> list[tuple[str, str, str]] | None:
    path = directory / f"{key}.json"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            if _unsafe_file(os.fstat(fh.fileno())):
                return None
            entry = json.loads(fh.read())
        if entry.get("format") != _FORMAT:
            return None
        for name, digest in entry["inputs"].items():
            if _digest(name) != digest:
                return None
        try:
            os.utime(path)  # recently used: kept by _prune
        except OSError:
            pass
        return [(f["path"], f["module_name"], f["text"]) for f in entry["files"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, unreadable or damaged: compile again


def _unsafe_file(st: os.stat_result) -> bool:
    return (hasattr(os, "getuid") and st.st_uid != os.getuid()) or bool(st.st_mode & 0o022)


def _write_entry(directory: Path, key: str, inputs: dict[str, str],
                 files: list[tuple[str, str, str]]) -> None:
    data = json.dumps({"format": _FORMAT, "inputs": inputs,
                       "files": [{"path": p, "module_name": m, "text": t}
                                 for p, m, t in files]}).encode()
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    except OSError as e:
        _warn(f"cannot write to the cache directory {directory}: {e.strerror}")
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, directory / f"{key}.json")  # atomic: readers see all or nothing
        _prune(directory)
    except OSError as e:
        _warn(f"cannot write to the cache directory {directory}: {e.strerror}")
        try:
            os.unlink(tmp)
        except OSError:
            pass


_MAX_AGE = 60 * 86400  # entries unused this long are removed when another is written


def _prune(directory: Path) -> None:
    """Remove entries not used for ``_MAX_AGE`` and temporary files a crash left behind."""
    import time

    now = time.time()
    for path in directory.iterdir():
        try:
            limit = 86400 if path.name.startswith(".tmp-") else _MAX_AGE
            if path.suffix == ".json" and now - os.lstat(path).st_mtime > limit:
                path.unlink()
        except OSError:
            pass


# ---------------------------------------------------------------------------- compiling

def _generate(idl: str, acf: str | None, include_dirs: Sequence[str],
              defines: Mapping[str, str | None]) -> list[tuple[str, str, str]]:
    """(file name, module name, source) of the generated modules, imports first, from
    the cache when it has them."""
    directory = cache_dir()
    key = _key(idl, acf, include_dirs, defines) if directory else ""
    if directory:
        cached = _read_entry(directory, key)
        if cached is not None:
            return cached
    from midlpy.compiler.api import compile_file
    from midlpy.diagnostics import CompileError

    result = compile_file(idl, acf=acf, include_dirs=include_dirs, defines=defines)
    if not result.ok:
        raise CompileError(result.diagnostics, result.sources)
    files = [(f.path, f.module_name, f.text) for f in result.files]
    if directory:
        read = list(getattr(result.sources, "_lines", {}))  # every file the compiler read
        inputs = {os.path.abspath(p): _digest(p) for p in read}
        if all(inputs.values()):
            _write_entry(directory, key, {k: v for k, v in inputs.items() if v}, files)
    return files


_loads = itertools.count(1)


def _install(files: list[tuple[str, str, str]], idl: str,
             root: types.ModuleType | None = None) -> types.ModuleType:
    """Execute the generated sources, imports first, and return the last (the root).

    Each call gets a private namespace, ``midlpy._generated.l<N>``: the modules are
    registered in ``sys.modules`` under it, never under their bare names, so an IDL file
    named like an installed package (``hypothesis.idl``, ``os.idl``) cannot replace it,
    and the generated code finds its siblings there by exact key. ``root`` (the import
    hook's module) keeps the name it was imported by. Tracebacks name the generated file
    as ``<midlpy: NAME.py from IDL>``, with its source lines."""
    from midlpy.runtime.support import NAMESPACE

    namespace = f"midlpy._generated.l{next(_loads)}"
    origin = os.path.abspath(idl)
    added: list[str] = []
    module = root
    for i, (path, name, text) in enumerate(files):
        last = i == len(files) - 1
        if last and root is not None:
            mod = root
        else:
            mod = types.ModuleType(f"{namespace}.{name}")
            mod.__package__ = namespace
            sys.modules[mod.__name__] = mod
            added.append(mod.__name__)
        mod.__dict__[NAMESPACE] = namespace
        filename = f"<midlpy: {path} from {origin}>"
        if mod is not root:
            mod.__file__ = filename
        lines = text.splitlines(keepends=True)
        linecache.cache[filename] = (len(text), None, lines, filename)
        try:
            exec(compile(text, filename, "exec"), mod.__dict__)
        except BaseException:
            for key in added:
                sys.modules.pop(key, None)
            raise
        module = mod
    assert module is not None
    return module


def load(idl: str | os.PathLike[str], acf: str | os.PathLike[str] | None = None,
         include_dirs: Sequence[str | os.PathLike[str]] = (),
         defines: Mapping[str, str | None] | None = None) -> types.ModuleType:
    """Compile ``idl`` (with ``acf``, or ``<stem>.acf`` beside it if present) and return
    the generated module, also registered in ``sys.modules``. Raises
    :class:`midlpy.diagnostics.CompileError` (its text is the diagnostics) on errors."""
    idl_s = os.fspath(idl)
    acf_s = os.fspath(acf) if acf is not None else None
    dirs = [os.fspath(d) for d in include_dirs]
    files = _generate(idl_s, acf_s, dirs, dict(defines or {}))
    return _install(files, idl_s)


# ---------------------------------------------------------------------------- import hook

class IdlLoader(importlib.abc.Loader):
    """Loads ``x_idl`` from ``x.idl`` (and ``x.acf`` beside it)."""

    def __init__(self, idl: str) -> None:
        self.idl = idl

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        from midlpy.diagnostics import CompileError

        try:
            files = _generate(self.idl, None, (), {})
        except CompileError as e:
            raise ImportError(f"cannot compile {self.idl}:\n{e}", name=module.__name__,
                              path=self.idl) from None
        _install(files, self.idl, module)


class IdlFinder(importlib.abc.MetaPathFinder):
    """Finds ``x_idl`` as ``x.idl`` in the folders of ``sys.path`` (or of the package)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        leaf = fullname.rpartition(".")[2]
        if not leaf.endswith(SUFFIX) or len(leaf) == len(SUFFIX):
            return None
        stem = leaf[:-len(SUFFIX)]
        for folder in (sys.path if path is None else path):
            candidate = os.path.join(folder or ".", stem + ".idl")
            if os.path.isfile(candidate):
                return importlib.util.spec_from_file_location(
                    fullname, candidate, loader=IdlLoader(candidate))
        return None


def install_import_hook() -> IdlFinder:
    """Let ``import x_idl`` compile ``x.idl`` found on ``sys.path``; idempotent."""
    for finder in sys.meta_path:
        if isinstance(finder, IdlFinder):
            return finder
    finder = IdlFinder()
    sys.meta_path.append(finder)
    return finder


def uninstall_import_hook() -> None:
    """Remove the hook installed by :func:`install_import_hook`."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, IdlFinder)]
