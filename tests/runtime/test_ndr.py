"""NDR20 primitives against the hand-derived examples of ndr-mes.md 1.16 (A-L) and the
consistency checks of 1.17. Expected bytes are copied from the reference, not produced by
the runtime."""

from __future__ import annotations

import struct
import tracemalloc
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midlpy.runtime.errors import (
    RPC_S_INVALID_ARG,
    RPC_S_INVALID_BOUND,
    RPC_X_BAD_STUB_DATA,
    RPC_X_ENUM_VALUE_OUT_OF_RANGE,
    DecodeError,
    EncodeError,
)
from midlpy.runtime.ndr import DEFAULT_MAX_DEPTH, ContextHandle, Fixed, NdrReader, NdrWriter

from . import handcodecs as hc

H = bytes.fromhex


def encoded(fn, *args) -> bytes:
    w = NdrWriter()
    fn(w, *args)
    return bytes(w.buf)


# --- worked examples -----------------------------------------------------------------------
EX_A = H("01000000 02000000 0300 000000000000 0400000000000000")


def test_example_A_struct_alignment() -> None:
    assert encoded(hc.write_A, hc.A(1, 2, 3, 4)) == EX_A
    assert hc.read_A(NdrReader(EX_A)) == hc.A(1, 2, 3, 4)


def test_example_A_big_endian_data_decodes() -> None:
    # Same layout with every integer byte-swapped (1.15).
    be = H("01000000 00000002 0003 000000000000 0000000000000004")
    assert hc.read_A(NdrReader(be, big_endian=True)) == hc.A(1, 2, 3, 4)


EX_B = H("03000000 03000000 010002000300")


def test_example_B_conformant_struct_hoists_max_count() -> None:
    assert encoded(hc.write_B, hc.B(3, [1, 2, 3])) == EX_B
    assert hc.read_B(NdrReader(EX_B)) == hc.B(3, [1, 2, 3])


def test_example_B_count_disagreeing_with_field_is_invalid_bound() -> None:
    bad = H("03000000 02000000 010002000300")
    with pytest.raises(DecodeError) as ei:
        hc.read_B(NdrReader(bad))
    assert ei.value.status == RPC_S_INVALID_BOUND


EX_C = H("00000200 03000000 00000000 03000000 480069000000")


def test_example_C_unique_wide_string() -> None:
    assert encoded(hc.write_C, "Hi") == EX_C
    assert hc.read_C(NdrReader(EX_C)) == "Hi"
    assert encoded(hc.write_C, None) == H("00000000")


EX_D = H("01000000 00000200 04000200 05000000 03000000 00000000 03000000 616200")


def test_example_D_deferred_pointees() -> None:
    assert encoded(hc.write_D, hc.D(1, 5, "ab")) == EX_D
    assert hc.read_D(NdrReader(EX_D)) == hc.D(1, 5, "ab")


def test_example_G_fixed_array_in_struct() -> None:
    ex = H("010002000300 0000 09000000")
    assert encoded(hc.write_G, [1, 2, 3], 9) == ex
    assert hc.read_G(NdrReader(ex)) == ([1, 2, 3], 9)


def test_example_H_varying_array() -> None:
    ex = H("02000000 00000000 02000000 0a000000 14000000")
    assert encoded(hc.write_H, 2, [10, 20, 30, 40]) == ex
    assert hc.read_H(NdrReader(ex)) == (2, [10, 20])


def test_example_H_offset_plus_actual_beyond_bound() -> None:
    bad = H("02000000 03000000 02000000 0a000000 14000000")
    with pytest.raises(DecodeError) as ei:
        hc.read_H(NdrReader(bad))
    assert ei.value.status == RPC_S_INVALID_BOUND


def test_example_I_conformant_varying_struct() -> None:
    ex = H("05000000 05000000 02000000 00000000 02000000 6869")
    assert encoded(hc.write_I, 5, b"hi") == ex
    assert hc.read_I(NdrReader(ex)) == (5, b"hi")


def test_example_I_actual_beyond_max_is_invalid_bound() -> None:
    bad = H("01000000 01000000 02000000 00000000 02000000 6869")
    with pytest.raises(DecodeError) as ei:
        hc.read_I(NdrReader(bad))
    assert ei.value.status == RPC_S_INVALID_BOUND


def test_example_J_two_dimensional_conformant() -> None:
    ex = H("02000000 010002000300040005000600")
    assert encoded(hc.write_J, [[1, 2, 3], [4, 5, 6]]) == ex
    assert hc.read_J(NdrReader(ex)) == [[1, 2, 3], [4, 5, 6]]


def test_example_K_enum16_then_v1_enum() -> None:
    w = NdrWriter()
    w.enum16(3)
    w.enum32(3)
    assert bytes(w.buf) == H("0300 0000 03000000")
    r = NdrReader(bytes(w.buf))
    assert (r.enum16(), r.enum32()) == (3, 3)


def test_example_L_union_arm_aligned() -> None:
    ex = H("02000000 00000000 0807060504030201")
    assert encoded(hc.write_L, 2, 0x0102030405060708) == ex
    assert hc.read_L(NdrReader(ex)) == (2, 0x0102030405060708)
    with pytest.raises(DecodeError) as ei:
        hc.read_L(NdrReader(H("09000000 00000000")))
    assert ei.value.status == 1733  # RPC_S_INVALID_TAG


def test_context_handle_example_1_12() -> None:
    ex = H("00000000 ddccbbaa 2211 4433 5566778899aabbcc")
    ch = ContextHandle(0, uuid.UUID("aabbccdd-1122-3344-5566-778899aabbcc"))
    w = NdrWriter()
    w.context_handle(ch)
    assert bytes(w.buf) == ex
    assert NdrReader(ex).context_handle() == ch
    w = NdrWriter()
    w.context_handle(None)
    assert bytes(w.buf) == bytes(20) and NdrReader(bytes(20)).context_handle().is_null


# --- primitives ------------------------------------------------------------------------------
PRIMS = [  # (method, value, little-endian bytes at offset 0 with the alignment shown)
    ("u8", 0xFE, "fe"), ("i8", -2, "fe"), ("u16", 0xBEEF, "efbe"), ("i16", -2, "feff"),
    ("u32", 0xDEADBEEF, "efbeadde"), ("i32", -2, "feffffff"),
    ("u64", 0x0102030405060708, "0807060504030201"), ("i64", -2, "feffffffffffffff"),
    ("f32", 1.0, "0000803f"), ("f64", -2.0, "00000000000000c0"), ("boolean", True, "01"),
]


@pytest.mark.parametrize("method,value,hexbytes", PRIMS)
def test_primitive_after_one_byte_is_aligned(method: str, value, hexbytes: str) -> None:
    size = len(hexbytes) // 2
    pad = (-1) % size
    w = NdrWriter()
    w.u8(0xAA)
    getattr(w, method)(value)
    assert bytes(w.buf) == b"\xaa" + bytes(pad) + H(hexbytes)
    r = NdrReader(bytes(w.buf))
    r.u8()
    assert getattr(r, method)() == value
    be = b"\xaa" + b"\x77" * pad + H(hexbytes)[::-1]  # padding content is ignored
    r = NdrReader(be, big_endian=True)
    r.u8()
    assert getattr(r, method)() == value


def test_boolean_nonzero_is_true() -> None:
    assert NdrReader(b"\x07").boolean() is True


@pytest.mark.parametrize("method,value", [
    ("u8", 256), ("i8", 128), ("u16", -1), ("u32", 2**32), ("i64", 2**63), ("u32", "x"),
    ("f32", "1.0"),
])
def test_out_of_range_values_are_encode_errors(method: str, value) -> None:
    with pytest.raises(EncodeError) as ei:
        getattr(NdrWriter(), method)(value)
    assert ei.value.status == RPC_S_INVALID_ARG


def test_enum16_range_both_ways() -> None:
    with pytest.raises(EncodeError) as ei:
        NdrWriter().enum16(32768)
    assert ei.value.status == RPC_X_ENUM_VALUE_OUT_OF_RANGE
    with pytest.raises(DecodeError) as ei2:
        NdrReader(H("0080")).enum16()
    assert ei2.value.status == RPC_X_ENUM_VALUE_OUT_OF_RANGE
    assert NdrReader(H("ff7f")).enum16() == 32767


def test_fixed_run_alignment_and_byte_order() -> None:
    g = Fixed("h6xq")  # short, padding to 8 inside the run, hyper
    assert g.align == 8 and g.size == 16
    w = NdrWriter()
    w.u8(1)
    w.fixed(g, -1, 5)
    assert bytes(w.buf) == H("01 00000000000000 ffff 000000000000 0500000000000000")
    r = NdrReader(bytes(w.buf))
    r.u8()
    assert r.fixed(g) == (-1, 5)
    with pytest.raises(EncodeError):
        NdrWriter().fixed(g, 1 << 20, 0)


@pytest.mark.parametrize("code,values,hexbytes", [
    ("B", [1, 255], "01ff"), ("b", [-1, 1], "ff01"), ("H", [1, 0xABCD], "0100cdab"),
    ("h", [-1], "ffff"), ("I", [1, 2], "0100000002000000"), ("i", [-2], "feffffff"),
    ("Q", [1], "0100000000000000"), ("q", [-1], "ffffffffffffffff"),
    ("f", [0.5], "0000003f"), ("d", [0.5], "000000000000e03f"),
])
def test_prim_array_bulk(code: str, values: list, hexbytes: str) -> None:
    w = NdrWriter()
    w.prim_array(code, values)
    assert bytes(w.buf) == H(hexbytes)
    assert NdrReader(H(hexbytes)).prim_array(code, len(values)) == values
    size = struct.calcsize(code)
    swapped = b"".join(H(hexbytes)[i:i + size][::-1] for i in range(0, len(H(hexbytes)), size))
    assert NdrReader(swapped, big_endian=True).prim_array(code, len(values)) == values


def test_prim_array_aligns_to_item() -> None:
    w = NdrWriter()
    w.u8(9)
    w.prim_array("I", [7])
    assert bytes(w.buf) == H("09000000 07000000")
    with pytest.raises(EncodeError):
        NdrWriter().prim_array("H", [1, 70000])


def test_strings_count_terminator_and_roundtrip() -> None:
    w = NdrWriter()
    w.string_c("abc")
    assert bytes(w.buf) == H("04000000 00000000 04000000 61626300")
    assert NdrReader(bytes(w.buf)).string_c() == "abc"
    w = NdrWriter()
    w.varying_string_w("Hi\u00e9", 10)
    assert bytes(w.buf) == H("00000000 04000000 48006900e9000000")
    assert NdrReader(bytes(w.buf)).varying_string_w(10) == "Hi\u00e9"
    with pytest.raises(EncodeError) as ei:
        NdrWriter().varying_string_c("abcd", 4)
    assert ei.value.status == RPC_S_INVALID_BOUND


def test_wide_strings_keep_lone_surrogates_and_pairs() -> None:
    text = "a\ud800b\U0001f511"
    w = NdrWriter()
    w.string_w(text)
    assert bytes(w.buf)[:12] == H("06000000 00000000 06000000")  # 5 units + NUL
    assert NdrReader(bytes(w.buf)).string_w() == text
    assert NdrReader(H("00d8 3dd8")).wchars(2) == "\ud800\ud83d"  # any units decode


def test_big_endian_wide_string() -> None:
    be = H("00000003 00000000 00000003 004800690000")
    assert NdrReader(be, big_endian=True).string_w() == "Hi"


@pytest.mark.parametrize("data,why", [
    (H("03000000 00000000 00000000"), "actual 0"),
    (H("02000000 00000000 03000000 61626300"), "actual > max"),
    (H("04000000 02000000 03000000 61620000"), "offset + actual > max"),
    (H("03000000 00000000 03000000 616263"), "no terminator"),
])
def test_string_consistency_checks(data: bytes, why: str) -> None:
    with pytest.raises(DecodeError) as ei:
        NdrReader(data).string_c()
    assert ei.value.status == RPC_S_INVALID_BOUND, why


def test_guid_both_byte_orders() -> None:
    u = uuid.UUID("12345678-1234-abcd-ef00-0123456789ab")
    w = NdrWriter()
    w.u8(1)
    w.guid(u)
    assert bytes(w.buf) == b"\x01\0\0\0" + H("78563412 3412 cdab ef000123456789ab")
    r = NdrReader(bytes(w.buf))
    r.u8()
    assert r.guid() == u
    assert NdrReader(H("12345678 1234 abcd ef000123456789ab"), big_endian=True).guid() == u


# --- hostile input --------------------------------------------------------------------------
def test_huge_count_fails_fast_without_allocating() -> None:
    data = H("ffffffff") + bytes(20)  # 24 bytes claiming 2**32 - 1 elements
    tracemalloc.start()
    try:
        for call in (lambda r: r.prim_array("I", r.conformance()),
                     lambda r: r.byte_array(r.conformance()),
                     lambda r: r.wchars(r.conformance()),
                     lambda r: r.check_count(r.conformance(), 1)):
            with pytest.raises(DecodeError) as ei:
                call(NdrReader(data))
            assert ei.value.status == RPC_X_BAD_STUB_DATA
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000


def test_string_claiming_huge_count() -> None:
    with pytest.raises(DecodeError) as ei:
        NdrReader(H("ffffffff 00000000 ffffffff 4100")).string_w()
    assert ei.value.status == RPC_X_BAD_STUB_DATA


def test_every_truncation_of_example_D_is_a_decode_error() -> None:
    for cut in range(len(EX_D)):
        with pytest.raises(DecodeError) as ei:
            hc.read_D(NdrReader(EX_D[:cut]))
        assert ei.value.status in (RPC_X_BAD_STUB_DATA, RPC_S_INVALID_BOUND)
        assert ei.value.path.startswith("D")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    for reader in (hc.read_D, hc.read_EA, hc.read_B, hc.read_I, hc.read_L, hc.read_J):
        try:
            reader(NdrReader(data))
        except DecodeError:
            pass


def test_depth_limit_turns_nesting_into_decode_error() -> None:
    levels = 5 * DEFAULT_MAX_DEPTH
    data = H("01000000 00000200") * levels + H("01000000 00000000")
    with pytest.raises(DecodeError) as ei:
        hc.read_nested(NdrReader(data))
    assert ei.value.status == RPC_X_BAD_STUB_DATA
    assert f"deeper than {DEFAULT_MAX_DEPTH}" in str(ei.value)
    shallow = H("01000000 00000200") * 10 + H("01000000 00000000")
    assert hc.read_nested(NdrReader(shallow)) == 11


def test_error_offset_points_at_the_failing_field() -> None:
    r = NdrReader(H("01000000 0200"))
    r.u32()
    with pytest.raises(DecodeError) as ei:
        r.u32()
    assert ei.value.offset == 4


def test_negative_counts_are_invalid_bound() -> None:
    for call in (lambda r: r.prim_array("I", -1), lambda r: r.byte_array(-3),
                 lambda r: r.check_count(-1, 4)):
        r = NdrReader(bytes(16))
        r.pos = 8
        with pytest.raises(DecodeError) as ei:
            call(r)
        assert ei.value.status == RPC_S_INVALID_BOUND and r.pos == 8


def test_exact_bytes_for_fixed_byte_arrays() -> None:
    from midlpy.runtime.ndr import exact_bytes

    assert exact_bytes(bytearray(b"abcd"), 4) == b"abcd"
    for bad, status in ((b"abc", RPC_S_INVALID_BOUND), (b"abcde", RPC_S_INVALID_BOUND),
                        (4, RPC_S_INVALID_ARG), ("abcd", RPC_S_INVALID_ARG)):
        with pytest.raises(EncodeError) as ei:
            exact_bytes(bad, 4)
        assert ei.value.status == status


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 0xFFFF), max_size=40))
def test_any_utf16_code_units_round_trip(units: list) -> None:
    raw = b"".join(u.to_bytes(2, "little") for u in units) + b"\0\0"
    n = len(units) + 1
    data = n.to_bytes(4, "little") + bytes(4) + n.to_bytes(4, "little") + raw
    text = NdrReader(data).string_w()
    w = NdrWriter()
    w.string_w(text)
    assert bytes(w.buf) == data  # every code-unit sequence survives decode then encode


@settings(max_examples=200, deadline=None)
@given(st.sampled_from("BbHhIiQqd"), st.data(), st.integers(0, 7))
def test_prim_arrays_round_trip_at_any_offset(code: str, data: st.DataObject, lead: int) -> None:
    size = struct.calcsize(code)
    if code == "d":
        values = data.draw(st.lists(st.floats(allow_nan=False), max_size=20))
    else:
        bits = size * 8
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if code.islower() else (0, (1 << bits) - 1)
        values = data.draw(st.lists(st.integers(lo, hi), max_size=20))
    w = NdrWriter()
    w.byte_array(bytes(lead))
    w.prim_array(code, values)
    assert len(w.buf) == -(-lead // size) * size + size * len(values)
    r = NdrReader(bytes(w.buf))
    r.byte_array(lead)
    assert r.prim_array(code, len(values)) == values
