"""The hand-written floor codec (tests/bench/floor_kvi.py) against the vectors.

It must decode every logon-info buffer to its JSON value and encode the
Windows-made ones back to the same bytes; Samba-made ones come back in their
Windows form (referent ids renumbered, see referents.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.vectors import referents
from tests.vectors.canon import VECTORS, load_json, sid_string

_spec = importlib.util.spec_from_file_location(
    "floor_kvi", Path(__file__).resolve().parents[1] / "bench" / "floor_kvi.py")
assert _spec is not None and _spec.loader is not None
floor = importlib.util.module_from_spec(_spec)
sys.modules["floor_kvi"] = floor      # dataclasses look their module up
_spec.loader.exec_module(floor)

REAL = sorted(VECTORS.glob("real/*.logon_info.bin")) + [VECTORS / "real/gokrb5_logon_info_trust.bin"]
SYNTHETIC = sorted(VECTORS.glob("synthetic/logon_info_*.bin"))


def _ustr(s):
    return {"Length": s.Length, "MaximumLength": s.MaximumLength, "Buffer": s.Buffer}


def _sid(s):
    return None if s is None else sid_string(s.Revision, s.IdentifierAuthority, s.SubAuthority)


def _groups(gs):
    return None if gs is None else [{"RelativeId": g.RelativeId, "Attributes": g.Attributes} for g in gs]


def floor_canon(v) -> dict:
    """The floor's KerbValidationInfo in the JSON form."""
    out = {}
    for name in v.__slots__:
        x = getattr(v, name)
        if isinstance(x, floor.UnicodeString):
            x = _ustr(x)
        elif isinstance(x, floor.Sid):
            x = _sid(x)
        out[name] = x
    out["GroupIds"] = _groups(v.GroupIds)
    out["ResourceGroupIds"] = _groups(v.ResourceGroupIds)
    out["UserSessionKey"] = v.UserSessionKey.hex()
    out["Reserved1"] = b"".join(r.to_bytes(4, "little") for r in v.Reserved1).hex()
    out["ExtraSids"] = None if v.ExtraSids is None else [
        {"Sid": _sid(e.Sid), "Attributes": e.Attributes} for e in v.ExtraSids]
    return out


def test_vector_sets_present():
    assert len(REAL) == 18 and len(SYNTHETIC) == 7


@pytest.mark.parametrize("path", REAL + SYNTHETIC, ids=lambda p: p.stem)
def test_decode_matches_json(path: Path):
    assert floor_canon(floor.decode(path.read_bytes())) == load_json(path.with_suffix(".json"))["value"]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_windows_buffers_reencode_exactly(path: Path):
    data = path.read_bytes()
    assert floor.encode(floor.decode(data)) == data


@pytest.mark.parametrize("path", SYNTHETIC, ids=lambda p: p.stem)
def test_samba_buffers_reencode_in_windows_form(path: Path):
    data = path.read_bytes()
    value = load_json(path.with_suffix(".json"))["value"]
    expected = referents.windows_form(data, value, referents.LOGON_INFO)
    assert floor.encode(floor.decode(data)) == expected


def test_numberings_differ_only_with_extra_sids_and_resource_groups():
    # The Samba form differs from the Windows form exactly when a Sid
    # pointer inside ExtraSids precedes the resource-group pointers
    # (PROVENANCE.md note 1): g10 has both, g1 has neither.
    g10 = VECTORS / "synthetic/logon_info_g10.bin"
    g1 = VECTORS / "synthetic/logon_info_g1_empty_strings.bin"
    for path, differs in ((g10, True), (g1, False)):
        data = path.read_bytes()
        value = load_json(path.with_suffix(".json"))["value"]
        assert (referents.windows_form(data, value, referents.LOGON_INFO) != data) is differs


def test_null_pointer_round_trip():
    assert floor.decode(floor.encode(None)) is None


@pytest.mark.parametrize("cut", [0, 10, 19, 100, 300])
def test_truncated_input_raises(cut: int):
    data = (VECTORS / "synthetic/logon_info_g10.bin").read_bytes()
    truncated = data[:16] + data[16:][:cut]
    # Keep the header's length honest so only the data runs short.
    truncated = truncated[:8] + len(truncated[16:]).to_bytes(4, "little") + truncated[12:]
    with pytest.raises(floor.FloorError):
        floor.decode(truncated)
