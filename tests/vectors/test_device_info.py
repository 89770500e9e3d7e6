"""PAC_DEVICE_INFO ([MS-PAC] 2.12) against bytes derived by hand.

No public vector has a device-info buffer, so the expected pickle below was
written out by hand from the NDR rules (reference sections 1.5-1.8, 2.1):
the top-level unique pointer, the flat structure, then the deferred
referents in member order, ids numbered the Windows way (in the order the
referents are written, so ExtraSids[0].Sid gets its id before DomainGroup).
It covers an array of structures whose elements hold pointers to a
conformant structure and to a conformant array.
"""

from __future__ import annotations

import pytest

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import ROOT, load_idl

EXPECTED = bytes.fromhex(
    "01100800cccccccc" "b000000000000000"      # common header; private header: 176 bytes
    "00000200"                                  # top-level pointer, id 0x20000
    "50040000" "03020000"                       # UserId 1104, PrimaryGroupId 515
    "04000200" "01000000" "08000200"            # AccountDomainId, AccountGroupCount, AccountGroupIds
    "01000000" "0c000200"                       # SidCount, ExtraSids
    "01000000" "14000200"                       # DomainGroupCount, DomainGroup (after ExtraSids[0].Sid)
    "04000000" "0104000000000005" "15000000010000000200000003000000"   # S-1-5-21-1-2-3
    "01000000" "0302000007000000"               # AccountGroupIds: [515/7]
    "01000000" "1000020007000000"               # ExtraSids: [Sid id 0x20010, attributes 7]
    "01000000" "0101000000000012" "01000000"    # S-1-18-1
    "01000000" "18000200" "02000000" "1c000200"  # DomainGroup[0]: DomainId, GroupCount 2, GroupIds
    "04000000" "0104000000000005" "15000000040000000500000006000000"   # S-1-5-21-4-5-6
    "02000000" "e803000007000000" "e903000007000000"                   # [1000/7, 1001/7]
    "00000000"                                  # pad to a multiple of 8
)


@pytest.fixture(scope="module")
def pac():
    return load_idl(ROOT / "examples/pac/pac.idl", ROOT / "examples/pac/pac.acf")


def _sid(m, *subs):
    return m.RPC_SID(Revision=1, SubAuthorityCount=len(subs) - 1,
                     IdentifierAuthority=m.RPC_SID_IDENTIFIER_AUTHORITY(Value=bytes([0, 0, 0, 0, 0, subs[0]])),
                     SubAuthority=list(subs[1:]))


def _value(m):
    return m.PAC_DEVICE_INFO(
        UserId=1104, PrimaryGroupId=515,
        AccountDomainId=_sid(m, 5, 21, 1, 2, 3),
        AccountGroupCount=1,
        AccountGroupIds=[m.GROUP_MEMBERSHIP(RelativeId=515, Attributes=7)],
        SidCount=1,
        ExtraSids=[m.KERB_SID_AND_ATTRIBUTES(Sid=_sid(m, 18, 1), Attributes=7)],
        DomainGroupCount=1,
        DomainGroup=[m.DOMAIN_GROUP_MEMBERSHIP(
            DomainId=_sid(m, 5, 21, 4, 5, 6), GroupCount=2,
            GroupIds=[m.GROUP_MEMBERSHIP(RelativeId=1000, Attributes=7),
                      m.GROUP_MEMBERSHIP(RelativeId=1001, Attributes=7)])])


def test_encode(pac):
    h = MesEncodeDynBufferHandleCreate()
    pac.PPAC_DEVICE_INFO_Encode(h, _value(pac))
    assert bytes(h.buffer) == EXPECTED


def test_decode(pac):
    assert pac.PPAC_DEVICE_INFO_Decode(MesDecodeBufferHandleCreate(EXPECTED)) == _value(pac)
