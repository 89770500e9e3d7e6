"""Procedure pickles through every handle style, and what a decoder does with bad records."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from midlpy.runtime import (MES_DECODE, MES_DYNAMIC_BUFFER_HANDLE, MES_ENCODE,
                            MES_FIXED_BUFFER_HANDLE, RPC_S_BUFFER_TOO_SMALL, RPC_S_UNKNOWN_IF,
                            RPC_X_INVALID_ES_ACTION, DecodeError, MesBufferHandleReset,
                            MesDecodeBufferHandleCreate, MesDecodeIncrementalHandleCreate,
                            MesEncodeDynBufferHandleCreate, MesEncodeFixedBufferHandleCreate,
                            MesEncodeIncrementalHandleCreate, MesIncrementalHandleReset,
                            MesInqProcEncodingId, RpcError)
from tests.helpers import ROOT, VECTORS, load_idl

# P_Long of the Wine oracle: header (56 bytes) + the long (4) + 4 bytes of zero padding.
LONG_RECORD = 64


@pytest.fixture(scope="module")
def mo():
    return load_idl(VECTORS / "wine-proc" / "mes_oracle.idl")


@pytest.fixture(scope="module")
def journal():
    return load_idl(ROOT / "examples" / "pickle" / "journal.idl")


def test_fixed_buffer_records_back_to_back(mo) -> None:
    buf = bytearray(3 * LONG_RECORD)
    h = MesEncodeFixedBufferHandleCreate(buf)
    for i, v in enumerate((1, 2, 3)):
        mo.P_Long(h, v)
        assert h.encoded_size == (i + 1) * LONG_RECORD  # cumulative, headers included
    d = MesDecodeBufferHandleCreate(buf)
    assert [mo.P_Long(d) for _ in range(3)] == [1, 2, 3]


def test_fixed_buffer_too_small_writes_nothing(mo) -> None:
    buf = bytearray(LONG_RECORD + 8)
    h = MesEncodeFixedBufferHandleCreate(buf)
    mo.P_Long(h, 7)
    with pytest.raises(RpcError) as e:
        mo.P_Long(h, 8)
    assert e.value.status == RPC_S_BUFFER_TOO_SMALL
    assert h.encoded_size == LONG_RECORD and buf[LONG_RECORD:] == bytes(8)


def test_dynamic_buffer_accumulates_records(mo) -> None:
    h = MesEncodeDynBufferHandleCreate()
    mo.P_Long(h, 10)
    mo.P_Conf(h, mo.Conf(1, 2, [3, 4]))
    assert len(h.buffer) == h.encoded_size
    assert MesInqProcEncodingId(h)[1] == 1  # the last one encoded: P_Conf
    d = MesDecodeBufferHandleCreate(h.buffer)
    assert MesInqProcEncodingId(d)[1] == 11
    assert mo.P_Long(d) == 10
    assert mo.P_Conf(d) == mo.Conf(1, 2, [3, 4])


def test_incremental_callbacks_and_reset_to_decode(mo) -> None:
    stream = io.BytesIO()
    calls: list[tuple[str, int]] = []

    def alloc(state, size):
        calls.append(("alloc", size))
        return bytearray(size)

    def write(state, data):
        calls.append(("write", len(data)))
        state.write(data)

    def read(state, size):
        calls.append(("read", size))
        return state.read(size)

    h = MesEncodeIncrementalHandleCreate(stream, alloc, write)
    mo.P_Long(h, 0x11223344)
    assert calls == [("alloc", LONG_RECORD), ("write", LONG_RECORD)]
    stream.seek(0)
    calls.clear()
    MesIncrementalHandleReset(h, None, None, None, read, MES_DECODE)  # the state is kept
    assert mo.P_Long(h) == 0x11223344
    assert calls == [("read", 56), ("read", 8)]


def test_buffer_reset_switches_style_and_operation(mo) -> None:
    h = MesEncodeDynBufferHandleCreate()
    mo.P_Long(h, 5)
    data = h.buffer
    MesBufferHandleReset(h, MES_FIXED_BUFFER_HANDLE, MES_DECODE, data)
    assert mo.P_Long(h) == 5
    MesBufferHandleReset(h, MES_DYNAMIC_BUFFER_HANDLE, MES_ENCODE)
    mo.P_Long(h, 6)
    assert h.buffer[56:60] == (6).to_bytes(4, "little")


def test_null_ref_parameter_fails_and_writes_nothing(mo) -> None:
    h = MesEncodeDynBufferHandleCreate()
    with pytest.raises(RpcError) as e:
        mo.P_Long(h, None)  # [in, out] long *v is a [ref] pointer
    assert e.value.status == 1780  # RPC_X_NULL_REF_POINTER
    assert h.encoded_size == 0 and h.buffer == b""


def test_foreign_record_fails_and_stays_pending(mo, journal) -> None:
    h = MesEncodeDynBufferHandleCreate()
    journal.LogMessage(h, 1, 0, "x")
    d = MesDecodeBufferHandleCreate(h.buffer)
    with pytest.raises(RpcError) as e:
        mo.P_Long(d)  # another interface's pickle
    assert e.value.status == RPC_S_UNKNOWN_IF
    assert journal.LogMessage(d) == (1, 0, "x")  # the record was not consumed
    h2 = MesEncodeDynBufferHandleCreate()
    mo.P_Long(h2, 1)
    with pytest.raises(RpcError) as e:
        mo.P_Conf(MesDecodeBufferHandleCreate(h2.buffer))  # another procedure
    assert e.value.status == RPC_X_INVALID_ES_ACTION


def test_record_whose_body_is_cut_short_fails_inside_it(mo) -> None:
    h = MesEncodeDynBufferHandleCreate()
    mo.P_Conf(h, mo.Conf(1, 3, [1, 2, 3]))
    data = bytearray(h.buffer)
    data[52:56] = (8).to_bytes(4, "little")  # the body claims 8 of its 24 bytes
    with pytest.raises(DecodeError) as e:
        mo.P_Conf(MesDecodeBufferHandleCreate(bytes(data)))
    assert 56 <= e.value.offset <= 64  # reported inside the claimed body, not beyond


def test_truncated_stream_fails_cleanly(mo) -> None:
    h = MesEncodeDynBufferHandleCreate()
    mo.P_Long(h, 1)
    mo.P_Long(h, 2)
    stream = io.BytesIO(h.buffer[:LONG_RECORD + 30])
    d = MesDecodeIncrementalHandleCreate(stream, lambda s, n: s.read(n))
    assert mo.P_Long(d) == 1
    with pytest.raises(RpcError):
        mo.P_Long(d)
    assert stream.tell() == LONG_RECORD + 30  # nothing read past the end


def test_hundred_thousand_records_stream_in_flat_memory(journal, tmp_path) -> None:
    path = tmp_path / "journal.bin"
    n = 100_000
    tracemalloc.start()
    with path.open("wb") as f:
        h = MesEncodeIncrementalHandleCreate(f, lambda s, size: bytearray(size),
                                             lambda s, data: s.write(data))
        for i in range(n):
            journal.LogMessage(h, i, i % 3, f"event {i}")
        written = h.encoded_size
    _, peak_write = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    seen = 0
    with path.open("rb") as f:
        d = MesDecodeIncrementalHandleCreate(f, lambda s, size: s.read(size))
        for i in range(n):
            t, sev, text = journal.LogMessage(d)
            assert t == i and text == f"event {i}"
            seen += 1
    _, peak_read = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == n and written == path.stat().st_size
    # a record is well under 100 bytes; the stream is ~8 MB; memory stays flat
    assert peak_write < 256 * 1024, peak_write
    assert peak_read < 256 * 1024, peak_read
    print(f"100000 records, {written} bytes: peak {peak_write} B writing, {peak_read} B reading")
