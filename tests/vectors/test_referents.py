"""The referent-numbering oracle (referents.py) checked against real data.

Its Windows rule must reproduce the ids Windows actually wrote, and its
Samba rule the ids Samba wrote; the Windows form of a Samba buffer must
differ from it only inside Samba's referent-id slots, by a permutation.
"""

from __future__ import annotations

import struct

import pytest

from tests.vectors import referents as R
from tests.vectors.canon import VECTORS, load_json

REAL = sorted(VECTORS.glob("real/*.logon_info.bin")) + [
    VECTORS / "real/gokrb5_logon_info_trust.bin", VECTORS / "real/heimdal_test_pac_s4u2proxy.delegation.bin",
    VECTORS / "real/samba_torture_pkinit_credential_data.bin"]
SYNTHETIC = sorted(p for p in VECTORS.glob("synthetic/*.bin"))
SHAPES = {"logon_info": R.LOGON_INFO, "delegation": R.DELEGATION,
          "credential_data": R.CREDENTIAL_DATA, "ctr6": R.DRS_GETCHGREPLY_V6}


def _value_and_shape(path):
    doc = load_json(path.with_suffix(".json"))
    value = doc["value"]
    if doc["kind"] == "ctr6":
        value = R.drs_json_nested(value)
    return value, SHAPES[doc["kind"]]


def _ids_in_stream_order(data: bytes, ids: list[int]) -> bool:
    """Whether ``ids`` occur, 4-aligned in the stream, at increasing offsets."""
    pos = 16
    for i in ids:
        want = struct.pack("<I", i)
        while True:
            pos = data.find(want, pos)
            if pos < 0:
                return False
            if pos % 4 == 0:
                break
            pos += 1
        pos += 4
    return True


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_windows_rule_matches_windows_bytes(path):
    value, shape = _value_and_shape(path)
    win = {p: R.FIRST_ID + 4 * k for k, p in enumerate(R.referent_order(value, shape))}
    slots = R.slot_order(value, shape)
    assert _ids_in_stream_order(path.read_bytes(), [win[p] for p in slots])


@pytest.mark.parametrize("path", SYNTHETIC, ids=lambda p: p.stem)
def test_windows_form_only_permutes_samba_ids(path):
    data = path.read_bytes()
    value, shape = _value_and_shape(path)
    slots = R.samba_slots(data, len(R.slot_order(value, shape)))
    win = R.windows_form(data, value, shape)
    assert len(win) == len(data)
    assert {i & ~3 for i in range(len(data)) if data[i] != win[i]} <= set(slots)
    assert sorted(data[s:s + 4] for s in slots) == sorted(win[s:s + 4] for s in slots)


def test_rules_differ_where_windows_and_samba_do():
    # w2k12_admin (extra SIDs and a resource group): Samba's rule gives ids
    # Windows did not write in that order (PROVENANCE.md note 1).
    path = VECTORS / "real/samba_torture_w2k12_admin.logon_info.bin"
    value, shape = _value_and_shape(path)
    samba_ids = [R.FIRST_ID + 4 * k for k in range(len(R.slot_order(value, shape)))]
    assert not _ids_in_stream_order(path.read_bytes(), samba_ids)
