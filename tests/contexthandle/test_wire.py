"""Context handles on the wire: 20 bytes (u32 attributes, GUID), NULL as 20 zero bytes."""

from __future__ import annotations

import struct
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from midlpy.runtime import rpc
from midlpy.runtime.ndr import ContextHandle, NdrReader, NdrWriter
from tests.contexthandle.probe import Probe, alpha

# ndr-mes.md 1.12: attributes 0, uuid aabbccdd-1122-3344-5566-778899aabbcc
EXAMPLE = bytes.fromhex("00000000ddccbbaa221144335566778899aabbcc")


def _write(ch: ContextHandle | None) -> bytes:
    w = NdrWriter()
    w.context_handle(ch)
    return bytes(w.buf)


def test_the_reference_example() -> None:
    ch = ContextHandle(0, uuid.UUID("aabbccdd-1122-3344-5566-778899aabbcc"))
    assert _write(ch) == EXAMPLE
    assert NdrReader(EXAMPLE).context_handle() == ch


def test_null_is_twenty_zero_bytes() -> None:
    assert _write(None) == bytes(20)
    assert _write(ContextHandle()) == bytes(20)
    assert NdrReader(bytes(20)).context_handle().is_null


@given(st.integers(0, 2**32 - 1), st.uuids())
def test_any_handle_round_trips_as_its_20_bytes(attributes: int, u: uuid.UUID) -> None:
    data = _write(ContextHandle(attributes, u))
    assert data == struct.pack("<I", attributes) + u.bytes_le
    r = NdrReader(data)
    assert r.context_handle() == ContextHandle(attributes, u) and r.pos == 20


class _Recorder:
    """A transport that keeps every request and response body."""

    def __init__(self, inner: rpc.InProcessTransport) -> None:
        self.inner = inner
        self.log: list[tuple[int, bytes, bytes]] = []

    def call(self, opnum: int, request: bytes) -> bytes:
        reply = self.inner.call(opnum, request)
        self.log.append((opnum, request, reply))
        return reply


def test_request_and_response_bodies() -> None:
    mod: Any = alpha()
    rec = _Recorder(rpc.InProcessTransport(mod.AlphaServer(Probe())))
    client = mod.AlphaClient(rec)
    h = client.OpenExcl(9)
    token = h.token
    assert token.attributes == 0 and not token.is_null
    token_bytes = struct.pack("<I", 0) + token.uuid.bytes_le
    # OpenExcl([out] H_EXCL *h, [in] long tag): request = tag; response = the handle
    assert rec.log[-1][1:] == (struct.pack("<i", 9), token_bytes)
    client.Pair(h, h, -1)  # two handles, then a long
    assert rec.log[-1][1:] == (token_bytes * 2 + struct.pack("<i", -1), struct.pack("<i", 18))
    client.CloseExcl(h)  # [in, out]: the handle goes in, NULL comes back
    assert rec.log[-1][1:] == (token_bytes, bytes(20))
    rec.inner.close()


def test_generated_marshallers_treat_the_handle_as_its_token() -> None:
    mod: Any = alpha()
    ch = ContextHandle(0, uuid.UUID("aabbccdd-1122-3344-5566-778899aabbcc"))
    w = NdrWriter()
    mod._enc_Read_in(w, ch, 3)
    assert bytes(w.buf) == EXAMPLE + struct.pack("<i", 3)
    assert mod._dec_Read_in(NdrReader(bytes(w.buf))) == (ch, 3)
    w = NdrWriter()
    mod._enc_CloseExcl_out(w, ContextHandle())
    assert bytes(w.buf) == bytes(20)
    assert mod._dec_CloseExcl_out(NdrReader(bytes(20))).is_null
