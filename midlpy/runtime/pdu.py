"""Connection-oriented DCE/RPC PDUs (C706 chapter 12, [MS-RPCE] 2.2.2 and 2.2.3).

Every PDU starts with the 16-byte common header; the kinds used over TCP follow, each
encoder beside its decoder. Integers are little-endian (we always send data
representation 0x10: ASCII, little-endian, IEEE) and we refuse any other representation
we receive, as every Windows and Samba peer sends this one.

Security providers ([MS-RPCE] 2.2.2.11 sec_trailer, 3.3.1.5.2) plug in through
:class:`SecurityContext`: the transport asks it for tokens during the bind legs (bind,
bind_ack, auth3, alter_context) and lets it sign or seal each request and response
body. This module only lays out the bytes around its tokens.
"""

from __future__ import annotations

import struct
from typing import NamedTuple, Protocol
from uuid import UUID

from .errors import (RPC_S_ACCESS_DENIED, RPC_S_CALL_CANCELLED, RPC_S_CALL_FAILED,
                     RPC_S_OUT_OF_MEMORY, RPC_S_PROCNUM_OUT_OF_RANGE, RPC_S_PROTOCOL_ERROR,
                     RPC_S_SERVER_TOO_BUSY, RPC_S_UNKNOWN_IF, RPC_S_UNSUPPORTED_TRANS_SYN,
                     RPC_X_SS_CONTEXT_MISMATCH, RpcError)

# PDU types (C706 12.6.4.1).
REQUEST, RESPONSE, FAULT = 0, 2, 3
BIND, BIND_ACK, BIND_NAK, ALTER_CONTEXT, ALTER_CONTEXT_RESP = 11, 12, 13, 14, 15
AUTH3, SHUTDOWN, CO_CANCEL, ORPHANED = 16, 17, 18, 19

# pfc_flags (C706 12.6.3.1; 0x04 means "supports header signing" in a bind, [MS-RPCE] 2.2.2.3).
PFC_FIRST_FRAG, PFC_LAST_FRAG, PFC_PENDING_CANCEL = 0x01, 0x02, 0x04
PFC_CONC_MPX, PFC_DID_NOT_EXECUTE, PFC_MAYBE, PFC_OBJECT_UUID = 0x10, 0x20, 0x40, 0x80

# p_cont_def_result_t and reasons (C706 12.6.3.1; [MS-RPCE] 2.2.2.4 adds negotiate_ack).
ACCEPTANCE, USER_REJECTION, PROVIDER_REJECTION, NEGOTIATE_ACK = 0, 1, 2, 3
REASON_NOT_SPECIFIED, ABSTRACT_SYNTAX_NOT_SUPPORTED, TRANSFER_SYNTAXES_NOT_SUPPORTED = 0, 1, 2
# bind_nak reasons.
NAK_NOT_SPECIFIED, NAK_LOCAL_LIMIT_EXCEEDED, NAK_PROTOCOL_VERSION_NOT_SUPPORTED = 0, 2, 4
NAK_INVALID_AUTH_TYPE = 8

#: NDR 2.0, the transfer syntax spoken here; NDR64 is refused (C706 14; [MS-RPCE] 2.2.4.12).
NDR20 = (UUID("8a885d04-1ceb-11c9-9fe8-08002b104860"), (2, 0))
NDR64 = (UUID("71710533-beba-4937-8319-b5dbef9ccc36"), (1, 0))
#: Bind-time feature negotiation ([MS-RPCE] 3.3.1.5.3): the first 8 bytes of the uuid mark
#: it, the next 8 hold the client's feature bits.
BIND_TIME_PREFIX = UUID("6cb71c2c-9812-4540-0000-000000000000").bytes_le[:8]
FEATURE_KEEP_CONNECTION_ON_ORPHAN = 0x0002

HEADER = struct.Struct("<BBBB4sHHI")  # vers, minor, ptype, flags, drep, frag_len, auth_len, call_id
HEADER_SIZE = 16
DREP = b"\x10\x00\x00\x00"
_REQUEST = struct.Struct("<IHH")  # alloc_hint, p_cont_id, opnum
_RESPONSE = struct.Struct("<IHBB")  # alloc_hint, p_cont_id, cancel_count, reserved
_FAULT = struct.Struct("<IHBBII")  # ... status, reserved
_BIND = struct.Struct("<HHI")  # max_xmit_frag, max_recv_frag, assoc_group_id
_SYNTAX = struct.Struct("<16sHH")
SEC_TRAILER = struct.Struct("<BBBBI")  # auth_type, level, pad_length, reserved, context_id
SEC_TRAILER_SIZE = 8
REQUEST_OVERHEAD = HEADER_SIZE + _REQUEST.size  # 24 bytes before the stub
RESPONSE_OVERHEAD = HEADER_SIZE + _RESPONSE.size

# Authentication levels ([MS-RPCE] 2.2.1.1.8).
AUTHN_LEVEL_NONE, AUTHN_LEVEL_CONNECT, AUTHN_LEVEL_CALL = 1, 2, 3
AUTHN_LEVEL_PKT, AUTHN_LEVEL_PKT_INTEGRITY, AUTHN_LEVEL_PKT_PRIVACY = 4, 5, 6

# Fault statuses on the wire (nca_s_*, C706 appendix E; [MS-RPCE] 2.3.1) and the Windows
# status each stands for. Statuses not listed travel as they are (Windows sends its
# RPC_X_* and error numbers unchanged).
NCA_S_OP_RNG_ERROR = 0x1C010002
NCA_S_UNK_IF = 0x1C010003
NCA_S_PROTO_ERROR = 0x1C01000B
NCA_S_SERVER_TOO_BUSY = 0x1C010014
NCA_S_FAULT_CANCEL = 0x1C00000D
NCA_S_FAULT_UNSPEC = 0x1C000012
NCA_S_FAULT_CONTEXT_MISMATCH = 0x1C00001A
NCA_S_FAULT_REMOTE_NO_MEMORY = 0x1C00001B
NCA_S_UNSUPPORTED_TYPE = 0x1C010017
NCA_S_FAULT_ACCESS_DENIED = 5
_TO_NCA = {
    RPC_S_PROCNUM_OUT_OF_RANGE: NCA_S_OP_RNG_ERROR,
    RPC_S_UNKNOWN_IF: NCA_S_UNK_IF,
    RPC_S_PROTOCOL_ERROR: NCA_S_PROTO_ERROR,
    RPC_S_SERVER_TOO_BUSY: NCA_S_SERVER_TOO_BUSY,
    RPC_S_CALL_CANCELLED: NCA_S_FAULT_CANCEL,
    RPC_S_CALL_FAILED: NCA_S_FAULT_UNSPEC,
    RPC_X_SS_CONTEXT_MISMATCH: NCA_S_FAULT_CONTEXT_MISMATCH,
    RPC_S_OUT_OF_MEMORY: NCA_S_FAULT_REMOTE_NO_MEMORY,
    RPC_S_UNSUPPORTED_TRANS_SYN: NCA_S_UNSUPPORTED_TYPE,
}
_FROM_NCA = {v: k for k, v in _TO_NCA.items()}
_FROM_NCA[NCA_S_FAULT_ACCESS_DENIED] = RPC_S_ACCESS_DENIED


def nca_status(status: int) -> int:
    """The fault status to send for a Windows status."""
    return _TO_NCA.get(status, status)


def win32_status(nca: int) -> int:
    """The Windows status a received fault status stands for."""
    return _FROM_NCA.get(nca, nca)


def protocol_error(message: str) -> RpcError:
    return RpcError(RPC_S_PROTOCOL_ERROR, message)


# ------------------------------------------------------------------------- security hook

class SecurityContext(Protocol):
    """One side of an authenticated association (issue "Authenticated RPC").

    ``step`` is called with the peer's token (None for the client's first call) and
    returns the token to send back, or None when there is nothing to send; the client
    calls it for bind (None), bind_ack, and alter_context_resp, and sends a non-None
    answer to a bind_ack in an auth3 PDU; the server calls it for bind, auth3 and
    alter_context and puts its answers in bind_ack / alter_context_resp. At packet
    integrity and privacy, every request and response fragment goes through
    ``protect`` (outgoing: returns the ``signature_size`` byte auth_value, and seals
    ``pdu[start:end]`` in place at privacy) and ``unprotect`` (incoming: raises
    :class:`RpcError` for a bad signature, unseals in place). ``pdu`` holds the whole
    fragment up to and including its sec_trailer, with ``auth_length`` already set.
    """

    auth_type: int
    auth_level: int
    auth_context_id: int
    signature_size: int

    @property
    def established(self) -> bool:
        """Whether authentication has finished: no call runs before."""

    def step(self, token: bytes | None) -> bytes | None: ...

    def protect(self, pdu: bytearray, start: int, end: int) -> bytes: ...

    def unprotect(self, pdu: bytearray, start: int, end: int, auth_value: bytes) -> None: ...


class SecTrailer(NamedTuple):
    auth_type: int
    auth_level: int
    pad_length: int
    context_id: int
    auth_value: bytes


def sec_trailer(auth_type: int, level: int, pad: int, context_id: int) -> bytes:
    return SEC_TRAILER.pack(auth_type, level, pad, 0, context_id)


def split_auth(pdu: memoryview | bytes, auth_length: int, body_start: int) -> tuple[int, SecTrailer]:
    """Where the body ends and the sec_trailer of a PDU with ``auth_length`` > 0."""
    end = len(pdu) - auth_length - SEC_TRAILER_SIZE
    if end < body_start:
        raise protocol_error("auth_length runs past the PDU body")
    t, lvl, pad, _, ctx = SEC_TRAILER.unpack_from(pdu, end)
    if pad > end - body_start:
        raise protocol_error("auth_pad_length runs past the PDU body")
    return end - pad, SecTrailer(t, lvl, pad, ctx, bytes(pdu[end + SEC_TRAILER_SIZE:]))


# ------------------------------------------------------------------------- header

class Header(NamedTuple):
    ptype: int
    flags: int
    frag_length: int
    auth_length: int
    call_id: int


def parse_header(data: bytes | bytearray | memoryview) -> Header:
    """The common header of the PDU at the start of ``data`` (16 bytes or more)."""
    vers, minor, ptype, flags, drep, frag_len, auth_len, call_id = HEADER.unpack_from(data)
    if vers != 5 or minor > 1:
        raise protocol_error(f"unsupported RPC version {vers}.{minor}")
    if drep[0] != 0x10 or drep[1] != 0:
        raise protocol_error("only little-endian ASCII/IEEE data representation is supported")
    if frag_len < HEADER_SIZE or auth_len > frag_len - HEADER_SIZE:
        raise protocol_error(f"bad fragment length {frag_len} (auth_length {auth_len})")
    return Header(ptype, flags, frag_len, auth_len, call_id)


def pack_header(buf: bytearray, offset: int, ptype: int, flags: int, frag_length: int,
                auth_length: int, call_id: int) -> None:
    HEADER.pack_into(buf, offset, 5, 0, ptype, flags, DREP, frag_length, auth_length, call_id)


def simple(ptype: int, call_id: int, flags: int = PFC_FIRST_FRAG | PFC_LAST_FRAG,
           body: bytes = b"") -> bytes:
    """A PDU made of the header and ``body`` (shutdown, orphaned, co_cancel, auth3...)."""
    out = bytearray(HEADER_SIZE)
    pack_header(out, 0, ptype, flags, HEADER_SIZE + len(body), 0, call_id)
    return bytes(out + body)


def with_auth(ptype: int, call_id: int, flags: int, body: bytes, auth: SecurityContext | None,
              token: bytes | None) -> bytes:
    """A bind-leg PDU: ``body`` then, when there is a token, the sec_trailer and token."""
    if auth is None or token is None:
        return simple(ptype, call_id, flags, body)
    pad = -len(body) % 4
    tail = sec_trailer(auth.auth_type, auth.auth_level, pad, auth.auth_context_id) + token
    out = bytearray(HEADER_SIZE) + body + bytes(pad) + tail
    pack_header(out, 0, ptype, flags, len(out), len(token), call_id)
    return bytes(out)


# ------------------------------------------------------------------------- bind family

class Syntax(NamedTuple):
    uuid: UUID
    version: tuple[int, int]


class ContextElem(NamedTuple):
    context_id: int
    abstract: Syntax
    transfers: tuple[Syntax, ...]


class Bind(NamedTuple):
    """bind and alter_context (C706 12.6.4.3 and 12.6.4.1)."""

    max_xmit_frag: int
    max_recv_frag: int
    assoc_group_id: int
    contexts: tuple[ContextElem, ...]


class Result(NamedTuple):
    result: int
    reason: int  # for negotiate_ack: the server's feature bits
    transfer: Syntax


class BindAck(NamedTuple):
    """bind_ack and alter_context_resp."""

    max_xmit_frag: int
    max_recv_frag: int
    assoc_group_id: int
    sec_addr: bytes
    results: tuple[Result, ...]


def _syntax(s: Syntax) -> bytes:
    return _SYNTAX.pack(s.uuid.bytes_le, s.version[0], s.version[1])


def _read_syntax(data: memoryview, pos: int) -> Syntax:
    u, major, minor = _SYNTAX.unpack_from(data, pos)
    return Syntax(UUID(bytes_le=bytes(u)), (major, minor))


def encode_bind(b: Bind) -> bytes:
    out = [_BIND.pack(b.max_xmit_frag, b.max_recv_frag, b.assoc_group_id),
           struct.pack("<BBH", len(b.contexts), 0, 0)]
    for c in b.contexts:
        out.append(struct.pack("<HBB", c.context_id, len(c.transfers), 0))
        out.append(_syntax(c.abstract))
        out += [_syntax(t) for t in c.transfers]
    return b"".join(out)


def decode_bind(body: memoryview) -> Bind:
    try:
        xmit, recv, group = _BIND.unpack_from(body, 0)
        n = body[8]
        pos = 12
        contexts = []
        for _ in range(n):
            cid, nt, _r = struct.unpack_from("<HBB", body, pos)
            abstract = _read_syntax(body, pos + 4)
            pos += 24
            transfers = tuple(_read_syntax(body, pos + 20 * i) for i in range(nt))
            pos += 20 * nt
            if not nt:
                raise protocol_error("a presentation context offers no transfer syntax")
            contexts.append(ContextElem(cid, abstract, transfers))
    except (struct.error, IndexError):
        raise protocol_error("truncated bind PDU") from None
    return Bind(xmit, recv, group, tuple(contexts))


def encode_bind_ack(a: BindAck) -> bytes:
    """Body of bind_ack/alter_context_resp; the results start 4-aligned in the PDU."""
    head = _BIND.pack(a.max_xmit_frag, a.max_recv_frag, a.assoc_group_id)
    addr = struct.pack("<H", len(a.sec_addr)) + a.sec_addr
    addr += bytes(-(HEADER_SIZE + len(head) + len(addr)) % 4)
    res = [struct.pack("<BBH", len(a.results), 0, 0)]
    res += [struct.pack("<HH", r.result, r.reason) + _syntax(r.transfer) for r in a.results]
    return head + addr + b"".join(res)


def decode_bind_ack(body: memoryview) -> BindAck:
    try:
        xmit, recv, group = _BIND.unpack_from(body, 0)
        (n_addr,) = struct.unpack_from("<H", body, 8)
        addr = bytes(body[10:10 + n_addr])
        pos = 10 + n_addr
        pos += -(HEADER_SIZE + pos) % 4
        n = body[pos]
        pos += 4
        results = []
        for _ in range(n):
            result, reason = struct.unpack_from("<HH", body, pos)
            results.append(Result(result, reason, _read_syntax(body, pos + 4)))
            pos += 24
    except (struct.error, IndexError):
        raise protocol_error("truncated bind_ack PDU") from None
    return BindAck(xmit, recv, group, addr, tuple(results))


def encode_bind_nak(reason: int) -> bytes:
    # reason, then the protocol versions supported: one, 5.0 (C706 12.6.4.5)
    return struct.pack("<HBBB", reason, 1, 5, 0) + bytes(3)


def decode_bind_nak(body: memoryview) -> int:
    if len(body) < 2:
        raise protocol_error("truncated bind_nak PDU")
    return int(struct.unpack_from("<H", body)[0])


# ------------------------------------------------------------------------- calls

class Request(NamedTuple):
    alloc_hint: int
    context_id: int
    opnum: int
    stub_start: int  # offset of the stub data within the PDU


def decode_request(pdu: memoryview, flags: int) -> Request:
    if len(pdu) < REQUEST_OVERHEAD:
        raise protocol_error("truncated request PDU")
    hint, cid, opnum = _REQUEST.unpack_from(pdu, HEADER_SIZE)
    start = REQUEST_OVERHEAD + (16 if flags & PFC_OBJECT_UUID else 0)
    if start > len(pdu):
        raise protocol_error("truncated request PDU")
    return Request(hint, cid, opnum, start)


def decode_response(pdu: memoryview) -> tuple[int, int]:
    """(context id, offset of the stub data) of a response PDU."""
    if len(pdu) < RESPONSE_OVERHEAD:
        raise protocol_error("truncated response PDU")
    return _RESPONSE.unpack_from(pdu, HEADER_SIZE)[1], RESPONSE_OVERHEAD


def encode_fault(call_id: int, context_id: int, status: int, flags: int = 0) -> bytes:
    out = bytearray(HEADER_SIZE + _FAULT.size)
    pack_header(out, 0, FAULT, PFC_FIRST_FRAG | PFC_LAST_FRAG | flags, len(out), 0, call_id)
    _FAULT.pack_into(out, HEADER_SIZE, 0, context_id, 0, 0, nca_status(status), 0)
    return bytes(out)


def decode_fault(pdu: memoryview) -> int:
    """The Windows status of a fault PDU."""
    if len(pdu) < HEADER_SIZE + 12:
        raise protocol_error("truncated fault PDU")
    return win32_status(struct.unpack_from("<I", pdu, HEADER_SIZE + 8)[0])


def fragments(ptype: int, call_id: int, stub: bytes | bytearray | memoryview, max_frag: int,
              head: bytes, auth: SecurityContext | None = None, flags: int = 0) -> bytearray:
    """A request or response cut into fragments of at most ``max_frag`` bytes, back to back.

    ``head`` is the per-fragment header after the common one (its first four bytes, the
    alloc_hint, are rewritten to the bytes left). Each fragment's stub is a multiple of
    8 bytes except the last, so NDR alignment survives reassembly; with a security
    context at packet integrity or above, each fragment carries its sec_trailer and the
    provider's signature.
    """
    stub = memoryview(stub)
    total = len(stub)
    fixed = HEADER_SIZE + len(head)
    signed = auth is not None and auth.auth_level >= AUTHN_LEVEL_PKT_INTEGRITY
    extra = SEC_TRAILER_SIZE + auth.signature_size + 15 if signed and auth else 0
    chunk = (max_frag - fixed - extra) & ~7
    if chunk <= 0:
        raise protocol_error(f"fragment size {max_frag} leaves no room for data")
    out = bytearray()
    pos = 0
    while True:
        n = min(chunk, total - pos)
        fl = flags | (PFC_FIRST_FRAG if pos == 0 else 0)
        if pos + n == total:
            fl |= PFC_LAST_FRAG
        start = len(out)
        out += HEADER.pack(5, 0, ptype, fl, DREP, 0, 0, call_id)
        out += head
        struct.pack_into("<I", out, start + HEADER_SIZE, total - pos)
        out += stub[pos:pos + n]
        if signed and auth is not None:
            pad = -n % 16  # [MS-RPCE] 2.2.2.11: the trailer starts 16-aligned in the stub
            out += bytes(pad)
            out += sec_trailer(auth.auth_type, auth.auth_level, pad, auth.auth_context_id)
            size = len(out) - start + auth.signature_size
            pack_header(out, start, ptype, fl, size, auth.signature_size, call_id)
            frag = bytearray(out[start:])
            value = auth.protect(frag, fixed, fixed + n + pad)
            out[start:] = frag
            out += value
        else:
            struct.pack_into("<H", out, start + 8, len(out) - start)
        pos += n
        if pos >= total:
            return out
