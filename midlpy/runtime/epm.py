"""The endpoint mapper client: which TCP port serves an interface (``ept_map``).

The endpoint mapper listens on port 135 ([MS-RPCE] 2.1.1.1; C706 appendix L/N,
interface e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0, ``ept_map`` is opnum 3). Its
request and response are small and fixed in shape, so they are laid out here by hand
rather than generated (the runtime cannot import generated code).

A tower (C706 appendix L) is a list of floors, each a left-hand side (protocol id and
data) and a right-hand side: the interface and its major version, NDR, connection-
oriented RPC, the TCP port (big-endian) and the IP address (big-endian).
"""

from __future__ import annotations

import socket
import struct
from uuid import UUID

from .errors import EPT_S_NOT_REGISTERED, RPC_X_BAD_STUB_DATA, RpcError
from .pdu import NDR20

__all__ = ["EPM_UUID", "EPM_PORT", "tcp_tower", "tower_port", "ept_map_port"]

EPM_UUID = UUID("e1af8308-5d1f-11c9-91a4-08002b14a0fa")
EPM_PORT = 135
_PROT_UUID, _PROT_NCACN, _PROT_TCP, _PROT_IP = 0x0D, 0x0B, 0x07, 0x09


def _floor(lhs: bytes, rhs: bytes) -> bytes:
    return struct.pack("<H", len(lhs)) + lhs + struct.pack("<H", len(rhs)) + rhs


def tcp_tower(uuid: UUID, version: tuple[int, int], port: int = 0, ip: str = "0.0.0.0") -> bytes:
    """The five-floor ncacn_ip_tcp tower of an interface (port 0 and 0.0.0.0 ask for any)."""
    floors = [
        _floor(bytes([_PROT_UUID]) + uuid.bytes_le + struct.pack("<H", version[0]),
               struct.pack("<H", version[1])),
        _floor(bytes([_PROT_UUID]) + NDR20[0].bytes_le + struct.pack("<H", NDR20[1][0]),
               struct.pack("<H", NDR20[1][1])),
        _floor(bytes([_PROT_NCACN]), struct.pack("<H", 0)),
        _floor(bytes([_PROT_TCP]), struct.pack(">H", port)),
        _floor(bytes([_PROT_IP]), socket.inet_aton(ip)),
    ]
    return struct.pack("<H", len(floors)) + b"".join(floors)


def tower_port(tower: bytes) -> int | None:
    """The TCP port a tower names, or None."""
    try:
        (n,) = struct.unpack_from("<H", tower, 0)
        pos = 2
        for _ in range(n):
            (ln,) = struct.unpack_from("<H", tower, pos)
            lhs = tower[pos + 2:pos + 2 + ln]
            pos += 2 + ln
            (rn,) = struct.unpack_from("<H", tower, pos)
            rhs = tower[pos + 2:pos + 2 + rn]
            pos += 2 + rn
            if lhs[:1] == bytes([_PROT_TCP]) and len(rhs) == 2:
                return int(struct.unpack(">H", rhs)[0])
    except struct.error:
        return None
    return None


def map_request(uuid: UUID, version: tuple[int, int], max_towers: int = 4) -> bytes:
    """NDR of ept_map's [in] parameters: a NULL object, the tower, a NULL handle, max."""
    tower = tcp_tower(uuid, version)
    out = struct.pack("<I", 0)  # object: NULL full pointer
    out += struct.pack("<III", 2, len(tower), len(tower)) + tower  # ptr, max_count, length
    out += bytes(-len(out) % 4)
    out += bytes(20)  # entry_handle: NULL context handle
    return out + struct.pack("<I", max_towers)


def map_response(stub: bytes) -> tuple[list[bytes], int]:
    """The towers and the status of ept_map's [out] parameters."""
    try:
        pos = 20  # entry_handle
        num, max_count, offset, actual = struct.unpack_from("<IIII", stub, pos)
        pos += 16
        if actual != num or actual > max_count or actual > 1024:
            raise ValueError("tower counts disagree")
        refs = struct.unpack_from(f"<{actual}I", stub, pos)
        pos += 4 * actual
        towers = []
        for ref in refs:
            if not ref:
                continue
            pos += -pos % 4
            _max, length = struct.unpack_from("<II", stub, pos)
            pos += 8
            if pos + length > len(stub):
                raise ValueError("tower runs past the response")
            towers.append(bytes(stub[pos:pos + length]))
            pos += length
        pos += -pos % 4
        (status,) = struct.unpack_from("<I", stub, pos)
    except (struct.error, ValueError) as exc:
        raise RpcError(RPC_X_BAD_STUB_DATA, f"malformed ept_map response: {exc}") from None
    return towers, status


def ept_map_port(host: str, uuid: UUID, version: tuple[int, int], *,
                 timeout: float | None = None, port: int = EPM_PORT) -> int:
    """Ask the endpoint mapper on ``host`` which TCP port serves the interface."""
    from .rpc import Interface
    from .tcp import connect
    epm = Interface("epm", EPM_UUID, (3, 0), ())
    with connect(f"ncacn_ip_tcp:{host}[{port}]", timeout=timeout) as conn:
        stub = conn.call(conn.bind(epm).context_id, 3, map_request(uuid, version))
    towers, status = map_response(stub)
    for tower in towers:
        found = tower_port(tower)
        if found:
            return found
    raise RpcError(EPT_S_NOT_REGISTERED, f"the endpoint mapper on {host} knows no TCP endpoint "
                   f"for {uuid} v{version[0]}.{version[1]} (status {status:#x})")
