"""Hostile peers: each misbehaving connection is closed, alone, and the server goes on."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from midlpy.runtime import pdu

from .helpers import Echo, echo

ECHO = pdu.Syntax(echo.rpcechoClient.interface.uuid, (1, 0))


@pytest.fixture
def server():
    with echo.rpcechoServer(Echo()).serve(
            "ncacn_ip_tcp:127.0.0.1[0]", max_request=64 << 10, idle_timeout=1.0,
            pdu_timeout=1.0, max_connections=8) as s:
        yield s


def header(ptype: int, flags: int, frag_len: int, call_id: int, auth_len: int = 0) -> bytes:
    # C706 12.6.3.1: version 5.0, type, flags, data representation, lengths, call id
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", frag_len, auth_len,
                       call_id)


def bind_pdu(max_frag: int = 5840) -> bytes:
    body = struct.pack("<HHIBBHHBB", max_frag, max_frag, 0, 1, 0, 0, 0, 1, 0)
    body += ECHO.uuid.bytes_le + struct.pack("<HH", 1, 0)
    body += pdu.NDR20[0].bytes_le + struct.pack("<HH", 2, 0)
    return header(pdu.BIND, 3, 16 + len(body), 1) + body


def request_pdu(call_id: int, opnum: int, stub: bytes, flags: int = 3, ctx: int = 0) -> bytes:
    return header(pdu.REQUEST, flags, 24 + len(stub), call_id) + struct.pack(
        "<IHH", len(stub), ctx, opnum) + stub


def bound(server) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(bind_pdu())
    ack = s.recv(4096)
    assert ack[2] == pdu.BIND_ACK
    return s


def closed_by_server(s: socket.socket, within: float = 10.0) -> bool:
    """True when the server closes ``s`` (EOF or reset) before ``within`` seconds."""
    s.settimeout(within)
    try:
        while s.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    finally:
        s.close()


def still_serves(server) -> None:
    with echo.rpcechoClient.connect(server.binding, timeout=10) as c:
        assert c.AddOne(1) == 2


def test_raw_request_and_fault_bytes(server):
    """AddOne(41) by hand; then an unknown presentation context gets nca_s_unk_if."""
    s = bound(server)
    try:
        s.sendall(request_pdu(2, 0, struct.pack("<I", 41)))
        resp = s.recv(4096)
        assert resp[2] == pdu.RESPONSE and resp[3] == 3
        assert struct.unpack_from("<I", resp, 24)[0] == 42
        s.sendall(request_pdu(3, 0, struct.pack("<I", 41), ctx=7))
        fault = s.recv(4096)
        assert fault[2] == pdu.FAULT and struct.unpack_from("<I", fault, 12)[0] == 3
        assert struct.unpack_from("<I", fault, 24)[0] == 0x1C010003  # nca_s_unk_if
    finally:
        s.close()
    still_serves(server)


@pytest.mark.parametrize("junk", [
    b"GET / HTTP/1.1\r\n\r\n" + bytes(64),
    header(pdu.BIND, 3, 8, 1),  # frag_length shorter than a header
    header(pdu.REQUEST, 3, 40, 1) + bytes(24),  # a request before any bind
    struct.pack("<BBBB4sHHI", 4, 0, 11, 3, b"\x10\0\0\0", 16, 0, 1),  # RPC version 4
    struct.pack("<BBBB4sHHI", 5, 0, 11, 3, b"\x00\0\0\0", 16, 0, 1),  # big-endian drep
    header(pdu.BIND, 3, 20, 1, auth_len=200) + bytes(4),  # auth_length past the PDU
    header(pdu.BIND, 3, 28, 1) + struct.pack("<HHIBBH", 5840, 5840, 0, 9, 0, 0),  # 9 contexts, none sent
    header(99, 3, 16, 1),  # an unknown PDU type
])
def test_malformed_pdus_close_the_connection(server, junk):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(junk)
    assert closed_by_server(s)
    still_serves(server)


def test_fragment_larger_than_negotiated(server):
    s = bound(server)
    s.sendall(header(pdu.REQUEST, 3, 60000, 2) + bytes(100))
    assert closed_by_server(s)
    still_serves(server)


def test_lying_length_and_trickle_time_out(server):
    """A PDU that never completes (claimed 4,000 bytes, 40 sent one per 0.1 s) is cut off
    by pdu_timeout, although bytes keep arriving."""
    s = bound(server)
    start = time.monotonic()
    data = header(pdu.REQUEST, 3, 4000, 2) + bytes(24)
    try:
        for b in data:
            s.send(bytes([b]))
            time.sleep(0.1)
    except OSError:
        pass
    assert closed_by_server(s)
    assert time.monotonic() - start < 8
    still_serves(server)


def test_half_open_connection_times_out(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    assert closed_by_server(s, within=10)
    still_serves(server)


def test_fragment_flood_is_bounded(server):
    """Never-ending fragments of one call pass max_request (64 KiB here): closed."""
    s = bound(server)
    chunk = bytes(4096)
    sent = 0
    try:
        s.sendall(request_pdu(2, 2, chunk, flags=pdu.PFC_FIRST_FRAG))
        for _ in range(100):
            s.sendall(request_pdu(2, 2, chunk, flags=0))
            sent += len(chunk)
    except OSError:
        pass
    assert closed_by_server(s)
    assert any("larger than" in str(e) for e in server.errors)
    still_serves(server)


def test_many_first_fragments_are_bounded(server):
    """First fragments of many calls, none finished: the reassembly table is bounded."""
    s = bound(server)
    try:
        for call_id in range(2, 200):
            s.sendall(request_pdu(call_id, 2, bytes(64), flags=pdu.PFC_FIRST_FRAG))
    except OSError:
        pass
    assert closed_by_server(s)
    still_serves(server)


def test_connection_limit_refuses_extra_connections_only(server):
    held = [bound(server) for _ in range(8)]
    try:
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        assert closed_by_server(extra, within=0.8)  # before the idle timeout could
        assert any("refused" in str(e) for e in server.errors)
    finally:
        for s in held:
            s.close()
    for _ in range(100):  # the server notices the closed connections
        try:
            still_serves(server)
            return
        except Exception:
            time.sleep(0.05)
    still_serves(server)
