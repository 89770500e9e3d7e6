"""A hand-written codec for the Kerberos logon-info buffer (PAC ulType 1).

This is the "floor" the benchmarks compare midlpy's generated code with: the
fastest plain-``struct`` decoder and encoder we can write by hand for the
type pickle of a ``[unique] KERB_VALIDATION_INFO *`` ([MS-PAC] 2.5), that
still materialises every field into Python objects and checks what a careful
hand-written parser would check (headers, counts against their fields,
lengths against the data).  It knows the layout of this one type and nothing
else: the whole fixed part is one precompiled ``struct.Struct``, arrays of
integers are unpacked in one call.

Values: FILETIMEs are 64-bit ints, UserSessionKey is 16 bytes, Reserved1 a
list of two ints; strings, SIDs and group entries are small slotted
dataclasses.  Encoding numbers unique pointers as Windows does: referent ids
0x00020000 + 4k in the order the referents are written (depth first), so the
ExtraSids elements' Sid pointers are numbered before ResourceGroupDomainSid.

Run it to time it: ``python tests/bench/floor_kvi.py [FILE.bin ...]``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import starmap
from typing import Optional

__all__ = [
    "UnicodeString", "Sid", "GroupMembership", "SidAndAttributes",
    "KerbValidationInfo", "FloorError", "decode", "encode",
]


class FloorError(ValueError):
    """The buffer is not a well-formed logon-info type pickle."""


@dataclass(slots=True)
class UnicodeString:
    """RPC_UNICODE_STRING; Buffer is None for a NULL pointer."""
    Length: int
    MaximumLength: int
    Buffer: Optional[str]


@dataclass(slots=True)
class Sid:
    """RPC_SID."""
    Revision: int
    SubAuthorityCount: int
    IdentifierAuthority: bytes
    SubAuthority: list


@dataclass(slots=True)
class GroupMembership:
    RelativeId: int
    Attributes: int


@dataclass(slots=True)
class SidAndAttributes:
    Sid: Optional[Sid]
    Attributes: int


@dataclass(slots=True)
class KerbValidationInfo:
    LogonTime: int
    LogoffTime: int
    KickOffTime: int
    PasswordLastSet: int
    PasswordCanChange: int
    PasswordMustChange: int
    EffectiveName: UnicodeString
    FullName: UnicodeString
    LogonScript: UnicodeString
    ProfilePath: UnicodeString
    HomeDirectory: UnicodeString
    HomeDirectoryDrive: UnicodeString
    LogonCount: int
    BadPasswordCount: int
    UserId: int
    PrimaryGroupId: int
    GroupCount: int
    GroupIds: Optional[list]
    UserFlags: int
    UserSessionKey: bytes
    LogonServer: UnicodeString
    LogonDomainName: UnicodeString
    LogonDomainId: Optional[Sid]
    Reserved1: list
    UserAccountControl: int
    SubAuthStatus: int
    LastSuccessfulILogon: int
    LastFailedILogon: int
    FailedILogonCount: int
    Reserved3: int
    SidCount: int
    ExtraSids: Optional[list]
    ResourceGroupDomainSid: Optional[Sid]
    ResourceGroupCount: int
    ResourceGroupIds: Optional[list]


# The fixed part of KERB_VALIDATION_INFO: every member is naturally aligned at
# its offset (the structure starts 4-aligned, after the top-level referent
# id), so one little-endian format without padding describes it.
_FLAT = struct.Struct(
    "<12I"            # six FILETIMEs as (low, high)
    "HHIHHIHHIHHIHHIHHI"  # six RPC_UNICODE_STRINGs: Length, MaximumLength, Buffer id
    "HHIIIII"         # LogonCount, BadPasswordCount, UserId, PrimaryGroupId, GroupCount, GroupIds, UserFlags
    "16s"             # UserSessionKey
    "HHIHHI"          # LogonServer, LogonDomainName
    "III"             # LogonDomainId id, Reserved1[2]
    "II"              # UserAccountControl, SubAuthStatus
    "IIII"            # LastSuccessfulILogon, LastFailedILogon
    "IIIIIII"         # FailedILogonCount, Reserved3, SidCount, ExtraSids, ResourceGroupDomainSid, ResourceGroupCount, ResourceGroupIds
)
_U32 = struct.Struct("<I")
_PAIR = struct.Struct("<II")
_U32x3 = struct.Struct("<III")
_SIDHEAD = struct.Struct("<IBB6s")      # conformance, Revision, SubAuthorityCount, authority
_HEADER = struct.Struct("<BBHIII")      # common header + private header
_COMMON = b"\x01\x10\x08\x00\xcc\xcc\xcc\xcc"
_FIRST_ID = 0x00020000


def _string(data: bytes, pos: int, s: UnicodeString, end: int) -> int:
    """Read the deferred Buffer of ``s`` (conformant varying WCHAR array)."""
    pos = (pos + 3) & -4
    if pos + 12 > end:
        raise FloorError("string header past the end")
    maxc, offset, actual = _U32x3.unpack_from(data, pos)
    pos += 12
    if maxc != s.MaximumLength >> 1 or actual != s.Length >> 1 or offset != 0 or actual > maxc:
        raise FloorError("string counts disagree with Length/MaximumLength")
    nbytes = actual * 2
    if pos + nbytes > end:
        raise FloorError("string data past the end")
    s.Buffer = data[pos:pos + nbytes].decode("utf-16-le", "surrogatepass")
    return pos + nbytes


def _sid(data: bytes, pos: int, end: int) -> tuple[Sid, int]:
    pos = (pos + 3) & -4
    if pos + 12 > end:
        raise FloorError("SID past the end")
    maxc, rev, count, auth = _SIDHEAD.unpack_from(data, pos)
    if maxc != count:
        raise FloorError("SID conformance disagrees with SubAuthorityCount")
    pos += 12
    if pos + 4 * count > end:
        raise FloorError("SID sub-authorities past the end")
    subs = list(struct.unpack_from("<%dI" % count, data, pos))
    return Sid(rev, count, auth, subs), pos + 4 * count


def _groups(data: bytes, pos: int, count: int, end: int) -> tuple[list, int]:
    pos = (pos + 3) & -4
    if pos + 4 > end:
        raise FloorError("group array past the end")
    if _U32.unpack_from(data, pos)[0] != count:
        raise FloorError("group array conformance disagrees with its count")
    pos += 4
    if pos + 8 * count > end:
        raise FloorError("group array past the end")
    nxt = pos + 8 * count
    return list(starmap(GroupMembership, _PAIR.iter_unpack(data[pos:nxt]))), nxt


def decode(buf: bytes) -> Optional[KerbValidationInfo]:
    """Decode a logon-info buffer (MES headers + NDR) into a KerbValidationInfo."""
    data = bytes(buf)
    if len(data) < 20:
        raise FloorError("buffer shorter than the MES headers")
    version, endian, hlen, _filler, obl, _pfill = _HEADER.unpack_from(data, 0)
    if version != 1 or endian != 0x10 or hlen != 8:
        raise FloorError("not a little-endian type serialization version 1 stream")
    if obl % 8 or 16 + obl > len(data):
        raise FloorError("bad ObjectBufferLength")
    # The stream starts at 16, a multiple of 8, so aligning buffer offsets
    # aligns stream offsets too; ``end`` stops reads at the stream's end.
    end = 16 + obl
    if _U32.unpack_from(data, 16)[0] == 0:
        return None
    if 20 + _FLAT.size > end:
        raise FloorError("KERB_VALIDATION_INFO past the end")
    f = _FLAT.unpack_from(data, 20)
    pos = 20 + _FLAT.size
    U = UnicodeString
    names = [U(f[12], f[13], f[14]), U(f[15], f[16], f[17]), U(f[18], f[19], f[20]),
             U(f[21], f[22], f[23]), U(f[24], f[25], f[26]), U(f[27], f[28], f[29])]
    group_count, p_groups = f[34], f[35]
    server = U(f[38], f[39], f[40])
    domain = U(f[41], f[42], f[43])
    p_domain_id = f[44]
    sid_count, p_extra, p_res_dom, res_count, p_res = f[55], f[56], f[57], f[58], f[59]

    # Deferred referents, in member order.
    u32x3 = _U32x3.unpack_from
    for s in names:
        if s.Buffer:
            # Inlined _string: the six name strings are most of the work.
            pos = (pos + 3) & -4
            if pos + 12 > end:
                raise FloorError("string header past the end")
            maxc, offset, actual = u32x3(data, pos)
            pos += 12
            if maxc != s.MaximumLength >> 1 or actual != s.Length >> 1 or offset or actual > maxc:
                raise FloorError("string counts disagree with Length/MaximumLength")
            nxt = pos + 2 * actual
            if nxt > end:
                raise FloorError("string data past the end")
            s.Buffer = data[pos:nxt].decode("utf-16-le", "surrogatepass")
            pos = nxt
        else:
            s.Buffer = None
    groups = None
    if p_groups:
        groups, pos = _groups(data, pos, group_count, end)
    for s in (server, domain):
        if s.Buffer:
            pos = _string(data, pos, s, end)
        else:
            s.Buffer = None
    domain_id = None
    if p_domain_id:
        domain_id, pos = _sid(data, pos, end)
    extra = None
    if p_extra:
        pos = (pos + 3) & -4
        if pos + 4 > end or _U32.unpack_from(data, pos)[0] != sid_count:
            raise FloorError("ExtraSids conformance disagrees with SidCount")
        pos += 4
        if pos + 8 * sid_count > end:
            raise FloorError("ExtraSids past the end")
        flat = struct.unpack_from("<%dI" % (2 * sid_count), data, pos)
        pos += 8 * sid_count
        extra = []
        for i in range(0, 2 * sid_count, 2):
            sid = None
            if flat[i]:
                sid, pos = _sid(data, pos, end)
            extra.append(SidAndAttributes(sid, flat[i + 1]))
    res_dom = None
    if p_res_dom:
        res_dom, pos = _sid(data, pos, end)
    res_groups = None
    if p_res:
        res_groups, pos = _groups(data, pos, res_count, end)
    return KerbValidationInfo(
        f[0] | f[1] << 32, f[2] | f[3] << 32, f[4] | f[5] << 32,
        f[6] | f[7] << 32, f[8] | f[9] << 32, f[10] | f[11] << 32,
        names[0], names[1], names[2], names[3], names[4], names[5],
        f[30], f[31], f[32], f[33], group_count, groups, f[36], f[37],
        server, domain, domain_id, [f[45], f[46]], f[47], f[48],
        f[49] | f[50] << 32, f[51] | f[52] << 32, f[53], f[54],
        sid_count, extra, res_dom, res_count, res_groups)


def _put_string(out: bytearray, s: UnicodeString) -> None:
    assert s.Buffer is not None
    data = s.Buffer.encode("utf-16-le", "surrogatepass")
    if len(data) != (s.Length & ~1):
        raise FloorError("Length disagrees with Buffer")
    out += b"\0" * (-len(out) & 3)
    out += _U32x3.pack(s.MaximumLength >> 1, 0, s.Length >> 1)
    out += data


def _put_sid(out: bytearray, sid: Sid) -> None:
    n = len(sid.SubAuthority)
    if n != sid.SubAuthorityCount:
        raise FloorError("SubAuthorityCount disagrees with SubAuthority")
    out += b"\0" * (-len(out) & 3)
    out += _SIDHEAD.pack(n, sid.Revision, n, sid.IdentifierAuthority)
    out += struct.pack("<%dI" % n, *sid.SubAuthority)


def _put_groups(out: bytearray, groups: list, count: int) -> None:
    if len(groups) != count:
        raise FloorError("group count disagrees with the list")
    out += b"\0" * (-len(out) & 3)
    out += _U32.pack(count)
    flat = []
    for g in groups:
        flat.append(g.RelativeId)
        flat.append(g.Attributes)
    out += struct.pack("<%dI" % (2 * count), *flat)


def encode(v: Optional[KerbValidationInfo]) -> bytes:
    """Encode ``v`` as a logon-info buffer, byte for byte as Windows does."""
    if v is None:
        return _COMMON + struct.pack("<II", 8, 0) + bytes(8)
    names = (v.EffectiveName, v.FullName, v.LogonScript, v.ProfilePath,
             v.HomeDirectory, v.HomeDirectoryDrive)
    # Referent ids in the order the referents are written (Windows order).
    nxt = _FIRST_ID + 4
    ids = []
    for s in names:
        if s.Buffer is None:
            ids.append(0)
        else:
            ids.append(nxt)
            nxt += 4
    p_groups = 0
    if v.GroupIds is not None:
        p_groups, nxt = nxt, nxt + 4
    p_server = p_domain = 0
    if v.LogonServer.Buffer is not None:
        p_server, nxt = nxt, nxt + 4
    if v.LogonDomainName.Buffer is not None:
        p_domain, nxt = nxt, nxt + 4
    p_domain_id = 0
    if v.LogonDomainId is not None:
        p_domain_id, nxt = nxt, nxt + 4
    p_extra = 0
    extra_flat: list[int] = []
    if v.ExtraSids is not None:
        p_extra, nxt = nxt, nxt + 4
        if len(v.ExtraSids) != v.SidCount:
            raise FloorError("SidCount disagrees with ExtraSids")
        for e in v.ExtraSids:
            if e.Sid is None:
                extra_flat.append(0)
            else:
                extra_flat.append(nxt)
                nxt += 4
            extra_flat.append(e.Attributes)
    p_res_dom = 0
    if v.ResourceGroupDomainSid is not None:
        p_res_dom, nxt = nxt, nxt + 4
    p_res = 0
    if v.ResourceGroupIds is not None:
        p_res = nxt

    m = 0xFFFFFFFF
    out = bytearray(_U32.pack(_FIRST_ID))
    out += _FLAT.pack(
        v.LogonTime & m, v.LogonTime >> 32, v.LogoffTime & m, v.LogoffTime >> 32,
        v.KickOffTime & m, v.KickOffTime >> 32, v.PasswordLastSet & m, v.PasswordLastSet >> 32,
        v.PasswordCanChange & m, v.PasswordCanChange >> 32,
        v.PasswordMustChange & m, v.PasswordMustChange >> 32,
        names[0].Length, names[0].MaximumLength, ids[0],
        names[1].Length, names[1].MaximumLength, ids[1],
        names[2].Length, names[2].MaximumLength, ids[2],
        names[3].Length, names[3].MaximumLength, ids[3],
        names[4].Length, names[4].MaximumLength, ids[4],
        names[5].Length, names[5].MaximumLength, ids[5],
        v.LogonCount, v.BadPasswordCount, v.UserId, v.PrimaryGroupId, v.GroupCount,
        p_groups, v.UserFlags, v.UserSessionKey,
        v.LogonServer.Length, v.LogonServer.MaximumLength, p_server,
        v.LogonDomainName.Length, v.LogonDomainName.MaximumLength, p_domain,
        p_domain_id, v.Reserved1[0], v.Reserved1[1], v.UserAccountControl, v.SubAuthStatus,
        v.LastSuccessfulILogon & m, v.LastSuccessfulILogon >> 32,
        v.LastFailedILogon & m, v.LastFailedILogon >> 32,
        v.FailedILogonCount, v.Reserved3, v.SidCount, p_extra, p_res_dom,
        v.ResourceGroupCount, p_res)
    for s in names:
        if s.Buffer is not None:
            _put_string(out, s)
    if v.GroupIds is not None:
        _put_groups(out, v.GroupIds, v.GroupCount)
    for s in (v.LogonServer, v.LogonDomainName):
        if s.Buffer is not None:
            _put_string(out, s)
    if v.LogonDomainId is not None:
        _put_sid(out, v.LogonDomainId)
    if v.ExtraSids is not None:
        out += b"\0" * (-len(out) & 3)
        out += _U32.pack(v.SidCount)
        out += struct.pack("<%dI" % len(extra_flat), *extra_flat)
        for e in v.ExtraSids:
            if e.Sid is not None:
                _put_sid(out, e.Sid)
    if v.ResourceGroupDomainSid is not None:
        _put_sid(out, v.ResourceGroupDomainSid)
    if v.ResourceGroupIds is not None:
        _put_groups(out, v.ResourceGroupIds, v.ResourceGroupCount)
    out += b"\0" * (-len(out) & 7)
    return _COMMON + struct.pack("<II", len(out), 0) + bytes(out)


def _main(argv: list[str]) -> None:
    import pathlib
    import timeit
    root = pathlib.Path(__file__).resolve().parents[1] / "data" / "vectors"
    files = [pathlib.Path(a) for a in argv] or [
        root / "synthetic" / "logon_info_g10.bin", root / "synthetic" / "logon_info_g300.bin"]
    for path in files:
        data = path.read_bytes()
        v = decode(data)
        n, t = timeit.Timer(lambda: decode(data)).autorange()
        n2, t2 = timeit.Timer(lambda: encode(v)).autorange()
        print(f"{path.name}: decode {t / n * 1e6:.1f} us, encode {t2 / n2 * 1e6:.1f} us")


if __name__ == "__main__":
    import sys
    _main(sys.argv[1:])
