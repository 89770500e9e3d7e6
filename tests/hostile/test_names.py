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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    assert m.__name__.endswith(".types_") and sys.modules["types"].__name__ == "types"
    assert "struct_" not in sys.modules and "types_" not in sys.modules
    h = MesEncodeDynBufferHandleCreate()
    m.U_Encode(h, m.U(t=m._m_struct_.T(a=1)))
    assert h.buffer[16:20] == b"\x01\0\0\0"


def test_types_named_like_another_types_or_procedures_codecs_stay_apart(tmp_path: Path) -> None:
    """NODE_deferred's reader was also NODE's deferred reader, and Get_out's that of
    procedure Get's [out] side: whichever came last won, so decoding raised TypeError or
    AttributeError instead of giving the value. W_to_xmit is W's conversion hook."""
    from midlpy.compiler.api import load_module

    (tmp_path / "col.idl").write_text("""
[uuid(12345678-1234-1234-1234-123456789ab1), version(1.0), pointer_default(unique)]
interface col {
    typedef struct NODE { long v; [unique] struct NODE *next; long *p; } NODE;
    typedef struct NODE_deferred { long w; long *q; } NODE_deferred;
    typedef struct Get_out { long a; [unique] long *b; } Get_out;
    typedef struct { long a; } W_to_xmit;
    typedef [transmit_as(W_to_xmit)] long W;
    typedef struct { W w; } WH;
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
    assert m.W_to_xmit is not m.W_to_xmit_ and m.W_to_xmit_(a=1).a == 1
    h = MesEncodeDynBufferHandleCreate()
    m.Get(h, 7)
    assert m.Get(MesDecodeBufferHandleCreate(h.buffer)) == 7


# -- generated IDL over a hostile vocabulary: whatever the names, one module, no collisions --

VOCABULARY = ["class", "def", "len", "str", "list", "_mes", "_ndr", "_support", "_read_T",
              "_write_T", "_dec_T", "_enc_T", "_m_x", "_IFACE_fz", "_RPC_fz", "h", "r", "w",
              "v", "e", "a1", "x1", "t1", "self", "None", "Any", "Callable", "T",
              "T_deferred", "T_in", "T_out", "P", "P_in", "P_out", "T_Decode", "T_Encode",
              "T_AlignSize", "T_Free", "_F0", "_T_member", "print", "type", "id", "object",
              "async", "match", "value", "return_", "_f", "v_a", "_PICKLED", "dataclass",
              "field", "enum", "Fixed", "isinstance", "range", "bytes", "sl1", "ref1"]
FZ_FIXED = bytes.fromhex("01100800cccccccc" "1000000000000000"  # n0: f0 5, f1 NULL, *f2 7
                         "05000000" "00000000" "00000200" "07000000")


def _fz_text(n: list[str], f: list[str], e: list[str], p: list[str]) -> tuple[str, str]:
    idl = f"""[uuid(12345678-1234-1234-1234-123456789ab2), version(1.0), pointer_default(unique)]
interface fz {{
    typedef struct {n[0]} {{ long {f[0]}; [unique] struct {n[0]} *{f[1]}; long *{f[2]}; }} {n[0]};
    typedef struct {n[1]} {{ {n[0]} {f[0]}; long {f[1]}; short {f[2]}[2]; }} {n[1]};
    typedef [switch_type(long)] union {n[2]} {{ [case(1)] long {f[0]}; [case(2)] {n[1]} {f[1]}; }} {n[2]};
    typedef struct {n[3]} {{ long {f[0]}; [switch_is({f[0]})] {n[2]} {f[1]}; [size_is({f[0]})] long *{f[2]}; }} {n[3]};
    typedef enum {{ {e[0]} = 1, {e[1]} = 2 }} {n[4]};
    const long {e[2]} = 3;
    void {p[0]}([in] handle_t {p[1]}, [in] long {p[2]}, [in] {n[3]} *{p[3]}, [out] long *{p[4]});
    long {p[5]}([in] handle_t {p[1]}, [in] {n[4]} {p[2]}, [in, string] wchar_t *{p[3]});
}}"""
    acf = (f"[explicit_handle] interface fz {{ typedef [encode, decode] {n[0]}; "
           f"typedef [encode, decode] {n[3]}; [encode, decode] {p[0]}(); [encode, decode] {p[5]}(); }}")
    return idl, acf


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(names=st.lists(st.sampled_from(VOCABULARY), min_size=14, max_size=14, unique=True),
       fields=st.lists(st.sampled_from(VOCABULARY), min_size=3, max_size=3, unique=True))
def test_any_names_give_one_module_without_collisions(names: list[str], fields: list[str],
                                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    from midlpy.compiler.sema.naming import routine_base
    from midlpy.runtime import mes
    from tests.fuzz.compiler_fuzz import defined_twice

    n, e, p = names[:5], names[5:8], names[8:14]
    tmp = tmp_path_factory.mktemp("fz")
    idl, acf = _fz_text(n, fields, e, p)
    (tmp / "fz.idl").write_text(idl)
    (tmp / "fz.acf").write_text(acf)
    result = compile_file(str(tmp / "fz.idl"))
    if not result.ok:  # an IDL keyword among the names, say: located diagnostics then
        assert all(d.span is not None for d in result.diagnostics)
        return
    (gen,) = result.files
    assert not defined_twice(gen.text)
    m = load_idl(tmp / "fz.idl")
    read, write, _ = m._PICKLED[routine_base(n[0])]
    value = mes.unpickle_type(FZ_FIXED, read)
    assert mes.pickle_type(write, value) == FZ_FIXED
    assert all(hasattr(m, x) for x in m.__all__)


def test_duplicate_members_and_parameters_are_located_errors(tmp_path: Path) -> None:
    """They used to compile: a dataclass keeps one of two fields, and a function with two
    parameters of one name does not even import."""
    path = tmp_path / "dups.idl"
    path.write_text("[uuid(12345678-1234-1234-1234-123456789ab9), version(1.0)] interface x {\n"
                    "typedef struct { long a; short a; } T;\n"
                    "typedef [switch_type(long)] union { [case(1)] long a; [case(2)] short a; } U;\n"
                    "void P([in] handle_t h, [in] long a, [in] long a);\n"
                    "typedef struct { long def; long def_; [size_is(def_)] long *q; } V; }\n")
    result = compile_file(str(path))
    found = sorted((d.code, d.span.line) for d in result.diagnostics if d.span)
    assert found == [("ambiguous-member", 5), ("duplicate-member", 2), ("duplicate-member", 3),
                     ("duplicate-parameter", 4)]


def test_members_and_enumerators_that_meet_once_sanitised_stay_apart(tmp_path: Path) -> None:
    from midlpy.compiler.api import load_module

    (tmp_path / "meet.idl").write_text(
        "[uuid(12345678-1234-1234-1234-123456789ab9), version(1.0)] interface meet {\n"
        "typedef struct { long def; long def_; [size_is(def)] long *p; } T;\n"
        "typedef enum { None = 1, _x = 2, _y_ = 3, __z = 4, name = 5, mro = 6 } E;\n"
        "void Q([in] handle_t h, [in] long def, [in] long def_); }\n")
    (tmp_path / "meet.acf").write_text(
        "[explicit_handle, encode, decode] interface meet { typedef [encode, decode] T; }")
    m = load_module(str(tmp_path / "meet.idl"))
    assert list(m.E.__members__) == ["None_", "_x", "_y__", "m__z", "name_", "mro_"]
    v = m.T(def_=2, def__=9, p=[3, 4])
    assert roundtrip(m, "T", v) == v
    h = MesEncodeDynBufferHandleCreate()
    m.Q(h, 1, 2)
    assert bytes(h.buffer)[56:64] == bytes.fromhex("0100000002000000")


@pytest.mark.parametrize("stem", ['e"""+print("INJECTED")+"""', 'n\nimport builtins\n"""x', "q'\\"])
def test_a_hostile_file_name_stays_in_its_comment_and_docstring(stem: str, tmp_path: Path) -> None:
    """The IDL file's name went into the module's header comment and docstring as is:
    quotes closed the docstring, a newline left the comment."""
    from midlpy.compiler.api import load_module

    path = tmp_path / f"{stem}.idl"
    path.write_text("[uuid(12345678-1234-1234-1234-123456789ab9), version(1.0)] interface e "
                    "{ typedef struct { long a; } T; }")
    m = load_module(str(path))
    assert m.__doc__ == f"Types and NDR codecs generated from {stem}.idl."
    assert not hasattr(builtins, "INJECTED")
