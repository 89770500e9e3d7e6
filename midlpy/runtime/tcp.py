"""DCE/RPC over TCP (``ncacn_ip_tcp``): the client connection and the server.

Client
    :func:`connect` opens one association; :meth:`Connection.bind` adds an interface
    (bind for the first, alter_context for the others) and returns a transport for the
    generated client class. Calls from many threads share the connection: each call has
    its own call_id, the request goes out in one piece under a lock, and whichever
    waiting thread holds the read lock reads the socket and hands responses to their
    callers (no reader thread, so one thread calling pays no thread switch).

Server
    :class:`Server` accepts on a listening socket; each connection gets a reader thread,
    each complete request runs on a worker of a shared pool, so several calls of one
    connection run at once and their responses go back in any order. Connections that
    send the same ``assoc_group_id`` share one association (context handles); its
    rundowns run when the last of them closes. Everything a peer sends is bounded: a
    fragment by the negotiated size, a request by ``max_request``, a half-sent PDU by
    ``pdu_timeout``, an idle connection by ``idle_timeout``, outstanding calls by
    ``max_calls``; breaking a rule closes that connection and nothing else.
"""

from __future__ import annotations

import itertools
import random
import re
import select
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable
from uuid import UUID

from . import pdu, rpcauth
from .errors import (RPC_S_ACCESS_DENIED, RPC_S_CALL_CANCELLED, RPC_S_CALL_FAILED,
                     RPC_S_INVALID_STRING_BINDING, RPC_S_PROCNUM_OUT_OF_RANGE, RPC_S_PROTOCOL_ERROR,
                     RPC_S_PROTSEQ_NOT_SUPPORTED, RPC_S_SERVER_UNAVAILABLE, RPC_S_UNKNOWN_IF,
                     RPC_X_BAD_STUB_DATA, RpcError)
from .pdu import SecurityContext, Syntax

if TYPE_CHECKING:
    from .rpc import Association, Dispatcher, Interface

__all__ = ["Binding", "parse_binding", "connect", "Connection", "TcpTransport", "Server",
           "serve", "MAX_FRAG"]

#: The fragment size we offer both ways (the largest multiple of 8 a u16 holds); peers
#: usually answer with less (Windows and Samba: 5840).
MAX_FRAG = 65528
_MIN_FRAG = 1432  # C706 12.6.3.1: the smallest max_recv_frag a peer may ask for


# ------------------------------------------------------------------------- binding strings

@dataclass(frozen=True)
class Binding:
    """A parsed ``ncacn_ip_tcp:HOST[PORT]`` string binding (port None: ask the EPM)."""

    host: str
    port: int | None = None
    options: tuple[str, ...] = ()

    def __str__(self) -> str:
        inner = ",".join(([str(self.port)] if self.port is not None else []) + list(self.options))
        return f"ncacn_ip_tcp:{self.host}[{inner}]" if inner else f"ncacn_ip_tcp:{self.host}"


_BINDING = re.compile(r"^(?:([0-9a-fA-F-]{36})@)?([a-z_]+):([^\[\]]*)(?:\[([^\[\]]*)\])?$")


def parse_binding(text: str) -> Binding:
    """``ncacn_ip_tcp:HOST[PORT,option...]``; an object uuid prefix is accepted and ignored."""
    m = _BINDING.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise RpcError(RPC_S_INVALID_STRING_BINDING, f"not a string binding: {text!r}")
    protseq, host, inner = m.group(2), m.group(3), m.group(4)
    if protseq != "ncacn_ip_tcp":
        raise RpcError(RPC_S_PROTSEQ_NOT_SUPPORTED, f"unsupported protocol sequence {protseq!r}"
                       " (only ncacn_ip_tcp)")
    if not host:
        raise RpcError(RPC_S_INVALID_STRING_BINDING, f"no host in {text!r}")
    parts = [p.strip() for p in inner.split(",")] if inner else []
    port = None
    if parts and parts[0].isdigit():
        port = int(parts.pop(0))
        if not 0 <= port < 65536:
            raise RpcError(RPC_S_INVALID_STRING_BINDING, f"bad port in {text!r}")
    elif parts and parts[0].startswith("endpoint="):
        value = parts.pop(0)[len("endpoint="):]
        if not value.isdigit() or int(value) > 65535:
            raise RpcError(RPC_S_INVALID_STRING_BINDING, f"bad port in {text!r}")
        port = int(value)
    return Binding(host, port, tuple(p for p in parts if p))


def _syntax_of(iface: "Interface") -> Syntax:
    if iface.uuid is None:
        raise RpcError(RPC_S_UNKNOWN_IF, f"interface {iface.name} has no uuid: it cannot be bound")
    return Syntax(iface.uuid, iface.version)


# ------------------------------------------------------------------------- reading PDUs

class _Reader:
    """Whole PDUs from a socket, through one growing buffer (a timeout keeps what was read)."""

    def __init__(self, sock: socket.socket, max_frag: int) -> None:
        self.sock = sock
        self.max_frag = max_frag
        self.buf = bytearray()
        self.started: float | None = None  # when the PDU being read began to arrive

    def pending(self) -> bool:
        return bool(self.buf)

    def read(self, deadline: float | None = None,
             pdu_timeout: float | None = None) -> tuple[pdu.Header, memoryview]:
        """The next PDU; raises TimeoutError once ``deadline`` (time.monotonic) passes or
        the PDU's bytes take longer than ``pdu_timeout`` from its first, OSError from the
        socket, ConnectionError at EOF, RpcError for a malformed header."""
        buf = self.buf
        self.started = time.monotonic() if buf else None
        while len(buf) < pdu.HEADER_SIZE:
            self._wait(deadline, pdu_timeout)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the peer closed the connection")
            buf += chunk
        h = pdu.parse_header(buf)
        n = h.frag_length
        if n > self.max_frag:
            raise pdu.protocol_error(f"fragment of {n} bytes exceeds the negotiated "
                                     f"{self.max_frag}")
        if len(buf) >= n:
            frag = bytes(buf[:n])
            del buf[:n]
            return h, memoryview(frag)
        # the rest of a large fragment goes straight into its own buffer
        whole = bytearray(n)
        got = len(buf)
        whole[:got] = buf
        buf.clear()
        view = memoryview(whole)
        while got < n:
            self._wait(deadline, pdu_timeout)
            k = self.sock.recv_into(view[got:])
            if not k:
                raise ConnectionError("the peer closed the connection")
            got += k
        return h, view

    def _wait(self, deadline: float | None, pdu_timeout: float | None) -> None:
        until = deadline
        if self.started is not None and pdu_timeout is not None:
            until = (self.started + pdu_timeout if until is None
                     else min(until, self.started + pdu_timeout))
        if until is not None:
            _wait_readable(self.sock, until)
        if self.started is None:
            self.started = time.monotonic()


def _tune(sock: socket.socket) -> None:
    # requests and replies are written whole: no Nagle delay, and room for a 1 MB call
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for opt in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, 1 << 21)
        except OSError:
            pass


def _wait_readable(sock: socket.socket, deadline: float) -> None:
    # poll, not a socket timeout: other threads send on the same socket meanwhile
    left = deadline - time.monotonic()
    if left > 0:
        if hasattr(select, "poll"):
            p = select.poll()
            p.register(sock, select.POLLIN)
            if p.poll(left * 1000):
                return
        elif select.select([sock], [], [], left)[0]:
            return
    raise TimeoutError


# ------------------------------------------------------------------------- client

class _Call:
    __slots__ = ("call_id", "event", "parts", "size", "fault", "done", "error", "ptype")

    def __init__(self, call_id: int) -> None:
        self.call_id = call_id
        self.ptype = 0
        self.event = threading.Event()
        self.parts: list[bytes | memoryview] = []
        self.size = 0
        self.fault: int | None = None
        self.error: BaseException | None = None
        self.done = False


class Connection:
    """One client association over TCP. Use :func:`connect` to make one.

    ``timeout`` (seconds, None for none) bounds connecting, binding and each call; a
    call that times out is cancelled (an orphaned PDU tells the server) and raises
    RpcError(RPC_S_CALL_CANCELLED). ``max_response`` bounds a reassembled response.
    """

    def __init__(self, sock: socket.socket, *, timeout: float | None = None,
                 auth: SecurityContext | None = None, max_frag: int = MAX_FRAG,
                 max_response: int = 256 << 20) -> None:
        self.sock = sock
        self.timeout = timeout
        self.auth = auth
        self.max_response = max_response
        self.max_xmit = max_frag
        self._reader = _Reader(sock, max_frag)
        self._send_lock = threading.RLock()  # held across signing and sending (call())
        self._read_lock = threading.Lock()
        self._state = threading.Lock()
        self._calls: dict[int, _Call] = {}
        self._ids = itertools.count(1)
        self._contexts: dict[tuple[UUID, tuple[int, int]], int] = {}
        self._next_ctx = 0
        self.assoc_group_id = 0
        self.closed = False
        self.broken: BaseException | None = None
        self._bind_lock = threading.Lock()

    # -- binding --------------------------------------------------------------------------
    def bind(self, iface: "Interface") -> "TcpTransport":
        """A transport for ``iface`` on this connection (bind or alter_context)."""
        syntax = _syntax_of(iface)
        with self._bind_lock:
            key = (syntax.uuid, syntax.version)
            ctx = self._contexts.get(key)
            if ctx is None:
                ctx = self._negotiate(syntax)
                self._contexts[key] = ctx
        return TcpTransport(self, ctx, iface.name)

    def _negotiate(self, syntax: Syntax) -> int:
        first = not self._contexts and self._next_ctx == 0
        ctx = self._next_ctx
        self._next_ctx += 2 if first else 1
        elems = [pdu.ContextElem(ctx, syntax, (Syntax(*pdu.NDR20),))]
        if first:  # offer bind-time features: keep the connection when a call is orphaned
            feat = UUID(bytes_le=pdu.BIND_TIME_PREFIX
                        + struct.pack("<Q", pdu.FEATURE_KEEP_CONNECTION_ON_ORPHAN))
            elems.append(pdu.ContextElem(ctx + 1, syntax, (Syntax(feat, (1, 0)),)))
        body = pdu.encode_bind(pdu.Bind(self.max_xmit, self.max_xmit, self.assoc_group_id,
                                        tuple(elems)))
        auth = self.auth
        token = auth.step(None) if auth is not None and first else None
        call = self._register()
        ptype = pdu.BIND if first else pdu.ALTER_CONTEXT
        flags = pdu.PFC_FIRST_FRAG | pdu.PFC_LAST_FRAG | (pdu.PFC_CONC_MPX if first else 0)
        self._send(pdu.with_auth(ptype, call.call_id, flags, body, auth, token))
        ptype_back, data = self._wait(call, self.timeout, "bind")
        if ptype_back == pdu.BIND_NAK:
            raise RpcError(RPC_S_CALL_FAILED, f"the server refused the bind (reason "
                           f"{pdu.decode_bind_nak(memoryview(data))})")
        if ptype_back not in (pdu.BIND_ACK, pdu.ALTER_CONTEXT_RESP):
            raise RpcError(RPC_S_PROTOCOL_ERROR, f"unexpected PDU type {ptype_back} to a bind")
        view = memoryview(data)
        h = pdu.parse_header(view)
        end = len(view)
        trailer = None
        if h.auth_length:
            end, trailer = pdu.split_auth(view, h.auth_length, pdu.HEADER_SIZE)
        ack = pdu.decode_bind_ack(view[pdu.HEADER_SIZE:end])
        if first:
            if ack.max_recv_frag < _MIN_FRAG:
                raise RpcError(RPC_S_PROTOCOL_ERROR, "the server's fragment size is too small")
            self.max_xmit = min(self.max_xmit, ack.max_recv_frag)
            self._reader.max_frag = max(ack.max_xmit_frag, _MIN_FRAG)
            self.assoc_group_id = ack.assoc_group_id
        if not ack.results or ack.results[0].result != pdu.ACCEPTANCE:
            reason = ack.results[0].reason if ack.results else 0
            raise RpcError(RPC_S_UNKNOWN_IF, f"the server does not offer interface "
                           f"{syntax.uuid} v{syntax.version[0]}.{syntax.version[1]} "
                           f"(reason {reason})")
        if auth is not None and trailer is not None:
            answer = auth.step(trailer.auth_value)
            if answer is not None and first:
                self._send(pdu.with_auth(pdu.AUTH3, call.call_id, pdu.PFC_FIRST_FRAG
                                         | pdu.PFC_LAST_FRAG, bytes(4), auth, answer))
        return ctx

    # -- calls ----------------------------------------------------------------------------
    def _register(self) -> _Call:
        with self._state:
            if self.broken is not None or self.closed:
                raise RpcError(RPC_S_SERVER_UNAVAILABLE, "the connection is closed"
                               + (f" ({self.broken})" if self.broken else ""))
            call = _Call(next(self._ids) & 0xFFFFFFFF or next(self._ids))
            self._calls[call.call_id] = call
            return call

    def _send(self, data: bytes | bytearray) -> None:
        try:
            with self._send_lock:
                self.sock.sendall(data)
        except OSError as exc:
            self._fail(exc)
            raise RpcError(RPC_S_SERVER_UNAVAILABLE, f"cannot send: {exc}") from None

    def call(self, context_id: int, opnum: int, stub: bytes | bytearray,
             timeout: float | None = None) -> bytes:
        """One request/response exchange; returns the response stub."""
        call = self._register()
        head = struct.pack("<IHH", 0, context_id, opnum)
        with self._send_lock:  # signatures carry sequence numbers: sign in sending order
            self._send(pdu.fragments(pdu.REQUEST, call.call_id, stub, self.max_xmit, head,
                                     self.auth))
        _, data = self._wait(call, self.timeout if timeout is None else timeout, opnum)
        return data

    def _wait(self, call: _Call, timeout: float | None, what: object) -> tuple[int, bytes]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not call.done:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                self._cancel(call)
                raise RpcError(RPC_S_CALL_CANCELLED, f"call {what} timed out after {timeout} s")
            if self._read_lock.acquire(blocking=False):
                try:
                    self._pump(call, deadline)
                finally:
                    self._read_lock.release()
                    self._wake_one()
            else:
                call.event.wait(left)
                call.event.clear()
        if call.error is not None:
            raise RpcError(RPC_S_SERVER_UNAVAILABLE, f"connection lost: {call.error}")
        if call.fault is not None:
            raise RpcError(call.fault, f"the server faulted call {what}")
        data = call.parts[0] if len(call.parts) == 1 else b"".join(call.parts)
        return call.ptype, bytes(data)

    def _wake_one(self) -> None:
        with self._state:
            for other in self._calls.values():
                if not other.done:
                    other.event.set()
                    return

    def _pump(self, mine: _Call, deadline: float | None) -> None:
        """Read PDUs until ``mine`` completes or ``deadline`` passes (the read lock is held)."""
        try:
            while not mine.done:
                h, frag = self._reader.read(deadline)
                self._deliver(h, frag)
        except (TimeoutError, socket.timeout):
            return
        except (OSError, ConnectionError, RpcError) as exc:
            self._fail(exc)

    def _deliver(self, h: pdu.Header, frag: memoryview) -> None:
        with self._state:
            call = self._calls.get(h.call_id)
        if call is None:
            return  # the answer to a call we cancelled
        if h.ptype == pdu.RESPONSE:
            _, start = pdu.decode_response(frag)
            end = len(frag)
            if self.auth is not None and self.auth.auth_level >= pdu.AUTHN_LEVEL_PKT_INTEGRITY \
                    and not h.auth_length:
                raise pdu.protocol_error("unsigned response on a signed connection")
            if h.auth_length and self.auth is not None:
                end, t = pdu.split_auth(frag, h.auth_length, start)
                buf = bytearray(frag[:len(frag) - h.auth_length])
                self.auth.unprotect(buf, start, end + t.pad_length, t.auth_value)
                frag = memoryview(bytes(buf))
            call.parts.append(frag[start:end])
            call.size += end - start
            if call.size > self.max_response:
                raise pdu.protocol_error("response larger than max_response")
            if not h.flags & pdu.PFC_LAST_FRAG:
                return
            call.ptype = pdu.RESPONSE
        elif h.ptype == pdu.FAULT:
            call.fault = pdu.decode_fault(frag)
        elif h.ptype in (pdu.BIND_ACK, pdu.BIND_NAK, pdu.ALTER_CONTEXT_RESP):
            call.parts = [frag]
            call.ptype = h.ptype
        else:
            raise pdu.protocol_error(f"unexpected PDU type {h.ptype} from the server")
        self._finish(call)

    def _finish(self, call: _Call) -> None:
        with self._state:
            self._calls.pop(call.call_id, None)
        call.done = True
        call.event.set()

    def _cancel(self, call: _Call) -> None:
        with self._state:
            self._calls.pop(call.call_id, None)
        try:
            with self._send_lock:
                self.sock.sendall(pdu.simple(pdu.ORPHANED, call.call_id))
        except OSError:
            pass

    def _fail(self, exc: BaseException) -> None:
        """The connection is unusable: every waiting call learns it."""
        with self._state:
            if self.broken is None:
                self.broken = exc
            calls = list(self._calls.values())
            self._calls.clear()
        for call in calls:
            call.error = exc
            call.done = True
            call.event.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        """Close the association (the server runs the rundowns of its context handles)."""
        if self.closed:
            return
        self.closed = True
        self._fail(ConnectionError("closed by the client"))
        self.sock.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class TcpTransport:
    """The transport a generated client calls: one presentation context of a connection."""

    def __init__(self, connection: Connection, context_id: int, name: str = "") -> None:
        self.connection = connection
        self.context_id = context_id
        self.name = name
        self.timeout: float | None = None

    def call(self, opnum: int, request: bytes) -> bytes:
        return self.connection.call(self.context_id, opnum, request, self.timeout)

    def close(self) -> None:
        self.connection.close()


def connect(binding: str | Binding, *, timeout: float | None = None,
            auth: SecurityContext | None = None, interface: "Interface | None" = None) -> Connection:
    """Open a connection; without a port, ask the endpoint mapper for ``interface``'s."""
    b = binding if isinstance(binding, Binding) else parse_binding(binding)
    port = b.port
    if port is None:
        if interface is None or interface.uuid is None:
            raise RpcError(RPC_S_INVALID_STRING_BINDING, "no port in the binding, and no "
                           "interface to look up in the endpoint mapper")
        from .epm import ept_map_port
        port = ept_map_port(b.host, interface.uuid, interface.version, timeout=timeout)
    try:
        sock = socket.create_connection((b.host, port), timeout=timeout)
    except OSError as exc:
        raise RpcError(RPC_S_SERVER_UNAVAILABLE, f"cannot connect to {b.host}:{port}: {exc}") \
            from None
    _tune(sock)
    sock.settimeout(None)  # calls wait with poll (see _wait_readable)
    return Connection(sock, timeout=timeout, auth=auth)


# ------------------------------------------------------------------------- server

class _Group:
    """An association group: connections sharing one context-handle table."""

    def __init__(self, gid: int, association: "Association") -> None:
        self.gid = gid
        self.association = association
        self.refs = 0


class _ServerConnection:
    def __init__(self, server: "Server", sock: socket.socket, peer: Any) -> None:
        self.server = server
        self.sock = sock
        self.peer = peer
        self.reader = _Reader(sock, server.max_frag)
        self.max_xmit = _MIN_FRAG
        self.send_lock = threading.RLock()  # held across signing and sending (execute())
        self.group: _Group | None = None
        self.contexts: dict[int, Dispatcher] = {}
        self.auth: SecurityContext | None = None
        self.partial: dict[int, tuple[pdu.Request, list[bytes | memoryview], int]] = {}
        self.buffered = 0  # bytes held in ``partial``
        self.running: dict[int, bool] = {}  # call_id -> orphaned
        self.slots = threading.Semaphore(server.max_calls)
        self.lock = threading.Lock()
        self.closed = False

    # -- the reader thread ----------------------------------------------------------------
    def run(self) -> None:
        server = self.server
        # the socket's own timeout bounds sending to a peer that does not read; reading
        # waits with poll for the idle and per-PDU deadlines
        self.sock.settimeout(server.send_timeout)
        try:
            while not self.closed:
                wait = server.pdu_timeout if self.partial else server.idle_timeout
                deadline = None if wait is None else time.monotonic() + wait
                h, frag = self.reader.read(deadline, server.pdu_timeout)
                self.handle(h, frag)
        except (TimeoutError, socket.timeout):
            self.server._note(f"{self.peer}: timed out")
        except (ConnectionError, OSError):
            pass
        except RpcError as exc:
            self.server._note(f"{self.peer}: {exc}")
        except Exception as exc:  # a bug of ours: record it, drop this connection only
            self.server._note(exc)
        finally:
            self.close()

    def handle(self, h: pdu.Header, frag: memoryview) -> None:
        if h.ptype == pdu.REQUEST:
            self.request(h, frag)
        elif h.ptype in (pdu.BIND, pdu.ALTER_CONTEXT):
            self.bind(h, frag)
        elif h.ptype == pdu.AUTH3:
            if self.auth is None or not h.auth_length:
                raise pdu.protocol_error("auth3 without a security context")
            _, t = pdu.split_auth(frag, h.auth_length, pdu.HEADER_SIZE)
            try:
                self.auth.step(t.auth_value)
            except RpcError as exc:  # refused: the client learns it from its first call
                self.server._note(f"{self.peer}: {exc}")
        elif h.ptype in (pdu.CO_CANCEL, pdu.ORPHANED):
            with self.lock:
                dropped = self.partial.pop(h.call_id, None)
                if dropped is not None:
                    self.buffered -= dropped[2]
                if h.call_id in self.running:
                    self.running[h.call_id] = True
        elif h.ptype == pdu.SHUTDOWN:
            raise ConnectionError("shutdown")
        else:
            raise pdu.protocol_error(f"unexpected PDU type {h.ptype} from a client")

    def bind(self, h: pdu.Header, frag: memoryview) -> None:
        end = len(frag)
        trailer = None
        if h.auth_length:
            end, trailer = pdu.split_auth(frag, h.auth_length, pdu.HEADER_SIZE)
        b = pdu.decode_bind(frag[pdu.HEADER_SIZE:end])
        first = h.ptype == pdu.BIND
        if first != (self.group is None):
            raise pdu.protocol_error("bind on a bound connection, or alter_context before bind")
        if first:
            if b.max_recv_frag < _MIN_FRAG or b.max_xmit_frag < _MIN_FRAG:
                self.send(pdu.simple(pdu.BIND_NAK, h.call_id, body=pdu.encode_bind_nak(
                    pdu.NAK_LOCAL_LIMIT_EXCEEDED)))
                raise ConnectionError("fragment sizes below the minimum")
            self.group = self.server._join(b.assoc_group_id)
            if self.group is None:
                self.send(pdu.simple(pdu.BIND_NAK, h.call_id, body=pdu.encode_bind_nak(
                    pdu.NAK_NOT_SPECIFIED)))
                raise ConnectionError(f"unknown association group {b.assoc_group_id:#x}")
            self.max_xmit = min(b.max_recv_frag, self.server.max_frag)
            self.reader.max_frag = min(b.max_xmit_frag, self.server.max_frag)
        results = []
        for c in b.contexts:
            results.append(self.server._accept(self, c))
        token = None
        if trailer is not None:
            if self.auth is None:
                self.auth = self.server._security(trailer)
                if self.auth is None:
                    self.send(pdu.simple(pdu.BIND_NAK, h.call_id, body=pdu.encode_bind_nak(
                        pdu.NAK_INVALID_AUTH_TYPE)))
                    raise ConnectionError(f"unsupported authentication type {trailer.auth_type}")
            token = self.auth.step(trailer.auth_value)
        sec_addr = (str(self.server.port).encode() + b"\0") if first else b""
        ack = pdu.BindAck(self.max_xmit, self.reader.max_frag, self.group.gid if self.group
                          else 0, sec_addr, tuple(results))
        flags = pdu.PFC_FIRST_FRAG | pdu.PFC_LAST_FRAG | (h.flags & pdu.PFC_CONC_MPX)
        ptype = pdu.BIND_ACK if first else pdu.ALTER_CONTEXT_RESP
        self.send(pdu.with_auth(ptype, h.call_id, flags, pdu.encode_bind_ack(ack),
                                self.auth, token))

    def request(self, h: pdu.Header, frag: memoryview) -> None:
        if self.group is None:
            raise pdu.protocol_error("request before bind")
        req = pdu.decode_request(frag, h.flags)
        end = len(frag)
        if self.auth is not None:
            try:  # a bad signature, or no finished authentication: fault, then hang up
                if not self.auth.established:
                    raise RpcError(RPC_S_ACCESS_DENIED, "the client is not authenticated")
                if h.auth_length:
                    end, t = pdu.split_auth(frag, h.auth_length, req.stub_start)
                    buf = bytearray(frag[:len(frag) - h.auth_length])
                    self.auth.unprotect(buf, req.stub_start, end + t.pad_length, t.auth_value)
                    frag = memoryview(bytes(buf))
            except RpcError as exc:
                self.send(pdu.encode_fault(h.call_id, req.context_id, exc.status))
                raise
        if h.auth_length:
            if self.auth is None:
                raise pdu.protocol_error("authenticated request without a security context")
        elif self.auth is not None and self.auth.auth_level >= pdu.AUTHN_LEVEL_PKT_INTEGRITY:
            raise pdu.protocol_error("unsigned request on a signed association")
        piece = frag[req.stub_start:end]
        with self.lock:
            entry = self.partial.get(h.call_id)
            if h.flags & pdu.PFC_FIRST_FRAG:
                if entry is not None or h.call_id in self.running:
                    raise pdu.protocol_error(f"call_id {h.call_id} reused while in progress")
                if len(self.partial) >= self.server.max_calls:
                    raise pdu.protocol_error("too many calls being reassembled")
                entry = (req, [], 0)
            elif entry is None:
                raise pdu.protocol_error(f"fragment of unknown call {h.call_id}")
            first, parts, size = entry
            self.buffered += len(piece)
            if self.buffered > self.server.max_request:
                raise pdu.protocol_error(f"requests larger than {self.server.max_request} bytes")
            parts.append(piece)
            if not h.flags & pdu.PFC_LAST_FRAG:
                self.partial[h.call_id] = (first, parts, size + len(piece))
                return
            self.partial.pop(h.call_id, None)
            self.buffered -= size + len(piece)
            self.running[h.call_id] = False
        stub = bytes(parts[0]) if len(parts) == 1 else b"".join(parts)
        self.slots.acquire()  # at most max_calls running: stop reading until one ends
        self.server._pool.submit(self.execute, h.call_id, first, stub)

    # -- a worker -------------------------------------------------------------------------
    def execute(self, call_id: int, req: pdu.Request, stub: bytes | memoryview) -> None:
        try:
            disp = self.contexts.get(req.context_id)
            assert self.group is not None
            if disp is None:
                reply_status, body = RPC_S_UNKNOWN_IF, b""
            else:
                caller = rpcauth.CALLER.set(getattr(self.auth, "info", None))
                try:
                    reply = disp.dispatch(self.group.association, req.opnum, bytes(stub))
                    reply_status, body = reply.status, reply.body
                except Exception as exc:  # a defect below the dispatcher: fault, keep serving
                    disp.errors.append(exc)
                    reply_status, body = RPC_S_CALL_FAILED, b""
                finally:
                    rpcauth.CALLER.reset(caller)
            with self.lock:
                orphaned = self.running.pop(call_id, False)
            if orphaned or self.closed:
                return
            if reply_status:
                self.send(pdu.encode_fault(call_id, req.context_id, reply_status,
                                           pdu.PFC_DID_NOT_EXECUTE if reply_status in (
                                               RPC_S_UNKNOWN_IF, RPC_S_PROCNUM_OUT_OF_RANGE,
                                               RPC_X_BAD_STUB_DATA) else 0))
            else:
                head = struct.pack("<IHBB", 0, req.context_id, 0, 0)
                with self.send_lock:  # signatures carry sequence numbers: sign in sending order
                    self.send(pdu.fragments(pdu.RESPONSE, call_id, body, self.max_xmit, head,
                                            self.auth))
        except (OSError, ConnectionError):
            self.close()
        except Exception as exc:
            self.server._note(exc)
            self.close()
        finally:
            self.slots.release()

    def send(self, data: bytes | bytearray) -> None:
        with self.send_lock:
            self.sock.sendall(data)

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.server._leave(self)


class Server:
    """A running DCE/RPC server on ``host``:``port`` (0: any free port; see ``.port``).

    ``dispatchers`` are the interfaces served (generated ``<I>Server`` objects);
    ``auth`` (optional) makes a :class:`SecurityContext` for a bind's sec_trailer:
    ``auth(auth_type, auth_level) -> context or None`` (None refuses the bind).
    ``errors`` collects what went wrong: the dispatchers' records plus connections
    dropped for protocol errors or timeouts (the last 64).
    """

    def __init__(self, dispatchers: Iterable["Dispatcher"], host: str = "127.0.0.1",
                 port: int = 0, *, auth: Callable[[int, int], SecurityContext | None] | None = None,
                 max_request: int = 16 << 20, max_connections: int = 256, max_calls: int = 16,
                 idle_timeout: float | None = 600.0, pdu_timeout: float = 30.0,
                 send_timeout: float = 60.0, workers: int = 64) -> None:
        import collections
        self.dispatchers = list(dispatchers)
        self.by_syntax: dict[tuple[UUID, tuple[int, int]], Dispatcher] = {}
        for d in self.dispatchers:
            self.by_syntax[(_syntax_of(d.interface).uuid, d.interface.version)] = d
        self.auth = auth
        self.max_frag = MAX_FRAG
        self.max_request = max_request
        self.max_connections = max_connections
        self.max_calls = max_calls
        self.idle_timeout = idle_timeout
        self.pdu_timeout = pdu_timeout
        self.send_timeout = send_timeout
        self._errors: collections.deque[Any] = collections.deque(maxlen=64)
        self._groups: dict[int, _Group] = {}
        self._conns: set[_ServerConnection] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="midlpy-rpc")
        self._listener = socket.create_server((host, port))
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name=f"midlpy-rpc-accept-{self.port}")
        self._thread.start()

    @property
    def binding(self) -> str:
        return f"ncacn_ip_tcp:{self.host}[{self.port}]"

    @property
    def errors(self) -> list[Any]:
        """What went wrong, oldest first: the dispatchers' records and dropped connections."""
        out: list[Any] = list(self._errors)
        for d in self.dispatchers:
            out += list(d.errors)
        return out

    def _note(self, what: Any) -> None:
        self._errors.append(what)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                sock, peer = self._listener.accept()
            except OSError:
                if self._closed:
                    return
                continue
            with self._lock:
                if len(self._conns) >= self.max_connections or self._closed:
                    # noted before the close, so a peer that sees the close finds the note
                    self._note(f"{peer}: refused, {self.max_connections} connections open")
                    sock.close()
                    continue
                _tune(sock)
                conn = _ServerConnection(self, sock, peer)
                self._conns.add(conn)
            threading.Thread(target=conn.run, daemon=True,
                             name=f"midlpy-rpc-conn-{peer[1]}").start()

    def _join(self, gid: int) -> _Group | None:
        from .rpc import Association
        with self._lock:
            if gid:
                group = self._groups.get(gid)
                if group is None:
                    return None
            else:
                while True:
                    gid = random.randrange(0x1000, 0xFFFFFFFF)
                    if gid not in self._groups:
                        break
                group = self._groups[gid] = _Group(gid, Association())
            group.refs += 1
            return group

    def _leave(self, conn: _ServerConnection) -> None:
        group = conn.group
        with self._lock:
            self._conns.discard(conn)
            if group is None:
                return
            group.refs -= 1
            last = group.refs == 0
            if last:
                self._groups.pop(group.gid, None)
        if last:
            group.association.close()
            for exc in group.association.rundown_errors:
                self._note(exc)

    def _accept(self, conn: _ServerConnection, c: pdu.ContextElem) -> pdu.Result:
        t0 = c.transfers[0]
        if t0.uuid.bytes_le[:8] == pdu.BIND_TIME_PREFIX:
            return pdu.Result(pdu.NEGOTIATE_ACK, pdu.FEATURE_KEEP_CONNECTION_ON_ORPHAN
                              & struct.unpack("<Q", t0.uuid.bytes_le[8:])[0],
                              Syntax(UUID(int=0), (0, 0)))
        disp = self.by_syntax.get((c.abstract.uuid, c.abstract.version))
        if disp is None:
            return pdu.Result(pdu.PROVIDER_REJECTION, pdu.ABSTRACT_SYNTAX_NOT_SUPPORTED,
                              Syntax(UUID(int=0), (0, 0)))
        for t in c.transfers:
            if (t.uuid, t.version) == pdu.NDR20:
                old = conn.contexts.get(c.context_id)
                if old is not None and old is not disp:
                    return pdu.Result(pdu.PROVIDER_REJECTION, pdu.REASON_NOT_SPECIFIED,
                                      Syntax(UUID(int=0), (0, 0)))
                conn.contexts[c.context_id] = disp
                return pdu.Result(pdu.ACCEPTANCE, 0, t)
        return pdu.Result(pdu.PROVIDER_REJECTION, pdu.TRANSFER_SYNTAXES_NOT_SUPPORTED,
                          Syntax(UUID(int=0), (0, 0)))

    def _security(self, trailer: pdu.SecTrailer) -> SecurityContext | None:
        if self.auth is None:
            return None
        ctx = self.auth(trailer.auth_type, trailer.auth_level)
        if ctx is not None:
            ctx.auth_context_id = trailer.context_id  # answers carry the client's id
        return ctx

    def close(self) -> None:
        """Stop accepting, close every connection (running their rundowns), stop workers."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conns = list(self._conns)
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        for conn in conns:
            conn.close()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def serve(binding: str | Binding, *dispatchers: "Dispatcher", **options: Any) -> Server:
    """Serve ``dispatchers`` on ``binding`` (``ncacn_ip_tcp:HOST[PORT]``; no port: any free
    one, see ``.port``)."""
    b = binding if isinstance(binding, Binding) else parse_binding(binding)
    if not dispatchers:
        raise TypeError("serve needs at least one <Interface>Server")
    return Server(dispatchers, b.host, b.port or 0, **options)
