"""midlpy's NTLM-authenticated RPC, client and server, over real TCP on 127.0.0.1: the three
levels, the caller's identity, refused logons, and a man in the middle who flips bytes."""

from __future__ import annotations

import socket
import struct
import threading
from typing import Any, Callable, Iterator

import pytest

from midlpy.runtime import ntlm, rpc, rpcauth
from midlpy.runtime.errors import RpcError
from midlpy.runtime.rpcauth import (AUTHN_LEVEL_CONNECT, AUTHN_LEVEL_PKT_INTEGRITY,
                                    AUTHN_LEVEL_PKT_PRIVACY, NtlmClientAuth)

from ..tcp.helpers import Echo, echo, run_threads

LEVELS = [AUTHN_LEVEL_CONNECT, AUTHN_LEVEL_PKT_INTEGRITY, AUTHN_LEVEL_PKT_PRIVACY]
USERS = {"alice": ntlm.nt_hash("alice-pw"), "bob": ntlm.nt_hash("bob-pw")}


def lookup(user: str, domain: str) -> bytes | None:
    return USERS.get(user.lower())


class WhoAmI(Echo):
    """TestCall answers with the caller's principal and level, from RpcBindingInqAuthClient."""

    def TestCall(self, s1: str) -> str:
        info = rpcauth.RpcBindingInqAuthClient()
        return f"{info.principal}@{info.authn_level}/{info.authn_svc}"


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with echo.rpcechoServer(WhoAmI()).serve("ncacn_ip_tcp:127.0.0.1[0]",
                                              auth=rpcauth.ntlm_server(lookup)) as srv:
        yield srv


def creds(user: str = "alice", password: str = "alice-pw") -> ntlm.Credentials:
    return ntlm.Credentials(user, "WORKGROUP", password=password)


def connect(port: int, level: int, c: ntlm.Credentials | None = None, **kw: Any) -> Any:
    return echo.rpcechoClient.connect(f"ncacn_ip_tcp:127.0.0.1[{port}]", timeout=20,
                                      auth=NtlmClientAuth(c or creds(), level), **kw)


@pytest.mark.parametrize("level", LEVELS)
def test_calls_at_each_level_see_the_caller(server: Any, level: int) -> None:
    with connect(server.port, level) as c:
        assert c.AddOne(41) == 42
        assert c.TestCall("x") == f"WORKGROUP\\alice@{level}/10"
        data = bytes(range(256)) * 1200  # 300 KB: many signed/sealed fragments both ways
        assert c.EchoData(len(data), data) == data
    with connect(server.port, level, creds("bob", "bob-pw")) as c:
        assert c.TestCall("x").startswith("WORKGROUP\\bob@")


def test_unauthenticated_calls_cannot_ask_for_an_identity() -> None:
    with echo.rpcechoServer(WhoAmI()).serve("ncacn_ip_tcp:127.0.0.1[0]") as srv:
        with echo.rpcechoClient.connect(f"ncacn_ip_tcp:127.0.0.1[{srv.port}]") as c:
            with pytest.raises(RpcError) as err:
                c.TestCall("x")
            assert err.value.status == rpcauth.RPC_S_BINDING_HAS_NO_AUTH


def test_many_threads_share_a_sealed_client(server: Any) -> None:
    """Sequence numbers and RC4 streams advance once per fragment: concurrent calls must
    be signed in the order they are sent."""
    with connect(server.port, AUTHN_LEVEL_PKT_PRIVACY) as c:
        def work(k: int) -> None:
            for i in range(30):
                blob = bytes([k, i]) * (100 + 37 * k)
                assert c.EchoData(len(blob), blob) == blob
        assert not run_threads(work, 8)


@pytest.mark.parametrize("level", LEVELS)
def test_wrong_password_is_access_denied_and_the_server_goes_on(server: Any, level: int) -> None:
    with connect(server.port, level, creds(password="wrong")) as c:
        with pytest.raises(RpcError) as err:
            c.AddOne(1)
        assert err.value.status == 5
    with connect(server.port, level, creds("mallory", "x")) as c:
        with pytest.raises(RpcError):
            c.AddOne(1)
    with connect(server.port, level) as c:
        assert c.AddOne(1) == 2


def test_levels_below_the_servers_minimum_are_refused() -> None:
    factory = rpcauth.ntlm_server(lookup, min_level=AUTHN_LEVEL_PKT_PRIVACY)
    with echo.rpcechoServer(Echo()).serve("ncacn_ip_tcp:127.0.0.1[0]", auth=factory) as srv:
        with pytest.raises(RpcError):
            connect(srv.port, AUTHN_LEVEL_PKT_INTEGRITY).AddOne(1)
        with connect(srv.port, AUTHN_LEVEL_PKT_PRIVACY) as c:
            assert c.AddOne(1) == 2


# --- a man in the middle --------------------------------------------------------------------

Edit = Callable[[str, int, bytes], bytes]


class Proxy:
    """Relays one TCP connection PDU by PDU, recording both directions; ``edit(direction,
    index, pdu)`` may rewrite the index-th PDU going "up" (to the server) or "down"."""

    def __init__(self, port: int, edit: Edit | None = None) -> None:
        self.target = port
        self.edit = edit
        self.seen: dict[str, list[bytes]] = {"up": [], "down": []}
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        client, _ = self.listener.accept()
        self.listener.close()
        upstream = socket.create_connection(("127.0.0.1", self.target))
        for src, dst, name in ((client, upstream, "up"), (upstream, client, "down")):
            threading.Thread(target=self._pump, args=(src, dst, name), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, name: str) -> None:
        buf = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                while len(buf) >= 10 and len(buf) >= struct.unpack_from("<H", buf, 8)[0]:
                    size = struct.unpack_from("<H", buf, 8)[0]
                    pdu, buf = buf[:size], buf[size:]
                    index = len(self.seen[name])
                    self.seen[name].append(pdu)
                    if self.edit is not None:
                        pdu = self.edit(name, index, pdu)
                    dst.sendall(pdu)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stream(self, name: str) -> bytes:
        return b"".join(self.seen[name])


MARKER = b"midlpy-plaintext-marker" * 40


@pytest.mark.parametrize("level,visible", [(AUTHN_LEVEL_PKT_INTEGRITY, True),
                                           (AUTHN_LEVEL_PKT_PRIVACY, False)])
def test_privacy_hides_the_stub_and_integrity_does_not(server: Any, level: int,
                                                       visible: bool) -> None:
    proxy = Proxy(server.port)
    with connect(proxy.port, level) as c:
        assert c.EchoData(len(MARKER), MARKER) == MARKER
    assert (MARKER[:40] in proxy.stream("up")) is visible
    assert (MARKER[:40] in proxy.stream("down")) is visible


# The PDUs of a connection: up 0 bind, 1 auth3, 2 AddOne, 3 EchoData; down 0 bind_ack,
# 1 AddOne's response, 2 EchoData's response. Offsets count from a PDU's start (24: the
# stub) or, when negative, from its end (the signature is the last 16 bytes, the
# sec_trailer the 8 before).
TARGETS = {"up": 3, "down": 2}


def _flip(direction: str, offset: int) -> Edit:
    def edit(name: str, index: int, pdu: bytes) -> bytes:
        if name != direction or index != TARGETS[direction]:
            return pdu
        out = bytearray(pdu)
        out[offset if offset >= 0 else len(out) + offset] ^= 0x40
        return bytes(out)
    return edit


def _strip(direction: str) -> Edit:
    """Drop the sec_trailer and signature, fixing the lengths: an unsigned PDU."""
    def edit(name: str, index: int, pdu: bytes) -> bytes:
        if name != direction or index != TARGETS[direction]:
            return pdu
        auth_len = struct.unpack_from("<H", pdu, 10)[0]
        pad = pdu[len(pdu) - auth_len - 6]
        out = bytearray(pdu[:len(pdu) - auth_len - 8 - pad])
        struct.pack_into("<HH", out, 8, len(out), 0)
        return bytes(out)
    return edit


@pytest.mark.parametrize("level", [AUTHN_LEVEL_PKT_INTEGRITY, AUTHN_LEVEL_PKT_PRIVACY])
@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize("how", ["stub+2", "stub+300", "pad_length", "context_id",
                                 "signature", "strip"])
def test_a_tampered_pdu_is_never_accepted(server: Any, level: int, direction: str,
                                          how: str) -> None:
    """Alter the EchoData request or response: the call fails -- it never returns data --
    and the server keeps serving others."""
    edit = _strip(direction) if how == "strip" else _flip(direction, {
        "stub+2": 26, "stub+300": 324, "pad_length": -22, "context_id": -20,
        "signature": -3}[how])
    proxy = Proxy(server.port, edit)
    with connect(proxy.port, level) as c:
        assert c.AddOne(0) == 1
        with pytest.raises(RpcError):
            c.EchoData(len(MARKER), MARKER)
    assert len(proxy.seen["up"]) == 4  # the request was sent (and refused or answered)
    with connect(server.port, level) as c:
        assert c.AddOne(5) == 6


def test_two_interfaces_share_one_sealed_connection() -> None:
    """alter_context adds a presentation context to an authenticated connection; calls on
    both contexts are sealed with the one security context."""
    from ..tcp.test_loopback import CounterImpl, counter
    with rpc.serve("ncacn_ip_tcp:127.0.0.1[0]", echo.rpcechoServer(WhoAmI()),
                   counter.CounterServiceServer(CounterImpl(), serialize=True),
                   auth=rpcauth.ntlm_server(lookup)) as srv:
        proxy = Proxy(srv.port)
        with connect(proxy.port, AUTHN_LEVEL_PKT_PRIVACY) as e:
            ctr = counter.CounterServiceClient.connect(e)  # alter_context on e's connection
            assert ctr.transport.connection is e.transport.connection
            h, status = ctr.Open("counter-name-marker")
            assert status == 0 and ctr.RemoteFunc(h, 5) == 0
            assert ctr.GetValue(h) == (5, 0)
            assert e.TestCall("x").startswith("WORKGROUP\\alice@6")
        assert "counter-name-marker".encode("utf-16-le") not in proxy.stream("up")


@pytest.mark.parametrize("index,offset", [(0, -40), (0, -1), (1, -100), (1, -20), (1, -5)])
def test_tampered_bind_legs_fail_the_logon(server: Any, index: int, offset: int) -> None:
    """A byte flipped in the NEGOTIATE (bind) or AUTHENTICATE (auth3) token: no call runs."""
    def edit(name: str, i: int, pdu: bytes) -> bytes:
        if name == "up" and i == index:
            out = bytearray(pdu)
            out[len(out) + offset] ^= 0x01
            return bytes(out)
        return pdu
    proxy = Proxy(server.port, edit)
    with pytest.raises(RpcError):
        with connect(proxy.port, AUTHN_LEVEL_PKT_PRIVACY) as c:
            c.AddOne(1)
    with connect(server.port, AUTHN_LEVEL_PKT_PRIVACY) as c:
        assert c.AddOne(1) == 2
