"""impacket's DCE/RPC v5 client (an implementation no one here wrote) against a midlpy server."""

from __future__ import annotations

import pytest
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.dtypes import ULONG, USHORT
from impacket.dcerpc.v5.ndr import NDRCALL, NDRUniConformantArray
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin

from .helpers import Echo, echo

ECHO = uuidtup_to_bin(("60a15ec5-4de8-11d7-a637-005056a20182", "1.0"))


class BYTES(NDRUniConformantArray):
    item = "c"


class AddOne(NDRCALL):
    opnum = 0
    structure = (("in_data", ULONG),)


class AddOneResponse(NDRCALL):
    structure = (("out_data", ULONG),)


class EchoData(NDRCALL):
    opnum = 1
    structure = (("len", ULONG), ("in_data", BYTES))


class EchoDataResponse(NDRCALL):
    structure = (("out_data", BYTES),)


class SinkData(NDRCALL):
    opnum = 2
    structure = (("len", ULONG), ("data", BYTES))


class SinkDataResponse(NDRCALL):
    structure = ()


class Truncated(NDRCALL):
    opnum = 1  # EchoData, with two bytes where it needs at least eight
    structure = (("x", USHORT),)


class OutOfRange(NDRCALL):
    opnum = 10  # rpcecho has opnums 0-9
    structure = (("x", USHORT),)


@pytest.fixture
def server():
    with echo.rpcechoServer(Echo()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s:
        yield s


def _dce(server, frag: int | None = None):
    t = transport.DCERPCTransportFactory(server.binding)
    dce = t.get_dce_rpc()
    if frag is not None:
        dce.set_max_fragment_size(frag)
    dce.connect()
    dce.bind(ECHO)
    return dce


def add_one_and_echo(dce, size: int) -> None:
    """AddOne(41) and EchoData of ``size`` bytes through impacket, checked."""
    r = AddOne()
    r["in_data"] = 41
    assert dce.request(r, checkError=False)["out_data"] == 42
    data = bytes(range(256)) * (size // 256)
    r = EchoData()
    r["len"] = len(data)
    r["in_data"] = list(data)
    assert b"".join(dce.request(r, checkError=False)["out_data"]) == data


def test_impacket_binds_and_calls(server):
    dce = _dce(server)
    try:
        add_one_and_echo(dce, 256 * 1024)
    finally:
        dce.disconnect()


def test_impacket_fragmented_requests(server):
    """impacket cutting its request into 256-byte fragments; midlpy reassembles by call_id."""
    got: list[bytes] = []

    class Sink(Echo):
        def SinkData(self, len: int, data: bytes) -> None:
            got.append(data)

    with echo.rpcechoServer(Sink()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s:
        dce = _dce(s, frag=256)
        try:
            data = bytes(range(251)) * 40
            r = SinkData()
            r["len"] = len(data)
            r["data"] = list(data)
            dce.request(r, checkError=False)
            assert got == [data]
        finally:
            dce.disconnect()


def test_impacket_sees_nca_faults(server):
    dce = _dce(server)
    try:
        with pytest.raises(DCERPCException) as err:
            dce.request(OutOfRange(), checkError=False)
        assert str(err.value) == "nca_s_op_rng_error"  # impacket's name for 0x1C010002
        with pytest.raises(DCERPCException) as err:
            dce.request(Truncated(), checkError=False)
        assert str(err.value) == "rpc_x_bad_stub_data"  # impacket's name for 0x6F7
        r = EchoData()
        r["len"] = 1 << 30  # a size the array does not have
        r["in_data"] = [b"x"]
        with pytest.raises(DCERPCException) as err:
            dce.request(r, checkError=False)
        assert str(err.value) == "rpc_x_invalid_bound"  # 1734, as the NDR engine reports it
        r = AddOne()
        r["in_data"] = 1
        assert dce.request(r, checkError=False)["out_data"] == 2
    finally:
        dce.disconnect()


def test_impacket_bind_to_unknown_interface_is_rejected(server):
    t = transport.DCERPCTransportFactory(server.binding)
    dce = t.get_dce_rpc()
    dce.connect()
    try:
        with pytest.raises(DCERPCException) as err:
            dce.bind(uuidtup_to_bin(("12345778-1234-abcd-ef00-0123456789ac", "1.0")))
        assert "abstract_syntax_not_supported" in str(err.value)
    finally:
        dce.disconnect()
