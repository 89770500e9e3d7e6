"""Generated struct and union classes keep the value model README documents ("The value
model") without @dataclass at import time: keyword or positional construction, zero,
empty or None defaults (a fresh list or struct for each value), comparison by value, a
``T(field=...)`` repr, no hash, and the dataclasses protocol that dump and jsonmap use."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from midlpy.compiler.api import load_module

IDL = """\
[uuid(6b1e2c3a-0000-4000-8000-00000000bb01), version(1.0)]
interface values
{
    typedef struct _INNER { long a; short b; } INNER;
    typedef struct _OUTER {
        INNER inner;
        long n;
        [size_is(n)] long *items;
        long fixed[3];
        [string] wchar_t *name;
        unsigned char raw[2];
    } OUTER;
    typedef [switch_type(long)] union _U { [case(1)] long one; [case(2)] INNER two; } U;
    typedef struct _HOLDER { long kind; [switch_is(kind)] U u; } HOLDER;
    /* fields named like what __init__ uses: its receiver, a type, the factory marker */
    typedef struct _AWKWARD {
        long self; INNER INNER; long _FACTORY; INNER other; long range; INNER pair[2];
    } AWKWARD;
}
"""
ACF = "[explicit_handle] interface values { typedef [encode, decode] OUTER; }\n"


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    d = tmp_path_factory.mktemp("values")
    (d / "values.idl").write_text(IDL)
    (d / "values.acf").write_text(ACF)
    return load_module(str(d / "values.idl"))


def test_defaults_are_zero_empty_none_and_fresh(m: ModuleType) -> None:
    a, b = m.OUTER(), m.OUTER()
    assert (a.n, a.items, a.fixed, a.name, a.raw) == (0, None, [0, 0, 0], None, b"\0\0")
    assert a.inner.a == 0 and a.inner.b == 0
    assert a.inner is not b.inner and a.fixed is not b.fixed
    assert m.HOLDER().u.switch is None and m.HOLDER().u.one is None


def test_keyword_and_positional_construction(m: ModuleType) -> None:
    assert m.INNER(a=1, b=2) == m.INNER(1, 2)
    with pytest.raises(TypeError):
        m.INNER(c=1)
    with pytest.raises(TypeError):
        m.INNER(1, 2, 3)
    with pytest.raises(AttributeError):  # __slots__: no stray attributes
        m.INNER().c = 1  # type: ignore[attr-defined]


def test_comparison_by_value_and_no_hash(m: ModuleType) -> None:
    assert m.OUTER(n=1, items=[5]) == m.OUTER(n=1, items=[5])
    assert m.OUTER(n=1, items=[5]) != m.OUTER(n=1, items=[6])
    assert m.INNER(1, 2) != (1, 2)
    with pytest.raises(TypeError):
        hash(m.INNER())


def test_repr_names_type_and_fields(m: ModuleType) -> None:
    assert repr(m.INNER(a=1, b=-2)) == "INNER(a=1, b=-2)"
    o = m.OUTER()
    o.items = [o]  # a value that contains itself: support.value_repr tags it
    assert repr(o).startswith("OUTER#1(inner=INNER(a=0, b=0), n=0, items=[<see OUTER#1>]")


def test_dataclasses_protocol(m: ModuleType) -> None:
    assert dataclasses.is_dataclass(m.OUTER) and dataclasses.is_dataclass(m.OUTER())
    assert not dataclasses.is_dataclass(m._Value)
    names = [f.name for f in dataclasses.fields(m.OUTER)]
    assert names == ["inner", "n", "items", "fixed", "name", "raw"]
    assert dataclasses.fields(m.OUTER())[1].default == 0
    assert dataclasses.fields(m.OUTER)[0].default_factory() == m.INNER()
    assert dataclasses.asdict(m.INNER(1, 2)) == {"a": 1, "b": 2}
    assert dataclasses.replace(m.INNER(1, 2), b=3) == m.INNER(1, 3)
    match m.INNER(4, 5):
        case m.INNER(x, y):
            assert (x, y) == (4, 5)


def test_fields_named_like_what_init_uses(m: ModuleType) -> None:
    w = m.AWKWARD(self=1, _FACTORY=2)
    assert (w.self, w._FACTORY, w.INNER, w.other) == (1, 2, m.INNER(), m.INNER())
    assert m.AWKWARD(INNER=m.INNER(7, 8)).INNER.a == 7
    assert m.AWKWARD(range=3).pair == [m.INNER(), m.INNER()]


def test_round_trip(m: ModuleType) -> None:
    from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate

    v = m.OUTER(m.INNER(1, 2), 2, [3, 4], [5, 6, 7], "hi", b"xy")
    h = MesEncodeDynBufferHandleCreate()
    m.OUTER_Encode(h, v)
    assert m.OUTER_Decode(MesDecodeBufferHandleCreate(bytes(h.buffer))) == v


def test_importing_a_generated_module_loads_neither_dataclasses_nor_typing(tmp_path: Path,
                                                                           m: ModuleType) -> None:
    from midlpy.compiler.api import compile_file

    (tmp_path / "v.idl").write_text(IDL)
    (tmp_path / "v.acf").write_text(ACF)
    for f in compile_file(str(tmp_path / "v.idl")).files:
        (tmp_path / f.path).write_text(f.text)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import v; "
            "print(sorted({'dataclasses', 'typing'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"
