"""``[out] T **pp``: a [ref] pointer to a unique pointer. The [ref] level is never NULL and
has no value of its own, so the parameter's value is the unique pointer's: a ``T``, or
None for its NULL (docs/values.md). Top-level [ref] pointers are not on the wire; the
unique one is its referent id, 0 for NULL ([MS-RPCE] 2.2.4 / C706 14.3.10-14.3.12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from midlpy.runtime.rpc import InProcessTransport
from tests.helpers import load_idl

HERE = Path(__file__).resolve().parent


class Recorder:
    """A transport that keeps each call's request and reply bytes."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[int, bytes, bytes]] = []

    def call(self, opnum: int, request: bytes) -> bytes:
        reply = self.inner.call(opnum, request)
        self.calls.append((opnum, bytes(request), bytes(reply)))
        return reply


@pytest.fixture()
def stub() -> Any:
    m = load_idl(HERE / "pointer_levels.idl")

    class Impl:
        def Get(self, k: int) -> Any:
            return (m.T(5) if k else None), 0

        def Put(self, pp: Any) -> int:
            return 0 if pp is None else pp.a

        def Swap(self, pp: Any) -> Any:
            return (None if pp is not None else m.T(9)), 0

    rec = Recorder(InProcessTransport(m.pointer_levelsServer(Impl())))
    return m, m.pointer_levelsClient(rec), rec


def test_out_inner_null(stub: Any) -> None:
    m, client, rec = stub
    assert client.Get(0) == (None, 0)
    assert rec.calls[-1] == (0, bytes.fromhex("00000000"),           # k
                             bytes.fromhex("00000000" "00000000"))  # *pp NULL, return 0
    assert client.Get(1) == (m.T(5), 0)
    assert rec.calls[-1][2] == bytes.fromhex("00000200" "05000000" "00000000")


def test_in_inner_null(stub: Any) -> None:
    m, client, rec = stub
    assert client.Put(None) == 0
    assert rec.calls[-1][1] == bytes.fromhex("00000000")
    assert client.Put(m.T(3)) == 3
    assert rec.calls[-1][1] == bytes.fromhex("00000200" "03000000")


def test_in_out_inner_null(stub: Any) -> None:
    m, client, rec = stub
    assert client.Swap(None) == (m.T(9), 0)
    assert rec.calls[-1][1:] == (bytes.fromhex("00000000"),
                                 bytes.fromhex("00000200" "09000000" "00000000"))
    assert client.Swap(m.T(1)) == (None, 0)
    assert rec.calls[-1][1:] == (bytes.fromhex("00000200" "01000000"),
                                 bytes.fromhex("00000000" "00000000"))
