"""The Mes* handle API: every function's success and failure paths, incremental callback
sequences, and streaming many records through a file."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from midlpy.runtime import (
    MES_DECODE,
    MES_DYNAMIC_BUFFER_HANDLE,
    MES_ENCODE,
    MES_ENCODE_NDR64,
    MES_FIXED_BUFFER_HANDLE,
    MES_INCREMENTAL_HANDLE,
    RPC_S_BUFFER_TOO_SMALL,
    RPC_S_INVALID_ARG,
    RPC_S_OUT_OF_MEMORY,
    RPC_S_UNSUPPORTED_TRANS_SYN,
    RPC_X_BAD_STUB_DATA,
    RPC_X_ENUM_VALUE_OUT_OF_RANGE,
    RPC_X_INVALID_ES_ACTION,
    DecodeError,
    EncodeError,
    MesBufferHandleReset,
    MesDecodeBufferHandleCreate,
    MesDecodeIncrementalHandleCreate,
    MesEncodeDynBufferHandleCreate,
    MesEncodeFixedBufferHandleCreate,
    MesEncodeIncrementalHandleCreate,
    MesHandleFree,
    MesIncrementalHandleReset,
    MesInqProcEncodingId,
    RpcError,
    mes,
)
from midlpy.runtime.ndr import NdrReader, NdrWriter

from . import handcodecs as hc

H = bytes.fromhex
D1 = hc.D(1, 5, "ab")
D1_PICKLE = H("01100800cccccccc 2000000000000000"
              "0100000000000200040002000500000003000000000000000300000061620000")
IFACE = (uuid.UUID("12345678-1234-abcd-ef00-0123456789ab"), (1, 0))


def write_long(w: NdrWriter, v: int) -> None:
    w.i32(v)


def read_long(r: NdrReader) -> int:
    return r.i32()


def status_of(fn, *args) -> int:
    with pytest.raises(RpcError) as ei:
        fn(*args)
    return ei.value.status


class Recorder:
    """Incremental callbacks that log (name, size) and keep the stream in memory."""

    def __init__(self, data: bytes = b"", alloc_extra: int = 0, alloc_short: int = 0) -> None:
        self.calls: list[tuple[str, int]] = []
        self.out = bytearray()
        self.data = data
        self.pos = 0
        self.alloc_extra = alloc_extra
        self.alloc_short = alloc_short

    def alloc(self, state: "Recorder", size: int) -> bytearray:
        assert state is self
        self.calls.append(("alloc", size))
        return bytearray(size + self.alloc_extra - self.alloc_short)

    def write(self, state: "Recorder", data) -> None:
        self.calls.append(("write", len(data)))
        self.out += data

    def read(self, state: "Recorder", size: int) -> bytes:
        self.calls.append(("read", size))
        chunk = self.data[self.pos:self.pos + size]
        self.pos += len(chunk)
        return chunk


# --- fixed buffers -------------------------------------------------------------------------
def test_fixed_buffer_encodes_cumulatively() -> None:
    buf = bytearray(b"\xcd" * 96)
    h = MesEncodeFixedBufferHandleCreate(buf)
    mes.encode_type(h, hc.write_D, D1)
    assert h.encoded_size == 48 and bytes(buf[:48]) == D1_PICKLE
    mes.encode_type(h, write_long, 0x11223344, primitive=True)
    assert h.encoded_size == 56 and bytes(buf[48:56]) == H("4433221100000000")
    assert h.buffer is buf
    view = memoryview(buf)[8:]
    assert MesEncodeFixedBufferHandleCreate(view).buffer is view


def test_fixed_buffer_too_small_writes_nothing() -> None:
    buf = bytearray(b"\xcd" * 40)
    h = MesEncodeFixedBufferHandleCreate(memoryview(buf))
    assert status_of(mes.encode_type, h, hc.write_D, D1) == RPC_S_BUFFER_TOO_SMALL
    assert h.encoded_size == 0 and buf == b"\xcd" * 40
    # The failed call did not count as writing the common header.
    mes.encode_type(h, write_long, 0x11223344, primitive=True)
    assert bytes(buf[:16]) == H("01100800cccccccc 4433221100000000") and h.encoded_size == 16
    assert status_of(mes.encode_proc, h, IFACE, 0, write_long, 1) == RPC_S_BUFFER_TOO_SMALL
    assert h.encoded_size == 16


@pytest.mark.parametrize("bad", [b"read-only", None, 42, "text"])
def test_fixed_buffer_needs_writable_buffer(bad) -> None:
    assert status_of(MesEncodeFixedBufferHandleCreate, bad) == RPC_S_INVALID_ARG


def test_value_that_fails_to_encode_leaves_handle_unchanged() -> None:
    h = MesEncodeDynBufferHandleCreate()
    with pytest.raises(EncodeError) as ei:
        mes.encode_type(h, lambda w, v: w.enum16(v), 40000, primitive=True)
    assert ei.value.status == RPC_X_ENUM_VALUE_OUT_OF_RANGE
    with pytest.raises(EncodeError) as ei2:
        mes.encode_type(h, hc.write_D, "not a D")  # AttributeError inside the codec
    assert ei2.value.status == RPC_S_INVALID_ARG and "cannot encode" in str(ei2.value)
    assert h.encoded_size == 0 and h.buffer == b""
    mes.encode_type(h, hc.write_D, D1)
    assert h.buffer == D1_PICKLE


# --- dynamic buffers ------------------------------------------------------------------------
def test_dynamic_buffer_collects_every_encoding() -> None:
    h = MesEncodeDynBufferHandleCreate()
    assert h.buffer == b"" and h.encoded_size == 0
    mes.encode_type(h, hc.write_D, D1)
    mes.encode_proc(h, IFACE, 2, write_long, 7)
    assert h.encoded_size == len(h.buffer) == 48 + 64
    assert isinstance(h.buffer, bytes) and h.buffer[:48] == D1_PICKLE


# --- decode buffers -------------------------------------------------------------------------
def test_decode_buffer_reads_successive_records_then_fails_cleanly() -> None:
    d = MesDecodeBufferHandleCreate(memoryview(D1_PICKLE + D1_PICKLE[8:]))
    assert mes.decode_type(d, hc.read_D) == D1
    assert mes.decode_type(d, hc.read_D) == D1
    with pytest.raises(DecodeError) as ei:
        mes.decode_type(d, hc.read_D)
    assert ei.value.status == RPC_X_BAD_STUB_DATA and ei.value.offset == 88


@pytest.mark.parametrize("bad", [None, 42, "text"])
def test_decode_buffer_needs_bytes(bad) -> None:
    assert status_of(MesDecodeBufferHandleCreate, bad) == RPC_S_INVALID_ARG


def test_body_reader_cannot_run_into_the_next_record() -> None:
    # A record whose ObjectBufferLength (8) is too short for the value is followed by a
    # valid record: the decoder must fail, not borrow the next record's bytes.
    short = H("01100800cccccccc 0800000000000000 0100000000000200")
    d = MesDecodeBufferHandleCreate(short + D1_PICKLE[8:])
    with pytest.raises(DecodeError):
        mes.decode_type(d, hc.read_D)
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_proc(h, IFACE, 0, write_long, 1)   # count 4
    mes.encode_proc(h, IFACE, 0, write_long, 2)
    d = MesDecodeBufferHandleCreate(h.buffer)
    with pytest.raises(DecodeError):
        mes.decode_proc(d, IFACE, 0, lambda r: (r.i32(), r.i32()))


# --- operations and styles -----------------------------------------------------------------
def test_wrong_operation_for_the_handle() -> None:
    enc = MesEncodeDynBufferHandleCreate()
    dec = MesDecodeBufferHandleCreate(D1_PICKLE)
    assert status_of(mes.decode_type, enc, hc.read_D) == RPC_X_INVALID_ES_ACTION
    assert status_of(mes.decode_proc, enc, IFACE, 0, read_long) == RPC_X_INVALID_ES_ACTION
    assert status_of(mes.encode_type, dec, hc.write_D, D1) == RPC_X_INVALID_ES_ACTION
    assert status_of(mes.encode_proc, dec, IFACE, 0, write_long, 1) == RPC_X_INVALID_ES_ACTION
    assert status_of(mes.align_size_type, dec, hc.write_D, D1) == RPC_X_INVALID_ES_ACTION


def test_not_a_handle() -> None:
    for fn, args in ((mes.encode_type, (hc.write_D, D1)), (mes.decode_type, (hc.read_D,)),
                     (MesHandleFree, ()), (MesInqProcEncodingId, ()), (mes.free_type, (D1,))):
        assert status_of(fn, object(), *args) == RPC_S_INVALID_ARG


def test_ndr64_operation_is_refused_at_encode() -> None:
    h = MesEncodeDynBufferHandleCreate()
    MesBufferHandleReset(h, MES_DYNAMIC_BUFFER_HANDLE, MES_ENCODE_NDR64)
    assert status_of(mes.encode_type, h, hc.write_D, D1) == RPC_S_UNSUPPORTED_TRANS_SYN


# --- reset ---------------------------------------------------------------------------------
def test_buffer_handle_reset_switches_style_and_operation() -> None:
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_type(h, hc.write_D, D1)
    produced = h.buffer
    buf = bytearray(48)
    MesBufferHandleReset(h, MES_FIXED_BUFFER_HANDLE, MES_ENCODE, buf)
    assert h.encoded_size == 0
    mes.encode_type(h, hc.write_D, D1)  # the common header is due again after a reset
    assert bytes(buf) == produced == D1_PICKLE
    MesBufferHandleReset(h, MES_FIXED_BUFFER_HANDLE, MES_DECODE, produced)
    assert mes.decode_type(h, hc.read_D) == D1
    MesBufferHandleReset(h, MES_DYNAMIC_BUFFER_HANDLE, MES_ENCODE)
    assert h.buffer == b""


@pytest.mark.parametrize("style,op,buf", [
    (MES_INCREMENTAL_HANDLE, MES_ENCODE, bytearray(8)),
    (MES_DYNAMIC_BUFFER_HANDLE, MES_DECODE, None),
    (MES_FIXED_BUFFER_HANDLE, MES_ENCODE, None),
    (MES_FIXED_BUFFER_HANDLE, MES_ENCODE, b"read-only"),
    (MES_FIXED_BUFFER_HANDLE, 7, bytearray(8)),
    (9, MES_ENCODE, bytearray(8)),
])
def test_buffer_handle_reset_rejects_bad_arguments(style, op, buf) -> None:
    h = MesEncodeDynBufferHandleCreate()
    assert status_of(MesBufferHandleReset, h, style, op, buf) == RPC_S_INVALID_ARG


def test_incremental_reset_turns_encoder_into_decoder_keeping_state() -> None:
    rec = Recorder()
    h = MesEncodeIncrementalHandleCreate(rec, rec.alloc, rec.write)
    mes.encode_type(h, hc.write_D, D1)
    mes.encode_type(h, write_long, 9, primitive=True)
    rec.data = bytes(rec.out)
    MesIncrementalHandleReset(h, read=rec.read, operation=MES_DECODE)  # state kept
    assert mes.decode_type(h, hc.read_D) == D1
    assert mes.decode_type(h, read_long, primitive=True) == 9
    MesIncrementalHandleReset(h, operation=MES_ENCODE)  # alloc/write kept
    mes.encode_type(h, write_long, 3, primitive=True)
    assert rec.out.endswith(H("01100800cccccccc 0300000000000000"))


def test_incremental_reset_failures() -> None:
    h = MesEncodeDynBufferHandleCreate()
    assert status_of(MesIncrementalHandleReset, h, None, None, None, None,
                     MES_DECODE) == RPC_S_INVALID_ARG  # no read callback known
    assert status_of(MesIncrementalHandleReset, h, None, None, None, None,
                     MES_ENCODE) == RPC_S_INVALID_ARG  # no alloc/write known
    assert status_of(MesIncrementalHandleReset, h, None, 5, print, None,
                     MES_ENCODE) == RPC_S_INVALID_ARG  # not callable
    assert status_of(MesIncrementalHandleReset, h, None, None, None, print,
                     11) == RPC_S_INVALID_ARG


@pytest.mark.parametrize("args", [(None, 1, print), (None, print, None)])
def test_incremental_create_needs_callables(args) -> None:
    assert status_of(MesEncodeIncrementalHandleCreate, *args) == RPC_S_INVALID_ARG
    assert status_of(MesDecodeIncrementalHandleCreate, None, "read") == RPC_S_INVALID_ARG


# --- free ----------------------------------------------------------------------------------
def test_handle_free_then_any_use_fails() -> None:
    h = MesEncodeDynBufferHandleCreate()
    mes.free_type(h, D1)
    MesHandleFree(h)
    assert status_of(mes.encode_type, h, hc.write_D, D1) == RPC_S_INVALID_ARG
    assert status_of(mes.free_type, h, D1) == RPC_S_INVALID_ARG
    assert status_of(MesBufferHandleReset, h, MES_DYNAMIC_BUFFER_HANDLE, MES_ENCODE) == \
        RPC_S_INVALID_ARG
    assert status_of(MesHandleFree, h) == RPC_S_INVALID_ARG


# --- MesInqProcEncodingId ------------------------------------------------------------------
def test_inq_proc_encoding_id() -> None:
    h = MesEncodeDynBufferHandleCreate()
    assert status_of(MesInqProcEncodingId, h) == RPC_X_INVALID_ES_ACTION
    mes.encode_proc(h, IFACE, 5, write_long, 1)
    other = (uuid.UUID(int=1), (3, 4))
    mes.encode_proc(h, other, 6, write_long, 2)
    assert MesInqProcEncodingId(h) == (other, 6)
    rec = Recorder(h.buffer)
    d = MesDecodeIncrementalHandleCreate(rec, rec.read)
    assert MesInqProcEncodingId(d) == (IFACE, 5)
    assert MesInqProcEncodingId(d) == (IFACE, 5)  # peeked once, not consumed
    assert mes.decode_proc(d, IFACE, 5, read_long) == 1
    assert MesInqProcEncodingId(d) == (other, 6)
    assert mes.decode_proc(d, other, 6, read_long) == 2
    assert rec.calls == [("read", 56), ("read", 8), ("read", 56), ("read", 8)]


# --- incremental callback sequences --------------------------------------------------------
def test_incremental_encode_calls() -> None:
    rec = Recorder(alloc_extra=16)  # a larger buffer: write still gets the exact size
    h = MesEncodeIncrementalHandleCreate(rec, rec.alloc, rec.write)
    mes.encode_type(h, hc.write_D, D1)
    mes.encode_type(h, hc.write_D, D1)
    mes.encode_type(h, write_long, 1, primitive=True)
    mes.encode_proc(h, IFACE, 0, write_long, 1)
    assert rec.calls == [("alloc", 48), ("write", 48), ("alloc", 40), ("write", 40),
                         ("alloc", 8), ("write", 8), ("alloc", 64), ("write", 64)]
    assert h.encoded_size == len(rec.out) == 160
    assert bytes(rec.out[:48]) == D1_PICKLE


def test_incremental_alloc_too_small_is_out_of_memory() -> None:
    rec = Recorder(alloc_short=8)
    h = MesEncodeIncrementalHandleCreate(rec, rec.alloc, rec.write)
    assert status_of(mes.encode_type, h, hc.write_D, D1) == RPC_S_OUT_OF_MEMORY
    assert rec.calls == [("alloc", 48)] and h.encoded_size == 0
    h2 = MesEncodeIncrementalHandleCreate(None, lambda s, n: b"\0" * n, rec.write)
    assert status_of(mes.encode_type, h2, hc.write_D, D1) == RPC_S_OUT_OF_MEMORY


def test_incremental_type_decode_calls() -> None:
    stream = D1_PICKLE + D1_PICKLE[8:] + H("0700000000000000")
    rec = Recorder(stream)
    d = MesDecodeIncrementalHandleCreate(rec, rec.read)
    assert mes.decode_type(d, hc.read_D) == D1
    assert mes.decode_type(d, hc.read_D) == D1
    assert mes.decode_type(d, read_long, primitive=True) == 7
    assert rec.calls == [("read", 8), ("read", 8), ("read", 32), ("read", 8), ("read", 32),
                         ("read", 8)]
    assert status_of(mes.decode_type, d, hc.read_D) == RPC_S_OUT_OF_MEMORY  # end of stream


def test_incremental_short_read_fails_without_consuming_more() -> None:
    rec = Recorder(D1_PICKLE[:40])  # record truncated inside its body
    d = MesDecodeIncrementalHandleCreate(rec, rec.read)
    assert status_of(mes.decode_type, d, hc.read_D) == RPC_S_OUT_OF_MEMORY
    assert rec.calls == [("read", 8), ("read", 8), ("read", 32)]
    bad = MesDecodeIncrementalHandleCreate(None, lambda s, n: None)
    assert status_of(mes.decode_type, bad, hc.read_D) == RPC_S_OUT_OF_MEMORY


# --- streaming many records through a file -------------------------------------------------
def test_stream_1200_records_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "records.bin"
    values = [hc.D(i, None if i % 3 == 0 else i * 7, "x" * (i % 11)) for i in range(1200)]
    with path.open("wb") as f:
        h = MesEncodeIncrementalHandleCreate(f, lambda f, n: bytearray(n),
                                             lambda f, data: f.write(data))
        for i, v in enumerate(values):
            mes.encode_type(h, hc.write_D, v)
            mes.encode_proc(h, IFACE, i % 4, write_long, i)
        MesHandleFree(h)
    with path.open("rb") as f:
        d = MesDecodeIncrementalHandleCreate(f, lambda f, n: f.read(n))
        for i, v in enumerate(values):
            assert mes.decode_type(d, hc.read_D) == v
            assert MesInqProcEncodingId(d) == (IFACE, i % 4)
            assert mes.decode_proc(d, IFACE, i % 4, read_long) == i
        assert f.read() == b""
        with pytest.raises(RpcError):
            mes.decode_type(d, hc.read_D)
