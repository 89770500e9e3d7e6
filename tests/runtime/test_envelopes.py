"""MES envelopes: the worked examples of ndr-mes.md 2.3 and 3.3, the header of every MES
buffer in tests/data/vectors (Windows, Samba) and the Wine procedure-pickling dumps."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from midlpy.runtime import (
    RPC_S_INVALID_BOUND,
    RPC_S_UNKNOWN_IF,
    RPC_S_UNSUPPORTED_TRANS_SYN,
    RPC_X_BAD_STUB_DATA,
    RPC_X_INVALID_ES_ACTION,
    RPC_X_WRONG_ES_VERSION,
    DecodeError,
    MesDecodeBufferHandleCreate,
    MesEncodeDynBufferHandleCreate,
    MesInqProcEncodingId,
    RpcError,
    mes,
)
from midlpy.runtime.ndr import NdrReader, NdrWriter

from . import handcodecs as hc

H = bytes.fromhex
VECTORS = Path(__file__).resolve().parent.parent / "data" / "vectors"


def raw_body(r: NdrReader) -> bytes:
    return bytes(r.buf)


def write_raw(w: NdrWriter, body: bytes) -> None:
    w.byte_array(body)


# --- 2.3: type pickles -----------------------------------------------------------------------
EX_23_D = H("01100800cccccccc 2000000000000000"
            "0100000000000200040002000500000003000000000000000300000061620000")


def test_type_pickle_of_example_D() -> None:
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_type(h, hc.write_D, hc.D(1, 5, "ab"))
    assert h.buffer == EX_23_D and h.encoded_size == 48
    assert mes.decode_type(MesDecodeBufferHandleCreate(EX_23_D), hc.read_D) == hc.D(1, 5, "ab")


def test_type_pickle_of_primitive_long() -> None:
    ex = H("01100800cccccccc 4433221100000000")
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_type(h, lambda w, v: w.i32(v), 0x11223344, primitive=True)
    assert h.buffer == ex
    d = MesDecodeBufferHandleCreate(ex)
    assert mes.decode_type(d, lambda r: r.i32(), primitive=True) == 0x11223344


def test_two_values_share_one_common_header() -> None:
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_type(h, hc.write_D, hc.D(1, 5, "ab"))
    mes.encode_type(h, hc.write_D, hc.D(1, 5, "ab"))
    assert h.buffer == EX_23_D + EX_23_D[8:]
    d = MesDecodeBufferHandleCreate(h.buffer)
    assert [mes.decode_type(d, hc.read_D) for _ in range(2)] == [hc.D(1, 5, "ab")] * 2


def test_align_size_counts_headers_and_padding() -> None:
    h = MesEncodeDynBufferHandleCreate()
    assert mes.align_size_type(h, hc.write_D, hc.D(1, 5, "ab")) == 48  # 8 + 8 + 32
    assert mes.align_size_type(h, lambda w, v: w.i32(v), 1, primitive=True) == 16
    mes.encode_type(h, hc.write_D, hc.D(1, 5, "ab"))
    assert mes.align_size_type(h, hc.write_D, hc.D(1, 5, "ab")) == 40  # common header done
    assert mes.align_size_type(h, lambda w, v: w.i32(v), 1, primitive=True) == 8
    assert h.encoded_size == 48  # sizing encodes nothing


def test_big_endian_type_stream_decodes() -> None:
    # Endianness byte 0x00: the data (and, as Samba writes it, the length) are big-endian.
    be = H("01000800cccccccc 0000000800000000 11223344 00000000")
    assert mes.decode_type(MesDecodeBufferHandleCreate(be), lambda r: r.i32()) == 0x11223344
    assert mes.unpickle_type(be, lambda r: r.i32()) == 0x11223344


@pytest.mark.parametrize("data,status", [
    (H("02100800cccccccc 0800000000000000 0000000000000000"), RPC_X_WRONG_ES_VERSION),
    (H("01200800cccccccc 0800000000000000 0000000000000000"), RPC_X_BAD_STUB_DATA),
    (H("01101000cccccccc 0800000000000000 0000000000000000"), RPC_X_BAD_STUB_DATA),
    (H("01100800cccccccc 0c00000000000000 0000000000000000"), RPC_X_BAD_STUB_DATA),
    (H("01100800cccccccc 1000000000000000 0000000000000000"), RPC_X_BAD_STUB_DATA),
    (H("01100800cccccccc 08000000"), RPC_X_BAD_STUB_DATA),
    (H("011008"), RPC_X_BAD_STUB_DATA),
])
def test_type_header_validation(data: bytes, status: int) -> None:
    with pytest.raises(DecodeError) as ei:
        mes.decode_type(MesDecodeBufferHandleCreate(data), raw_body)
    assert ei.value.status == status
    with pytest.raises(DecodeError) as ei2:  # the one-shot helper's fast path agrees
        mes.unpickle_type(data, raw_body)
    assert (ei2.value.status, ei2.value.offset) == (status, ei.value.offset)


def test_decode_error_offset_is_relative_to_the_buffer() -> None:
    bad = bytearray(EX_23_D)
    bad[16 + 0x18] = 9  # s's actual count 9 > max 3
    with pytest.raises(DecodeError) as ei:
        mes.decode_type(MesDecodeBufferHandleCreate(bytes(bad)), hc.read_D)
    assert ei.value.status == RPC_S_INVALID_BOUND
    assert ei.value.offset is not None and ei.value.offset >= 16 + 0x18
    assert ei.value.path == "D.s"


def test_recursion_error_becomes_decode_error() -> None:
    levels = 5000
    body = H("01000000 00000200") * levels + H("01000000 00000000")
    data = H("01100800cccccccc") + len(body).to_bytes(4, "little") + bytes(4) + body
    with pytest.raises(DecodeError) as ei:
        mes.decode_type(MesDecodeBufferHandleCreate(data), hc.read_nested_unguarded)
    assert ei.value.status == RPC_X_BAD_STUB_DATA


# --- every MES buffer in the vector set --------------------------------------------------------
def _mes_buffers() -> list:
    out = []
    for js in sorted(VECTORS.glob("*/*.json")):
        meta = json.loads(js.read_text())
        if not isinstance(meta, dict):
            continue
        data = js.with_suffix(".bin").read_bytes() if js.with_suffix(".bin").exists() else None
        if data is None:
            continue
        if "mes_header" in meta:
            out.append(pytest.param(data, meta["mes_header"], id=js.stem))
        for buf in meta.get("Buffers", []):
            if "mes_header" in buf:
                piece = data[buf["Offset"]:buf["Offset"] + buf["cbBufferSize"]]
                out.append(pytest.param(piece, buf["mes_header"],
                                        id=f"{js.stem}@{buf['Offset']}"))
    return out


MES_BUFFERS = _mes_buffers()


def test_every_documented_mes_header_is_checked() -> None:
    documented = sum(js.read_text().count('"mes_header"') for js in VECTORS.glob("*/*.json"))
    assert len(MES_BUFFERS) == documented == 58


@pytest.mark.parametrize("data,header", MES_BUFFERS)
def test_vector_header_decodes_and_reencodes(data: bytes, header: dict) -> None:
    h = MesDecodeBufferHandleCreate(data)
    body = mes.decode_type(h, raw_body)
    assert len(body) == header["ObjectBufferLength"]
    assert 16 + len(body) == header["TotalLength"] == len(data)
    assert f"{int.from_bytes(body[:4], 'little'):08x}" == header["TopLevelReferentId"]
    # The headers our encoder writes for the same body are Windows' bytes.
    assert (header["Version"], header["Endianness"], header["CommonHeaderLength"]) == (1, 16, 8)
    assert (header["Filler"], header["PrivateFiller"]) == ("cccccccc", "00000000")
    e = MesEncodeDynBufferHandleCreate()
    mes.encode_type(e, write_raw, body)
    assert e.buffer == data


def _uncompressed_claims() -> list:
    out = []
    for js in sorted((VECTORS / "real").glob("gokrb5_client_claims_*.json")):
        fixed = json.loads(js.read_text())["CLAIMS_SET_METADATA_fixed_part"]
        if fixed["usCompressionFormat"] == 0:  # XPRESS_HUFF blobs hold no visible header
            out.append(pytest.param(js, id=js.stem))
    return out


@pytest.mark.parametrize("js", _uncompressed_claims())
def test_nested_claims_set_blob_headers(js: Path) -> None:
    meta = json.loads(js.read_text())
    fixed = meta["CLAIMS_SET_METADATA_fixed_part"]
    assert fixed["ClaimsSet_is_itself_MES_v1"]
    data = js.with_suffix(".bin").read_bytes()
    start = meta["inner_mes_header_offset"]
    inner = data[start:start + fixed["ClaimsSet_MaximumCount"]]
    body = mes.decode_type(MesDecodeBufferHandleCreate(inner), raw_body)
    assert 16 + len(body) == len(inner)
    e = MesEncodeDynBufferHandleCreate()
    mes.encode_type(e, write_raw, body)
    assert e.buffer == inner


# --- 3.3 and the Wine procedure pickles ------------------------------------------------------
IF_33 = (uuid.UUID("12345678-1234-abcd-ef00-0123456789ab"), (1, 0))
EX_33 = H("0101cccc 045d888aeb1cc9119fe808002b104860 02000000"
          "78563412 3412 cdab ef000123456789ab 01000000 00000000 01000000 14000000"
          "44332211 02000000 00000000 02000000 41000000")


def _write_33(w: NdrWriter, x: int, s: str) -> None:
    w.i32(x)
    w.string_w(s)  # top-level [ref, string]: no referent id


def test_procedure_pickle_example_3_3() -> None:
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_proc(h, IF_33, 0, _write_33, 0x11223344, "A")
    # Wine's byte count (20, unpadded), then 4 zero bytes of padding to 8.
    assert h.buffer == EX_33 + bytes(4)
    assert h.encoded_size == 80
    assert MesInqProcEncodingId(h) == (IF_33, 0)


def _read_33(r: NdrReader) -> tuple:
    return r.i32(), r.string_w()


def test_procedure_pickle_decodes_padded_and_unpadded() -> None:
    for data in (EX_33, EX_33 + bytes(4)):
        d = MesDecodeBufferHandleCreate(data)
        assert MesInqProcEncodingId(d) == (IF_33, 0)
        assert mes.decode_proc(d, IF_33, 0, _read_33) == (0x11223344, "A")


def _proc_header_variant(offset: int, value: bytes) -> bytes:
    b = bytearray(EX_33)
    b[offset:offset + len(value)] = value
    return bytes(b)


@pytest.mark.parametrize("data,status", [
    (_proc_header_variant(0, b"\x02"), RPC_X_WRONG_ES_VERSION),
    (_proc_header_variant(1, b"\x07"), RPC_X_BAD_STUB_DATA),
    (_proc_header_variant(4, b"\x33\x05\x71\x71"), RPC_S_UNSUPPORTED_TRANS_SYN),
    (_proc_header_variant(20, b"\x01"), RPC_S_UNSUPPORTED_TRANS_SYN),
    (_proc_header_variant(24, b"\x79"), RPC_S_UNKNOWN_IF),
    (_proc_header_variant(40, b"\x02"), RPC_S_UNKNOWN_IF),
    (_proc_header_variant(44, b"\x01"), RPC_X_INVALID_ES_ACTION),
    (_proc_header_variant(49, b"\x01"), RPC_X_BAD_STUB_DATA),  # EBCDIC
    (_proc_header_variant(52, b"\x15"), RPC_X_BAD_STUB_DATA),  # count past the end
    (EX_33[:50], RPC_X_BAD_STUB_DATA),
])
def test_procedure_header_validation(data: bytes, status: int) -> None:
    with pytest.raises(RpcError) as ei:
        mes.decode_proc(MesDecodeBufferHandleCreate(data), IF_33, 0, _read_33)
    assert ei.value.status == status


def test_wrong_procedure_header_stays_pending_for_dispatch() -> None:
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_proc(h, IF_33, 3, lambda w: w.i32(7))
    mes.encode_proc(h, IF_33, 0, _write_33, 1, "B")
    d = MesDecodeBufferHandleCreate(h.buffer)
    with pytest.raises(RpcError) as ei:
        mes.decode_proc(d, IF_33, 0, _read_33)
    assert ei.value.status == RPC_X_INVALID_ES_ACTION
    assert MesInqProcEncodingId(d) == (IF_33, 3)
    assert mes.decode_proc(d, IF_33, 3, lambda r: r.i32()) == 7
    assert MesInqProcEncodingId(d) == (IF_33, 0)
    assert mes.decode_proc(d, IF_33, 0, _read_33) == (1, "B")


def _find(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    assert m is not None, pattern
    return m.group(1)


def _wine(name: str) -> tuple[int, bytes, bytes]:
    """(procnum, the 56-byte header, the body) as dumped by Wine."""
    text = (VECTORS / "wine-proc" / f"proc.{name}.txt").read_text()
    procnum = int(_find(r"procnum (\d+)", text))
    dump = text.split("buffer[0 .. 56+bodycount)")[1].split("next 8 bytes")[0]
    data = bytes.fromhex("".join(m for m in re.findall(r"^\s+[0-9a-f]{4}: ([0-9a-f ]+)$", dump,
                                                           re.M)))
    count = int(_find(r"\[0x34\] ([0-9a-f]{8})\s+body byte count", text), 16)
    assert len(data) == 56 + count
    return procnum, data[:56], data[56:]


WINE_IF = (uuid.UUID("5f0e5d2a-8c1b-4b7e-9a43-1d2c3b4a5968"), (1, 2))
WINE_CASES = sorted(p.stem.split(".", 1)[1] for p in (VECTORS / "wine-proc").glob("proc.*.txt"))


@pytest.mark.parametrize("name", WINE_CASES)
def test_wine_procedure_header_rebuilt(name: str) -> None:
    procnum, header, body = _wine(name)
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_proc(h, WINE_IF, procnum, write_raw, body)
    out = h.buffer
    assert out[:56] == header
    assert out[56:56 + len(body)] == body
    assert out[56 + len(body):] == bytes(-len(body) % 8)
    assert h.encoded_size == len(out) == 56 + len(body) + (-len(body) % 8)
    d = MesDecodeBufferHandleCreate(header + body)  # Wine's exact, unpadded buffer
    assert MesInqProcEncodingId(d) == (WINE_IF, procnum)
    assert mes.decode_proc(d, WINE_IF, procnum, raw_body) == body


def test_wine_long_body_with_hand_codec() -> None:
    procnum, header, body = _wine("Long")
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_proc(h, WINE_IF, procnum, lambda w, v: w.i32(v), 0x11223344)
    assert h.buffer[:60] == header + body
    d = MesDecodeBufferHandleCreate(header + body)
    assert mes.decode_proc(d, WINE_IF, procnum, lambda r: r.i32()) == 0x11223344


def test_wine_encapsulated_union_body_with_hand_codec() -> None:
    # union switch (long kind) { case 1: short s; case 2: double d; case 3: long *p; }
    # Wine aligns the selected arm to its own size: kind=1, s=0x1234.
    def write_eu(w: NdrWriter, kind: int, arm: int) -> None:
        w.i32(kind)
        w.i16(arm)

    def read_eu(r: NdrReader) -> tuple:
        kind = r.i32()
        if kind != 1:
            raise r.error(1733, f"unexpected arm {kind}")
        return kind, r.i16()

    procnum, header, body = _wine("EU_1")
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_proc(h, WINE_IF, procnum, write_eu, 1, 0x1234)
    assert h.buffer == header + body + bytes(2)
    d = MesDecodeBufferHandleCreate(header + body)
    assert mes.decode_proc(d, WINE_IF, procnum, read_eu) == (1, 0x1234)


def test_one_shot_helpers() -> None:
    assert mes.pickle_type(hc.write_D, hc.D(1, 5, "ab")) == EX_23_D
    assert mes.unpickle_type(EX_23_D, hc.read_D) == hc.D(1, 5, "ab")
    bad = bytearray(EX_23_D)
    bad[16 + 0x18] = 9
    with pytest.raises(DecodeError) as ei:
        mes.unpickle_type(bytes(bad), hc.read_D)
    assert ei.value.offset is not None and ei.value.offset >= 16 + 0x18
    assert mes.pickle_type(lambda w, v: w.i32(v), 0x11223344, primitive=True) == \
        H("01100800cccccccc 4433221100000000")
