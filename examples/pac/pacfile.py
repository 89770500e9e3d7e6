"""Read the PAC container: PACTYPE and its PAC_INFO_BUFFER entries ([MS-PAC] 2.3, 2.4).

The container is not NDR: it is a little-endian header (cBuffers, Version),
then cBuffers entries of (ulType, cbBufferSize, Offset), then the buffers at
their offsets.  Only some buffers are NDR type pickles (pac.idl decodes
those); this module just cuts them out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["PacBuffer", "Pac", "PacFormatError", "parse_pac", "client_info", "BUFFER_TYPES"]

# [MS-PAC] 2.4: ulType values.
BUFFER_TYPES = {
    1: "LOGON_INFO",
    2: "CREDENTIALS_INFO",
    6: "SERVER_CHECKSUM",
    7: "PRIVSVR_CHECKSUM",
    10: "CLIENT_INFO",
    11: "CONSTRAINED_DELEGATION",
    12: "UPN_DNS_INFO",
    13: "CLIENT_CLAIMS_INFO",
    14: "DEVICE_INFO",
    15: "DEVICE_CLAIMS_INFO",
    16: "TICKET_CHECKSUM",
    17: "ATTRIBUTES_INFO",
    18: "REQUESTOR",
    19: "FULL_PAC_CHECKSUM",
}

_HEAD = struct.Struct("<II")
_ENTRY = struct.Struct("<IIQ")


class PacFormatError(ValueError):
    """The bytes are not a well-formed PAC container."""


@dataclass(frozen=True)
class PacBuffer:
    """One PAC_INFO_BUFFER and the bytes it points at."""
    ulType: int
    cbBufferSize: int
    Offset: int
    data: bytes

    @property
    def type_name(self) -> str:
        return BUFFER_TYPES.get(self.ulType, f"UNKNOWN_{self.ulType}")


@dataclass(frozen=True)
class Pac:
    """PACTYPE: the version and the buffers, in the order the PAC lists them."""
    Version: int
    Buffers: list

    def first(self, ul_type: int) -> PacBuffer | None:
        """The first buffer of type ``ul_type``, or None."""
        return next((b for b in self.Buffers if b.ulType == ul_type), None)


def parse_pac(data: bytes) -> Pac:
    """Parse a PAC; raise PacFormatError on anything out of bounds."""
    data = bytes(data)
    if len(data) < _HEAD.size:
        raise PacFormatError("PAC shorter than its 8-byte header")
    count, version = _HEAD.unpack_from(data, 0)
    if _HEAD.size + count * _ENTRY.size > len(data):
        raise PacFormatError(f"PAC claims {count} buffers but is only {len(data)} bytes long")
    buffers = []
    for i in range(count):
        ul_type, size, offset = _ENTRY.unpack_from(data, _HEAD.size + i * _ENTRY.size)
        if offset + size > len(data):
            raise PacFormatError(f"buffer {i} (type {ul_type}) runs past the end of the PAC")
        buffers.append(PacBuffer(ul_type, size, offset, data[offset:offset + size]))
    return Pac(version, buffers)


def client_info(buf: bytes) -> tuple[int, str]:
    """PAC_CLIENT_INFO ([MS-PAC] 2.7): (ClientId as a FILETIME int, Name)."""
    if len(buf) < 10:
        raise PacFormatError("PAC_CLIENT_INFO shorter than 10 bytes")
    client_id, name_length = struct.unpack_from("<QH", buf, 0)
    if 10 + name_length > len(buf):
        raise PacFormatError("PAC_CLIENT_INFO name runs past the buffer")
    return client_id, buf[10:10 + name_length].decode("utf-16-le", "surrogatepass")
