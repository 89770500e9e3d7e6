"""Correlation arithmetic from the wire (issue 13): ``size_is(a/b)``, ``a%b``, ``a<<b``.

C evaluates these in 32-bit integers; a zero divisor or a shift of 32 or more must be a
located DecodeError/EncodeError (an RPC fault on a server), never ZeroDivisionError or a
multi-megabyte integer. Every pickle below is written out by hand from NDR's layout:
common header, private header (length, filler), then the [unique] pointer's referent id
0x00020000, the hoisted max count, the struct's members, padding to 8.
"""

from __future__ import annotations

import struct
import tracemalloc
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from midlpy.runtime import (DecodeError, EncodeError, MesDecodeBufferHandleCreate,
                            MesDecodeIncrementalHandleCreate, MesEncodeDynBufferHandleCreate,
                            RpcError, rpc)
from midlpy.runtime import cexpr
from midlpy.runtime.errors import RPC_S_INVALID_BOUND
from tests.helpers import ROOT, load_idl

HEAD = bytes.fromhex("01100800cccccccc")
REF = bytes.fromhex("00000200")  # the first referent id Windows writes


def pickle(*words: int, tail: bytes = b"", fmt: str | None = None) -> bytes:
    body = REF + struct.pack(fmt or "<" + "I" * len(words), *words) + tail
    body += bytes(-len(body) % 8)
    return HEAD + struct.pack("<II", len(body), 0) + body


@pytest.fixture(scope="module")
def m() -> ModuleType:
    return load_idl(ROOT / "tests/hostile/arith.idl", ROOT / "tests/hostile/arith.acf")


def decode(m: ModuleType, name: str, blob: bytes, incremental: bool = False) -> object:
    if incremental:
        import io
        h = MesDecodeIncrementalHandleCreate(io.BytesIO(blob), lambda s, n: s.read(n))
    else:
        h = MesDecodeBufferHandleCreate(blob)
    return getattr(m, f"P{name}_Decode")(h)


def encode(m: ModuleType, name: str, value: object) -> bytes:
    h = MesEncodeDynBufferHandleCreate()
    getattr(m, f"P{name}_Encode")(h, value)
    return bytes(h.buffer)


# ------------------------------------------------------------------ the C helpers

@pytest.mark.parametrize("fn, a, b, want", [
    (cexpr.sdiv, 7, 2, 3), (cexpr.sdiv, -7, 2, -3), (cexpr.sdiv, 7, -2, -3),
    (cexpr.sdiv, -7, -2, 3), (cexpr.smod, -7, 2, -1), (cexpr.smod, 7, -2, 1),
    (cexpr.smod, -7, -2, -1), (cexpr.udiv, -1, 2, 0x7FFFFFFF), (cexpr.umod, -1, 16, 15),
    (cexpr.udiv, 10, -1, 0),  # 10 / 0xFFFFFFFF
    (cexpr.ushl, 0x80000001, 1, 2), (cexpr.ushl, 1, 31, 0x80000000),
    (cexpr.sshl, 0x40000000, 1, -0x80000000), (cexpr.sshl, 3, 0, 3),
    (cexpr.ushr, -2, 1, 0x7FFFFFFF), (cexpr.sshr, -8, 1, -4), (cexpr.sshr, 0x7FFFFFFF, 31, 0),
])
def test_helpers_follow_c(fn, a: int, b: int, want: int) -> None:
    assert fn(a, b) == want


@pytest.mark.parametrize("fn, a, b", [
    (cexpr.sdiv, 1, 0), (cexpr.smod, -5, 0), (cexpr.udiv, 9, 0), (cexpr.umod, 0, 0),
    (cexpr.udiv, 9, 1 << 32),  # zero once converted to 32 bits
    (cexpr.ushl, 1, 32), (cexpr.sshl, 1, 0xFFFFFFFF), (cexpr.ushr, 1, -1), (cexpr.sshr, 1, 99),
])
def test_helpers_refuse_what_c_cannot_do(fn, a: int, b: int) -> None:
    with pytest.raises(cexpr.ExprError) as exc:
        fn(a, b)
    assert exc.value.status == RPC_S_INVALID_BOUND


@given(st.integers(-2**31, 2**31 - 1), st.integers(-2**31, 2**31 - 1).filter(bool))
def test_signed_division_truncates_toward_zero(a: int, b: int) -> None:
    q, r = cexpr.sdiv(a, b), cexpr.smod(a, b)
    assert a == b * q + r and abs(r) < abs(b)
    assert r == 0 or (r < 0) == (a < 0)  # C99: the remainder has the dividend's sign


# ------------------------------------------------------------------ decoding

def test_well_formed_quotient_decodes_and_encodes_to_the_same_bytes(m: ModuleType) -> None:
    blob = pickle(3, 7, 2, tail=b"abc")  # max count 3 = 7/2
    assert decode(m, "UDIV", blob) == m.UDIV(7, 2, b"abc")
    assert encode(m, "UDIV", m.UDIV(7, 2, b"abc")) == blob


def test_c_remainder_not_python_remainder(m: ModuleType) -> None:
    """7 % -2 is 1 in C, -1 in Python: one element."""
    blob = pickle(1, 7, 0xFFFFFFFE, tail=b"x")
    assert decode(m, "SMOD", blob) == m.SMOD(7, -2, b"x")
    assert encode(m, "SMOD", m.SMOD(7, -2, b"x")) == blob


@pytest.mark.parametrize("name, words, path", [
    ("UDIV", (0, 7, 0), "UDIV.data"),
    ("SMOD", (0, 0xFFFFFFF9, 0), "SMOD.data"),
    ("USHL", (0, 1, 0xFFFFFFFF), "USHL.data"),
    ("USHL", (0, 1, 32), "USHL.data"),
    ("SSHR", (0, 8, 0x80000000), "SSHR.data"),  # a negative count
])
@pytest.mark.parametrize("incremental", [False, True])
def test_bad_arithmetic_is_a_located_decode_error(m: ModuleType, name: str, words: tuple,
                                                  path: str, incremental: bool) -> None:
    blob = pickle(*words)
    with pytest.raises(DecodeError) as exc:
        decode(m, name, blob, incremental)
    e = exc.value
    assert e.status == RPC_S_INVALID_BOUND and e.path == path
    assert e.offset == 32  # after the 16 header bytes, the id, max count, a and b
    assert "correlation expression" in str(e)


def test_varying_and_switch_and_pointer_correlations(m: ModuleType) -> None:
    vary = pickle(4, 0, 0, 0, 0, fmt="<IHHII")  # n=4, k=0; offset 0, actual 0
    with pytest.raises(DecodeError) as exc:
        decode(m, "VARY", vary)
    assert exc.value.path == "VARY.data" and exc.value.offset is not None
    sw = pickle(5, 0, 1, 7, fmt="<IIII")  # k=5, d=0, discriminant 1, arm x=7
    with pytest.raises(DecodeError) as exc:
        decode(m, "SW", sw)
    assert exc.value.path == "SW.u" and exc.value.status == RPC_S_INVALID_BOUND
    # PTR: a=4, b=0, p -> referent 0x00020004 holding max count 4 and four bytes
    ptr = pickle(4, 0, 0x00020004, 4, tail=b"wxyz")
    with pytest.raises(DecodeError) as exc:
        decode(m, "PTR", ptr)
    assert exc.value.path == "PTR.p" and exc.value.offset is not None


def test_huge_shift_allocates_nothing(m: ModuleType) -> None:
    """40 bytes asking for 1 << 0xFFFFFFFF elements, then for 2**31 (a legal shift):
    the error comes before any allocation of that size."""
    for words in [(0, 1, 0xFFFFFFFF), (0x80000000, 1, 31)]:
        blob = pickle(*words)
        tracemalloc.start()
        try:
            with pytest.raises(DecodeError):
                decode(m, "USHL", blob)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 64 * 1024, peak


def test_plain_division_by_a_constant_stays_inline(m: ModuleType) -> None:
    """The common case (an unsigned field over a positive constant) costs no call."""
    def calls(fn: object) -> set[str]:
        return set(fn.__code__.co_names) & {"udiv", "sdiv", "umod", "smod"}  # type: ignore

    assert calls(m._dec_HALF) == calls(m._enc_HALF) == set()
    assert calls(m._dec_UDIV) == calls(m._enc_UDIV) == {"udiv"}
    assert decode(m, "HALF", pickle(2, 5, tail=b"ab")) == m.HALF(5, b"ab")


# ------------------------------------------------------------------ encoding

@pytest.mark.parametrize("name, value, path", [
    ("UDIV", ("UDIV", 1, 0, b""), "UDIV.data"),
    ("SMOD", ("SMOD", 1, 0, b""), "SMOD.data"),
    ("USHL", ("USHL", 1, 40, b""), "USHL.data"),
    ("SSHR", ("SSHR", 1, -1, b""), "SSHR.data"),
    ("VARY", ("VARY", 2, 0, [1, 2]), "VARY.data"),
    ("SW", ("SW", 1, 0, None), "SW.u"),
    ("PTR", ("PTR", 1, 0, b"a"), "PTR.p"),
])
def test_bad_arithmetic_is_an_encode_error_naming_the_field(m: ModuleType, name: str,
                                                            value: tuple, path: str) -> None:
    cls, *args = value
    if cls == "SW":
        args[2] = m.ARM(1, 7)
    v = getattr(m, cls)(*args)
    for call in (lambda: encode(m, name, v),
                 lambda: getattr(m, f"P{name}_AlignSize")(MesEncodeDynBufferHandleCreate(), v)):
        with pytest.raises(EncodeError) as exc:
            call()
        assert exc.value.status == RPC_S_INVALID_BOUND
        assert exc.value.path == path, str(exc.value)


# ------------------------------------------------------------------ RPC

class _Impl:
    def Sum(self, a: int, b: int, p: bytes, s: int, q: bytes) -> int:
        return sum(p) + sum(q)


def test_server_faults_and_keeps_serving(m: ModuleType) -> None:
    server = m.arithrpcServer(_Impl())
    assoc = server.associate()
    # a=6, b=3, p: max count 2 and two bytes, pad, s=1, q: max count 2 and two bytes
    good = (struct.pack("<III", 6, 3, 2) + b"\x05\x06" + b"\0\0"
            + struct.pack("<iI", 1, 2) + b"\x01\x02")
    assert server.dispatch(assoc, 0, good) == rpc.Reply(0, struct.pack("<i", 14))
    for bad in [struct.pack("<III", 6, 0, 0) + struct.pack("<iI", 1, 2) + b"\x01\x02",
                struct.pack("<III", 6, 3, 2) + b"\x05\x06\0\0" + struct.pack("<iI", 40, 0),
                struct.pack("<III", 6, 3, 2) + b"\x05\x06\0\0" + struct.pack("<iI", -1, 0)]:
        assert server.dispatch(assoc, 0, bad) == rpc.Reply(RPC_S_INVALID_BOUND)
    assert server.dispatch(assoc, 0, good).status == 0


def test_client_refuses_before_sending(m: ModuleType) -> None:
    sent: list[bytes] = []

    class Spy:
        def call(self, opnum: int, request: bytes) -> bytes:
            sent.append(request)
            return struct.pack("<i", 0)

    client = m.arithrpcClient(Spy())
    for args, field in [((1, 0, b"", 0, b"\0"), "p"), ((2, 1, b"ab", 32, b""), "q")]:
        with pytest.raises(EncodeError) as exc:
            client.Sum(*args)
        assert exc.value.path.endswith(field) and exc.value.status == RPC_S_INVALID_BOUND
    assert sent == []
    with pytest.raises(RpcError):
        m.arithrpcClient(rpc.InProcessTransport(m.arithrpcServer(_Impl()))).Sum(1, 0, b"", 0, b"x")
