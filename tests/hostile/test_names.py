"""Generated code cannot be made to run anything from the IDL text (issue 8, part 3).

names.idl is full of Python keywords, builtins, names the generated module uses itself
(``_mes``, ``_read_class``, ``_F0``, ``class_Decode``...), names that collide once
sanitised, and strings with quotes, backslashes and newlines. It must compile, import
without running any of it, and round-trip through every pickled type and procedure.
"""

from __future__ import annotations

import builtins
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from midlpy.compiler.api import compile_file
from midlpy.runtime import (EncodeError, MesDecodeBufferHandleCreate,
                            MesEncodeDynBufferHandleCreate)
from tests.helpers import load_idl

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def names() -> ModuleType:
    return load_idl(HERE / "names.idl", HERE / "names.acf")


def roundtrip(m: ModuleType, tname: str, value: object) -> object:
    h = MesEncodeDynBufferHandleCreate()
    getattr(m, tname + "_Encode")(h, value)
    return getattr(m, tname + "_Decode")(MesDecodeBufferHandleCreate(h.buffer))


def test_strings_stay_data_and_nothing_runs_at_import(names: ModuleType) -> None:
    assert not hasattr(builtins, "MIDLPY_INJECTED")
    assert names.STR == '"""; import builtins; builtins.MIDLPY_INJECTED = 2 #\\'
    assert names.WSTR == "it's \\n \" ok\n"


def test_keywords_builtins_and_internal_names_get_a_trailing_underscore(names: ModuleType) -> None:
    # module level: types, constants and procedures must not shadow what the module uses
    for name in ("class_", "int_", "str_", "bytes_", "Any_", "None_", "len_", "_mes_",
                 "_read_class_", "class_Decode_", "_dataclass_", "_enum_", "_F0_",
                 "_int_member_", "print_", "async_", "len_Decode_", "_read_class__"):
        assert hasattr(names, name), name
    # the enumerators named like builtins stay on their enum only
    assert names.int_.print == 1 and names.int_.isinstance == 6
    assert names.print_ is not print and not isinstance(names.print_, int)
    # every exported name exists: `from names import *` works
    assert all(hasattr(names, n) for n in names.__all__)


def _class(m: ModuleType) -> Any:
    return m.class_(def_=2, self=1, lambda_=1, list=3, _ndr=4, _mes=5, value=6, h=7, r=8, w=9,
                    v=10, e=11, a1=12, _f=13, import_=m.int_.Any, return_=[14, 15],
                    yield_=[16])


def test_every_pickled_type_round_trips(names: ModuleType) -> None:
    m = names
    c = _class(m)
    s = m.str_(bytes=1, range="quote \" and \\")
    values = {
        "class": c,
        "_mes": m._mes_(_support=1, _DecodeError=2),
        "Any": m.Any_(Callable=3, pass_=c),
        "str": s,
        "bytes": m.bytes_(str=s),
        "_read_class_": m._read_class_(x=1),  # routines _read_class__Encode...: see below
        "class_Decode": m.class_Decode_(x=2),
        "_dataclass": m._dataclass_(_field=3),
        "_enum": m._enum_(x=4),
        "_F0": m._F0_(x=5),
        "_int_member": m._int_member_(x=6),
        "switch": m.switch(switch=2, u=m.match(switch=2, default=s)),
        "int": m.int_.isinstance,
    }
    for tname, value in values.items():
        assert roundtrip(m, tname, value) == value, tname


def test_a_type_named_like_a_reader_keeps_its_routines_apart(names: ModuleType) -> None:
    # type _read_class's Decode and type class_Decode's reader would both be
    # _read_class_Decode: the former's routines take the stem _read_class_
    assert names._read_class__Decode is not names.class_Decode_Decode
    assert roundtrip(names, "class_Decode", names.class_Decode_(x=3)) == names.class_Decode_(x=3)


def test_procedures_with_hostile_parameter_names_round_trip(names: ModuleType) -> None:
    m = names
    h = MesEncodeDynBufferHandleCreate()
    m.print_(h, 1, 2, [3, 4])
    # a parameter named h is not the handle; one named w, v, r or a1 is not a local
    m.async_(h, 1, 2, 3, 4, 5, 6, 7, 8)
    m._read_class__(h, 9)
    d = MesDecodeBufferHandleCreate(h.buffer)
    bodies = []
    for _ in range(3):
        rec = bytes(d._buf[d._pos:])
        count = struct.unpack_from("<I", rec, 52)[0]
        bodies.append(struct.unpack_from(f"<{count // 4}i", rec, 56))
        d._pos += 56 + (count + 7 & -8)
    assert bodies == [(1, 2, 2, 3, 4), (1, 2, 3, 4, 5, 6, 7, 8), (9,)]
    # and the [out] side decodes through the renamed functions
    d = MesDecodeBufferHandleCreate(h.buffer)
    assert m.print_(d) == 1
    assert m.async_(d) == (1, 2)


def test_encode_errors_name_the_sanitised_field(names: ModuleType) -> None:
    c = _class(names)
    c.return_ = [1]  # size_is(def) says 2
    with pytest.raises(EncodeError, match="return"):
        roundtrip(names, "class", c)


def test_generated_text_compiles_after_every_rename(tmp_path: Path) -> None:
    result = compile_file(str(HERE / "names.idl"), acf=str(HERE / "names.acf"))
    assert result.ok
    for gen in result.files:
        compile(gen.text, gen.path, "exec")
        assert "MIDLPY_INJECTED = 1" not in gen.text  # cpp_quote text is not emitted


def test_an_idl_named_like_a_standard_module_does_not_replace_it(tmp_path: Path) -> None:
    """load_module registers generated modules in sys.modules: struct.idl used to become
    sys.modules['struct'], breaking the runtime itself."""
    import struct as real_struct
    import sys

    from midlpy.compiler.api import load_module
    from midlpy.runtime import MesEncodeDynBufferHandleCreate

    (tmp_path / "struct.idl").write_text(
        "[uuid(12345678-1234-1234-1234-123456789abf), version(1.0)] interface s "
        "{ typedef struct { long a; } T; }")
    (tmp_path / "types.idl").write_text(
        'import "struct.idl";\n[uuid(12345678-1234-1234-1234-123456789ab0), version(1.0)] '
        "interface r { typedef struct { T t; } U; }")
    (tmp_path / "types.acf").write_text("[explicit_handle] interface r { typedef [encode, decode] U; }")
    m = load_module(str(tmp_path / "types.idl"))
    assert sys.modules["struct"] is real_struct
    assert m.__name__ == "types_" and sys.modules["types"].__name__ == "types"
    h = MesEncodeDynBufferHandleCreate()
    m.U_Encode(h, m.U(t=sys.modules["struct_"].T(a=1)))
    assert h.buffer[16:20] == b"\x01\0\0\0"


def test_types_named_like_another_types_or_procedures_codecs_stay_apart(tmp_path: Path) -> None:
    """NODE_deferred's reader was also NODE's deferred reader, and Get_out's that of
    procedure Get's [out] side: whichever came last won, so decoding raised TypeError or
    AttributeError instead of giving the value."""
    from midlpy.compiler.api import load_module

    (tmp_path / "col.idl").write_text("""
[uuid(12345678-1234-1234-1234-123456789ab1), version(1.0), pointer_default(unique)]
interface col {
    typedef struct NODE { long v; [unique] struct NODE *next; long *p; } NODE;
    typedef struct NODE_deferred { long w; long *q; } NODE_deferred;
    typedef struct Get_out { long a; [unique] long *b; } Get_out;
    typedef struct { NODE n; NODE_deferred d; Get_out g; } HOLDER;
    void Get([in] handle_t h, [in] long x, [out] long *y);
}""")
    (tmp_path / "col.acf").write_text("""[explicit_handle] interface col {
    typedef [encode, decode] HOLDER; typedef [encode, decode] Get_out;
    typedef [encode, decode] NODE; [encode, decode] Get(); }""")
    m = load_module(str(tmp_path / "col.idl"))
    values = {"Get_out": m.Get_out_(a=5, b=6),
              "NODE": m.NODE(v=1, next=m.NODE(v=2, next=None, p=None), p=2),
              "HOLDER": m.HOLDER(n=m.NODE(v=1, next=None, p=2), d=m.NODE_deferred_(w=3, q=4),
                                 g=m.Get_out_(a=5, b=6))}
    for tname, value in values.items():
        assert roundtrip(m, tname, value) == value
    h = MesEncodeDynBufferHandleCreate()
    m.Get(h, 7)
    assert m.Get(MesDecodeBufferHandleCreate(h.buffer)) == 7
