"""The PAC example (examples/pac/pac.idl) against the Windows and Samba vectors.

Decoding must give exactly the JSON values; encoding must give back the
Windows bytes exactly (including the referent numbering four of them need,
which Samba's encoder does not reproduce) and the Samba bytes in their
Windows form (referents.py derives that form from the JSON and the Samba
bytes, independently of midlpy).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from midlpy.runtime import EncodeError, MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import ROOT, load_idl
from tests.vectors import canon, referents
from tests.vectors.canon import VECTORS, load_json

sys.path.insert(0, str(ROOT / "examples" / "pac"))
from pacfile import parse_pac  # noqa: E402

PAC_IDL = ROOT / "examples" / "pac" / "pac.idl"
PAC_ACF = ROOT / "examples" / "pac" / "pac.acf"

REAL_LOGON = sorted(VECTORS.glob("real/*.logon_info.bin")) + [VECTORS / "real/gokrb5_logon_info_trust.bin"]
SYN_LOGON = sorted(VECTORS.glob("synthetic/logon_info_*.bin"))
REAL_DELEGATION = sorted(VECTORS.glob("real/*.delegation.bin"))
SYN_DELEGATION = sorted(VECTORS.glob("synthetic/delegation_*.bin"))
REAL_CREDENTIAL = [VECTORS / "real/samba_torture_pkinit_credential_data.bin"]
SYN_CREDENTIAL = sorted(VECTORS.glob("synthetic/credential_data_*.bin"))
PACS = sorted(p.with_suffix(".bin") for p in VECTORS.glob("real/*.json")
              if isinstance(load_json(p), dict) and load_json(p).get("kind") == "pac")

# kind -> (pickled pointer typedef, canonicaliser, pointer shape)
KINDS = {
    "logon_info": ("PKERB_VALIDATION_INFO", canon.kerb_validation_info, referents.LOGON_INFO),
    "delegation": ("PS4U_DELEGATION_INFO", canon.s4u_delegation_info, referents.DELEGATION),
    "credential_data": ("PPAC_CREDENTIAL_DATA", canon.pac_credential_data, referents.CREDENTIAL_DATA),
}


@pytest.fixture(scope="module")
def pac():
    return load_idl(PAC_IDL, PAC_ACF)


def decode(mod, typename: str, data: bytes):
    return getattr(mod, typename + "_Decode")(MesDecodeBufferHandleCreate(data))


def encode(mod, typename: str, value) -> bytes:
    h = MesEncodeDynBufferHandleCreate()
    getattr(mod, typename + "_Encode")(h, value)
    return bytes(h.buffer)


def _kind(path: Path) -> str:
    return load_json(path.with_suffix(".json"))["kind"]


def test_vector_sets_present():
    assert (len(REAL_LOGON), len(SYN_LOGON), len(REAL_DELEGATION), len(SYN_DELEGATION),
            len(SYN_CREDENTIAL), len(PACS)) == (18, 7, 1, 2, 2, 17)


@pytest.mark.parametrize("path", REAL_LOGON + SYN_LOGON + REAL_DELEGATION + SYN_DELEGATION
                         + REAL_CREDENTIAL + SYN_CREDENTIAL, ids=lambda p: p.stem)
def test_decode_matches_json(pac, path: Path):
    typename, to_json, _ = KINDS[_kind(path)]
    value = decode(pac, typename, path.read_bytes())
    assert to_json(value) == load_json(path.with_suffix(".json"))["value"]


@pytest.mark.parametrize("path", REAL_LOGON + REAL_DELEGATION + REAL_CREDENTIAL, ids=lambda p: p.stem)
def test_windows_buffers_reencode_exactly(pac, path: Path):
    typename, _, _ = KINDS[_kind(path)]
    data = path.read_bytes()
    assert encode(pac, typename, decode(pac, typename, data)) == data


@pytest.mark.parametrize("path", SYN_LOGON + SYN_DELEGATION + SYN_CREDENTIAL, ids=lambda p: p.stem)
def test_samba_buffers_reencode_in_windows_form(pac, path: Path):
    # Equal to Samba's bytes with each referent id replaced by the id Windows
    # gives that pointer; for delegation and credential data the two
    # numberings coincide, so this is plain equality there.
    typename, _, shape = KINDS[_kind(path)]
    data = path.read_bytes()
    expected = referents.windows_form(data, load_json(path.with_suffix(".json"))["value"], shape)
    got = encode(pac, typename, decode(pac, typename, data))
    assert len(got) == len(data)
    assert got == expected


@pytest.mark.parametrize("path", PACS, ids=lambda p: p.stem)
def test_pac_containers(pac, path: Path):
    """Each whole PAC: its buffer table, and every NDR buffer it has decoded and re-encoded."""
    doc = load_json(path.with_suffix(".json"))
    parsed = parse_pac(path.read_bytes())
    assert parsed.Version == doc["Version"] and len(parsed.Buffers) == doc["cBuffers"]
    assert [(b.ulType, b.cbBufferSize, b.Offset) for b in parsed.Buffers] == \
        [(b["ulType"], b["cbBufferSize"], b["Offset"]) for b in doc["Buffers"]]
    for buf, entry in zip(parsed.Buffers, doc["Buffers"]):
        if buf.ulType == 1:
            typename, key, to_json = "PKERB_VALIDATION_INFO", "KERB_VALIDATION_INFO", canon.kerb_validation_info
        elif buf.ulType == 11:
            typename, key, to_json = "PS4U_DELEGATION_INFO", "S4U_DELEGATION_INFO", canon.s4u_delegation_info
        else:
            continue
        value = decode(pac, typename, buf.data)
        assert to_json(value) == entry[key]
        assert encode(pac, typename, value) == buf.data
    cut = path.with_name(path.stem + ".logon_info.bin")
    if cut.exists():
        logon = parsed.first(1)
        assert logon is not None and logon.data == cut.read_bytes()


def test_null_logon_info_pointer(pac):
    # A NULL top-level pointer: referent id 0, padded to 8 (bytes from the
    # type serialization layout of the reference, section 2.1).
    data = bytes.fromhex("01100800cccccccc" "0800000000000000" "0000000000000000")
    assert decode(pac, "PKERB_VALIDATION_INFO", data) is None
    assert encode(pac, "PKERB_VALIDATION_INFO", None) == data


W2K12 = VECTORS / "real/samba_torture_w2k12_admin.logon_info.bin"


def _broken(value, field_path: str, new):
    *parents, last = field_path.split(".")
    target = value
    for p in parents:
        target = getattr(target, p)
    setattr(target, last, new)
    return value


@pytest.mark.parametrize("field_path,new,where", [
    ("GroupCount", 6, "KERB_VALIDATION_INFO.GroupIds"),                 # size_is disagrees
    ("EffectiveName.Length", 4, "KERB_VALIDATION_INFO.EffectiveName.Buffer"),  # length_is
    ("LogonDomainId.SubAuthorityCount", 9, "KERB_VALIDATION_INFO.LogonDomainId"),
    ("UserId", -1, "KERB_VALIDATION_INFO.UserId"),                      # out of range for ULONG
    ("UserId", "500", "KERB_VALIDATION_INFO.UserId"),                   # not an integer
])
def test_encode_error_names_the_bad_field(pac, field_path, new, where):
    value = _broken(decode(pac, "PKERB_VALIDATION_INFO", W2K12.read_bytes()), field_path, new)
    with pytest.raises(EncodeError) as info:
        encode(pac, "PKERB_VALIDATION_INFO", value)
    assert where in str(info.value)
