"""examples/drs/drs.idl against the Samba-made DRS_MSG_GETCHGREPLY_V6 vector.

The vector pickles the structure itself (no top-level pointer).  It
exercises hyper alignment, GUIDs, DSNAME (a conformant structure), a linked
list whose "next" pointer is its first member (so the deepest entry's
referents come first in the stream), nested conformant arrays and blobs.
Samba numbers referent ids in slot order; midlpy must give the Windows form
derived by referents.py.
"""

from __future__ import annotations

import pytest

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import ROOT, load_idl
from tests.vectors import canon, referents
from tests.vectors.canon import VECTORS, load_json

PATH = VECTORS / "synthetic/drs_getchgreply_v6.bin"


@pytest.fixture(scope="module")
def drs():
    return load_idl(ROOT / "examples/drs/drs.idl", ROOT / "examples/drs/drs.acf")


def test_decode_matches_json(drs):
    value = drs.DRS_MSG_GETCHGREPLY_V6_Decode(MesDecodeBufferHandleCreate(PATH.read_bytes()))
    assert canon.drs_getchgreply_v6(value) == load_json(PATH.with_suffix(".json"))["value"]


def test_reencodes_in_windows_form(drs):
    data = PATH.read_bytes()
    value = drs.DRS_MSG_GETCHGREPLY_V6_Decode(MesDecodeBufferHandleCreate(data))
    h = MesEncodeDynBufferHandleCreate()
    drs.DRS_MSG_GETCHGREPLY_V6_Encode(h, value)
    expected = referents.windows_form(
        data, referents.drs_json_nested(load_json(PATH.with_suffix(".json"))["value"]),
        referents.DRS_GETCHGREPLY_V6)
    assert expected != data          # the linked list makes the numberings differ
    assert bytes(h.buffer) == expected


def test_samba_form_differs_only_in_referent_ids():
    # Independent of midlpy: the Windows form is a permutation of Samba's ids
    # in Samba's slots, and nothing else changes.
    data = PATH.read_bytes()
    value = referents.drs_json_nested(load_json(PATH.with_suffix(".json"))["value"])
    win = referents.windows_form(data, value, referents.DRS_GETCHGREPLY_V6)
    slots = referents.samba_slots(data, len(referents.slot_order(value, referents.DRS_GETCHGREPLY_V6)))
    diff = {i & ~3 for i in range(len(data)) if data[i] != win[i]}
    assert diff <= set(slots)
    assert sorted(data[s:s + 4] for s in slots) == sorted(win[s:s + 4] for s in slots)
