"""midlpy.load, the import hook and the compile cache."""

from __future__ import annotations

import importlib
import os
import stat
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Iterator

import pytest

import midlpy
from midlpy import importer
from midlpy.compiler import api
from midlpy.diagnostics import CompileError
from midlpy.runtime import mes
from tests.usage.conftest import PAC_ACF, PAC_IDL, vector

TINY_IDL = """\
import "base.idl";
[uuid(12345678-1234-1234-1234-123456789abc), version(1.0), pointer_default(unique)]
interface tiny
{
    typedef struct { long a; [string] wchar_t *name; BASE b; } TINY;
}
"""
BASE_IDL = """\
[uuid(12345678-1234-1234-1234-123456789abd), version(1.0), pointer_default(unique)]
interface base
{
    typedef struct { short x; } BASE;
}
"""
TINY_ACF = """\
[explicit_handle]
interface tiny
{
    typedef [%s] TINY;
}
"""
# TINY(a=5, name="hi", b=BASE(3)): common and private headers, a, the referent id of
# name, b.x, then name's conformance, offset, count and "hi\0", padded to 8.
TINY_BYTES = bytes.fromhex("01100800cccccccc200000000000000005000000000002000300000003000000"
                           "00000000030000006800690000000000")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cache under a temporary XDG_CACHE_HOME; generated modules forgotten after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MIDLPY_NO_CACHE", raising=False)
    monkeypatch.setattr(importer, "_warned", False)
    before = set(sys.modules)
    yield tmp_path / "xdg" / "midlpy"
    for name in set(sys.modules) - before:
        if name in ("tiny", "base") or name.endswith("_idl"):
            del sys.modules[name]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "tiny.idl").write_text(TINY_IDL)
    (src / "base.idl").write_text(BASE_IDL)
    (src / "tiny.acf").write_text(TINY_ACF % "encode, decode")
    return src / "tiny.idl"


def no_compiler(*args: object, **kw: object) -> None:
    raise AssertionError("compiled although the cache should have answered")


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json")) if cache.is_dir() else []


def test_load_decodes_a_windows_pac(cache: Path) -> None:
    pac = midlpy.load(PAC_IDL, acf=PAC_ACF)
    data = vector("mit_t_pac_w2003final.logon_info.bin")
    info = pac.PKERB_VALIDATION_INFO_Decode(mes.MesDecodeBufferHandleCreate(data))
    assert info.EffectiveName.Buffer == "W2003FINAL$" and info.UserId == 1005
    h = mes.MesEncodeDynBufferHandleCreate()
    pac.PKERB_VALIDATION_INFO_Encode(h, info)
    assert h.buffer == data


def test_second_load_comes_from_the_private_cache(cache: Path, tiny: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = midlpy.load(tiny)
    assert mes.pickle_type(first._write_TINY, first.TINY(5, "hi", first._m_base.BASE(3))) \
        == TINY_BYTES
    (entry,) = entries(cache)
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(entry).st_mode) & 0o077 == 0
    monkeypatch.setattr(api, "compile_file", no_compiler)
    second = midlpy.load(tiny)
    assert second is not first
    assert second.TINY_Decode(mes.MesDecodeBufferHandleCreate(TINY_BYTES)) == \
        second.TINY(5, "hi", second._m_base.BASE(3))


def test_changed_acf_or_import_is_compiled_again(cache: Path, tiny: Path) -> None:
    assert hasattr(midlpy.load(tiny), "TINY_Encode")
    (tiny.parent / "tiny.acf").write_text(TINY_ACF % "decode")
    decode_only = midlpy.load(tiny)
    assert not hasattr(decode_only, "TINY_Encode") and hasattr(decode_only, "TINY_Decode")
    # An imported file is an input too, though not part of the lookup key.
    (tiny.parent / "base.idl").write_text(BASE_IDL.replace("short x;", "short x; short y;"))
    assert [f.name for f in midlpy.load(tiny)._m_base.BASE.__dataclass_fields__.values()] \
        == ["x", "y"]
    assert len(entries(cache)) == 2  # same key as the decode-only entry: replaced


def test_a_changed_compiler_misses_the_cache(cache: Path, tiny: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    midlpy.load(tiny)
    monkeypatch.setattr(importer, "_fingerprint", ["another generator"])
    monkeypatch.setattr(api, "compile_file", no_compiler)
    with pytest.raises(AssertionError, match="compiled although"):
        midlpy.load(tiny)


def test_old_entries_are_pruned_used_ones_kept(cache: Path, tiny: Path) -> None:
    midlpy.load(tiny)
    (used,) = entries(cache)
    old = cache / ("0" * 64 + ".json")
    old.write_text("{}")
    leftover = cache / ".tmp-crashed.json"
    leftover.write_text("")
    long_ago = 1_000_000_000
    for p in (used, old, leftover):
        os.utime(p, (long_ago, long_ago))
    midlpy.load(tiny)  # a hit: marks the entry used
    assert used.stat().st_mtime > long_ago
    (tiny.parent / "tiny.acf").write_text(TINY_ACF % "decode")
    midlpy.load(tiny)  # a new entry is written: stale files go
    assert used.exists() and not old.exists() and not leftover.exists()
    assert len(entries(cache)) == 2


def test_no_cache_when_turned_off(cache: Path, tiny: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIDLPY_NO_CACHE", "1")
    midlpy.load(tiny)
    assert entries(cache) == []


def test_a_directory_others_can_write_is_not_used(cache: Path, tiny: Path) -> None:
    cache.mkdir(parents=True)
    os.chmod(cache, 0o777)
    with pytest.warns(RuntimeWarning, match="other users can write"):
        module = midlpy.load(tiny)
    assert hasattr(module, "TINY_Decode")
    assert entries(cache) == []


@pytest.mark.skipif(not hasattr(os, "chown"), reason="POSIX ownership")
def test_a_directory_of_another_user_is_not_used(cache: Path, tiny: Path) -> None:
    cache.mkdir(parents=True, mode=0o700)
    if os.getuid() != 0:
        pytest.skip("only root can give a directory away")
    os.chown(cache, 12345, -1)
    with pytest.warns(RuntimeWarning, match="owned by another user"):
        midlpy.load(tiny)
    assert entries(cache) == []


def test_an_unwritable_cache_compiles_in_memory_and_warns_once(
        cache: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir(parents=True, mode=0o700)
    os.chmod(cache, 0o500)
    if os.access(cache, os.W_OK):  # root ignores the mode: simulate the refusal
        def refuse(*args: object, **kw: object) -> None:
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        with pytest.warns(RuntimeWarning, match="cannot write to the cache"):
            assert hasattr(midlpy.load(tiny), "TINY_Decode")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert hasattr(midlpy.load(tiny), "TINY_Decode")  # no second warning
    finally:
        os.chmod(cache, 0o700)
    assert entries(cache) == []


def test_a_damaged_entry_is_replaced(cache: Path, tiny: Path) -> None:
    midlpy.load(tiny)
    (entry,) = entries(cache)
    entry.write_text("{not json")
    assert hasattr(midlpy.load(tiny), "TINY_Decode")
    assert entry.read_text().startswith('{"format"')


def test_load_errors_are_compile_errors_with_diagnostics(cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.idl"
    bad.write_text("interface bad { typedef struct { long a } S; }\n")
    with pytest.raises(CompileError, match=r"bad\.idl:1:\d+: error"):
        midlpy.load(bad)


@pytest.fixture
def hook() -> Iterator[None]:
    importer.install_import_hook()
    importer.install_import_hook()  # idempotent
    yield
    importer.uninstall_import_hook()


def test_import_hook_finds_idl_on_sys_path(cache: Path, tiny: Path, hook: None,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert sum(isinstance(f, importer.IdlFinder) for f in sys.meta_path) == 1
    monkeypatch.syspath_prepend(str(tiny.parent))
    tiny_idl = importlib.import_module("tiny_idl")
    assert tiny_idl.__name__ == "tiny_idl" and tiny_idl.__file__ == str(tiny)
    assert tiny_idl.TINY.__module__ == "tiny_idl"
    value = tiny_idl.TINY_Decode(mes.MesDecodeBufferHandleCreate(TINY_BYTES))
    assert value.name == "hi"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("absent_idl")


def test_import_hook_inside_a_package(cache: Path, tiny: Path, hook: None, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "pkgroot" / "idlpkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for f in tiny.parent.iterdir():
        (pkg / f.name).write_text(f.read_text())
    monkeypatch.syspath_prepend(str(pkg.parent))
    try:
        mod = importlib.import_module("idlpkg.tiny_idl")
        assert mod.TINY_Decode(mes.MesDecodeBufferHandleCreate(TINY_BYTES)).a == 5
    finally:
        for name in [n for n in sys.modules if n.startswith("idlpkg")]:
            del sys.modules[name]


def test_import_hook_reports_compile_errors_as_import_errors(cache: Path, hook: None,
                                                             tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    (tmp_path / "broken.idl").write_text("interface broken { typedef long; }\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match=r"broken\.idl:1:\d+: error"):
        importlib.import_module("broken_idl")


def test_import_midlpy_stays_cheap() -> None:
    import subprocess

    code = ("import sys, midlpy; assert not {'lark', 'jinja2', 'click', 'midlpy.importer'}"
            " & set(sys.modules); midlpy.load; assert 'midlpy.importer' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)



