"""A typedef that a file defines again is the file's own there (MIDL, and widl: a file's
definition replaces an imported one; two in one file, or two differing imports used
together, are errors -- tests/sema/errors/e_redefinition and e_typedef_conflict).

The expected bytes are derived by hand from [MS-RPCE] 2.2.4 / C706 chapter 14."""

from __future__ import annotations

from pathlib import Path

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.helpers import DATA, load_idl

HERE = Path(__file__).resolve().parent / "typedefs"

# STRING {Length 2, MaximumLength 4, Buffer "ab"}: the two shorts, the Buffer's referent
# id, then the conformant varying char array (max 4, offset 0, actual 2) and its 2 bytes.
STRING_BODY = bytes.fromhex("0200" "0400" "00000200" "04000000" "00000000" "02000000" "6162")


def _pickle(body: bytes) -> bytes:
    padded = body + bytes(-len(body) & 7)
    return (bytes.fromhex("01100800cccccccc") + len(padded).to_bytes(4, "little")
            + bytes(4) + padded)


def test_local_typedef_replaces_the_imported_one() -> None:
    m = load_idl(HERE / "lsa_types.idl", HERE / "lsa_types.acf")
    h = MesEncodeDynBufferHandleCreate()
    value = m.HOLDER(m.STRING(2, 4, b"ab"))
    m.HOLDER_Encode(h, value)
    assert h.buffer == _pickle(STRING_BODY)
    assert m.HOLDER_Decode(MesDecodeBufferHandleCreate(h.buffer)) == value


def test_an_importer_sees_the_definition_that_replaced_the_other() -> None:
    m = load_idl(HERE / "uses_both.idl", HERE / "uses_both.acf")
    h = MesEncodeDynBufferHandleCreate()
    m.OUTER_Encode(h, m.OUTER(m._m_lsa_types.STRING(2, 4, b"ab")))
    assert h.buffer == _pickle(STRING_BODY)


def test_bstr_through_ms_oaut_is_a_flagged_word_blob() -> None:
    """BSTR_HOLDER {b: FLAGGED_WORD_BLOB {cBytes 4, clSize 2, "ab"}, tail 7}: the BSTR's
    referent id, tail, then the conformant struct: its max count first, cBytes, clSize
    and the two UTF-16 units."""
    m = load_idl(HERE / "uses_bstr.idl", HERE / "uses_bstr.acf",
                 include_dirs=[DATA / "ms-spec"])
    blob = m._m_ms_oaut.FLAGGED_WORD_BLOB(cBytes=4, clSize=2, asData=[0x61, 0x62])
    h = MesEncodeDynBufferHandleCreate()
    m.BSTR_HOLDER_Encode(h, m.BSTR_HOLDER(b=blob, tail=7))
    assert h.buffer == _pickle(bytes.fromhex(
        "00000200" "07000000" "02000000" "04000000" "02000000" "61006200"))
