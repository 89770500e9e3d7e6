"""Generated client and server stubs for procedures without context handles."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from midlpy.runtime import rpc
from tests.contexthandle.probe import DATA
from tests.helpers import ROOT, load_idl


def calc() -> Any:
    return load_idl(DATA / "calc.idl")


class Calc:
    """The implementation: [in] values in, [out] values (then the return value) out."""

    def __init__(self) -> None:
        self.pings = 0

    def Add(self, a: int, b: int) -> tuple[int, int]:
        return a + b, 0 if a + b < 2**31 else 1

    def Ping(self) -> None:
        self.pings += 1

    def Bind(self, n: int) -> int:
        return 2 * n

    def Scale(self, p: Any, factor: int) -> Any:
        return calc().POINT(x=p.x * factor, y=p.y * factor)

    def Describe(self, label: str, n: int) -> Any:
        m = calc()
        return m.SHAPE(label=label, count=n, points=[m.POINT(x=i, y=-i) for i in range(n)])

    def Maybe(self, p: Any) -> bool:
        return p is not None


class _Recorder:
    def __init__(self, inner: rpc.Transport) -> None:
        self.inner = inner
        self.log: list[tuple[int, bytes, bytes]] = []

    def call(self, opnum: int, request: bytes) -> bytes:
        reply = self.inner.call(opnum, request)
        self.log.append((opnum, request, reply))
        return reply


def _client() -> tuple[Any, Calc, _Recorder]:
    m = calc()
    impl = Calc()
    rec = _Recorder(rpc.InProcessTransport(m.CalcServer(impl)))
    return m.CalcClient(rec), impl, rec


def test_values_go_in_and_come_back() -> None:
    client, impl, rec = _client()
    assert client.Add(2, 40) == (42, 0)
    assert rec.log[-1] == (0, struct.pack("<ii", 2, 40), struct.pack("<ii", 42, 0))
    assert client.Ping() is None and impl.pings == 1
    assert rec.log[-1] == (1, b"", b"")
    assert client.Bind(21) == 42  # handle_t is not transmitted and not a method argument
    m = calc()
    assert client.Scale(m.POINT(x=1, y=-2), 3) == m.POINT(x=3, y=-6)
    shape = client.Describe("tri", 3)
    assert shape == m.SHAPE(label="tri", count=3,
                            points=[m.POINT(x=0, y=0), m.POINT(x=1, y=-1), m.POINT(x=2, y=-2)])
    assert client.Maybe(None) is False and client.Maybe(m.POINT(x=0, y=0)) is True


def test_interface_identity() -> None:
    spec = calc().CalcClient.interface
    assert (spec.name, str(spec.uuid), spec.version) == (
        "Calc", "0b7e0a51-3c2d-4e8f-9a61-5d4c3b2a1f03", (2, 1))
    assert [p.opnum for p in spec.procs] == list(range(6))
    assert {"CalcClient", "CalcServer"} <= set(calc().__all__)


def test_bad_arguments_fail_on_the_client() -> None:
    client, _, rec = _client()
    with pytest.raises(rpc.EncodeError):
        client.Add("two", 2)
    with pytest.raises(rpc.EncodeError):
        client.Scale(None, 2)  # a [ref] pointer cannot be NULL
    assert rec.log == []  # nothing was sent


def test_a_truncated_response_is_a_decode_error() -> None:
    m = calc()

    class Short:
        def call(self, opnum: int, request: bytes) -> bytes:
            return b"\x01\x00"

    with pytest.raises(rpc.DecodeError):
        m.CalcClient(Short()).Add(1, 2)


def test_pickling_only_interfaces_get_no_stubs() -> None:
    pac = load_idl(ROOT / "examples" / "pac" / "pac.idl")
    assert not any(name.endswith(("Client", "Server")) or name.startswith("_RPC_")
                   for name in vars(pac))
