"""Damaged copies of real buffers: decoding raises RpcError (DecodeError), nothing else.

Truncations at every length, with the MES header left as it was or made to
agree with the shortened data, and seeded random byte changes, on Windows
buffers of each PAC kind and on the DRS vector.
"""

from __future__ import annotations

import random

import pytest

from midlpy.runtime import DecodeError, MesDecodeBufferHandleCreate, RpcError
from tests.helpers import ROOT, load_idl
from tests.vectors.canon import VECTORS

CASES = [
    ("pac", "PKERB_VALIDATION_INFO", "real/samba_torture_w2k12_admin.logon_info.bin"),
    ("pac", "PS4U_DELEGATION_INFO", "real/heimdal_test_pac_s4u2proxy.delegation.bin"),
    ("pac", "PPAC_CREDENTIAL_DATA", "real/samba_torture_pkinit_credential_data.bin"),
    ("pac", "PCLAIMS_SET_METADATA", "real/gokrb5_client_claims_multi.bin"),
    ("drs", "DRS_MSG_GETCHGREPLY_V6", "synthetic/drs_getchgreply_v6.bin"),
]


@pytest.fixture(scope="module")
def mods():
    return {"pac": load_idl(ROOT / "examples/pac/pac.idl", ROOT / "examples/pac/pac.acf"),
            "drs": load_idl(ROOT / "examples/drs/drs.idl", ROOT / "examples/drs/drs.acf")}


def _decode(mod, typename: str, data: bytes):
    return getattr(mod, typename + "_Decode")(MesDecodeBufferHandleCreate(data))


def _with_length(data: bytes) -> bytes:
    """``data`` with ObjectBufferLength saying how much stream there is (rounded down to 8)."""
    n = (len(data) - 16) & ~7
    return data[:8] + n.to_bytes(4, "little") + data[12:16 + n]


@pytest.mark.parametrize("module,typename,name", CASES, ids=lambda x: str(x).split("/")[-1])
def test_truncated(mods, module, typename, name):
    data = (VECTORS / name).read_bytes()
    mod = mods[module]
    for cut in range(len(data)):
        with pytest.raises(RpcError):
            _decode(mod, typename, data[:cut])
    for cut in range(24, len(data) - 8, 8):
        with pytest.raises(RpcError):
            _decode(mod, typename, _with_length(data[:cut]))


CLAIMS_INNER = ("pac", "PCLAIMS_SET", "real/gokrb5_client_claims_multi.bin")


@pytest.mark.parametrize("module,typename,name", CASES + [CLAIMS_INNER],
                         ids=lambda x: str(x).split("/")[-1])
def test_random_damage(mods, module, typename, name):
    data = (VECTORS / name).read_bytes()
    if typename == "PCLAIMS_SET":
        data = data[52:52 + 336]            # the inner pickle (offsets from the JSON)
    mod = mods[module]
    rng = random.Random(name)
    failures = 0
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(16, len(data))
            damaged[pos] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        try:
            _decode(mod, typename, bytes(damaged))
        except RpcError:
            failures += 1
    assert failures > 0   # the damage reached things the decoder checks


def test_decode_errors_carry_the_field_path(mods):
    # samba_torture_w2k12_admin: the flat KERB_VALIDATION_INFO ends at 236,
    # then the six name strings (13 characters, then five empty ones), so the
    # GroupIds conformance (5) is at buffer offset 336 (checked below).
    data = (VECTORS / "real/samba_torture_w2k12_admin.logon_info.bin").read_bytes()
    assert data[336:340] == (5).to_bytes(4, "little")
    wrong_count = bytearray(data)
    wrong_count[336] = 6
    cut = bytearray(data[:368])                  # stream ends inside GroupIds
    cut[8:12] = (368 - 16).to_bytes(4, "little")
    for damaged in (wrong_count, cut):
        with pytest.raises(DecodeError) as info:
            _decode(mods["pac"], "PKERB_VALIDATION_INFO", bytes(damaged))
        assert "KERB_VALIDATION_INFO.GroupIds" in str(info.value)
