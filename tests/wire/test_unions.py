"""Unions on the wire: [ms_union] from the interface, and arms holding several pointers.

Each expected byte string is derived by hand from [MS-RPCE] 2.2.4 / C706 chapter 14 (NDR)
or produced by Samba's own encoder (``samba_pack``), never by midlpy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import load_idl
from tests.wire.ndr import decode_raw, encode_raw
from tests.wire.samba import samba_pack

HERE = Path(__file__).resolve().parent

A3_IDL = """
[uuid(12345678-1234-1234-1234-123456789012), version(1.0), pointer_default(unique)]
interface a3 {
    typedef struct { long *p; long *q; } A3;
    typedef union { [case(1)] A3 a; [case(2)] long b; } U;
    typedef struct { long sw; [switch_is(sw)] U u; } S;
}
"""
A3_ACF = "[explicit_handle] interface a3 { typedef [encode, decode] S; }\n"


@pytest.fixture(scope="module")
def a3(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("a3")
    (d / "a3.idl").write_text(A3_IDL)
    (d / "a3.acf").write_text(A3_ACF)
    return load_idl(d / "a3.idl", d / "a3.acf")


def test_arm_struct_with_two_pointers_numbers_each(a3) -> None:
    """An arm that is a struct with two unique pointers: each slot gets its own referent
    id (0x00020000, then 0x00020004) and each referent follows in order."""
    h = MesEncodeDynBufferHandleCreate()
    a3.S_Encode(h, a3.S(sw=1, u=a3.U(a=a3.A3(p=5, q=6))))
    want = bytes.fromhex(
        "01100800cccccccc"      # common header: version 1, little-endian, 8 bytes, filler
        "1800000000000000"      # private header: 24 body bytes, reserved
        "01000000"              # sw
        "01000000"              # the union's discriminant (long, the switch_is type)
        "00000200" "04000200"   # A3.p and A3.q referent ids
        "05000000" "06000000")  # *p, *q
    assert h.buffer == want
    back = a3.S_Decode(MesDecodeBufferHandleCreate(h.buffer))
    assert back.u.a == a3.A3(p=5, q=6)


def test_arm_struct_with_a_null_pointer(a3) -> None:
    h = MesEncodeDynBufferHandleCreate()
    a3.S_Encode(h, a3.S(sw=1, u=a3.U(a=a3.A3(p=None, q=6))))
    assert h.buffer[16:] == bytes.fromhex("01000000" "01000000" "00000000" "00000200"
                                          "06000000" "00000000")  # then the pad to 8


@pytest.fixture(scope="module")
def lsad():
    return load_idl(HERE / "lsad_forest.idl", HERE / "lsad_forest.acf")


SAMBA_FOREST = """
from samba.dcerpc import lsa, security
r = lsa.ForestTrustRecord()
r.flags = 0x10; r.type = lsa.LSA_FOREST_TRUST_DOMAIN_INFO; r.time = 0x01d0000011223344
d = lsa.ForestTrustDomainInfo()
d.domain_sid = security.dom_sid("S-1-5-21-1-2-3")
d.dns_domain_name = lsa.StringLarge(); d.dns_domain_name.string = "a.b"
d.netbios_domain_name = lsa.StringLarge(); d.netbios_domain_name.string = "AB"
r.forest_trust_data = d
fi = lsa.ForestTrustInformation(); fi.count = 1; fi.entries = [r]
print(ndr_pack(fi).hex())
"""


def test_forest_trust_information_matches_samba(lsad) -> None:
    """LSA_FOREST_TRUST_INFORMATION with a DomainInfo record (three pointers in the arm),
    against Samba's lsa.ForestTrustInformation. With one record, Samba's stream-order
    referent numbering and Windows' referent order give the same ids."""
    sid = lsad.RPC_SID(Revision=1, SubAuthorityCount=4,
                       IdentifierAuthority=lsad.RPC_SID_IDENTIFIER_AUTHORITY(
                           Value=b"\0\0\0\0\0\5"),
                       SubAuthority=[21, 1, 2, 3])
    info = lsad.LSA_FOREST_TRUST_DOMAIN_INFO(
        Sid=sid, DnsName=lsad.RPC_UNICODE_STRING(6, 8, "a.b"),
        NetbiosName=lsad.RPC_UNICODE_STRING(4, 6, "AB"))
    rec = lsad.LSA_FOREST_TRUST_RECORD(
        Flags=0x10, ForestTrustType=2, Time=lsad.LARGE_INTEGER(0x01d0000011223344),
        ForestTrustData=lsad.LSA_FOREST_TRUST_RECORD_ForestTrustData(DomainInfo=info))
    value = lsad.LSA_FOREST_TRUST_INFORMATION(RecordCount=1, Entries=[rec])
    samba = samba_pack(SAMBA_FOREST)
    assert encode_raw(lsad, "LSA_FOREST_TRUST_INFORMATION", value) == samba
    back = decode_raw(lsad, "LSA_FOREST_TRUST_INFORMATION", samba)
    assert back.Entries[0].ForestTrustData.DomainInfo == info


@pytest.fixture(scope="module")
def rprn():
    return load_idl(HERE / "rprn_property.idl", HERE / "rprn_property.acf")


SAMBA_PROPERTY = """
from samba.dcerpc import spoolss
p = spoolss.PrintNamedProperty()
p.propertyName = "n"
v = spoolss.PrintPropertyValue(); v.ePropertyType = {kind}; v.value = {value!r}
p.propertyValue = v
print(ndr_pack(p).hex())
"""


@pytest.mark.parametrize("kind,arm,value", [
    (1, "propertyString", "ab"),
    (2, "propertyInt32", 0x11223344),
    (3, "propertyInt64", 0x1122334455667788),
    (4, "propertyByte", 0x7F),
])
def test_interface_ms_union_aligns_every_arm_to_the_largest(rprn, kind: int, arm: str,
                                                             value: object) -> None:
    """winspool is [ms_union]: the embedded anonymous union of RPC_PrintPropertyValue
    aligns whichever arm it holds to 8 (its LONGLONG arm), as Samba's spoolss does."""
    union = rprn.RPC_PrintPropertyValue_value(kind, **{arm: value})
    prop = rprn.RPC_PrintNamedProperty(
        "n", rprn.RPC_PrintPropertyValue(ePropertyType=kind, value=union))
    samba = samba_pack(SAMBA_PROPERTY.format(kind=kind, value=value))
    ours = encode_raw(rprn, "RPC_PrintNamedProperty", prop)
    assert ours == samba
    assert ours[16:20] != b"\0\0\0\0" or kind == 1  # the arm starts at 16, not 12
    assert decode_raw(rprn, "RPC_PrintNamedProperty", samba) == prop
