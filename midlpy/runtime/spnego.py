"""SPNEGO ([RFC 4178], [MS-SPNG]) carrying NTLM: DCE/RPC auth type 9, server side.

Samba's and Windows' clients offer SPNEGO first. Its tokens are DER: the client's first one
is a GSS-API InitialContextToken holding a NegTokenInit (the mechanisms it offers and,
optimistically, the first mechanism's token); every later token either way is a
NegTokenResp. Only NTLM is accepted. After NTLM completes, each side signs the DER list of
offered mechanisms with its NTLM session (the mechListMIC), which uses up sequence number 0
in each direction but leaves the RC4 streams as they were.
"""

from __future__ import annotations

from typing import Callable

from .ntlm import NtlmError, NtlmSession

__all__ = ["NTLMSSP_OID", "SPNEGO_OID", "SpnegoNtlmServer"]

SPNEGO_OID = bytes.fromhex("2b0601050502")                # 1.3.6.1.5.5.2
NTLMSSP_OID = bytes.fromhex("2b06010401823702020a")       # 1.3.6.1.4.1.311.2.2.10
ACCEPT_COMPLETED, ACCEPT_INCOMPLETE, REJECT = 0, 1, 2
_MAX_DEPTH = 8


def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        return bytes([tag, n]) + value
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + value


def _read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, end) of the DER element at ``pos``."""
    try:
        tag = data[pos]
        n = data[pos + 1]
        pos += 2
        if n & 0x80:
            count = n & 0x7F
            if not 1 <= count <= 4:
                raise NtlmError("SPNEGO token has a bad length")
            n = int.from_bytes(data[pos:pos + count], "big")
            pos += count
    except IndexError:
        raise NtlmError("SPNEGO token truncated") from None
    if pos + n > len(data):
        raise NtlmError("SPNEGO token truncated")
    return tag, data[pos:pos + n], pos + n


def _fields(seq: bytes) -> dict[int, bytes]:
    """The context-tagged fields [0], [1]... of a SEQUENCE's content (explicit tags)."""
    out: dict[int, bytes] = {}
    pos = 0
    while pos < len(seq):
        tag, value, pos = _read(seq, pos)
        if tag & 0xE0 != 0xA0:
            raise NtlmError("SPNEGO token has an unexpected field")
        out[tag & 0x1F] = value
    return out


def _choice(data: bytes, tag: int, name: str) -> dict[int, bytes]:
    """The fields of the NegotiationToken ``data``, which must be the ``name`` choice."""
    got, body, _ = _read(data)
    if got != tag:
        raise NtlmError(f"expected an SPNEGO {name}")
    got, seq, _ = _read(body)
    if got != 0x30:
        raise NtlmError(f"malformed SPNEGO {name}")
    return _fields(seq)


def _octets(field: bytes) -> bytes:
    tag, value, _ = _read(field)
    if tag != 0x04:
        raise NtlmError("SPNEGO token field is not an OCTET STRING")
    return value


def neg_token_resp(state: int | None = None, mech: bytes | None = None,
                   token: bytes | None = None, mic: bytes | None = None) -> bytes:
    parts = b""
    if state is not None:
        parts += _tlv(0xA0, _tlv(0x0A, bytes([state])))
    if mech is not None:
        parts += _tlv(0xA1, _tlv(0x06, mech))
    if token is not None:
        parts += _tlv(0xA2, _tlv(0x04, token))
    if mic is not None:
        parts += _tlv(0xA3, _tlv(0x04, mic))
    return _tlv(0xA1, _tlv(0x30, parts))


class SpnegoNtlmServer:
    """Unwraps the client's SPNEGO tokens for an NTLM server and wraps its answers.

    ``step(token)`` returns the SPNEGO answer; ``ntlm_step(ntlm_token)`` is the wrapped
    NTLM server's step, ``session()`` its session once established.
    """

    def __init__(self, ntlm_step: Callable[[bytes], bytes | None],
                 session: Callable[[], NtlmSession | None]) -> None:
        self._ntlm_step = ntlm_step
        self._session = session
        self._mech_list = b""  # the DER MechTypeList the client sent, for the mechListMIC
        self.done = False

    def step(self, token: bytes) -> bytes:
        if not self._mech_list:
            return self._init(token)
        f = _choice(token, 0xA1, "NegTokenResp")
        if 2 not in f:
            raise NtlmError("SPNEGO NegTokenResp without an NTLM token")
        answer = self._ntlm_step(_octets(f[2]))
        session = self._session()
        if session is None:  # NTLM wants another leg
            return neg_token_resp(ACCEPT_INCOMPLETE, token=answer)
        mic = None
        if 3 in f:
            theirs = _octets(f[3])

            def check_and_answer() -> bytes:
                session.verify(self._mech_list, theirs)
                return session.sign(self._mech_list)
            mic = session.keeping_rc4(check_and_answer)
        self.done = True
        return neg_token_resp(ACCEPT_COMPLETED, token=answer, mic=mic)

    def _init(self, token: bytes) -> bytes:
        tag, body, _ = _read(token)
        if tag != 0x60:
            raise NtlmError("expected a GSS-API InitialContextToken")
        tag, oid, pos = _read(body)
        if tag != 0x06 or oid != SPNEGO_OID:
            raise NtlmError("not an SPNEGO token")
        f = _choice(body[pos:], 0xA0, "NegTokenInit")
        if 0 not in f:
            raise NtlmError("SPNEGO NegTokenInit offers no mechanism")
        tag, mechs, _ = _read(f[0])
        if tag != 0x30:
            raise NtlmError("malformed SPNEGO mechanism list")
        offered = []
        pos = 0
        while pos < len(mechs):
            tag, oid, pos = _read(mechs, pos)
            offered.append(oid)
        if NTLMSSP_OID not in offered:
            raise NtlmError("the client does not offer NTLM")
        self._mech_list = f[0]  # the MechTypeList element exactly as sent (tag included)
        if offered[0] == NTLMSSP_OID and 2 in f:  # an optimistic NTLM NEGOTIATE
            answer = self._ntlm_step(_octets(f[2]))
            return neg_token_resp(ACCEPT_INCOMPLETE, NTLMSSP_OID, answer)
        # Another mechanism came first: name NTLM and wait for its first token.
        return neg_token_resp(ACCEPT_INCOMPLETE, NTLMSSP_OID)
