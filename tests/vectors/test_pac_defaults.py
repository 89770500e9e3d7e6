"""A freshly constructed KERB_VALIDATION_INFO encodes as it stands: fixed arrays default to
their full count of zero elements (USER_SESSION_KEY holds two CYPHER_BLOCKs), not to [].

The expected pickle is derived by hand from [MS-PAC] 2.5 (the field list) and [MS-RPCE]
2.2.6 (type serialization version 1), not taken from a run.
"""

from __future__ import annotations

from pathlib import Path

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import ROOT, load_idl

PAC = ROOT / "examples" / "pac"

# The flat part of KERB_VALIDATION_INFO, all zero, 4-byte aligned throughout:
FLAT = (
    6 * 8        # six FILETIMEs (two ULONGs each)
    + 6 * 8      # six RPC_UNICODE_STRINGs: Length, MaximumLength, NULL Buffer pointer
    + 2 + 2      # LogonCount, BadPasswordCount
    + 3 * 4      # UserId, PrimaryGroupId, GroupCount
    + 4          # GroupIds: NULL
    + 4          # UserFlags
    + 2 * 8      # UserSessionKey: CYPHER_BLOCK data[2], 8 CHARs each
    + 2 * 8      # LogonServer, LogonDomainName
    + 4          # LogonDomainId: NULL
    + 2 * 4      # Reserved1[2]
    + 2 * 4      # UserAccountControl, SubAuthStatus
    + 2 * 8      # LastSuccessfulILogon, LastFailedILogon
    + 3 * 4      # FailedILogonCount, Reserved3, SidCount
    + 4 + 4      # ExtraSids, ResourceGroupDomainSid: NULL
    + 4 + 4      # ResourceGroupCount, ResourceGroupIds: NULL
)


def test_fresh_logon_info_encodes() -> None:
    assert FLAT == 216
    body = (0x00020000).to_bytes(4, "little") + bytes(FLAT)  # the unique pointer's referent
    body += bytes(-len(body) % 8)  # the serialized data is padded to 8
    expected = (bytes([0x01, 0x10, 0x08, 0x00]) + b"\xcc" * 4  # common header: v1, LE
                + len(body).to_bytes(4, "little") + bytes(4)  # private header: length, filler
                + body)
    mod = load_idl(PAC / "pac.idl", PAC / "pac.acf")
    value = mod.KERB_VALIDATION_INFO()
    assert [bytes(b.data) for b in value.UserSessionKey.data] == [bytes(8), bytes(8)]
    h = MesEncodeDynBufferHandleCreate()
    mod.PKERB_VALIDATION_INFO_Encode(h, value)
    assert bytes(h.buffer) == expected
    back = mod.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(expected))
    assert back == value


def test_fixed_array_defaults_are_fresh_and_full(tmp_path: Path) -> None:
    """Every fixed array, nested ones and arrays of structs included, holds its count of
    zero elements, and two values never share an element."""
    idl = tmp_path / "fixed_defaults.idl"
    idl.write_text("interface t { typedef struct { long v; } E;\n"
                   "typedef struct { E e[3]; long m[2][3]; E n[2][2]; double d[2]; } S; }\n")
    mod = load_idl(idl)
    a, b = mod.S(), mod.S()
    assert [x.v for x in a.e] == [0, 0, 0]
    assert a.m == [[0, 0, 0], [0, 0, 0]] and a.d == [0.0, 0.0]
    assert [[x.v for x in row] for row in a.n] == [[0, 0], [0, 0]]
    a.e[0].v = 5
    a.m[0][0] = 7
    assert b.e[0].v == 0 and a.e[1].v == 0 and b.m[0][0] == 0 and a.m[1][0] == 0
