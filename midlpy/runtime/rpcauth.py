"""NTLM as a DCE/RPC security provider ([MS-RPCE] 2.2.2.11, 3.3.1.5.2).

:class:`NtlmClientAuth` and :class:`NtlmServerAuth` are the security contexts the TCP
transport (``midlpy.runtime.pdu.SecurityContext``) drives: their :meth:`step` carries the
NTLM messages in the bind legs (bind, bind_ack, auth3), and :meth:`protect` /
:meth:`unprotect` sign or seal every request and response fragment.

What is signed and sealed, per fragment: at packet integrity the whole PDU (header, stub,
padding and sec_trailer, with ``auth_length`` set) is signed; at packet privacy the stub
and its padding are encrypted as well and the signature covers the plaintext PDU, as
Windows and Samba do for NTLM. At connect level the bind authenticates and nothing after
it is signed. Each direction's RC4 stream and sequence number advance fragment by
fragment, so the transport protects fragments in the order it sends them and unprotects
them in the order they arrive; a signature that does not verify raises
:class:`~midlpy.runtime.ntlm.NtlmError` (``RPC_S_ACCESS_DENIED``), which the transport
turns into a dropped connection -- the data is never delivered.
"""

from __future__ import annotations

import contextvars
import os
import struct
from typing import Callable

from .errors import RPC_S_ACCESS_DENIED, RpcError
from .ntlm import (Credentials, Identity, NtlmClient, NtlmError, NtlmServer, NtlmSession,
                   UserLookup)
from .spnego import SpnegoNtlmServer

__all__ = ["RPC_C_AUTHN_WINNT", "RPC_C_AUTHN_GSS_NEGOTIATE", "AUTHN_LEVEL_CONNECT",
           "AUTHN_LEVEL_PKT_INTEGRITY", "AUTHN_LEVEL_PKT_PRIVACY", "NtlmClientAuth",
           "NtlmServerAuth", "SpnegoServerAuth", "ntlm_server", "AuthInfo", "RpcBindingInqAuthClient"]

#: auth_type values ([MS-RPCE] 2.2.1.1.7).
RPC_C_AUTHN_GSS_NEGOTIATE = 9
RPC_C_AUTHN_WINNT = 10
#: Authentication levels ([MS-RPCE] 2.2.1.1.8); NTLM offers these three here.
AUTHN_LEVEL_CONNECT = 2
AUTHN_LEVEL_PKT_INTEGRITY = 5
AUTHN_LEVEL_PKT_PRIVACY = 6
_LEVELS = (AUTHN_LEVEL_CONNECT, AUTHN_LEVEL_PKT_INTEGRITY, AUTHN_LEVEL_PKT_PRIVACY)
_TRAILER = struct.Struct("<BBBBI")  # auth_type, auth_level, pad_length, reserved, context_id
#: winerror.h: the call's binding carries no authentication information.
RPC_S_BINDING_HAS_NO_AUTH = 1746


def _check_level(level: int) -> int:
    if level not in _LEVELS:
        raise ValueError("NTLM authentication level must be AUTHN_LEVEL_CONNECT (2), "
                         "AUTHN_LEVEL_PKT_INTEGRITY (5) or AUTHN_LEVEL_PKT_PRIVACY (6)")
    return level


class _NtlmAuth:
    """What client and server share: protecting and checking fragments."""

    auth_type = RPC_C_AUTHN_WINNT
    signature_size = NtlmSession.SIGNATURE_SIZE

    def __init__(self, level: int, context_id: int) -> None:
        self.auth_level = _check_level(level)
        self.auth_context_id = context_id
        self.session: NtlmSession | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} level {self.auth_level}>"

    @property
    def established(self) -> bool:
        """Whether authentication has finished (the transport runs no call before)."""
        return self.session is not None

    def _established(self) -> NtlmSession:
        if self.session is None:
            raise RpcError(RPC_S_ACCESS_DENIED, "the NTLM security context is not established")
        return self.session

    def protect(self, pdu: bytearray, start: int, end: int) -> bytes:
        """The auth_value of an outgoing fragment; at privacy ``pdu[start:end]`` is sealed."""
        session = self._established()
        if self.auth_level == AUTHN_LEVEL_PKT_PRIVACY:
            sealed, signature = session.seal(bytes(pdu[start:end]), bytes(pdu))
            pdu[start:end] = sealed
            return signature
        if self.auth_level == AUTHN_LEVEL_PKT_INTEGRITY:
            return session.sign(bytes(pdu))
        raise RpcError(RPC_S_ACCESS_DENIED, "connect-level NTLM does not sign messages")

    def unprotect(self, pdu: bytearray, start: int, end: int, auth_value: bytes) -> None:
        """Check an incoming fragment (``pdu`` ends with its sec_trailer); at privacy
        ``pdu[start:end]`` is decrypted in place. Raises for anything that does not verify."""
        session = self._established()
        if self.auth_level == AUTHN_LEVEL_CONNECT:
            return  # nothing after the bind is protected at this level
        if len(pdu) < _TRAILER.size:
            raise NtlmError("fragment too short for its sec_trailer", RPC_S_ACCESS_DENIED)
        auth_type, level, _, _, context_id = _TRAILER.unpack_from(pdu, len(pdu) - _TRAILER.size)
        if (auth_type, level, context_id) != (self.auth_type, self.auth_level,
                                              self.auth_context_id):
            raise NtlmError("sec_trailer does not match the security context",
                            RPC_S_ACCESS_DENIED)
        if len(auth_value) != self.signature_size:
            raise NtlmError("NTLM signature of the wrong size", RPC_S_ACCESS_DENIED)
        if self.auth_level == AUTHN_LEVEL_PKT_PRIVACY:
            pdu[start:end] = session.decrypt(bytes(pdu[start:end]))
        session.verify(bytes(pdu), auth_value)


class NtlmClientAuth(_NtlmAuth):
    """Client side: ``connect(binding, auth=NtlmClientAuth(credentials, level))``."""

    def __init__(self, credentials: Credentials, level: int = AUTHN_LEVEL_PKT_PRIVACY, *,
                 context_id: int = 0, workstation: str = "",
                 random: Callable[[int], bytes] = os.urandom) -> None:
        super().__init__(level, context_id)
        self._ntlm = NtlmClient(credentials, workstation=workstation, random=random)
        self._sent_negotiate = False

    def step(self, token: bytes | None) -> bytes | None:
        if token is None:
            if self._sent_negotiate:
                return None  # later presentation contexts need no new authentication
            self._sent_negotiate = True
            return self._ntlm.negotiate()
        if self.session is not None:
            return None
        answer = self._ntlm.authenticate(token)
        self.session = self._ntlm.session
        return answer


class NtlmServerAuth(_NtlmAuth):
    """Server side of one connection's NTLM context; :attr:`identity` is the client once
    the AUTHENTICATE message has been checked."""

    def __init__(self, lookup: UserLookup, level: int, *, context_id: int = 0,
                 netbios_name: str = "MIDLPY", domain_name: str = "WORKGROUP") -> None:
        super().__init__(level, context_id)
        self._ntlm = NtlmServer(lookup, netbios_name=netbios_name, domain_name=domain_name)
        self._challenged = False
        self.identity: Identity | None = None

    def step(self, token: bytes | None) -> bytes | None:
        if token is None:
            raise NtlmError("a security context leg without an NTLM message")
        if not self._challenged:
            self._challenged = True
            return self._ntlm.challenge(token)
        if self.session is not None:
            return None  # alter_context on an established context: nothing to add
        self.session = self._ntlm.authenticate(token)
        self.identity = self._ntlm.identity
        return None

    @property
    def info(self) -> "AuthInfo | None":
        if self.identity is None:
            return None
        return AuthInfo(self.identity, self.auth_type, self.auth_level)


class SpnegoServerAuth(NtlmServerAuth):
    """Server side of SPNEGO (auth type 9) negotiating NTLM, as Samba's and Windows' clients
    offer by default; the mechListMIC is checked and answered."""

    auth_type = RPC_C_AUTHN_GSS_NEGOTIATE

    def __init__(self, lookup: UserLookup, level: int, *, context_id: int = 0,
                 netbios_name: str = "MIDLPY", domain_name: str = "WORKGROUP") -> None:
        super().__init__(lookup, level, context_id=context_id, netbios_name=netbios_name,
                         domain_name=domain_name)
        self._spnego = SpnegoNtlmServer(super().step, lambda: self.session)

    @property
    def established(self) -> bool:
        return self.session is not None and self._spnego.done

    def step(self, token: bytes | None) -> bytes | None:
        if token is None:
            raise NtlmError("a security context leg without an SPNEGO token")
        return self._spnego.step(token)


class AuthInfo:
    """What ``RpcBindingInqAuthClient`` reports about the caller: its identity
    (``principal`` is ``DOMAIN\\user``), the authentication service and level."""

    __slots__ = ("identity", "authn_svc", "authn_level")

    def __init__(self, identity: Identity, authn_svc: int, authn_level: int) -> None:
        self.identity = identity
        self.authn_svc = authn_svc
        self.authn_level = authn_level

    @property
    def principal(self) -> str:
        return self.identity.principal

    def __repr__(self) -> str:
        return f"AuthInfo(authn_svc={self.authn_svc}, authn_level={self.authn_level})"


def ntlm_server(lookup: UserLookup, *, min_level: int = AUTHN_LEVEL_CONNECT,
                netbios_name: str = "MIDLPY", domain_name: str = "WORKGROUP",
                ) -> Callable[[int, int], NtlmServerAuth | None]:
    """The ``auth=`` factory of a server accepting NTLM, bare (auth type 10) or inside
    SPNEGO (9), at ``min_level`` or above: ``lookup(user, domain)`` returns the user's NT hash
    (``ntlm.nt_hash(password)``) or None. Other authentication types and lower levels are
    refused (bind_nak)."""
    _check_level(min_level)

    def factory(auth_type: int, level: int) -> NtlmServerAuth | None:
        kind = {RPC_C_AUTHN_WINNT: NtlmServerAuth,
                RPC_C_AUTHN_GSS_NEGOTIATE: SpnegoServerAuth}.get(auth_type)
        if kind is None or level not in _LEVELS or level < min_level:
            return None
        return kind(lookup, level, netbios_name=netbios_name, domain_name=domain_name)

    return factory


#: The caller of the call running on this thread (set by the TCP server around each call).
CALLER: contextvars.ContextVar[AuthInfo | None] = contextvars.ContextVar("midlpy_rpc_caller",
                                                                         default=None)


def RpcBindingInqAuthClient() -> AuthInfo:
    """Inside a server implementation's method: who is calling, at what level (Windows'
    ``RpcBindingInqAuthClient``). Raises ``RpcError(RPC_S_BINDING_HAS_NO_AUTH)`` for a call
    on an unauthenticated connection."""
    info = CALLER.get()
    if info is None:
        raise RpcError(RPC_S_BINDING_HAS_NO_AUTH, "the call is not authenticated")
    return info
