"""Claims buffers (PAC_CLIENT_CLAIMS_INFO) from Windows, through examples/pac/pac.idl.

A claims buffer is a pickled PCLAIMS_SET_METADATA whose ClaimsSet bytes are
themselves a pickled PCLAIMS_SET, unless usCompressionFormat says they are
compressed.  midlpy does not decompress: XPRESS_HUFF claims stay compressed
bytes, and only their metadata is decoded and re-encoded.

The claims JSONs document the metadata's fixed part (not an oracle for the
inner CLAIMS_SET); the expected claims below were read by hand from the
hex dumps of the buffers.
"""

from __future__ import annotations

import sys

import pytest

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import ROOT, load_idl
from tests.vectors import canon
from tests.vectors.canon import VECTORS, load_json

sys.path.insert(0, str(ROOT / "examples" / "pac"))
from pacfile import parse_pac  # noqa: E402

INT64, UINT64, STRING = 1, 2, 3
AD = 1
SUPPORTED_E = "ad://ext/msDS-SupportedE:88d5dea8f1af5f19"
SAM_NAME = "ad://ext/sAMAccountName:88d5d9085ea5c0c0"

# Hand-read from the bytes: one claims array from AD in each.
EXPECTED = {
    "int": [(AD, [(SUPPORTED_E, INT64, [28])])],
    "str": [(AD, [(SAM_NAME, STRING, ["testuser1"])])],
    "multi": [(AD, [(SUPPORTED_E, INT64, [28]), (SAM_NAME, STRING, ["testuser1"])])],
    "multi_uint": [(AD, [("ad://ext/objectClass:88d5de791e7b27e6", UINT64,
                          [0x000A0009, 0x00010007, 0x00010006, 0x00010000])])],
    "multi_str": [(AD, [("ad://ext/otherIpPhone:88d5de9f6b4af985", STRING,
                         ["str1", "str2", "str3", "str4"])])],
}


@pytest.fixture(scope="module")
def pac():
    return load_idl(ROOT / "examples/pac/pac.idl", ROOT / "examples/pac/pac.acf")


def decode(mod, typename, data):
    return getattr(mod, typename + "_Decode")(MesDecodeBufferHandleCreate(data))


def encode(mod, typename, value) -> bytes:
    h = MesEncodeDynBufferHandleCreate()
    getattr(mod, typename + "_Encode")(h, value)
    return bytes(h.buffer)


def _check_metadata(mod, data: bytes, fixed: dict):
    meta = decode(mod, "PCLAIMS_SET_METADATA", data)
    assert canon.claims_set_metadata_fixed(meta) == {
        "ulClaimsSetSize": fixed["ulClaimsSetSize"],
        "usCompressionFormat": fixed["usCompressionFormat"],
        "ulUncompressedClaimsSetSize": fixed["ulUncompressedClaimsSetSize"],
        "usReservedType": fixed["usReservedType"],
        "ulReservedFieldSize": fixed["ulReservedFieldSize"],
        "ReservedField": None if fixed["ReservedFieldPtr"] == "00000000" else meta.ReservedField.hex(),
    }
    off = fixed["ClaimsSet_bytes_offset"]
    assert meta.ClaimsSet == data[off:off + fixed["ClaimsSet_MaximumCount"]]
    assert encode(mod, "PCLAIMS_SET_METADATA", meta) == data
    return meta


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_uncompressed_claims(pac, name):
    path = VECTORS / f"real/gokrb5_client_claims_{name}.bin"
    data = path.read_bytes()
    meta = _check_metadata(pac, data, load_json(path.with_suffix(".json"))["CLAIMS_SET_METADATA_fixed_part"])
    assert int(meta.usCompressionFormat) == 0
    claims = decode(pac, "PCLAIMS_SET", meta.ClaimsSet)
    assert canon.claims_set(claims) == EXPECTED[name]
    assert claims.usReservedType == 0 and claims.ReservedField is None
    assert encode(pac, "PCLAIMS_SET", claims) == meta.ClaimsSet


def test_xpress_huff_claims_stay_compressed(pac):
    path = VECTORS / "real/gokrb5_client_claims_xpress_huff.bin"
    data = path.read_bytes()
    meta = _check_metadata(pac, data, load_json(path.with_suffix(".json"))["CLAIMS_SET_METADATA_fixed_part"])
    assert int(meta.usCompressionFormat) == 4 == pac.COMPRESSION_FORMAT_XPRESS_HUFF
    assert len(meta.ClaimsSet) == 424


def test_claims_buffer_inside_windows_pac(pac):
    # kerberosnet_rpcinterop_identityintervention: client claims (ulType 13),
    # XPRESS_HUFF compressed; sizes read by hand from the buffer's bytes.
    path = VECTORS / "real/kerberosnet_rpcinterop_identityintervention.bin"
    doc = load_json(path.with_suffix(".json"))
    buf = parse_pac(path.read_bytes()).first(13)
    assert buf.data.hex() == next(b["raw"] for b in doc["Buffers"] if b["ulType"] == 13)
    meta = decode(pac, "PCLAIMS_SET_METADATA", buf.data)
    assert (meta.ulClaimsSetSize, int(meta.usCompressionFormat), meta.ulUncompressedClaimsSetSize) \
        == (0x2DB, 4, 0x590)
    assert len(meta.ClaimsSet) == 0x2DB and meta.ReservedField is None
    assert encode(pac, "PCLAIMS_SET_METADATA", meta) == buf.data


# A CLAIMS_SET written out by hand from the NDR rules: a BOOLEAN claim (the
# one claim type no vector has), a claim whose type has no arm (the empty
# [default] arm: only the discriminant is sent) and a non-NULL ReservedField.
# As in the Windows vectors, the 16-bit discriminant follows Type unaligned
# and the arm is aligned to 4; ids are numbered in referent order.
HAND_CLAIMS_SET = bytes.fromhex(
    "01100800cccccccc" "7800000000000000"
    "00000200"                          # top-level pointer
    "01000000" "04000200"               # ulClaimsArrayCount 1, ClaimsArrays
    "0000" "0000" "03000000" "18000200"  # usReservedType, pad, ulReservedFieldSize 3, ReservedField
    "01000000"                          # ClaimsArrays: max count 1
    "0200" "0000" "02000000" "08000200"  # CERTIFICATE source, pad, 2 claims, ClaimEntries
    "02000000"                          # ClaimEntries: max count 2
    "0c000200" "0600" "0600" "01000000" "10000200"   # Id, Type BOOLEAN, switch 6, ValueCount 1, BooleanValues
    "14000200" "0500" "0500"            # Id, Type 5, switch 5 (default arm: nothing)
    "02000000" "00000000" "02000000" "6200" "0000"   # Id "b"
    "01000000" "0100000000000000"       # BooleanValues [1]
    "02000000" "00000000" "02000000" "7800" "0000"   # Id "x"
    "03000000" "010203" "00"            # ReservedField, pad to 8
)


def _hand_claims_set(m):
    return m.CLAIMS_SET(
        ulClaimsArrayCount=1,
        ClaimsArrays=[m.CLAIMS_ARRAY(
            usClaimsSourceType=m.CLAIMS_SOURCE_TYPE.CLAIMS_SOURCE_TYPE_CERTIFICATE, ulClaimsCount=2,
            ClaimEntries=[
                m.CLAIM_ENTRY(Id="b", Type=m.CLAIM_TYPE.CLAIM_TYPE_BOOLEAN, Values=m.CLAIM_ENTRY_Values(
                    switch=6, Boolean=m.CLAIM_ENTRY_Values_Boolean(ValueCount=1, BooleanValues=[1]))),
                m.CLAIM_ENTRY(Id="x", Type=5, Values=m.CLAIM_ENTRY_Values(switch=5)),
            ])],
        usReservedType=0, ulReservedFieldSize=3, ReservedField=b"\x01\x02\x03")


def test_hand_derived_claims_set(pac):
    assert encode(pac, "PCLAIMS_SET", _hand_claims_set(pac)) == HAND_CLAIMS_SET
    decoded = decode(pac, "PCLAIMS_SET", HAND_CLAIMS_SET)
    assert decoded == _hand_claims_set(pac)
    assert decoded.ClaimsArrays[0].ClaimEntries[1].Type == 5
