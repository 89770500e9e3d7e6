"""Procedure pickling against the bytes Wine's rpcrt4 wrote (tests/data/vectors/wine-proc).

Each procedure of mes_oracle.idl is pickled through an explicit handle; the encoding must
give exactly the dumped header and body, and decoding it must give the [out] values back.
Wine pads nothing and counts only the body in its byte count; midlpy writes the same
header and pads with zeros *after* the record (not counted), so the dumped bytes are a
prefix of midlpy's record, followed by zero padding to a multiple of 8.
"""

from __future__ import annotations

import re

import pytest

from midlpy.runtime import (MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate,
                            MesInqProcEncodingId)
from tests.helpers import VECTORS, load_idl

WINE = VECTORS / "wine-proc"


def wine_bytes(name: str) -> bytes:
    text = (WINE / f"proc.{name}.txt").read_text()
    section = text.split("buffer[0 ..")[1].split("next 8 bytes")[0]
    rows = re.findall(r"^\s+[0-9a-f]{4}: ((?:[0-9a-f]{2} ?)+)", section, re.M)
    return bytes.fromhex("".join(rows).replace(" ", ""))


@pytest.fixture(scope="module")
def mo():
    return load_idl(WINE / "mes_oracle.idl")


def _cases(mo):
    return {
        "Long": (mo.P_Long, (0x11223344,), 0x11223344),
        "Prims": (mo.P_Prims, (mo.Prims(0x11, 0x1122334455667788, 0x2233, 0x44, 0x55667788,
                                        1.5, -2.25, True, 0xAB, 0xE9, 0x7F,
                                        0x0102030405060708),), None),
        "Conf": (mo.P_Conf, (mo.Conf(0x0102, 3, [0x10, 0x20, 0x30]),), None),
        "Strs": (mo.P_Strs, (mo.Strs("Hi\xe9", "abc", None),), None),
        "EU_1": (mo.P_EU, (mo.EU(kind=1, s=0x1234),), None),
        # P_Multi's arguments are listed in the vector's README
        "Multi": (mo.P_Multi, (-2, 0x0102030405060708, 1.0, 0x44, None, "w", 3, [7, 8, 9],
                               [0x61, 0x62], 0x99), 0xFE),
    }


@pytest.mark.parametrize("name", ["Long", "Prims", "Conf", "Strs", "EU_1", "Multi"])
def test_encodes_to_the_wine_bytes_and_decodes_back(mo, name: str) -> None:
    proc, args, decoded = _cases(mo)[name]
    want = wine_bytes(name)
    h = MesEncodeDynBufferHandleCreate()
    proc(h, *args)
    got = h.buffer
    assert got[:len(want)] == want
    assert got[len(want):] == bytes(len(got) - len(want)) and len(got) % 8 == 0
    assert h.encoded_size == len(got)
    d = MesDecodeBufferHandleCreate(got)
    (iface, _), procnum = MesInqProcEncodingId(d)
    assert str(iface) == "5f0e5d2a-8c1b-4b7e-9a43-1d2c3b4a5968"
    assert procnum == int.from_bytes(want[44:48], "little")
    out = proc(d)
    # [in, out] parameters come back; P_Multi decodes its single [out] from the body's
    # first bytes, as Wine's decoder did (its dump says io=0xfe)
    assert out == (decoded if decoded is not None else args[0])
