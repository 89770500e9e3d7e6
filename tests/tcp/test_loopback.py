"""midlpy client against midlpy server over real TCP on 127.0.0.1."""

from __future__ import annotations

import socket
import sys
import threading
from typing import Any

import pytest

import midlpy
from midlpy.runtime import rpc, tcp
from midlpy.runtime.errors import (RPC_S_CALL_CANCELLED, RPC_S_CALL_FAILED,
                                   RPC_S_INVALID_STRING_BINDING, RPC_S_PROCNUM_OUT_OF_RANGE,
                                   RPC_S_PROTSEQ_NOT_SUPPORTED, RPC_S_SERVER_UNAVAILABLE,
                                   RPC_S_UNKNOWN_IF, RPC_X_BAD_STUB_DATA, RpcError)

from .helpers import ROOT, Echo, echo, run_threads

sys.path.insert(0, str(ROOT / "examples" / "contexthandle"))
from counter_server import CounterImpl  # noqa: E402

sys.path.pop(0)
counter: Any = midlpy.load(str(ROOT / "examples" / "contexthandle" / "contexthandle.idl"))


@pytest.fixture
def server():
    with echo.rpcechoServer(Echo()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s:
        yield s


def test_every_procedure(server):
    with echo.rpcechoClient.connect(server.binding, timeout=30) as c:
        assert c.AddOne(41) == 42
        assert c.AddOne(0xFFFFFFFF) == 0
        assert c.EchoData(5, b"hello") == b"hello"
        assert c.SinkData(3, b"abc") is None
        assert c.SourceData(260) == bytes(range(256)) + bytes(range(4))
        assert c.TestCall("input string") == "input string"
        info, status = c.TestCall2(7)
        assert status == 0 and info.info7 == echo.echo_info7(v1=7, info4=echo.echo_info4(v=7))
        assert c.TestSleep(0) == 0
        e2 = echo.echo_Enum2(e1=76, e2=1)
        e3 = echo.echo_Enum3(switch=1, e1=2)
        assert c.TestEnum(1, e2, e3) == (1, e2, e3)
        assert c.TestSurrounding(echo.echo_Surrounding(x=3, surrounding=[1, 2, 3])).x == 6
        assert c.TestDoublePointer(12) == 12


def test_megabyte_both_ways_through_fragments(server):
    data = bytes(range(256)) * 4096 + b"tail"
    with echo.rpcechoClient.connect(server.binding) as c:
        assert c.transport.connection.max_xmit == tcp.MAX_FRAG
        assert c.EchoData(len(data), data) == data


def test_small_fragments_negotiated(server):
    """A client asking for the minimum fragment size gets it both ways."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    conn = tcp.Connection(sock, max_frag=1432)
    with echo.rpcechoClient(conn.bind(echo.rpcechoClient.interface)) as c:
        data = bytes(range(256)) * 40
        assert c.EchoData(len(data), data) == data
        assert conn.max_xmit == 1432 and conn._reader.max_frag == 1432


def test_concurrent_calls_on_one_connection():
    """Three calls wait inside the server at once on one connection (a barrier, not time)."""
    barrier = threading.Barrier(3, timeout=20)

    class Meeting(Echo):
        def TestSleep(self, seconds: int) -> int:
            barrier.wait()
            return seconds

    with echo.rpcechoServer(Meeting()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s, \
            echo.rpcechoClient.connect(s.binding, timeout=30) as c:
        out: list[int] = []
        threads = [threading.Thread(target=lambda i=i: out.append(c.TestSleep(i)))
                   for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(out) == [0, 1, 2]


def test_many_threads_share_a_client(server):
    with echo.rpcechoClient.connect(server.binding, timeout=30) as c:
        def work(k: int) -> None:
            for i in range(50):
                blob = bytes([k]) * (i * 97)
                assert c.EchoData(len(blob), blob) == blob
                assert c.AddOne(k * 1000 + i) == k * 1000 + i + 1

        assert not run_threads(work, 8)


def test_two_interfaces_on_one_endpoint_and_connection():
    impl = CounterImpl()
    with rpc.serve("ncacn_ip_tcp:127.0.0.1[0]", echo.rpcechoServer(Echo()),
                   counter.CounterServiceServer(impl, serialize=True)) as s:
        with echo.rpcechoClient.connect(s.binding) as e:
            ctr = counter.CounterServiceClient.connect(e)  # alter_context on e's connection
            assert ctr.transport.connection is e.transport.connection
            assert ctr.transport.context_id != e.transport.context_id
            h, status = ctr.Open("n")
            assert status == 0 and ctr.RemoteFunc(h, 5) == 0
            assert ctr.GetValue(h) == (5, 0)
            assert e.AddOne(1) == 2
        # the connection closed with the handle open: its rundown ran on the server
        for _ in range(200):
            if impl.stats.rundowns:
                break
            threading.Event().wait(0.05)
        assert impl.stats.rundowns == ["n"]


def test_unknown_interface_is_refused_at_bind(server):
    with pytest.raises(RpcError) as err:
        counter.CounterServiceClient.connect(server.binding)
    assert err.value.status == RPC_S_UNKNOWN_IF


def test_bad_opnum_and_bad_stub_data_are_faults(server):
    with echo.rpcechoClient.connect(server.binding) as c:
        conn, ctx = c.transport.connection, c.transport.context_id
        with pytest.raises(RpcError) as err:
            conn.call(ctx, 10, b"")
        assert err.value.status == RPC_S_PROCNUM_OUT_OF_RANGE
        with pytest.raises(RpcError) as err:
            conn.call(ctx, 1, b"\xff\xff\xff\x7f")  # EchoData claiming 2 GiB
        assert err.value.status == RPC_X_BAD_STUB_DATA
        assert c.AddOne(1) == 2  # the connection still works


def test_server_marshalling_failure_is_a_fault_and_a_record():
    class Broken(Echo):
        def AddOne(self, in_data: int) -> Any:
            return "not a number"

    with echo.rpcechoServer(Broken()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s, \
            echo.rpcechoClient.connect(s.binding) as c:
        with pytest.raises(RpcError) as err:
            c.AddOne(1)
        assert err.value.status == RPC_S_CALL_FAILED
        assert any("AddOne" in str(e) and "marshal" in str(e) for e in s.errors)
        assert c.TestCall("x") == "x"


def test_timeout_cancels_the_call_and_the_connection_goes_on():
    release = threading.Event()

    class Slow(Echo):
        def TestSleep(self, seconds: int) -> int:
            release.wait(20)
            return seconds

    with echo.rpcechoServer(Slow()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s, \
            echo.rpcechoClient.connect(s.binding) as c:
        c.transport.timeout = 0.2
        with pytest.raises(RpcError) as err:
            c.TestSleep(5)
        assert err.value.status == RPC_S_CALL_CANCELLED
        release.set()
        c.transport.timeout = None
        assert c.AddOne(7) == 8


def test_bindings():
    assert tcp.parse_binding("ncacn_ip_tcp:127.0.0.1[135]") == tcp.Binding("127.0.0.1", 135)
    assert tcp.parse_binding("ncacn_ip_tcp:host") == tcp.Binding("host", None)
    assert tcp.parse_binding("ncacn_ip_tcp:h[1024,sign]") == tcp.Binding("h", 1024, ("sign",))
    assert str(tcp.Binding("h", 5)) == "ncacn_ip_tcp:h[5]"
    for bad, status in (("nonsense", RPC_S_INVALID_STRING_BINDING),
                        ("ncacn_np:h[\\pipe\\x]", RPC_S_PROTSEQ_NOT_SUPPORTED),
                        ("ncacn_ip_tcp:h[99999]", RPC_S_INVALID_STRING_BINDING),
                        ("ncacn_ip_tcp:[5]", RPC_S_INVALID_STRING_BINDING)):
        with pytest.raises(RpcError) as err:
            tcp.parse_binding(bad)
        assert err.value.status == status


def test_connection_refused_is_server_unavailable():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(RpcError) as err:
        echo.rpcechoClient.connect(f"ncacn_ip_tcp:127.0.0.1[{port}]", timeout=5)
    assert err.value.status == RPC_S_SERVER_UNAVAILABLE


def test_server_closing_fails_waiting_calls():
    entered = threading.Event()

    class Stuck(Echo):
        def TestSleep(self, seconds: int) -> int:
            entered.set()
            threading.Event().wait(5)
            return seconds

    s = echo.rpcechoServer(Stuck()).serve("ncacn_ip_tcp:127.0.0.1[0]")
    c = echo.rpcechoClient.connect(s.binding, timeout=30)
    try:
        threading.Thread(target=lambda: (entered.wait(10), s.close())).start()
        with pytest.raises(RpcError) as err:
            c.TestSleep(1)
        assert err.value.status == RPC_S_SERVER_UNAVAILABLE
    finally:
        c.close()
        s.close()
