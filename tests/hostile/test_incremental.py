"""Incremental decoding handles under lying lengths (issue 13): a private header or a
procedure header may claim up to 4 GiB; the handle must ask its read() callback for
bounded chunks, so memory follows the bytes the stream really holds."""

from __future__ import annotations

import io
import socket
import struct
import tracemalloc
from types import ModuleType

import pytest

from midlpy.runtime import (MesDecodeIncrementalHandleCreate, MesEncodeDynBufferHandleCreate,
                            RpcError)
from midlpy.runtime.chunked import CHUNK, read_chunked
from midlpy.runtime.errors import RPC_S_OUT_OF_MEMORY
from tests.helpers import ROOT, VECTORS, load_idl

HEAD = bytes.fromhex("01100800cccccccc")


@pytest.fixture(scope="module")
def m() -> ModuleType:
    return load_idl(ROOT / "tests/hostile/arith.idl", ROOT / "tests/hostile/arith.acf")


class Recorder:
    """A read callback over ``data`` that logs every size it is asked for."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.asked: list[int] = []

    def __call__(self, state: object, n: int) -> bytes:
        self.asked.append(n)
        return self.stream.read(n)


@pytest.mark.parametrize("claim", [0xFFFFFFF8, 0x80000000, 8 * CHUNK])
def test_lying_private_header_reads_in_chunks(m: ModuleType, claim: int) -> None:
    blob = HEAD + struct.pack("<II", claim, 0) + bytes(100)
    rec = Recorder(blob)
    tracemalloc.start()
    try:
        with pytest.raises(RpcError) as exc:
            m.PHALF_Decode(MesDecodeIncrementalHandleCreate(None, rec))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert exc.value.status == RPC_S_OUT_OF_MEMORY
    assert rec.asked == [8, 8, CHUNK]  # headers, then one chunk that came back short
    assert peak < 4 * CHUNK, peak


@pytest.mark.parametrize("claim", [0xFFFFFFF0, 0xFFFFFFFF, 5 * CHUNK + 1])
def test_lying_procedure_header_reads_in_chunks(claim: int) -> None:
    mo = load_idl(VECTORS / "wine-proc" / "mes_oracle.idl")
    h = MesEncodeDynBufferHandleCreate()
    mo.P_Long(h, 0x11223344)
    blob = bytearray(h.buffer)
    struct.pack_into("<I", blob, 52, claim)  # the header's byte count (ndr-mes 3.1)
    rec = Recorder(bytes(blob))
    with pytest.raises(RpcError) as exc:
        mo.P_Long(MesDecodeIncrementalHandleCreate(None, rec))
    assert exc.value.status == RPC_S_OUT_OF_MEMORY
    assert rec.asked == [56, CHUNK]


def test_large_honest_record_arrives_whole(m: ModuleType) -> None:
    n = 3 * CHUNK + 5
    value = m.HALF(2 * n, (bytes(range(256)) * (n // 256 + 1))[:n])
    h = MesEncodeDynBufferHandleCreate()
    m.PHALF_Encode(h, value)
    blob = bytes(h.buffer)
    rec = Recorder(blob)
    assert m.PHALF_Decode(MesDecodeIncrementalHandleCreate(None, rec)) == value
    body = len(blob) - 16
    assert rec.asked == [8, 8] + [CHUNK] * (body // CHUNK) + [body % CHUNK]


def test_read_chunked_over_a_socket_file() -> None:
    """The same helper reading from a socket (what a TCP transport would do)."""
    a, b = socket.socketpair()
    with a, b:
        payload = bytes(range(256)) * 30  # fits the socket buffer: sendall cannot block
        a.sendall(payload)
        a.shutdown(socket.SHUT_WR)
        f = b.makefile("rb")
        asked: list[int] = []

        def read(n: int) -> bytes:
            asked.append(n)
            return f.read(n)

        got = read_chunked(read, 0xFFFFFFFF, chunk=1024)
        assert bytes(got) == payload
        assert asked == [1024] * (len(payload) // 1024 + 1)
