"""NTLM ([MS-NLMP]): NTLMv2 authentication with extended session security, and the
128-bit signing and sealing a DCE/RPC connection uses afterwards.

Three messages make a security context: the client's NEGOTIATE, the server's CHALLENGE and
the client's AUTHENTICATE. :class:`NtlmClient` writes the first and third,
:class:`NtlmServer` the second and checks the third against a user table the application
supplies. Both end with an :class:`NtlmSession`, which signs, seals and verifies messages with
a sequence number and RC4 keystream per direction (3.4.4, extended session security).

Only NTLMv2 is spoken: an NTLMv1 response, or a peer that will not negotiate extended session
security, is refused. Credentials never appear in ``repr``, logs or exception messages.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import time
from dataclasses import dataclass
from typing import Callable, Optional, TypeVar

from .errors import RPC_S_ACCESS_DENIED, RpcError
from .md4 import md4
from .rc4 import RC4

__all__ = [
    "Credentials", "NtlmClient", "NtlmServer", "NtlmSession", "NtlmError", "Identity",
    "nt_hash", "ntowfv2",
]

#: SEC_E-style failure of the security package itself (winerror.h RPC_S_SEC_PKG_ERROR).
RPC_S_SEC_PKG_ERROR = 1825

_T = TypeVar("_T")

# NEGOTIATE flags ([MS-NLMP] 2.2.2.5).
NEGOTIATE_UNICODE = 0x00000001
NEGOTIATE_OEM = 0x00000002
REQUEST_TARGET = 0x00000004
NEGOTIATE_SIGN = 0x00000010
NEGOTIATE_SEAL = 0x00000020
NEGOTIATE_LM_KEY = 0x00000080
NEGOTIATE_NTLM = 0x00000200
NEGOTIATE_ANONYMOUS = 0x00000800
NEGOTIATE_ALWAYS_SIGN = 0x00008000
TARGET_TYPE_DOMAIN = 0x00010000
TARGET_TYPE_SERVER = 0x00020000
NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000
NEGOTIATE_TARGET_INFO = 0x00800000
NEGOTIATE_VERSION = 0x02000000
NEGOTIATE_128 = 0x20000000
NEGOTIATE_KEY_EXCH = 0x40000000
NEGOTIATE_56 = 0x80000000

# AV_PAIR ids (2.2.2.1).
AV_EOL = 0
AV_NB_COMPUTER_NAME = 1
AV_NB_DOMAIN_NAME = 2
AV_DNS_COMPUTER_NAME = 3
AV_DNS_DOMAIN_NAME = 4
AV_FLAGS = 6
AV_TIMESTAMP = 7
AV_FLAG_MIC = 0x2

_SIGNATURE = b"NTLMSSP\x00"
_NEGOTIATE, _CHALLENGE, _AUTHENTICATE = 1, 2, 3
_FIELD = struct.Struct("<HHI")  # length, maximum length, offset of a payload field
_AUTH_HEADER = 64  # the AUTHENTICATE fixed part before Version and MIC
_MIC_OFFSET = 72
_NTLMV2_MIN = 16 + 28  # NTProofStr plus the fixed part of NTLMv2_CLIENT_CHALLENGE
#: Seconds between 1601-01-01 (FILETIME's epoch) and 1970-01-01.
_EPOCH_1601 = 11644473600

# Flags this implementation offers (client) or grants (server); see 3.1.5.1.1 / 3.2.5.1.1.
_SUPPORTED = (NEGOTIATE_UNICODE | REQUEST_TARGET | NEGOTIATE_SIGN | NEGOTIATE_SEAL
              | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN | NEGOTIATE_EXTENDED_SESSIONSECURITY
              | NEGOTIATE_TARGET_INFO | NEGOTIATE_VERSION | NEGOTIATE_128 | NEGOTIATE_KEY_EXCH
              | NEGOTIATE_56)

#: Version field sent when NEGOTIATE_VERSION is agreed: 10.0, build 0, NTLM revision 15.
DEFAULT_VERSION = bytes([10, 0, 0, 0, 0, 0, 0, 15])


class NtlmError(RpcError):
    """An NTLM failure: a malformed message (``RPC_S_SEC_PKG_ERROR``) or a refused logon or
    signature (``RPC_S_ACCESS_DENIED``). Messages never name the user or carry secrets."""

    def __init__(self, message: str, status: int = RPC_S_SEC_PKG_ERROR) -> None:
        super().__init__(status, message)


def _denied(message: str) -> NtlmError:
    return NtlmError(message, RPC_S_ACCESS_DENIED)


def _utf16(s: str) -> bytes:
    return s.encode("utf-16-le")


def _hmac_md5(key: bytes, *parts: bytes) -> bytes:
    h = hmac.new(key, digestmod=hashlib.md5)
    for p in parts:
        h.update(p)
    return h.digest()


def nt_hash(password: str) -> bytes:
    """NTOWFv1: MD4 of the UTF-16LE password ([MS-NLMP] 3.3.1), the NT hash a user table keeps."""
    return md4(_utf16(password))


def ntowfv2(nt: bytes, user: str, domain: str) -> bytes:
    """NTOWFv2 (3.3.2): the NTLMv2 response key, from the NT hash, the user name upper-cased
    and the domain as given."""
    return _hmac_md5(nt, _utf16(user.upper() + domain))


class Credentials:
    """A user's NTLM credentials: user, domain and password or NT hash.

    The password is hashed at once and not kept. Nothing about the credentials, not even the
    user name, appears in ``repr`` or ``str``.
    """

    __slots__ = ("_user", "_domain", "_nt")

    def __init__(self, user: str, domain: str = "", *, password: str | None = None,
                 nt_hash: bytes | None = None) -> None:
        if (password is None) == (nt_hash is None):
            raise ValueError("give exactly one of password= or nt_hash=")
        if nt_hash is not None:
            if not isinstance(nt_hash, (bytes, bytearray)) or len(nt_hash) != 16:
                raise ValueError("nt_hash must be 16 bytes")
            self._nt = bytes(nt_hash)
        else:
            if not isinstance(password, str):
                raise TypeError("password must be a str")
            self._nt = md4(_utf16(password))
        if not isinstance(user, str) or not isinstance(domain, str):
            raise TypeError("user and domain must be str")
        self._user = user
        self._domain = domain

    def __repr__(self) -> str:
        return "<Credentials (hidden)>"

    __str__ = __repr__

    def __reduce__(self) -> str:  # no pickling of secrets into files or other processes
        raise TypeError("Credentials cannot be pickled")


@dataclass(frozen=True)
class Identity:
    """The authenticated client as the server sees it (Windows' ``RpcBindingInqAuthClient``):
    ``principal`` is ``DOMAIN\\user``."""

    user: str
    domain: str

    @property
    def principal(self) -> str:
        return f"{self.domain}\\{self.user}" if self.domain else self.user


# --- wire helpers -------------------------------------------------------------------------

def _header(msg: bytes, kind: int) -> None:
    if len(msg) < 12 or msg[:8] != _SIGNATURE:
        raise NtlmError("not an NTLMSSP message")
    if struct.unpack_from("<I", msg, 8)[0] != kind:
        raise NtlmError(f"expected NTLMSSP message type {kind}")


def _payload(msg: bytes, at: int) -> bytes:
    """The bytes a (length, maxlength, offset) field at ``at`` points to, bounds-checked."""
    if at + 8 > len(msg):
        raise NtlmError("NTLMSSP message truncated")
    length, _, offset = _FIELD.unpack_from(msg, at)
    if length == 0:
        return b""
    if offset + length > len(msg):
        raise NtlmError("NTLMSSP field points past the end of the message")
    return bytes(msg[offset:offset + length])


def _pack_fields(values: list[bytes], start: int) -> tuple[list[bytes], bytes]:
    """(a field descriptor per value, the payload) for ``values`` laid out from ``start``."""
    fields = []
    off = start
    for v in values:
        fields.append(_FIELD.pack(len(v), len(v), off))
        off += len(v)
    return fields, b"".join(values)


def parse_av_pairs(data: bytes) -> list[tuple[int, bytes]]:
    """AV_PAIRs up to MsvAvEOL (2.2.2.1); a list to keep their order."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while True:
        if pos + 4 > len(data):
            raise NtlmError("target information is not terminated")
        av_id, av_len = struct.unpack_from("<HH", data, pos)
        pos += 4
        if av_id == AV_EOL:
            return out
        if pos + av_len > len(data):
            raise NtlmError("target information entry runs past its end")
        out.append((av_id, bytes(data[pos:pos + av_len])))
        pos += av_len


def pack_av_pairs(pairs: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack("<HH", i, len(v)) + v for i, v in pairs) + b"\x00\x00\x00\x00"


def filetime(seconds: float) -> bytes:
    """A FILETIME (100 ns ticks since 1601) as NTLM carries it: 8 bytes, little-endian."""
    return struct.pack("<Q", int((seconds + _EPOCH_1601) * 10_000_000))


def build_negotiate(flags: int, version: bytes | None = None) -> bytes:
    """NEGOTIATE_MESSAGE (2.2.1.1) with empty domain and workstation fields."""
    ver = (version or DEFAULT_VERSION) if flags & NEGOTIATE_VERSION else b""
    end = 32 + len(ver)
    return (_SIGNATURE + struct.pack("<II", _NEGOTIATE, flags)
            + _FIELD.pack(0, 0, end) + _FIELD.pack(0, 0, end) + ver)


def build_challenge(flags: int, target_name: str, server_challenge: bytes, target_info: bytes,
                    version: bytes | None = None) -> bytes:
    """CHALLENGE_MESSAGE (2.2.1.2)."""
    ver = (version or DEFAULT_VERSION) if flags & NEGOTIATE_VERSION else b""
    start = 48 + len(ver)
    (f_name, f_info), payload = _pack_fields([_utf16(target_name), target_info], start)
    return (_SIGNATURE + struct.pack("<I", _CHALLENGE) + f_name + struct.pack("<I", flags)
            + server_challenge + bytes(8) + f_info + ver + payload)


def build_authenticate(flags: int, domain: str, user: str, workstation: str, lm: bytes,
                       nt: bytes, encrypted_key: bytes, version: bytes | None = None,
                       with_mic: bool = False) -> bytes:
    """AUTHENTICATE_MESSAGE (2.2.1.3), payload in the order Windows writes it (domain, user,
    workstation, LM, NT, key). With ``with_mic`` the 16-byte MIC slot (zeros) follows the
    Version field; the caller fills it in."""
    ver = (version or DEFAULT_VERSION) if flags & NEGOTIATE_VERSION else bytes(8)
    start = _AUTH_HEADER + 8 + (16 if with_mic else 0)
    values = [_utf16(domain), _utf16(user), _utf16(workstation), lm, nt, encrypted_key]
    f, payload = _pack_fields(values, start)
    head = (_SIGNATURE + struct.pack("<I", _AUTHENTICATE) + f[3] + f[4] + f[0] + f[1] + f[2]
            + f[5] + struct.pack("<I", flags) + ver + (bytes(16) if with_mic else b""))
    return head + payload


# --- keys and the session -----------------------------------------------------------------

_C2S_SIGN = b"session key to client-to-server signing key magic constant\x00"
_S2C_SIGN = b"session key to server-to-client signing key magic constant\x00"
_C2S_SEAL = b"session key to client-to-server sealing key magic constant\x00"
_S2C_SEAL = b"session key to server-to-client sealing key magic constant\x00"


def _seal_key_base(key: bytes, flags: int) -> bytes:
    # SEALKEY (3.4.5.3): the exported key cut to the negotiated strength.
    if flags & NEGOTIATE_128:
        return key
    if flags & NEGOTIATE_56:
        return key[:7]
    return key[:5]


class _Direction:
    """One direction's signing key, RC4 handle and sequence number."""

    __slots__ = ("sign_key", "rc4", "seq")

    def __init__(self, exported: bytes, flags: int, sign_magic: bytes, seal_magic: bytes) -> None:
        self.sign_key = hashlib.md5(exported + sign_magic).digest()
        self.rc4 = RC4(hashlib.md5(_seal_key_base(exported, flags) + seal_magic).digest())
        self.seq = 0

    def mac(self, message: bytes, key_exch: bool) -> bytes:
        # MAC with extended session security (3.4.4.2).
        seq = struct.pack("<I", self.seq)
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        checksum = _hmac_md5(self.sign_key, seq, message)[:8]
        if key_exch:
            checksum = self.rc4.update(checksum)
        return b"\x01\x00\x00\x00" + checksum + seq


class NtlmSession:
    """Signing and sealing after authentication ([MS-NLMP] 3.4).

    Each direction has its own key, RC4 keystream and sequence number, so calls in one
    direction must happen in the order the messages travel; the caller serializes them.
    """

    SIGNATURE_SIZE = 16

    __slots__ = ("flags", "_out", "_in", "_key_exch")

    def __init__(self, exported_key: bytes, flags: int, *, client: bool) -> None:
        self.flags = flags
        c2s = _Direction(exported_key, flags, _C2S_SIGN, _C2S_SEAL)
        s2c = _Direction(exported_key, flags, _S2C_SIGN, _S2C_SEAL)
        self._out, self._in = (c2s, s2c) if client else (s2c, c2s)
        self._key_exch = bool(flags & NEGOTIATE_KEY_EXCH)

    def __repr__(self) -> str:
        return "<NtlmSession>"

    def sign(self, message: bytes) -> bytes:
        """The 16-byte NTLMSSP_MESSAGE_SIGNATURE of an outgoing message."""
        return self._out.mac(message, self._key_exch)

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check an incoming message's signature; raises :class:`NtlmError` (access denied)
        when it does not match. The sequence number advances either way."""
        expected = self._in.mac(message, self._key_exch)
        if not hmac.compare_digest(expected, bytes(signature)):
            raise _denied("message signature does not verify")

    def seal(self, data: bytes, signed: bytes | None = None) -> tuple[bytes, bytes]:
        """Encrypt ``data`` and sign ``signed`` (the plaintext message the signature covers;
        ``data`` itself when None). Returns (ciphertext, signature) (3.4.3)."""
        sealed = self._out.rc4.update(data)
        return sealed, self._out.mac(data if signed is None else signed, self._key_exch)

    def decrypt(self, data: bytes) -> bytes:
        """Decrypt incoming sealed bytes; :meth:`verify` on the plaintext message must follow."""
        return self._in.rc4.update(data)

    def keeping_rc4(self, body: Callable[[], _T]) -> _T:
        """Run ``body`` (signing or checking SPNEGO's mechListMIC) and then put both RC4
        streams back where they were; sequence numbers stay advanced ([MS-SPNG] 3.3.5.1)."""
        saved = [(d.rc4._s[:], d.rc4._i, d.rc4._j) for d in (self._out, self._in)]
        try:
            return body()
        finally:
            for d, (st, i, j) in zip((self._out, self._in), saved):
                d.rc4._s, d.rc4._i, d.rc4._j = st, i, j

    def unseal(self, data: bytes, signature: bytes) -> bytes:
        """Decrypt and verify a message sealed whole (the [MS-NLMP] GSS_WrapEx case)."""
        plain = self._in.rc4.update(data)
        self.verify(plain, signature)
        return plain


def _session(exported: bytes, flags: int, client: bool) -> NtlmSession:
    return NtlmSession(exported, flags, client=client)


# --- client -------------------------------------------------------------------------------

class NtlmClient:
    """The client side: :meth:`negotiate`, then :meth:`authenticate` with the server's
    CHALLENGE; afterwards :attr:`session` signs and seals.

    ``random`` and ``clock`` exist so tests can reproduce [MS-NLMP] 4.2.4 exactly.
    """

    def __init__(self, credentials: Credentials, *, workstation: str = "",
                 flags: int | None = None, version: bytes | None = None,
                 random: Callable[[int], bytes] = os.urandom,
                 clock: Callable[[], float] = time.time) -> None:
        if not isinstance(credentials, Credentials):
            raise TypeError("credentials must be a midlpy.runtime.ntlm.Credentials")
        self._creds = credentials
        self._workstation = workstation
        self.flags = _SUPPORTED & ~NEGOTIATE_VERSION if flags is None else flags
        self._version = version
        self._random = random
        self._clock = clock
        self._negotiate: bytes | None = None
        self.session: NtlmSession | None = None

    def __repr__(self) -> str:
        return "<NtlmClient>"

    def negotiate(self) -> bytes:
        self._negotiate = build_negotiate(self.flags, self._version)
        return self._negotiate

    def authenticate(self, challenge: bytes) -> bytes:
        """The AUTHENTICATE message answering ``challenge``; sets :attr:`session`."""
        _header(challenge, _CHALLENGE)
        if len(challenge) < 48:
            raise NtlmError("CHALLENGE message truncated")
        server_flags = struct.unpack_from("<I", challenge, 20)[0]
        server_challenge = bytes(challenge[24:32])
        if not server_flags & NEGOTIATE_EXTENDED_SESSIONSECURITY:
            raise NtlmError("the server does not offer NTLM extended session security")
        if not server_flags & NEGOTIATE_UNICODE:
            raise NtlmError("the server does not offer Unicode NTLM messages")
        # What both sides offer; REQUEST_TARGET stays as asked, as Windows clients send it.
        flags = (self.flags & server_flags) | (self.flags & REQUEST_TARGET)
        info = _payload(challenge, 40) if server_flags & NEGOTIATE_TARGET_INFO else b""
        pairs = parse_av_pairs(info) if info else []
        stamp = next((v for i, v in pairs if i == AV_TIMESTAMP), None)
        with_mic = stamp is not None and self._negotiate is not None
        if with_mic:
            # Tell the server a MIC follows (MsvAvFlags bit 0x2, 3.1.5.2.1).
            old = next((v for i, v in pairs if i == AV_FLAGS), None)
            value = struct.pack("<I", (struct.unpack("<I", old)[0] if old and len(old) == 4
                                       else 0) | AV_FLAG_MIC)
            pairs = [(i, v) for i, v in pairs if i != AV_FLAGS] + [(AV_FLAGS, value)]
            info = pack_av_pairs(pairs)
        when = stamp if stamp is not None and len(stamp) == 8 else filetime(self._clock())
        client_challenge = self._random(8)
        creds = self._creds
        key = ntowfv2(creds._nt, creds._user, creds._domain)
        temp = b"\x01\x01" + bytes(6) + when + client_challenge + bytes(4) + info + bytes(4)
        proof = _hmac_md5(key, server_challenge, temp)
        nt = proof + temp
        # With a server timestamp the LM response is zeros (3.1.5.2.1); otherwise LMv2.
        lm = bytes(24) if stamp is not None else (
            _hmac_md5(key, server_challenge, client_challenge) + client_challenge)
        base = _hmac_md5(key, proof)  # SessionBaseKey = KeyExchangeKey for NTLMv2
        if flags & NEGOTIATE_KEY_EXCH:
            exported = self._random(16)
            encrypted = RC4(base).update(exported)
        else:
            exported, encrypted = base, b""
        msg = build_authenticate(flags, creds._domain, creds._user, self._workstation, lm, nt,
                                 encrypted, self._version, with_mic)
        if with_mic:
            assert self._negotiate is not None
            mic = _hmac_md5(exported, self._negotiate, bytes(challenge), msg)
            msg = msg[:_MIC_OFFSET] + mic + msg[_MIC_OFFSET + 16:]
        self.session = _session(exported, flags, True)
        return msg


# --- server -------------------------------------------------------------------------------

#: The application's user table: (user, domain) -> NT hash (16 bytes), or None if unknown.
UserLookup = Callable[[str, str], Optional[bytes]]


class NtlmServer:
    """The server side: :meth:`challenge` answers a NEGOTIATE, :meth:`authenticate` checks the
    AUTHENTICATE against ``lookup`` and returns the session; :attr:`identity` is then the
    authenticated user."""

    def __init__(self, lookup: UserLookup, *, netbios_name: str = "MIDLPY",
                 domain_name: str = "WORKGROUP", random: Callable[[int], bytes] = os.urandom,
                 clock: Callable[[], float] = time.time) -> None:
        self._lookup = lookup
        self._name = netbios_name
        self._domain = domain_name
        self._random = random
        self._clock = clock
        self._negotiate = b""
        self._challenge = b""
        self._server_challenge = b""
        self.flags = 0
        self.identity: Identity | None = None
        self.session: NtlmSession | None = None

    def __repr__(self) -> str:
        return "<NtlmServer>"

    def challenge(self, negotiate: bytes) -> bytes:
        _header(negotiate, _NEGOTIATE)
        if len(negotiate) < 16:
            raise NtlmError("NEGOTIATE message truncated")
        asked = struct.unpack_from("<I", negotiate, 12)[0]
        if not asked & NEGOTIATE_UNICODE:
            raise NtlmError("the client does not offer Unicode NTLM messages")
        if not asked & NEGOTIATE_EXTENDED_SESSIONSECURITY:
            raise NtlmError("the client does not offer NTLM extended session security")
        flags = (asked & _SUPPORTED) | NEGOTIATE_TARGET_INFO | TARGET_TYPE_SERVER | NEGOTIATE_NTLM
        if flags & (NEGOTIATE_SEAL | NEGOTIATE_SIGN):
            flags |= NEGOTIATE_ALWAYS_SIGN
        self.flags = flags
        self._server_challenge = self._random(8)
        info = pack_av_pairs([
            (AV_NB_DOMAIN_NAME, _utf16(self._domain)),
            (AV_NB_COMPUTER_NAME, _utf16(self._name)),
            (AV_DNS_DOMAIN_NAME, _utf16(self._domain.lower())),
            (AV_DNS_COMPUTER_NAME, _utf16(self._name.lower())),
            (AV_TIMESTAMP, filetime(self._clock())),
        ])
        self._negotiate = bytes(negotiate)
        self._challenge = build_challenge(flags, self._name, self._server_challenge, info)
        return self._challenge

    def authenticate(self, message: bytes) -> NtlmSession:
        """Verify the client's AUTHENTICATE; raises :class:`NtlmError` with
        ``RPC_S_ACCESS_DENIED`` for a refused logon."""
        if not self._server_challenge:
            raise NtlmError("AUTHENTICATE before CHALLENGE")
        _header(message, _AUTHENTICATE)
        if len(message) < _AUTH_HEADER:
            raise NtlmError("AUTHENTICATE message truncated")
        lm = _payload(message, 12)
        nt = _payload(message, 20)
        try:
            domain = _payload(message, 28).decode("utf-16-le")
            user = _payload(message, 36).decode("utf-16-le")
        except UnicodeDecodeError:
            raise NtlmError("AUTHENTICATE names are not valid UTF-16") from None
        encrypted = _payload(message, 52)
        flags = struct.unpack_from("<I", message, 60)[0]
        del lm  # NTLMv2 proves everything with the NT response; the LM one is not checked
        if not user or not nt:
            raise _denied("anonymous NTLM logons are not accepted")
        if len(nt) < _NTLMV2_MIN:
            raise _denied("NTLMv1 responses are not accepted")
        stored = self._lookup(user, domain)
        if stored is None or len(stored) != 16:
            raise _denied("logon failure")
        key = ntowfv2(bytes(stored), user, domain)
        proof, temp = nt[:16], nt[16:]
        if not hmac.compare_digest(_hmac_md5(key, self._server_challenge, temp), proof):
            raise _denied("logon failure")
        base = _hmac_md5(key, proof)
        flags &= self.flags  # only what this server granted
        if flags & NEGOTIATE_KEY_EXCH:
            if len(encrypted) != 16:
                raise NtlmError("key exchange without a 16-byte session key")
            exported = RC4(base).update(encrypted)
        else:
            exported = base
        self._check_mic(message, temp, exported)
        self.identity = Identity(user, domain)
        self.session = _session(exported, flags, False)
        self._server_challenge = b""  # one AUTHENTICATE per CHALLENGE
        return self.session

    def _check_mic(self, message: bytes, temp: bytes, exported: bytes) -> None:
        try:
            pairs = parse_av_pairs(temp[28:])
        except NtlmError:
            raise _denied("logon failure") from None
        av_flags = next((v for i, v in pairs if i == AV_FLAGS), None)
        if not av_flags or len(av_flags) != 4 or not struct.unpack("<I", av_flags)[0] & AV_FLAG_MIC:
            return
        if len(message) < _MIC_OFFSET + 16:
            raise _denied("logon failure")
        mic = message[_MIC_OFFSET:_MIC_OFFSET + 16]
        zeroed = message[:_MIC_OFFSET] + bytes(16) + message[_MIC_OFFSET + 16:]
        if not hmac.compare_digest(_hmac_md5(exported, self._negotiate, self._challenge, zeroed),
                                   bytes(mic)):
            raise _denied("logon failure")
