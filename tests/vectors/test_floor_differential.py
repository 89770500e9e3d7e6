"""midlpy against the hand-written floor codec on generated logon-info values.

The floor (tests/bench/floor_kvi.py) and the code generated from
examples/pac/pac.idl are independent implementations of the same pickle;
for any KERB_VALIDATION_INFO they must write the same bytes (Windows
referent numbering included) and read each other's bytes to the same value.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import ROOT, load_idl
from tests.vectors import canon
from tests.vectors.test_floor_kvi import floor, floor_canon

U32 = st.integers(0, 2**32 - 1)
U16 = st.integers(0, 2**16 - 1)
U64 = st.integers(0, 2**64 - 1)
# Any UTF-16 code units, lone surrogates included (they must round-trip).
TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()),
               max_size=12)


@st.composite
def ustrings(draw):
    if draw(st.booleans()) and draw(st.booleans()):
        return floor.UnicodeString(0, 0, None)
    text = draw(TEXT)
    n = len(text.encode("utf-16-le", "surrogatepass"))
    return floor.UnicodeString(n, n + draw(st.sampled_from((0, 2))), text)


SIDS = st.builds(lambda rev, auth, subs: floor.Sid(rev, len(subs), auth, subs),
                 st.integers(0, 255), st.binary(min_size=6, max_size=6), st.lists(U32, max_size=15))
GROUPS = st.lists(st.builds(floor.GroupMembership, U32, U32), max_size=12)
EXTRA = st.lists(st.builds(floor.SidAndAttributes, st.none() | SIDS, U32), max_size=6)


@st.composite
def logon_infos(draw):
    groups = draw(st.none() | GROUPS)
    extra = draw(st.none() | EXTRA)
    res = draw(st.none() | GROUPS)
    return floor.KerbValidationInfo(
        *(draw(U64) for _ in range(6)), *(draw(ustrings()) for _ in range(6)),
        draw(U16), draw(U16), draw(U32), draw(U32),
        len(groups) if groups is not None else 0, groups, draw(U32),
        draw(st.binary(min_size=16, max_size=16)), draw(ustrings()), draw(ustrings()),
        draw(st.none() | SIDS), [draw(U32), draw(U32)], draw(U32), draw(U32),
        draw(U64), draw(U64), draw(U32), draw(U32),
        len(extra) if extra is not None else 0, extra, draw(st.none() | SIDS),
        len(res) if res is not None else 0, res)


PAC = load_idl(ROOT / "examples/pac/pac.idl", ROOT / "examples/pac/pac.acf")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logon_infos())
def test_midlpy_and_floor_agree(value):
    data = floor.encode(value)
    decoded = PAC.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))
    assert canon.kerb_validation_info(decoded) == floor_canon(value)
    h = MesEncodeDynBufferHandleCreate()
    PAC.PKERB_VALIDATION_INFO_Encode(h, decoded)
    assert bytes(h.buffer) == data
    assert floor_canon(floor.decode(bytes(h.buffer))) == floor_canon(value)
