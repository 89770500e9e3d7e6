"""midlpy's NTLM-authenticated RPC, client and server, over real TCP on 127.0.0.1: the three
levels, the caller's identity, refused logons, and a man in the middle who flips bytes."""

from __future__ import annotations

import socket
import threading
from typing import Any, Iterator

import pytest

from midlpy.runtime import ntlm, rpcauth
from midlpy.runtime.errors import RpcError
from midlpy.runtime.rpcauth import (AUTHN_LEVEL_CONNECT, AUTHN_LEVEL_PKT_INTEGRITY,
                                    AUTHN_LEVEL_PKT_PRIVACY, NtlmClientAuth)

from ..tcp.helpers import Echo, echo

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
    errors: list[BaseException] = []
    with connect(server.port, AUTHN_LEVEL_PKT_PRIVACY) as c:
        def work(k: int) -> None:
            try:
                for i in range(30):
                    blob = bytes([k, i]) * (100 + 37 * k)
                    assert c.EchoData(len(blob), blob) == blob
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors


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

class Proxy:
    """Relays one TCP connection, recording both directions; ``flip`` names the byte (count
    from the start of a direction's stream) to corrupt after the bind legs."""

    def __init__(self, port: int, flip: tuple[str, int] | None = None) -> None:
        self.target = port
        self.flip = flip
        self.seen = {"up": bytearray(), "down": bytearray()}
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        client, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.target))
        for src, dst, name in ((client, upstream, "up"), (upstream, client, "down")):
            threading.Thread(target=self._pump, args=(src, dst, name), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, name: str) -> None:
        try:
            while True:
                data = bytearray(src.recv(65536))
                if not data:
                    break
                start = len(self.seen[name])
                self.seen[name] += data
                if self.flip and self.flip[0] == name and start <= self.flip[1] < start + len(data):
                    data[self.flip[1] - start] ^= 0x40
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


MARKER = b"midlpy-plaintext-marker" * 40


@pytest.mark.parametrize("level,visible", [(AUTHN_LEVEL_PKT_INTEGRITY, True),
                                           (AUTHN_LEVEL_PKT_PRIVACY, False)])
def test_privacy_hides_the_stub_and_integrity_does_not(server: Any, level: int,
                                                       visible: bool) -> None:
    proxy = Proxy(server.port)
    with connect(proxy.port, level) as c:
        assert c.EchoData(len(MARKER), MARKER) == MARKER
    assert (MARKER[:40] in proxy.seen["up"]) is visible
    assert (MARKER[:40] in proxy.seen["down"]) is visible


@pytest.mark.parametrize("level", [AUTHN_LEVEL_PKT_INTEGRITY, AUTHN_LEVEL_PKT_PRIVACY])
@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize("where", [10, 30, -30, -3])  # stub start, stub, trailer, signature
def test_a_flipped_byte_is_never_accepted(server: Any, level: int, direction: str,
                                          where: int) -> None:
    """Corrupt one byte of a call's request or response after the bind: the call fails --
    it never returns data -- and the server keeps serving others."""
    # Measure where the call's PDU lies in each direction's stream (the bind legs have the
    # same length every time: NTLM messages are fixed-size for fixed names).
    probe = Proxy(server.port)
    with connect(probe.port, level) as c:
        c.AddOne(0)
        bind = {k: len(v) for k, v in probe.seen.items()}
        c.EchoData(len(MARKER), MARKER)
        call = {k: len(v) - bind[k] for k, v in probe.seen.items()}
    offset = bind[direction] + (24 + where if where >= 0 else call[direction] + where)
    proxy = Proxy(server.port, (direction, offset))
    with connect(proxy.port, level) as c:
        assert c.AddOne(0) == 1
        with pytest.raises(RpcError):
            c.EchoData(len(MARKER), MARKER)
    with connect(server.port, level) as c:
        assert c.AddOne(5) == 6
