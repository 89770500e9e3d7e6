"""Byte-exact tests of every construct in constructs.idl / hooks.idl.

Expected bytes come from cases.py, derived by hand from ndr-mes.md; the error cases
below patch those bytes by hand at the offsets the comments in cases.py give.
"""

from __future__ import annotations

import struct
from types import ModuleType
from typing import Any, Callable

import pytest

from midlpy.runtime import (
    DecodeError,
    MesDecodeBufferHandleCreate,
    MesEncodeDynBufferHandleCreate,
    RpcError,
)
from tests.constructs.cases import BE_CASES, CASES, COMMON, Case, hx, union
from tests.helpers import decode, encode

RPC_S_INVALID_TAG = 1733
RPC_S_INVALID_BOUND = 1734
RPC_X_NULL_REF_POINTER = 1780
RPC_X_ENUM_VALUE_OUT_OF_RANGE = 1781

HDR = 16  # common + private header: NDR offset @N is byte HDR + N of a constructed pickle



def align_size(m: ModuleType, t: str, value: Any) -> int:
    return int(getattr(m, t + "_AlignSize")(MesEncodeDynBufferHandleCreate(), value))


def patched(data: bytes, at: int, new: str) -> bytes:
    """``data`` with the bytes at ``at`` replaced by the hex ``new``."""
    b = bytearray(data)
    raw = bytes.fromhex(new)
    assert len(b) >= at + len(raw)
    b[at:at + len(raw)] = raw
    return bytes(b)


def pickle(body: str) -> bytes:
    """A one-value type pickle around hand-written NDR data (padded by hand in ``body``)."""
    data = hx(body)
    assert len(data) % 8 == 0
    return hx(COMMON) + struct.pack("<II", len(data), 0) + data


def expect_status(exc: type[BaseException], status: int, fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(exc) as info:
        fn()
    assert getattr(info.value, "status", None) == status, str(info.value)
    return info.value


def case_by_id(cid: str) -> Case:
    return next(c for c in CASES if c.id == cid)


def mod_for(mods: dict[str, ModuleType], c: Case) -> ModuleType:
    return mods[c.module]


# ----------------------------------------------------------------- the table

@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_encode(mods: dict[str, ModuleType], c: Case) -> None:
    m = mod_for(mods, c)
    assert encode(m, c.type, c.build(m)).hex(" ") == c.data.hex(" ")


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_decode(mods: dict[str, ModuleType], c: Case) -> None:
    m = mod_for(mods, c)
    assert decode(m, c.type, c.data) == c.build(m)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_align_size(mods: dict[str, ModuleType], c: Case) -> None:
    m = mod_for(mods, c)
    assert align_size(m, c.type, c.build(m)) == len(c.data)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_decode_then_encode_same_bytes(mods: dict[str, ModuleType], c: Case) -> None:
    m = mod_for(mods, c)
    assert encode(m, c.type, decode(m, c.type, c.data)).hex(" ") == c.data.hex(" ")


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_truncated(mods: dict[str, ModuleType], c: Case) -> None:
    """Every cut that loses data bytes (or, for constructed values, any byte the private
    header announces) must fail with DecodeError."""
    m = mod_for(mods, c)
    if c.primitive:
        # the value itself is 2 or 4 bytes after the common header; padding may be lenient
        cuts = [0, 4, 9]
    else:
        cuts = sorted({0, 4, 8, 12, 16, 17, len(c.data) // 2, len(c.data) - 8, len(c.data) - 1})
    for k in cuts:
        if k >= len(c.data):
            continue
        with pytest.raises(DecodeError):
            decode(m, c.type, c.data[:k])


@pytest.mark.parametrize("c", BE_CASES, ids=[c.id for c in BE_CASES])
def test_big_endian_decode(constructs: ModuleType, c: Case) -> None:
    assert decode(constructs, c.type, c.data) == c.build(constructs)


def test_header_self_check() -> None:
    """The table itself: every private header announces exactly what follows."""
    for c in CASES + BE_CASES:
        assert c.data[2:8] == bytes.fromhex("0800cccccccc"), c.id
        if c.primitive:
            assert len(c.data) == 16, c.id
            continue
        length = int.from_bytes(c.data[8:12], "big" if c.data[1] == 0 else "little")
        assert length == len(c.data) - HDR and length % 8 == 0, c.id


# ----------------------------------------------------------------- value model details

def test_enum_decodes_to_intenum(constructs: ModuleType) -> None:
    v = decode(constructs, "ENUMS", case_by_id("enums_k").data)
    assert type(v.e16) is constructs.COLOR and v.e16 is constructs.COLOR.BLUE
    assert type(v.e32) is constructs.COLOR32 and v.e32 is constructs.COLOR32.C32_B


def test_plain_ints_accepted_for_enums(constructs: ModuleType) -> None:
    assert encode(constructs, "ENUMS", constructs.ENUMS(e16=3, e32=3)) == case_by_id("enums_k").data


def test_base_type_python_types(constructs: ModuleType) -> None:
    v = decode(constructs, "BASE_TYPES", case_by_id("base_types").data)
    assert v.b is True
    assert isinstance(v.c, int) and isinstance(v.wc, int)
    assert isinstance(v.f, float) and isinstance(v.d, float)
    assert isinstance(v.h, int) and isinstance(v.uh, int)


def test_boolean_nonzero_is_true(constructs: ModuleType) -> None:
    data = patched(case_by_id("base_types").data, HDR + 0, "7f")  # any non-zero octet is TRUE
    assert decode(constructs, "BASE_TYPES", data).b is True
    data = patched(data, HDR + 0, "00")
    assert decode(constructs, "BASE_TYPES", data).b is False


def test_full_pointer_aliasing_decodes_to_one_object(constructs: ModuleType) -> None:
    v = decode(constructs, "FULL_POINTS", case_by_id("full_points_aliased").data)
    assert v.a is v.b
    w = decode(constructs, "FULL_POINTS", case_by_id("full_points_equal_not_same").data)
    assert w.a == w.b and w.a is not w.b


def test_full_pointer_self_cycle(constructs: ModuleType) -> None:
    p = constructs.FNODE(v=1, next=None)
    object.__setattr__(p, "next", p)
    expected = pickle("""
        01 00 00 00               # @0 top-level [ptr]: full id 1, referent follows
        01 00 00 00               # @4 v
        01 00 00 00               # @8 next: id 1 again, already sent, nothing follows
        00 00 00 00               # pad
    """)
    assert encode(constructs, "PFNODE", p).hex(" ") == expected.hex(" ")
    d = decode(constructs, "PFNODE", expected)
    assert d.v == 1 and d.next is d


def test_full_pointer_two_cycle(constructs: ModuleType) -> None:
    a = constructs.FNODE(v=1, next=None)
    b = constructs.FNODE(v=2, next=a)
    object.__setattr__(a, "next", b)
    expected = pickle("""
        01 00 00 00               # @0  id(a) = 1
        01 00 00 00 02 00 00 00   # @4  a: v, id(next = b) = 2
        02 00 00 00 01 00 00 00   # @12 b: v, id(next = a) = 1 (already sent)
        00 00 00 00
    """)
    assert encode(constructs, "PFNODE", a).hex(" ") == expected.hex(" ")
    d = decode(constructs, "PFNODE", expected)
    assert d.v == 1 and d.next.v == 2 and d.next.next is d


def test_full_pointer_cycle_through_top_level_struct(constructs: ModuleType) -> None:
    """The pickled struct itself is passed by [ref]: it is not in the full-pointer table,
    so a full pointer back to it sends the struct once more as a referent."""
    n = constructs.FNODE(v=1, next=None)
    object.__setattr__(n, "next", n)
    expected = pickle("""
        01 00 00 00 01 00 00 00   # @0 n: v, id(next) = 1 (first full pointer)
        01 00 00 00 01 00 00 00   # @8 referent 1 = n again: v, id 1 (known: stop)
    """)
    assert encode(constructs, "FNODE", n).hex(" ") == expected.hex(" ")
    d = decode(constructs, "FNODE", expected)
    x = d.next
    assert d.v == 1 and x.v == 1 and x.next is x and x is not d


def test_ids_restart_for_each_value_in_one_stream(constructs: ModuleType) -> None:
    """Two values through one handle: one common header, then two private headers; the
    referent-id counter starts again at 0x20000 for the second value (ndr-mes.md 2.1, 2.2)."""
    c = case_by_id("example_d")
    h = MesEncodeDynBufferHandleCreate()
    constructs.EXAMPLE_D_Encode(h, c.build(constructs))
    constructs.EXAMPLE_D_Encode(h, c.build(constructs))
    assert bytes(h.buffer).hex(" ") == (c.data + c.data[8:]).hex(" ")
    d = MesDecodeBufferHandleCreate(c.data + c.data[8:])
    assert constructs.EXAMPLE_D_Decode(d) == c.build(constructs)
    assert constructs.EXAMPLE_D_Decode(d) == c.build(constructs)


# ----------------------------------------------------------------- long lists

N_LONG = 100_000


def test_long_linked_list(constructs: ModuleType) -> None:
    node = None
    for v in range(N_LONG, 0, -1):
        node = constructs.NODE(v=v, next=node)
    # node k (k = 1..N) is 8 bytes: v = k, then id(next) = 0x20000 + 4*(k-1), 0 for the last
    expected = bytearray(hx(COMMON)) + struct.pack("<II", 8 * N_LONG, 0)
    for k in range(1, N_LONG + 1):
        expected += struct.pack("<iI", k, 0x20000 + 4 * (k - 1) if k < N_LONG else 0)
    data = encode(constructs, "NODE", node)
    same = data == bytes(expected)
    assert same, "encoding of the 100,000-node list differs from the hand-built bytes"
    assert align_size(constructs, "NODE", node) == len(expected)
    d = decode(constructs, "NODE", bytes(expected))
    count = 0
    while d is not None:
        count += 1
        if d.v != count:
            pytest.fail(f"node {count} has v={d.v}")
        d = d.next
    assert count == N_LONG


# ----------------------------------------------------------------- errors: enums, range

def test_enum16_encode_out_of_range(constructs: ModuleType) -> None:
    for bad in (32768, 40000, 0xFFFF):
        expect_status(RpcError, RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                      lambda: encode(constructs, "ENUMS", constructs.ENUMS(e16=bad, e32=1)))
        expect_status(RpcError, RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                      lambda: encode(constructs, "COLOR", bad))


def test_enum16_upper_bound_encodes(constructs: ModuleType) -> None:
    data = encode(constructs, "ENUMS", constructs.ENUMS(e16=32767, e32=1))
    assert data == pickle("ff 7f 00 00 01 00 00 00   # e16 32767, pad, e32 1")


def test_enum16_decode_out_of_range(constructs: ModuleType) -> None:
    base = case_by_id("enums_k").data
    for raw in ("00 80", "ff ff"):
        expect_status(DecodeError, RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                      lambda: decode(constructs, "ENUMS", patched(base, HDR + 0, raw)))
    prim = case_by_id("color_primitive").data
    expect_status(DecodeError, RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                  lambda: decode(constructs, "COLOR", patched(prim, 8, "00 80")))


def test_range_violation_on_decode(constructs: ModuleType) -> None:
    base = case_by_id("ranged").data
    for raw in ("0b 00 00 00", "00 00 00 00", "ff ff ff ff"):   # r outside 1..10
        expect_status(DecodeError, RPC_S_INVALID_BOUND,
                      lambda: decode(constructs, "RANGED", patched(base, HDR + 0, raw)))
    # n = 5 outside 0..4 (with an otherwise consistent 5-element array)
    data = pickle("""
        05 00 00 00 05 00 00 00   # r, n = 5
        00 00 02 00 05 00 00 00   # id(arr), max_count 5
        01 00 02 00 03 00 04 00 05 00   # arr
        00 00 00 00 00 00
    """)
    expect_status(DecodeError, RPC_S_INVALID_BOUND, lambda: decode(constructs, "RANGED", data))


# ----------------------------------------------------------------- errors: counts, strings

def test_actual_count_above_max_count(constructs: ModuleType) -> None:
    data = pickle("""
        00 00 02 00               # @0  referent id
        05 00 00 00               # @4  hoisted max_count 5
        05 00 00 00 06 00 00 00   # @8  max = 5, len = 6
        00 00 00 00 06 00 00 00   # @16 offset 0, actual 6 > max_count 5
        68 69 61 62 63 64         # @24 six chars
        00 00
    """)
    expect_status(DecodeError, RPC_S_INVALID_BOUND, lambda: decode(constructs, "PCVSTRUCT", data))


def test_varying_actual_above_fixed_size(constructs: ModuleType) -> None:
    base = case_by_id("varying").data
    # v is long[4]: actual 5 > 4
    expect_status(DecodeError, RPC_S_INVALID_BOUND,
                  lambda: decode(constructs, "VARYING", patched(base, HDR + 8, "05 00 00 00")))
    # w is short[6]: offset 4 + actual 3 > 6
    expect_status(DecodeError, RPC_S_INVALID_BOUND,
                  lambda: decode(constructs, "VARYING", patched(base, HDR + 24, "04 00 00 00")))


def test_string_fixed_array_actual_above_size(constructs: ModuleType) -> None:
    base = case_by_id("strings").data
    expect_status(DecodeError, RPC_S_INVALID_BOUND,   # fixed is char[8]: actual 9
                  lambda: decode(constructs, "STRINGS", patched(base, HDR + 12, "09 00 00 00")))


def test_string_without_terminator(constructs: ModuleType) -> None:
    strings = case_by_id("strings").data
    for at, raw in ((HDR + 46, "63"),        # *cs "abc" instead of "ab\0"
                    (HDR + 19, "64"),        # fixed "abcd" instead of "abc\0"
                    (HDR + 64, "21 00"),     # *ws L"Hi!"
                    (HDR + 30, "79 00")):    # wfixed L"xy"
        expect_status(DecodeError, RPC_S_INVALID_BOUND,
                      lambda: decode(constructs, "STRINGS", patched(strings, at, raw)))
    ustr = case_by_id("ustr_c").data
    expect_status(DecodeError, RPC_S_INVALID_BOUND,
                  lambda: decode(constructs, "USTR", patched(ustr, HDR + 20, "21 00")))


def test_string_actual_count_zero(constructs: ModuleType) -> None:
    data = pickle("""
        00 00 02 00               # id
        00 00 00 00 00 00 00 00   # max 0, offset 0
        00 00 00 00               # actual 0: not even a terminator
    """)
    expect_status(DecodeError, RPC_S_INVALID_BOUND, lambda: decode(constructs, "USTR", data))


# ----------------------------------------------------------------- errors: unions, pointers

def test_union_discriminant_without_arm_decode(constructs: ModuleType) -> None:
    data = pickle("03 00 03 00 07 00 00 00   # k = 3, discriminant 3: no case, no default")
    expect_status(DecodeError, RPC_S_INVALID_TAG, lambda: decode(constructs, "NODEF_HOLDER", data))
    data = pickle("03 00 03 00 07 00 00 00 00 00 00 00 00 00 00 00   # SHU/MSU: no case 3")
    expect_status(DecodeError, RPC_S_INVALID_TAG, lambda: decode(constructs, "MSU_HOLDER", data))


def test_union_discriminant_without_arm_encode(constructs: ModuleType) -> None:
    v = constructs.NODEF_HOLDER(k=3, u=union(constructs.NODEF, 3, a=7))
    expect_status(RpcError, RPC_S_INVALID_TAG, lambda: encode(constructs, "NODEF_HOLDER", v))


def test_null_ref_pointer_on_encode(constructs: ModuleType) -> None:
    v = constructs.PTRS(r=None, u=None, pp=None)
    expect_status(RpcError, RPC_X_NULL_REF_POINTER, lambda: encode(constructs, "PTRS", v))


# ----------------------------------------------------------------- errors: correlations on encode

@pytest.mark.parametrize("tname,build,field", [
    ("CORR2", lambda m: m.CORR2(a=2, b=3, data=b"AB"), "data"),
    ("CORR", lambda m: m.CORR(Length=4, MaximumLength=6, Buffer="Hello"), "Buffer"),
    ("GROUPS", lambda m: m.GROUPS(GroupCount=3, GroupIds=[
        m.GROUP_MEMBERSHIP(RelativeId=513, Attributes=7)]), "GroupIds"),
    ("PCONF", lambda m: m.CONF(n=3, data=[1]), "data"),
    ("RANGED", lambda m: m.RANGED(r=1, n=2, arr=[1, 2, 3]), "arr"),
    ("VARYING", lambda m: m.VARYING(len=3, v=[10, 20], first=1, last=3, w=[7, 8, 9],
                                    f2=2, l2=0, b=b""), "v"),
    ("SIZE2", lambda m: m.SIZE2(n=3, pa=[1, 2]), "pa"),
], ids=["size_is_expr", "length_is_div", "size_is_ptr_typedef", "conformant_struct",
        "size_is_ptr", "length_is", "size_is_second_level"])
def test_correlation_mismatch_on_encode(constructs: ModuleType, tname: str,
                                        build: Callable[[ModuleType], Any], field: str) -> None:
    with pytest.raises(RpcError) as info:
        encode(constructs, tname, build(constructs))
    assert field in str(info.value)


# ----------------------------------------------------------------- hooks

def test_unset_hook_is_a_clear_error() -> None:
    from midlpy.compiler.api import load_module
    from tests.constructs.conftest import HERE

    fresh = load_module(str(HERE / "hooks.idl"), acf=str(HERE / "hooks.acf"))
    with pytest.raises(Exception) as info:
        encode(fresh, "XM_HOLDER", fresh.XM_HOLDER(tag=1, p=(2, 3)))
    assert "PACKED_to_xmit" in str(info.value)


# ----------------------------------------------------------------- decoder leniency and strictness

def test_unique_ids_are_not_interpreted(constructs: ModuleType) -> None:
    """Only zero vs non-zero matters for unique ids (ndr-mes.md 1.8): the DCE runtime
    writes 1 for every pointer, Samba numbers in push order."""
    base = case_by_id("example_d").data
    data = patched(patched(base, HDR + 4, "01 00 00 00"), HDR + 8, "ef be ad de")
    assert decode(constructs, "EXAMPLE_D", data) == constructs.EXAMPLE_D(a=1, p=5, s="ab")


def test_embedded_ref_placeholder_is_ignored(constructs: ModuleType) -> None:
    base = case_by_id("ptrs").data
    data = patched(base, HDR + 0, "f1 ae f1 ae")   # Samba's constant 0xAEF1AEF1
    assert decode(constructs, "PTRS", data) == constructs.PTRS(r=1, u=None, pp=3)


def test_full_pointer_ids_match_by_value(constructs: ModuleType) -> None:
    data = pickle("""
        00 00 02 00 00 00 02 00   # @0 a, b: the same (unusual) full id twice
        07 00 00 00 00 00 00 00   # @8 one referent, pad
    """)
    v = decode(constructs, "EXAMPLE_F", data)
    assert v.a == 7 and v.b == 7


def test_enum16_value_without_member_decodes(constructs: ModuleType) -> None:
    data = patched(case_by_id("enums_k").data, HDR + 0, "02 00")   # COLOR has no 2
    assert decode(constructs, "ENUMS", data).e16 == 2


@pytest.mark.parametrize("cid,tname,at,raw", [
    ("pconf_b", "PCONF", 8, "02 00 00 00"),                  # n = 2, hoisted max_count 3
    ("pcvstruct_i", "PCVSTRUCT", 8, "06 00 00 00"),          # max = 6, max_count 5
    ("pcvstruct_i", "PCVSTRUCT", 12, "03 00 00 00"),         # len = 3, actual 2
    ("corr_unicode_string", "CORR", 0, "06 00"),             # Length/2 = 3, actual 2
    ("corr_unicode_string", "CORR", 2, "08 00"),             # MaximumLength/2 = 4, max 3
    ("corr2", "CORR2", 0, "03 00 00 00"),                    # a*b+1 = 10, max_count 7
    ("groups_pac", "GROUPS", 0, "03 00 00 00"),              # GroupCount 3, max_count 2
    ("varying", "VARYING", 0, "03 00 00 00"),                # len 3, actual 2
    ("varying", "VARYING", 20, "00 00"),                     # first 0, offset 1
    ("ranged", "RANGED", 4, "01 00 00 00"),                  # n 1, max_count 2
    ("sstr_sized_string", "SSTR", 0, "04 00 00 00"),         # n 4, max_count 5
], ids=["conformant_struct", "cv_max", "cv_len", "length_div", "size_div", "size_expr",
        "ptr_typedef", "length_is", "first_is", "size_is_ptr", "string_size_is"])
def test_correlation_mismatch_on_decode(constructs: ModuleType, cid: str, tname: str,
                                        at: int, raw: str) -> None:
    """A count on the wire that disagrees with the field it is correlated with is
    RPC_S_INVALID_BOUND (ndr-mes.md 1.17)."""
    data = patched(case_by_id(cid).data, HDR + at, raw)
    expect_status(DecodeError, RPC_S_INVALID_BOUND, lambda: decode(constructs, tname, data))


def test_full_pointer_id_reused_across_types(constructs: ModuleType) -> None:
    """An id first bound to a long, then used for a POINT: bad stub data (ndr-mes.md 1.17)."""
    data = pickle("""
        01 00 00 00 01 00 00 00   # @0 a: id 1, b: id 1 as well
        07 00 00 00 00 00 00 00   # @8 *a = 7, pad
    """)
    expect_status(DecodeError, 1783, lambda: decode(constructs, "FULL_MIXED", data))


@pytest.mark.parametrize("field,bad", [
    ("a", 128), ("a", -129), ("b", 1 << 31), ("c", 1 << 15), ("d", 1 << 63)])
def test_out_of_range_integer_is_rpc_error(constructs: ModuleType, field: str, bad: int) -> None:
    values = {"a": 1, "b": 2, "c": 3, "d": 4, field: bad}
    with pytest.raises(RpcError):
        encode(constructs, "EXAMPLE_A", constructs.EXAMPLE_A(**values))


def test_out_of_range_unsigned_is_rpc_error(constructs: ModuleType) -> None:
    with pytest.raises(RpcError):
        encode(constructs, "UINTS", constructs.UINTS(a=0, b=0, c=-1, e=0, f=0, d=0))
