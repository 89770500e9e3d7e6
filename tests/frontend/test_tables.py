"""Parse tables kept between runs (midlpy.compiler.tables): loaded tables parse exactly as
freshly built ones, and a stale, damaged or foreign file is rebuilt, never trusted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from midlpy._resources import resource_dir
from midlpy.compiler import parser, tables
from tests.helpers import ROOT

OPTIONS = parser._OPTIONS


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("MIDLPY_NO_CACHE", raising=False)
    return tmp_path / "midlpy"


def _grammar(name: str) -> Path:
    return resource_dir("grammars") / f"{name}.lark"


def _no_building(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    real = tables.Lark.open

    def spy(path: str, **kw: object) -> object:
        built.append(path)
        return real(path, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(tables.Lark, "open", spy)
    return built


@pytest.mark.parametrize("name", ["midl", "acf"])
def test_stored_tables_are_loaded_and_parse_the_same(cache: Path, name: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tables.cached_parser(_grammar(name), OPTIONS)
    [stored] = cache.glob(f"lalr-{name}-*.bin")
    built = _no_building(monkeypatch)
    loaded = tables.cached_parser(_grammar(name), OPTIONS)
    assert built == [] and loaded is not fresh
    from midlpy.compiler.preprocess import Preprocessor
    from midlpy.diagnostics import Diagnostics, SourceCache

    source = ROOT / "examples" / "pac" / ("pac.idl" if name == "midl" else "pac.acf")
    text = Preprocessor(Diagnostics(), SourceCache()).run_file(str(source)).text
    a, b = fresh.parse(text), loaded.parse(text)
    assert a == b
    # positions too: diagnostics depend on them
    assert [(getattr(t.meta, "line", 0), getattr(t.meta, "column", 0)) for t in a.iter_subtrees()] == \
           [(getattr(t.meta, "line", 0), getattr(t.meta, "column", 0)) for t in b.iter_subtrees()]
    assert stored.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign"])
def test_a_damaged_or_foreign_table_file_is_rebuilt(cache: Path, damage: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    tables.cached_parser(_grammar("acf"), OPTIONS)
    [stored] = cache.glob("lalr-acf-*.bin")
    raw = stored.read_bytes()
    if damage == "truncate":
        stored.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        stored.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    else:  # valid header and hash, but the payload is not Lark's data
        import hashlib
        import marshal
        payload = marshal.dumps({"data": {}, "memo": {}})
        stored.write_bytes(tables._FORMAT + hashlib.sha256(payload).digest() + payload)
    built = _no_building(monkeypatch)
    p = tables.cached_parser(_grammar("acf"), OPTIONS)
    assert len(built) == 1 and p.parse("[explicit_handle] interface x { }")
    assert tables._read(stored) is not None  # written again, whole


def test_a_changed_grammar_gets_new_tables_and_the_old_are_removed(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "t.lark").write_text('start: "a"\n')
    tables.cached_parser(folder / "t.lark", OPTIONS)
    first = {p.name for p in cache.glob("lalr-t-*.bin")}
    (folder / "t.lark").write_text('start: "b"\n')
    p = tables.cached_parser(folder / "t.lark", OPTIONS)
    second = {p.name for p in cache.glob("lalr-t-*.bin")}
    assert p.parse("b") and len(first) == len(second) == 1 and first != second


def test_no_cache_means_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("MIDLPY_NO_CACHE", "1")
    tables.cached_parser(_grammar("acf"), OPTIONS)
    assert os.listdir(tmp_path) == []
