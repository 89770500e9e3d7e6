"""midlpy.dump and midlpy.jsonmap on the real PAC vectors: decode, JSON, encode back,
validate; the expected bytes are the Windows buffers themselves and the expected field
values come from the Samba decodes beside them."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from midlpy import dump, jsonmap
from tests.helpers import ROOT, VECTORS, load_idl
from tests.usage.conftest import LOGON_INFO, ids, vector

W2003 = "mit_t_pac_w2003final.logon_info.bin"  # cut from mit_t_pac_w2003final.bin at 72


@pytest.fixture(scope="module")
def logon(pac: types.ModuleType) -> dump.TypeCodec:
    return dump.find_type(pac, "PKERB_VALIDATION_INFO")


@pytest.mark.parametrize("path", LOGON_INFO, ids=ids(LOGON_INFO))
def test_json_round_trip_gives_back_the_windows_bytes(logon: dump.TypeCodec,
                                                      path: Path) -> None:
    data = path.read_bytes()
    value = dump.decode(logon, data)
    text = jsonmap.dumps(value)
    again = dump.value_from_json(logon, text)
    assert again == value
    assert dump.encode(logon, again) == data
    assert dump.validate(logon, data, value) is None


@pytest.mark.parametrize("path", LOGON_INFO, ids=ids(LOGON_INFO))
def test_json_fields_match_the_samba_decode(logon: dump.TypeCodec, path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text())["value"]
    doc = jsonmap.to_json(dump.decode(logon, path.read_bytes()))
    for name in ("UserId", "PrimaryGroupId", "GroupCount", "UserFlags", "SidCount",
                 "UserAccountControl", "GroupIds", "EffectiveName", "LogonServer"):
        assert doc[name] == expected[name], name
    assert doc["UserSessionKey"] == {"data": [{"data": expected["UserSessionKey"][:16]},
                                              {"data": expected["UserSessionKey"][16:]}]}
    low, high = doc["LogonTime"]["dwLowDateTime"], doc["LogonTime"]["dwHighDateTime"]
    assert low | high << 32 == expected["LogonTime"]


@pytest.mark.parametrize("name", ["美咲 Øvergård \U0001f511", "a\ud800b\udfff", "\udc00\ud800"])
def test_non_ascii_and_lone_surrogates_survive_json(logon: dump.TypeCodec, name: str) -> None:
    value = dump.decode(logon, vector(W2003))
    value.FullName.Buffer = name
    value.FullName.Length = value.FullName.MaximumLength = len(name.encode(
        "utf-16-le", "surrogatepass"))
    blob = dump.encode(logon, value)
    text = jsonmap.dumps(value)
    text.encode("utf-8")  # lone surrogates are escaped: printable and storable as UTF-8
    assert ("\\ud800" in text) == ("\ud800" in name)
    assert "Øvergård" in text or "Øvergård" not in name  # readable, not \u-escaped
    back = dump.value_from_json(logon, text)
    assert back.FullName.Buffer.encode("utf-16-le", "surrogatepass") == name.encode(
        "utf-16-le", "surrogatepass")
    assert dump.encode(logon, back) == blob


def test_enums_by_name_and_value(pac: types.ModuleType) -> None:
    meta = dump.find_type(pac, "PCLAIMS_SET_METADATA")
    data = vector("gokrb5_client_claims_xpress_huff.bin")
    value = dump.decode(meta, data)
    doc = jsonmap.to_json(value)
    assert doc["usCompressionFormat"] == {"name": "COMPRESSION_FORMAT_XPRESS_HUFF", "value": 4}
    assert dump.encode(meta, jsonmap.from_json(doc, meta.hint, meta.namespace)) == data
    doc["usCompressionFormat"] = "COMPRESSION_FORMAT_XPRESS_HUFF"  # a bare name works too
    assert dump.encode(meta, jsonmap.from_json(doc, meta.hint, meta.namespace)) == data
    doc["usCompressionFormat"] = {"name": "COMPRESSION_FORMAT_NONE", "value": 4}
    with pytest.raises(jsonmap.JsonMapError, match="usCompressionFormat"):
        jsonmap.from_json(doc, meta.hint, meta.namespace)


def test_json_that_does_not_fit_names_the_field(logon: dump.TypeCodec) -> None:
    doc = jsonmap.to_json(dump.decode(logon, vector(W2003)))
    doc["GroupIds"][0]["RelativeId"] = "513"
    with pytest.raises(dump.DumpError) as info:
        dump.value_from_json(logon, json.dumps(doc))
    assert info.value.path == "GroupIds[0].RelativeId"
    assert "expected an integer" in str(info.value)
    doc["GroupIds"][0] = {"RelativeID": 513}
    with pytest.raises(dump.DumpError, match="no field 'RelativeID'"):
        dump.value_from_json(logon, json.dumps(doc))
    with pytest.raises(dump.DumpError, match="not valid JSON"):
        dump.value_from_json(logon, "{")


def test_values_the_encoder_refuses_name_the_field(logon: dump.TypeCodec) -> None:
    doc = jsonmap.to_json(dump.decode(logon, vector(W2003)))
    doc["GroupCount"] = 2  # size_is(GroupCount) no longer matches the array
    with pytest.raises(dump.DumpError) as info:
        dump.encode(logon, dump.value_from_json(logon, json.dumps(doc)))
    assert "GroupIds" in info.value.path


def test_validate_finds_a_changed_referent_id(logon: dump.TypeCodec) -> None:
    data = bytearray(vector(W2003))
    # Stream offset 56 (file offset 72): EffectiveName.Buffer's referent id 0x00020004.
    assert data[72:76] == bytes.fromhex("04000200")
    data[72] = 0x08  # still non-NULL, so it decodes; Windows numbering says 4
    value = dump.decode(logon, bytes(data))
    found = dump.validate(logon, bytes(data), value, base=1000)
    assert found == dump.Mismatch(1072, 0x08, 0x04, "KERB_VALIDATION_INFO.EffectiveName.Buffer",
                                  referents_only=True)


@pytest.mark.parametrize("offset, path", [
    (5, "common header Filler"),
    (470, "padding after the value"),
    # common headers 16, top-level referent 4, six FILETIMEs, six RPC_UNICODE_STRINGs,
    # LogonCount and BadPasswordCount: then UserId
    (16 + 4 + 48 + 48 + 4 + 1, "KERB_VALIDATION_INFO.UserId"),
    (16 + 4 + 48 + 48 + 4 + 4 + 4 + 4 + 4, "KERB_VALIDATION_INFO.UserFlags"),
])
def test_validate_names_header_padding_and_fields(logon: dump.TypeCodec, offset: int,
                                                  path: str) -> None:
    data = bytearray(vector(W2003))
    data[offset] ^= 0x40
    value = dump.decode(logon, bytes(data))
    found = dump.validate(logon, bytes(data), value)
    if path.startswith("KERB"):
        # A data byte decodes to a different value that encodes the same way.
        assert found is None
        assert dump._path_at(logon, bytes(data), offset, False) == path
    else:
        assert found is not None and (found.offset, found.path) == (offset, path)


def test_blob_inside_a_larger_file(logon: dump.TypeCodec) -> None:
    whole = vector("mit_t_pac_w2003final.bin")
    value = dump.decode(logon, whole[72:], base=72)
    assert value == dump.decode(logon, vector(W2003))
    assert dump.validate(logon, whole[72:], value, base=72) is None


def test_decode_errors_carry_offset_and_path(logon: dump.TypeCodec) -> None:
    data = bytearray(vector(W2003))
    data[16 + 4 + 48 + 2] = 0x20  # EffectiveName.MaximumLength, now disagrees with its array
    with pytest.raises(dump.DumpError) as info:
        dump.decode(logon, bytes(data), base=72)
    err = info.value
    assert err.offset is not None and err.offset > 72 + 16
    assert err.path.startswith("KERB_VALIDATION_INFO.")
    with pytest.raises(dump.DumpError, match="at offset"):
        dump.decode(logon, bytes(data[:40]))


def test_raw_ndr_stream(logon: dump.TypeCodec) -> None:
    data = vector(W2003)
    stream = data[16:]
    value = dump.decode(logon, stream, raw=True)
    assert value == dump.decode(logon, data)
    raw = dump.encode(logon, value, raw=True)
    assert stream.startswith(raw)  # the pickle only adds zero padding to a multiple of 8
    assert len(stream) - len(raw) < 8 and not any(stream[len(raw):])
    assert dump.validate(logon, stream, value, raw=True) is None


def test_unknown_type_lists_the_pickled_ones(pac: types.ModuleType) -> None:
    with pytest.raises(dump.DumpError) as info:
        dump.find_type(pac, "KERB_VALIDATION_INFO")
    assert "did you mean PKERB_VALIDATION_INFO" in str(info.value)
    assert "PS4U_DELEGATION_INFO" in str(info.value)


def test_drs_reply_round_trips_through_json() -> None:
    drs = load_idl(ROOT / "examples/drs/drs.idl", ROOT / "examples/drs/drs.acf")
    codec = dump.find_type(drs, "DRS_MSG_GETCHGREPLY_V6")
    data = (VECTORS / "synthetic" / "drs_getchgreply_v6.bin").read_bytes()
    value = dump.decode(codec, data)
    text = jsonmap.dumps(value)
    back = dump.value_from_json(codec, text)
    assert back == value
    # Samba numbers referents its own way, so compare with midlpy's encoding.
    assert dump.encode(codec, back) == dump.encode(codec, value)
    assert "DRS_MSG_GETCHGREPLY_V6" in dump.to_text(value, codec.name).splitlines()[0]


def test_text_form_is_readable(logon: dump.TypeCodec) -> None:
    text = dump.to_text(dump.decode(logon, vector(W2003)), "PKERB_VALIDATION_INFO")
    lines = text.splitlines()
    assert lines[0] == "PKERB_VALIDATION_INFO: KERB_VALIDATION_INFO"
    assert "    Buffer: 'W2003FINAL$'" in lines
    assert "  ResourceGroupIds: NULL" in lines
    assert "      RelativeId: 516 (0x204)" in lines



CLAIMS = ["int", "str", "multi", "multi_uint", "multi_str"]


@pytest.mark.parametrize("name", CLAIMS)
def test_claims_set_inside_its_metadata_blob(pac: types.ModuleType, name: str) -> None:
    """The inner CLAIMS_SET pickle starts at byte 52 of the metadata pickle: unions
    with enum discriminants, decoded in place and put back byte for byte."""
    data = vector(f"gokrb5_client_claims_{name}.bin")
    codec = dump.find_type(pac, "PCLAIMS_SET")
    value = dump.decode(codec, data[52:], base=52)
    assert dump.validate(codec, data[52:], value, base=52) is None
    doc = json.loads(jsonmap.dumps(value))
    entry = doc["ClaimsArrays"][0]["ClaimEntries"][0]
    assert entry["Type"] == entry["Values"]["switch"]
    assert entry["Type"]["name"].startswith("CLAIM_TYPE_")
    blob = dump.encode(codec, dump.value_from_json(codec, json.dumps(doc)))
    assert data[52:52 + len(blob)] == blob
