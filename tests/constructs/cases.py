"""Hand-derived pickles of the types in constructs.idl and hooks.idl.

Every expected byte string below was derived by hand from
/work/shared/reference/ndr-mes.md (section 1: NDR20 layout; section 2: the type
pickling envelope), never copied from midlpy's output. Each line's comment names the
bytes as the worked examples in ndr-mes.md 1.16 do; ``@N`` is the offset in the NDR
stream (the stream starts after the two 8-byte headers).

Envelope (ndr-mes.md 2.1): ``01 10 08 00 cc cc cc cc`` common header once, then for a
constructed value the private header (u32 ObjectBufferLength incl. the pad to 8, u32 0)
and the data padded to 8 with zeros. A primitive typedef has no private header.
Referent ids (decision in the brief, ndr-mes.md 1.8 example E): unique pointers get
0x00020000 + 4k in the order their referents are marshalled (embedded [ref] pointers
take a placeholder from the same counter); full pointers get 1, 2, 3 ... the same way.

A value builder takes the generated module, since the dataclasses live there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable


def hx(text: str) -> bytes:
    """Hex digits of ``text``, ignoring whitespace and ``#`` comments."""
    return bytes.fromhex(" ".join(line.split("#", 1)[0] for line in text.splitlines()))


@dataclass(frozen=True)
class Case:
    id: str                                  # pytest id
    type: str                                # pickled type name (T_Encode/T_Decode)
    build: Callable[[ModuleType], Any]       # value builder
    data: bytes                              # the whole pickle, both headers included
    module: str = "constructs"               # which IDL: "constructs" or "hooks"
    primitive: bool = False                  # primitive pickle: no private header
    tags: tuple[str, ...] = field(default=())


def union(cls: Any, switch: int, **arm: Any) -> Any:
    """A non-encapsulated union value: every arm None except the given one."""
    arms = {f: None for f in cls.__dataclass_fields__ if f != "switch"}
    arms.update(arm)
    return cls(switch=switch, **arms)


def encap(cls: Any, disc: str, value: int, **arm: Any) -> Any:
    """An encapsulated union value: discriminant ``disc`` and every arm None but one."""
    arms = {f: None for f in cls.__dataclass_fields__ if f != disc}
    arms.update(arm)
    return cls(**{disc: value}, **arms)


def encu(m: ModuleType, kind: int, **arm: Any) -> Any:
    return encap(m.ENCU, "kind", kind, **arm)


COMMON = "01 10 08 00 cc cc cc cc"
COMMON_BE = "01 00 08 00 cc cc cc cc"

CASES: list[Case] = []


def case(id: str, type: str, build: Callable[[ModuleType], Any], text: str, **kw: Any) -> None:
    CASES.append(Case(id, type, build, hx(text), **kw))


# ------------------------------------------------------------------ base types

def _base(m: ModuleType) -> Any:
    return m.BASE_TYPES(
        b=True, by=0xAB, c=0x41, sm=-2, usm=200, i8=-128,
        wc=0x20AC, s=-3, us=0xBEEF, i16=0x1234,
        l=-5, ul=0xDEADBEEF, i=0x01020304, i32=-1, i3264=0x7FFFFFFF, f=1.5,
        h=-2, uh=0x0102030405060708, i64=1 << 40, d=2.0,
        st=5, hr=-2147467259,   # HRESULT 0x80004005 (E_FAIL) as a signed long
    )


case("base_types", "BASE_TYPES", _base, f"""
    {COMMON}                  # common header
    50 00 00 00 00 00 00 00   # private header: 80 bytes follow
    01                        # @0  b   boolean TRUE
    ab                        # @1  by  byte
    41                        # @2  c   char 'A'
    fe                        # @3  sm  small -2
    c8                        # @4  usm unsigned small 200
    80                        # @5  i8  __int8 -128
    ac 20                     # @6  wc  wchar_t U+20AC
    fd ff                     # @8  s   short -3
    ef be                     # @10 us  unsigned short 0xBEEF
    34 12                     # @12 i16 __int16 0x1234
    00 00                     # @14 pad to 4
    fb ff ff ff               # @16 l   long -5
    ef be ad de               # @20 ul  unsigned long 0xDEADBEEF
    04 03 02 01               # @24 i   int 0x01020304
    ff ff ff ff               # @28 i32 __int32 -1
    ff ff ff 7f               # @32 i3264 __int3264: 4 bytes in NDR20
    00 00 c0 3f               # @36 f   float 1.5 (0x3FC00000)
    fe ff ff ff ff ff ff ff   # @40 h   hyper -2
    08 07 06 05 04 03 02 01   # @48 uh  unsigned hyper 0x0102030405060708
    00 00 00 00 00 01 00 00   # @56 i64 __int64 1<<40
    00 00 00 00 00 00 00 40   # @64 d   double 2.0 (0x4000000000000000)
    05 00 00 00               # @72 st  error_status_t 5
    05 40 00 80               # @76 hr  HRESULT 0x80004005
""")

# ndr-mes.md 1.16 example A.
case("example_a", "EXAMPLE_A", lambda m: m.EXAMPLE_A(a=1, b=2, c=3, d=4), f"""
    {COMMON}
    18 00 00 00 00 00 00 00   # private header: 24
    01 00 00 00               # @0  a small, pad to 4
    02 00 00 00               # @4  b long
    03 00 00 00 00 00 00 00   # @8  c short, pad to 8
    04 00 00 00 00 00 00 00   # @16 d hyper
""")

case("nested", "NESTED",
     lambda m: m.NESTED(c=0x7A, a=m.EXAMPLE_A(a=-1, b=-2, c=-3, d=-4)), f"""
    {COMMON}
    20 00 00 00 00 00 00 00   # private header: 32
    7a 00 00 00 00 00 00 00   # @0  c, pad to 8 (EXAMPLE_A aligns to 8)
    ff 00 00 00               # @8  a.a small -1, pad
    fe ff ff ff               # @12 a.b long -2
    fd ff 00 00 00 00 00 00   # @16 a.c short -3, pad to 8
    fc ff ff ff ff ff ff ff   # @24 a.d hyper -4
""")

# ndr-mes.md 2.3: a top-level long, primitive pickle (no private header).
case("mylong", "MYLONG", lambda m: 0x11223344, f"""
    {COMMON}
    44 33 22 11 00 00 00 00   # long 0x11223344, padded to 8
""", primitive=True)

case("mylong_negative", "MYLONG", lambda m: -2, f"""
    {COMMON}
    fe ff ff ff 00 00 00 00   # long -2, padded to 8
""", primitive=True)

# ------------------------------------------------------------------ enums

case("color_primitive", "COLOR", lambda m: m.COLOR.BLUE, f"""
    {COMMON}
    03 00 00 00 00 00 00 00   # enum16 BLUE=3, padded to 8 (primitive: no private header)
""", primitive=True)

# ndr-mes.md 1.16 example K.
case("enums_k", "ENUMS", lambda m: m.ENUMS(e16=m.COLOR.BLUE, e32=m.COLOR32.C32_B), f"""
    {COMMON}
    08 00 00 00 00 00 00 00   # private header: 8
    03 00                     # @0 e16: 16-bit enum 3
    00 00                     # @2 pad to 4
    03 00 00 00               # @4 e32: [v1_enum] 32-bit 3
""")

case("enums_v1_big", "ENUMS", lambda m: m.ENUMS(e16=m.COLOR.GREEN, e32=m.COLOR32.C32_BIG), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    01 00 00 00               # @0 e16 GREEN=1, pad
    00 00 01 00               # @4 e32 0x10000 (fits only in a v1_enum)
""")

# ------------------------------------------------------------------ fixed arrays

# ndr-mes.md 1.16 example G.
case("example_g", "EXAMPLE_G", lambda m: m.EXAMPLE_G(x=[1, 2, 3], y=9), f"""
    {COMMON}
    10 00 00 00 00 00 00 00   # private header: 12 data + 4 pad
    01 00 02 00 03 00         # @0 x[3]
    00 00                     # @6 pad to 4
    09 00 00 00               # @8 y
    00 00 00 00               # pad to 8
""")

case("fixed_arrays", "FIXED_ARRAYS",
     lambda m: m.FIXED_ARRAYS(m=[[1, 2, 3], [4, 5, 6]], raw=b"\x01\x02\x03", tag=b"hi", l=[-1, 2]), f"""
    {COMMON}
    20 00 00 00 00 00 00 00   # private header: 28 data + 4 pad
    01 00 02 00 03 00         # @0  m[0][0..2] (row-major)
    04 00 05 00 06 00         # @6  m[1][0..2]
    01 02 03                  # @12 raw[3] (bytes)
    68 69                     # @15 tag[2] "hi" (char array, not [string]: no counts)
    00 00 00                  # @17 pad to 4
    ff ff ff ff 02 00 00 00   # @20 l[2]
    00 00 00 00               # pad to 8
""")

# ------------------------------------------------------------------ conformant structures

# ndr-mes.md 1.16 example B, through the [unique] pointer typedef (2.2).
case("pconf_b", "PCONF", lambda m: m.CONF(n=3, data=[1, 2, 3]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00   # private header: 18 data + 6 pad
    00 00 02 00               # @0  top-level unique pointer: referent id, referent follows
    03 00 00 00               # @4  hoisted max_count
    03 00 00 00               # @8  n
    01 00 02 00 03 00         # @12 data[3]
    00 00 00 00 00 00         # pad to 8
""")

case("pconf_empty", "PCONF", lambda m: m.CONF(n=0, data=[]), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    00 00 02 00               # @0 referent id
    00 00 00 00               # @4 max_count 0
    00 00 00 00               # @8 n
    00 00 00 00               # pad to 8
""")

case("pconf_null", "PCONF", lambda m: None, f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    00 00 00 00               # @0 NULL referent id, nothing follows
    00 00 00 00               # pad to 8
""")

case("pmaxis", "PMAXIS", lambda m: m.MAXIS(m=1, v=[10, 20]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  referent id
    02 00 00 00               # @4  hoisted max_count = max_is + 1
    01 00 00 00               # @8  m
    0a 00 00 00 14 00 00 00   # @12 v[2]
    00 00 00 00               # pad
""")

case("pouter_conf", "POUTER_CONF",
     lambda m: m.OUTER_CONF(tag=7, inner=m.CONF(n=2, data=[5, 6])), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  referent id
    02 00 00 00               # @4  inner.data's max_count, hoisted before the OUTER struct
    07 00 00 00               # @8  tag, pad to 4
    02 00 00 00               # @12 inner.n
    05 00 06 00               # @16 inner.data[2]
    00 00 00 00               # pad
""")

case("pouter_conf8", "POUTER_CONF8",
     lambda m: m.OUTER_CONF8(h=1, inner=m.CONF(n=1, data=[9])), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  referent id
    01 00 00 00               # @4  hoisted max_count (before the struct's own 8-alignment)
    01 00 00 00 00 00 00 00   # @8  h
    01 00 00 00               # @16 inner.n
    09 00                     # @20 inner.data[1]
    00 00                     # pad
""")

# ndr-mes.md 1.16 example I.
case("pcvstruct_i", "PCVSTRUCT", lambda m: m.CVSTRUCT(max=5, len=2, s=b"hi"), f"""
    {COMMON}
    20 00 00 00 00 00 00 00   # private header: 26 data + 6 pad
    00 00 02 00               # @0  referent id
    05 00 00 00               # @4  hoisted max_count
    05 00 00 00               # @8  max
    02 00 00 00               # @12 len
    00 00 00 00               # @16 offset (stays in place)
    02 00 00 00               # @20 actual_count
    68 69                     # @24 "hi"
    00 00 00 00 00 00         # pad
""")

case("pconfmulti", "PCONFMULTI", lambda m: m.CONFMULTI(n=2, a=[[1, 2, 3], [4, 5, 6]]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  referent id
    02 00 00 00               # @4  hoisted max_count of dimension 1 (example J)
    02 00 00 00               # @8  n
    01 00 02 00 03 00         # @12 a[0]
    04 00 05 00 06 00         # @18 a[1]
""")

# ------------------------------------------------------------------ varying arrays

case("varying", "VARYING",
     lambda m: m.VARYING(len=2, v=[10, 20], first=1, last=3, w=[7, 8, 9], f2=2, l2=0, b=b""), f"""
    {COMMON}
    38 00 00 00 00 00 00 00   # private header: 56
    02 00 00 00               # @0  len
    00 00 00 00               # @4  v: offset (example H)
    02 00 00 00               # @8  v: actual_count
    0a 00 00 00 14 00 00 00   # @12 v[0..1]
    01 00                     # @20 first
    03 00                     # @22 last
    01 00 00 00               # @24 w: offset = first_is
    03 00 00 00               # @28 w: actual = last - first + 1
    07 00 08 00 09 00         # @32 w[1..3]
    00 00                     # @38 pad to 4
    02 00 00 00               # @40 f2
    00 00 00 00               # @44 l2
    02 00 00 00               # @48 b: offset = first_is
    00 00 00 00               # @52 b: actual 0, no elements
""")

# ------------------------------------------------------------------ strings

case("strings", "STRINGS", lambda m: m.STRINGS(cs="ab", ws="Hi", fixed="abc", wfixed="x"), f"""
    {COMMON}
    48 00 00 00 00 00 00 00   # private header: 66 data + 6 pad
    00 00 02 00               # @0  id(cs)
    04 00 02 00               # @4  id(ws)
    00 00 00 00               # @8  fixed: offset (varying only, no max_count)
    04 00 00 00               # @12 fixed: actual = 3 + NUL
    61 62 63 00               # @16 "abc\\0"
    00 00 00 00               # @20 wfixed: offset
    02 00 00 00               # @24 wfixed: actual = 1 + NUL
    78 00 00 00               # @28 L"x\\0"
    03 00 00 00               # @32 *cs: max_count
    00 00 00 00               # @36 offset
    03 00 00 00               # @40 actual
    61 62 00                  # @44 "ab\\0"
    00                        # @47 pad to 4
    03 00 00 00               # @48 *ws: max_count
    00 00 00 00               # @52 offset
    03 00 00 00               # @56 actual
    48 00 69 00 00 00         # @60 L"Hi\\0"
    00 00 00 00 00 00         # pad
""")

case("strings_null_empty", "STRINGS",
     lambda m: m.STRINGS(cs=None, ws="", fixed="", wfixed="abc"), f"""
    {COMMON}
    38 00 00 00 00 00 00 00   # private header: 50 data + 6 pad
    00 00 00 00               # @0  cs NULL
    00 00 02 00               # @4  id(ws): the first referent marshalled gets 0x20000
    00 00 00 00               # @8  fixed: offset
    01 00 00 00               # @12 fixed: actual = just the NUL
    00                        # @16 "\\0"
    00 00 00                  # @17 pad to 4
    00 00 00 00               # @20 wfixed: offset
    04 00 00 00               # @24 wfixed: actual = 3 + NUL (array full)
    61 00 62 00 63 00 00 00   # @28 L"abc\\0"
    01 00 00 00               # @36 *ws: max_count
    00 00 00 00               # @40 offset
    01 00 00 00               # @44 actual
    00 00                     # @48 L"\\0"
    00 00 00 00 00 00         # pad
""")

case("pcstrs_conformant_string_member", "PCSTRS", lambda m: m.CSTRS(n=7, s="ab"), f"""
    {COMMON}
    18 00 00 00 00 00 00 00   # private header: 23 data + 1 pad
    00 00 02 00               # @0  referent id
    03 00 00 00               # @4  hoisted max_count = strlen + 1
    07 00 00 00               # @8  n
    00 00 00 00               # @12 offset (in place)
    03 00 00 00               # @16 actual
    61 62 00                  # @20 "ab\0"
    00                        # pad
""")

case("sstr_sized_string", "SSTR", lambda m: m.SSTR(n=5, s="Hi"), f"""
    {COMMON}
    20 00 00 00 00 00 00 00   # private header: 26 data + 6 pad
    05 00 00 00               # @0  n
    00 00 02 00               # @4  id(s)
    05 00 00 00               # @8  max_count = size_is = 5
    00 00 00 00               # @12 offset
    03 00 00 00               # @16 actual = strlen + 1
    48 00 69 00 00 00         # @20 L"Hi\0"
    00 00 00 00 00 00         # pad
""")

# ndr-mes.md 1.16 example C, as a pickled pointer typedef.
case("ustr_c", "USTR", lambda m: "Hi", f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  referent id
    03 00 00 00               # @4  max_count (2 chars + NUL)
    00 00 00 00               # @8  offset
    03 00 00 00               # @12 actual_count
    48 00 69 00 00 00         # @16 L"Hi\\0"
    00 00                     # pad
""")

case("ustr_null", "USTR", lambda m: None, f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00   # NULL id, pad
""")

case("ustr_non_bmp", "USTR", lambda m: "\U0001F600", f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  referent id
    03 00 00 00               # @4  max_count: 2 UTF-16 code units + NUL
    00 00 00 00               # @8  offset
    03 00 00 00               # @12 actual
    3d d8 00 de 00 00         # @16 U+1F600 as the surrogate pair D83D DE00, NUL
    00 00
""")

case("ustr_lone_surrogate", "USTR", lambda m: "\ud800", f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00 02 00 00 00   # @0  id, max_count 2
    00 00 00 00 02 00 00 00   # @8  offset, actual
    00 d8 00 00               # @16 lone high surrogate passed through, NUL
    00 00 00 00
""")

case("char_string_latin1", "EXAMPLE_D", lambda m: m.EXAMPLE_D(a=0, p=None, s="\xe9"), f"""
    {COMMON}
    20 00 00 00 00 00 00 00
    00 00 00 00               # @0  a
    00 00 00 00               # @4  p NULL
    00 00 02 00               # @8  id(s)
    02 00 00 00 00 00 00 00 02 00 00 00   # @12 max, offset, actual
    e9 00                     # @24 octet 0xE9, NUL
    00 00 00 00 00 00
""")

# ------------------------------------------------------------------ pointers

# ndr-mes.md 1.16 example D, and its pickle in 2.3 verbatim.
case("example_d", "EXAMPLE_D", lambda m: m.EXAMPLE_D(a=1, p=5, s="ab"), f"""
    {COMMON}
    20 00 00 00 00 00 00 00   # private header: 31 data + 1 pad
    01 00 00 00               # @0  a
    00 00 02 00               # @4  id(p)
    04 00 02 00               # @8  id(s)
    05 00 00 00               # @12 *p
    03 00 00 00 00 00 00 00 03 00 00 00   # @16 *s: max, offset, actual
    61 62 00                  # @28 "ab\\0"
    00                        # pad
""")

# ndr-mes.md 1.16 example E: ids in referent (depth-first) order.
case("example_e", "EX_E_A",
     lambda m: m.EX_E_A(p1=m.EX_E_B(v=10, q=0x11), p2=m.EX_E_B(v=11, q=0x22)), f"""
    {COMMON}
    20 00 00 00 00 00 00 00   # private header: 32
    00 00 02 00               # @0  id(p1) = 0x20000
    08 00 02 00               # @4  id(p2) = 0x20008 (its referent comes after p1->q's)
    0a 00 00 00               # @8  *p1: v = 10
    04 00 02 00               # @12 *p1: id(q) = 0x20004
    11 00 00 00               # @16 *p1->q
    0b 00 00 00               # @20 *p2: v = 11
    0c 00 02 00               # @24 *p2: id(q) = 0x2000c
    22 00 00 00               # @28 *p2->q
""")

case("example_e_nulls", "EX_E_A",
     lambda m: m.EX_E_A(p1=None, p2=m.EX_E_B(v=11, q=None)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    00 00 00 00               # @0  p1 NULL
    00 00 02 00               # @4  id(p2): first referent, 0x20000
    0b 00 00 00               # @8  *p2: v
    00 00 00 00               # @12 *p2: q NULL
""")

# ndr-mes.md 1.16 example F: the same object twice -> one referent.
def _example_f(m: ModuleType) -> Any:
    seven = 7
    return m.EXAMPLE_F(a=seven, b=seven)


case("example_f", "EXAMPLE_F", _example_f, f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00 00 00               # @0 id(a) = 1 (full pointer)
    01 00 00 00               # @4 id(b) = 1: same object
    07 00 00 00               # @8 the one referent
    00 00 00 00               # pad
""")

case("example_f_null_first", "EXAMPLE_F", lambda m: m.EXAMPLE_F(a=None, b=8), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    00 00 00 00               # @0 a NULL
    01 00 00 00               # @4 id(b) = 1: full ids also count referents, from 1
    08 00 00 00               # @8 *b
    00 00 00 00
""")

case("example_f_distinct", "EXAMPLE_F", lambda m: m.EXAMPLE_F(a=7, b=8), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00 00 00 02 00 00 00   # @0 ids 1, 2
    07 00 00 00 08 00 00 00   # @8 *a, *b
""")


def _points_aliased(m: ModuleType) -> Any:
    p = m.POINT(x=1, y=2)
    return m.FULL_POINTS(a=p, b=p)


case("full_points_aliased", "FULL_POINTS", _points_aliased, f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00 00 00 01 00 00 00   # @0 ids: both 1 (one object)
    01 00 00 00 02 00 00 00   # @8 the POINT once
""", tags=("aliased",))

case("full_points_equal_not_same", "FULL_POINTS",
     lambda m: m.FULL_POINTS(a=m.POINT(x=1, y=2), b=m.POINT(x=1, y=2)), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    01 00 00 00 02 00 00 00   # @0 ids 1, 2: equal values but two objects
    01 00 00 00 02 00 00 00   # @8 *a
    01 00 00 00 02 00 00 00   # @16 *b
""", tags=("distinct",))

case("ptrs", "PTRS", lambda m: m.PTRS(r=1, u=None, pp=3), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  embedded [ref] r: placeholder from the unique counter
    00 00 00 00               # @4  u NULL
    04 00 02 00               # @8  id(pp)
    01 00 00 00               # @12 *r
    08 00 02 00               # @16 *pp: the inner pointer's id; its referent follows at once
    03 00 00 00               # @20 **pp
""")

case("size2", "SIZE2", lambda m: m.SIZE2(n=2, pa=[1, 2]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    02 00 00 00               # @0  n
    00 00 02 00               # @4  id(pa)
    04 00 02 00               # @8  *pa: id of the inner pointer
    02 00 00 00               # @12 **pa: conformant array, max_count = n
    01 00 00 00 02 00 00 00   # @16 elements
""")

case("groups_pac", "GROUPS",
     lambda m: m.GROUPS(GroupCount=2, GroupIds=[m.GROUP_MEMBERSHIP(RelativeId=513, Attributes=7),
                                                m.GROUP_MEMBERSHIP(RelativeId=512, Attributes=7)]), f"""
    {COMMON}
    20 00 00 00 00 00 00 00   # private header: 28 data + 4 pad
    02 00 00 00               # @0  GroupCount
    00 00 02 00               # @4  id(GroupIds) (PGROUP_MEMBERSHIP, a unique pointer typedef)
    02 00 00 00               # @8  max_count = GroupCount
    01 02 00 00 07 00 00 00   # @12 [0] RelativeId 513, Attributes 7
    00 02 00 00 07 00 00 00   # @20 [1] RelativeId 512, Attributes 7
    00 00 00 00               # pad
""")

case("ptr_array", "PTR_ARRAY", lambda m: m.PTR_ARRAY(ptrs=[5, None, 6]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  ptrs[0] id
    00 00 00 00               # @4  ptrs[1] NULL
    04 00 02 00               # @8  ptrs[2] id
    05 00 00 00               # @12 *ptrs[0]
    06 00 00 00               # @16 *ptrs[2]
    00 00 00 00
""")

case("items_deferral", "ITEMS",
     lambda m: m.ITEMS(items=[m.ITEM(k=1, b=m.EX_E_B(v=10, q=0x11)),
                              m.ITEM(k=2, b=m.EX_E_B(v=11, q=0x22))]), f"""
    {COMMON}
    28 00 00 00 00 00 00 00   # private header: 40
    01 00 00 00               # @0  items[0].k, pad
    00 00 02 00               # @4  items[0] id(b) = 0x20000
    02 00 00 00               # @8  items[1].k, pad
    08 00 02 00               # @12 items[1] id(b) = 0x20008
    0a 00 00 00 04 00 02 00   # @16 *items[0].b: v, id(q) = 0x20004
    11 00 00 00               # @24 *items[0].b->q
    0b 00 00 00 0c 00 02 00   # @28 *items[1].b: v, id(q) = 0x2000c
    22 00 00 00               # @36 *items[1].b->q
""")


def _chain(cls: Any, values: list[int]) -> Any:
    node = None
    for v in reversed(values):
        node = cls(v=v, next=node)
    return node


case("node_list", "NODE", lambda m: _chain(m.NODE, [1, 2, 3]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    01 00 00 00 00 00 02 00   # @0  node 1 (top level, by ref): v, id(next)
    02 00 00 00 04 00 02 00   # @8  node 2
    03 00 00 00 00 00 00 00   # @16 node 3: next NULL
""")

case("pnode_list", "PNODE", lambda m: _chain(m.NODE, [1, 2]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  top-level unique pointer: the data starts with an id
    01 00 00 00 04 00 02 00   # @4  node 1
    02 00 00 00 00 00 00 00   # @12 node 2
    00 00 00 00               # pad
""")

case("fnode_acyclic", "FNODE", lambda m: _chain(m.FNODE, [1, 2]), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00 00 00 01 00 00 00   # @0 node 1: v, full id 1
    02 00 00 00 00 00 00 00   # @8 node 2
""")

case("pfnode_null", "PFNODE", lambda m: None, f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00
""")

case("pitemsc_deferral", "PITEMSC",
     lambda m: m.ITEMSC(n=2, items=[m.ITEM(k=1, b=m.EX_E_B(v=10, q=0x11)),
                                    m.ITEM(k=2, b=m.EX_E_B(v=11, q=0x22))]), f"""
    {COMMON}
    38 00 00 00 00 00 00 00   # private header: 52 data + 4 pad
    00 00 02 00               # @0  top-level id = 0x20000 (first referent)
    02 00 00 00               # @4  hoisted max_count
    02 00 00 00               # @8  n
    01 00 00 00 04 00 02 00   # @12 items[0]: k, pad, id(b) = 0x20004
    02 00 00 00 0c 00 02 00   # @20 items[1]: k, pad, id(b) = 0x2000c
    0a 00 00 00 08 00 02 00   # @28 *items[0].b: v, id(q) = 0x20008
    11 00 00 00               # @36 *items[0].b->q
    0b 00 00 00 10 00 02 00   # @40 *items[1].b: v, id(q) = 0x20010
    22 00 00 00               # @48 *items[1].b->q
    00 00 00 00               # pad
""")

case("two_d_nested_deferral", "TWO_D",
     lambda m: m.TWO_D(d1=m.EXAMPLE_D(a=1, p=5, s="ab"), tail=7,
                       d2=m.EXAMPLE_D(a=2, p=None, s="c")), f"""
    {COMMON}
    40 00 00 00 00 00 00 00   # private header: 62 data + 2 pad
    01 00 00 00               # @0  d1.a
    00 00 02 00               # @4  d1 id(p)
    04 00 02 00               # @8  d1 id(s)
    07 00 00 00               # @12 tail, pad
    02 00 00 00               # @16 d2.a
    00 00 00 00               # @20 d2.p NULL
    08 00 02 00               # @24 d2 id(s)
    05 00 00 00               # @28 *d1.p  (deferred part: after the whole flat part)
    03 00 00 00 00 00 00 00 03 00 00 00   # @32 *d1.s: max, offset, actual
    61 62 00                  # @44 "ab\0"
    00                        # @47 pad to 4
    02 00 00 00 00 00 00 00 02 00 00 00   # @48 *d2.s: max, offset, actual
    63 00                     # @60 "c\0"
    00 00                     # pad
""")

# ------------------------------------------------------------------ range

case("ranged", "RANGED", lambda m: m.RANGED(r=5, n=2, arr=[1, 2]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    05 00 00 00               # @0  r (range 1..10)
    02 00 00 00               # @4  n (range 0..4)
    00 00 02 00               # @8  id(arr)
    02 00 00 00               # @12 max_count
    01 00 02 00               # @16 arr
    00 00 00 00
""")

case("ranged_bounds", "RANGED", lambda m: m.RANGED(r=10, n=0, arr=[]), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    0a 00 00 00               # @0  r = 10, the upper bound itself
    00 00 00 00               # @4  n = 0
    00 00 02 00               # @8  id(arr) (empty, not NULL)
    00 00 00 00               # @12 max_count 0
""")

# ------------------------------------------------------------------ correlations

case("corr_unicode_string", "CORR", lambda m: m.CORR(Length=4, MaximumLength=6, Buffer="Hi"), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    04 00 06 00               # @0  Length, MaximumLength
    00 00 02 00               # @4  id(Buffer)
    03 00 00 00               # @8  max_count = MaximumLength/2
    00 00 00 00               # @12 offset
    02 00 00 00               # @16 actual = Length/2
    48 00 69 00               # @20 L"Hi" (no terminator: not [string])
""")

case("corr2", "CORR2", lambda m: m.CORR2(a=2, b=3, data=b"ABCDEFG"), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    02 00 00 00 03 00 00 00   # @0  a, b
    00 00 02 00               # @8  id(data)
    07 00 00 00               # @12 max_count = a*b+1
    41 42 43 44 45 46 47      # @16 data
    00                        # pad
""")

# ------------------------------------------------------------------ unions

case("neu_l_hyper", "NEU_HOLDER",
     lambda m: m.NEU_HOLDER(kind=2, u=union(m.NEU, 2, h=0x0102030405060708)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    02 00 00 00               # @0 kind
    02 00 00 00               # @4 union discriminant (long) (example L)
    08 07 06 05 04 03 02 01   # @8 arm h, 8-aligned
""")

case("neu_short", "NEU_HOLDER", lambda m: m.NEU_HOLDER(kind=1, u=union(m.NEU, 1, s=7)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00 00 00 01 00 00 00   # @0 kind, discriminant
    07 00                     # @8 arm s
    00 00 00 00 00 00         # pad
""")

case("neu_multi_label_3", "NEU_HOLDER", lambda m: m.NEU_HOLDER(kind=3, u=union(m.NEU, 3, l=-1)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    03 00 00 00 03 00 00 00   # @0 kind, discriminant
    ff ff ff ff               # @8 arm l (case 3, 4)
    00 00 00 00
""")

case("neu_multi_label_4", "NEU_HOLDER", lambda m: m.NEU_HOLDER(kind=4, u=union(m.NEU, 4, l=5)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    04 00 00 00 04 00 00 00   # @0 kind, discriminant
    05 00 00 00               # @8 arm l (same arm, second label)
    00 00 00 00
""")

case("neu_empty_arm", "NEU_HOLDER", lambda m: m.NEU_HOLDER(kind=5, u=union(m.NEU, 5)), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    05 00 00 00 05 00 00 00   # @0 kind, discriminant; the empty arm sends nothing
""")

case("neu_default", "NEU_HOLDER", lambda m: m.NEU_HOLDER(kind=9, u=union(m.NEU, 9, b=0xAA)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    09 00 00 00 09 00 00 00   # @0 kind, discriminant (no case: default arm)
    aa                        # @8 arm b
    00 00 00 00 00 00 00
""")

case("nodef_long", "NODEF_HOLDER", lambda m: m.NODEF_HOLDER(k=1, u=union(m.NODEF, 1, a=7)), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    01 00                     # @0 k
    01 00                     # @2 discriminant (short)
    07 00 00 00               # @4 arm a
""")

case("nodef_pointer_arm", "NODEF_HOLDER", lambda m: m.NODEF_HOLDER(k=2, u=union(m.NODEF, 2, p=5)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    02 00 02 00               # @0 k, discriminant
    00 00 02 00               # @4 arm p: embedded pointer, id in place
    05 00 00 00               # @8 *p, deferred after the flat part
    00 00 00 00
""")

case("nodef_pointer_arm_null", "NODEF_HOLDER",
     lambda m: m.NODEF_HOLDER(k=2, u=union(m.NODEF, 2, p=None)), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    02 00 02 00 00 00 00 00   # @0 k, discriminant, NULL id
""")

case("ms_union_short", "MSU_HOLDER",
     lambda m: m.MSU_HOLDER(kind=1, plain=union(m.SHU, 1, s=7), ms=union(m.MSU, 1, s=8)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00                     # @0 kind
    01 00                     # @2 plain: discriminant
    07 00                     # @4 plain: arm s at its own alignment
    01 00                     # @6 ms: discriminant
    08 00                     # @8 ms: arm s aligned to the largest arm (hyper: 8)
    00 00 00 00 00 00         # pad
""")

case("ms_union_hyper", "MSU_HOLDER",
     lambda m: m.MSU_HOLDER(kind=2, plain=union(m.SHU, 2, h=1), ms=union(m.MSU, 2, h=-1)), f"""
    {COMMON}
    20 00 00 00 00 00 00 00
    02 00 02 00 00 00 00 00   # @0  kind, plain discriminant, pad to 8
    01 00 00 00 00 00 00 00   # @8  plain.h
    02 00 00 00 00 00 00 00   # @16 ms discriminant, pad to 8
    ff ff ff ff ff ff ff ff   # @24 ms.h
""")

case("enum_discriminant_blue", "EU_HOLDER",
     lambda m: m.EU_HOLDER(c=m.COLOR.BLUE, u=union(m.EU, m.COLOR.BLUE, b=5)), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    03 00                     # @0 c (enum16 BLUE)
    03 00                     # @2 discriminant: enum16 as well
    05 00                     # @4 arm b (case BLUE)
    00 00                     # pad
""")

case("enum_discriminant_red", "EU_HOLDER",
     lambda m: m.EU_HOLDER(c=m.COLOR.RED, u=union(m.EU, m.COLOR.RED, r=-1)), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    00 00 00 00               # @0 c RED, discriminant RED
    ff ff ff ff               # @4 arm r (case RED), 4-aligned
""")

# Encapsulated union: the Wine dump quoted in the brief (kind=1, short arm 0x1234).
case("encu_short", "ENCU", lambda m: encu(m, 1, s=0x1234), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    01 00 00 00               # @0 kind
    34 12                     # @4 arm s
    00 00                     # pad
""")

case("encu_double", "ENCU", lambda m: encu(m, 2, d=2.0), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    02 00 00 00 00 00 00 00   # @0 kind, pad to 8
    00 00 00 00 00 00 00 40   # @8 arm d 2.0
""")

case("encu_default_empty", "ENCU", lambda m: encu(m, 7), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    07 00 00 00 00 00 00 00   # @0 kind; empty default arm; pad
""")

case("encu_holder", "ENCU_HOLDER", lambda m: m.ENCU_HOLDER(tag=0xFF, e=encu(m, 1, s=5)), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    ff 00 00 00 00 00 00 00   # @0  tag; the encapsulated union aligns to 8
    01 00 00 00               # @8  e.kind
    05 00                     # @12 e.s
    00 00                     # pad
""")

case("encp_pointer_arm_deferred", "ENCP_HOLDER",
     lambda m: m.ENCP_HOLDER(e=encap(m.ENCP, "k", 1, p=9), after=0x55), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00 00 00               # @0  e.k (short), pad: the union aligns to its pointer arm (4)
    00 00 02 00               # @4  e.p: id in place
    55 00 00 00               # @8  after
    09 00 00 00               # @12 *e.p, deferred past "after"
""")

case("encp_default_empty", "ENCP_HOLDER",
     lambda m: m.ENCP_HOLDER(e=encap(m.ENCP, "k", 0), after=1), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    00 00 00 00               # @0 e.k = 0 (default, empty), pad
    01 00 00 00               # @4 after
""")

# ------------------------------------------------------------------ additions

case("uints", "UINTS",
     lambda m: m.UINTS(a=0xFF, b=0xFFFF, c=0xFFFFFFFF, e=0x80000000, f=0xFFFFFFFE,
                       d=0xFFFFFFFFFFFFFFFF), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    ff                        # @0  a unsigned __int8 255
    00                        # @1  pad
    ff ff                     # @2  b unsigned __int16 65535
    ff ff ff ff               # @4  c unsigned __int32
    00 00 00 80               # @8  e unsigned int 0x80000000
    fe ff ff ff               # @12 f unsigned __int3264 (4 bytes)
    ff ff ff ff ff ff ff ff   # @16 d unsigned __int64
""")

case("cvptr", "CVPTR", lambda m: m.CVPTR(m=4, l=2, cv=[1, 2]), f"""
    {COMMON}
    20 00 00 00 00 00 00 00
    04 00 00 00               # @0  m
    02 00 00 00               # @4  l
    00 00 02 00               # @8  id(cv)
    04 00 00 00               # @12 *cv: max_count (not hoisted: referent of a pointer)
    00 00 00 00               # @16 offset
    02 00 00 00               # @20 actual
    01 00 00 00 02 00 00 00   # @24 elements
""")

case("uarr", "UARR",
     lambda m: m.UARR(arr=[encu(m, 1, s=1), encu(m, 2, d=2.0)], pu=encu(m, 1, s=3)), f"""
    {COMMON}
    28 00 00 00 00 00 00 00   # private header: 38 data + 2 pad
    01 00 00 00 01 00         # @0  arr[0]: kind 1, s
    00 00                     # @6  pad: the next element aligns to 8
    02 00 00 00 00 00 00 00   # @8  arr[1]: kind 2, pad
    00 00 00 00 00 00 00 40   # @16 arr[1].d 2.0
    00 00 02 00               # @24 id(pu)
    00 00 00 00               # @28 pad: *pu aligns to 8
    01 00 00 00 03 00         # @32 *pu: kind 1, s 3
    00 00                     # pad
""")

case("names", "NAMES", lambda m: m.NAMES(names=["a", None]), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    00 00 02 00               # @0  names[0] id
    00 00 00 00               # @4  names[1] NULL
    02 00 00 00 00 00 00 00 02 00 00 00   # @8 *names[0]: max, offset, actual
    61 00 00 00               # @20 L"a\0"
""")

case("slist", "SLIST", lambda m: m.SLIST(n=2, list=["ab", "c"]), f"""
    {COMMON}
    38 00 00 00 00 00 00 00   # private header: 56
    02 00 00 00               # @0  n
    00 00 02 00               # @4  id(list) = 0x20000
    02 00 00 00               # @8  *list: max_count = n
    04 00 02 00               # @12 list[0] id = 0x20004
    08 00 02 00               # @16 list[1] id = 0x20008
    03 00 00 00 00 00 00 00 03 00 00 00   # @20 *list[0]: max, offset, actual
    61 00 62 00 00 00         # @32 L"ab\0"
    00 00                     # @38 pad to 4
    02 00 00 00 00 00 00 00 02 00 00 00   # @40 *list[1]
    63 00 00 00               # @52 L"c\0"
""")

case("emb_conf", "EMB_CONF", lambda m: m.EMB_CONF(x=1, pc=m.CONF(n=2, data=[5, 6]), y=2), f"""
    {COMMON}
    18 00 00 00 00 00 00 00
    01 00 00 00               # @0  x, pad
    00 00 02 00               # @4  id(pc)
    02 00                     # @8  y
    00 00                     # @10 pad to 4
    02 00 00 00               # @12 *pc: max_count (with the referent, not hoisted into EMB_CONF)
    02 00 00 00               # @16 pc->n
    05 00 06 00               # @20 pc->data
""")

# ------------------------------------------------------------------ conversion hooks (hooks.idl)

case("transmit_as", "XM_HOLDER", lambda m: m.XM_HOLDER(tag=1, p=(2, 3)), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    01 00                     # @0 tag, pad to 2
    02 00 03 00               # @2 p travels as PAIR {{a=2, b=3}}
    00 00
""", module="hooks")

case("represent_as", "REP_HOLDER", lambda m: m.REP_HOLDER(r="42", s=1), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    2a 00 00 00               # @0 r travels as the long 42
    01 00                     # @4 s
    00 00
""", module="hooks")

case("wire_marshal", "WM_HOLDER", lambda m: m.WM_HOLDER(s=1, blob=0x0000000200000001), f"""
    {COMMON}
    10 00 00 00 00 00 00 00
    01 00 00 00               # @0 s, pad to 4
    01 00 00 00 02 00 00 00   # @4 blob travels as WIRE_BLOB {{lo=1, hi=2}}
    00 00 00 00
""", module="hooks")

case("user_marshal", "UM_HOLDER", lambda m: m.UM_HOLDER(x=9, w=(3, 4)), f"""
    {COMMON}
    08 00 00 00 00 00 00 00
    09 00 00 00               # @0 x
    03 00 04 00               # @4 w travels as UM_WIRE {{a=3, b=4}}
""", module="hooks")


def install_hooks(m: Any) -> None:
    """The Python conversion hooks the hooks.idl cases assume."""
    m.PACKED_to_xmit = lambda t: m.PAIR(a=t[0], b=t[1])
    m.PACKED_from_xmit = lambda x: (x.a, x.b)
    m.REPL_from_local = lambda s: int(s)
    m.REPL_to_local = lambda t: str(t)
    m.HBLOB_to_wire = lambda u: m.WIRE_BLOB(lo=u & 0xFFFFFFFF, hi=u >> 32)
    m.HBLOB_from_wire = lambda w: w.lo | (w.hi << 32)
    m.local_um_to_wire = lambda u: m.UM_WIRE(a=u[0], b=u[1])
    m.local_um_from_wire = lambda w: (w.a, w.b)


# ------------------------------------------------------------------ big-endian decoding
# Built by hand (ndr-mes.md 1.15): common header byte 1 = 0x00; every integer, count,
# referent id, wchar_t and float byte-swapped; char/byte not. The private header's
# ObjectBufferLength is written in the stream's byte order (ndr-mes.md 2.1 leaves this
# UNCONFIRMED; Samba does so, the DCE runtime writes it little-endian).

BE_CASES: list[Case] = []


def be_case(id: str, type: str, build: Callable[[ModuleType], Any], text: str, **kw: Any) -> None:
    BE_CASES.append(Case(id, type, build, hx(text), **kw))


be_case("be_base_types", "BASE_TYPES", _base, f"""
    {COMMON_BE}
    00 00 00 50 00 00 00 00   # private header, length 80 big-endian
    01 ab 41 fe c8 80         # @0  b by c sm usm i8 (single bytes)
    20 ac                     # @6  wc
    ff fd be ef 12 34         # @8  s us i16
    00 00                     # @14 pad
    ff ff ff fb               # @16 l
    de ad be ef               # @20 ul
    01 02 03 04               # @24 i
    ff ff ff ff               # @28 i32
    7f ff ff ff               # @32 i3264
    3f c0 00 00               # @36 f
    ff ff ff ff ff ff ff fe   # @40 h
    01 02 03 04 05 06 07 08   # @48 uh
    00 00 01 00 00 00 00 00   # @56 i64
    40 00 00 00 00 00 00 00   # @64 d
    00 00 00 05               # @72 st
    80 00 40 05               # @76 hr
""")

be_case("be_mylong", "MYLONG", lambda m: 0x11223344, f"""
    {COMMON_BE}
    11 22 33 44 00 00 00 00
""", primitive=True)

be_case("be_enums", "ENUMS", lambda m: m.ENUMS(e16=m.COLOR.BLUE, e32=m.COLOR32.C32_BIG), f"""
    {COMMON_BE}
    00 00 00 08 00 00 00 00
    00 03 00 00               # e16, pad
    00 01 00 00               # e32 0x10000
""")

be_case("be_pconf", "PCONF", lambda m: m.CONF(n=3, data=[1, 2, 3]), f"""
    {COMMON_BE}
    00 00 00 18 00 00 00 00
    00 02 00 00               # referent id
    00 00 00 03               # hoisted max_count
    00 00 00 03               # n
    00 01 00 02 00 03         # data
    00 00 00 00 00 00
""")

be_case("be_varying", "VARYING",
        lambda m: m.VARYING(len=2, v=[10, 20], first=1, last=3, w=[7, 8, 9], f2=2, l2=0, b=b""), f"""
    {COMMON_BE}
    00 00 00 38 00 00 00 00
    00 00 00 02               # len
    00 00 00 00 00 00 00 02   # v offset, actual
    00 00 00 0a 00 00 00 14   # v
    00 01 00 03               # first, last
    00 00 00 01 00 00 00 03   # w offset, actual
    00 07 00 08 00 09 00 00   # w, pad
    00 00 00 02 00 00 00 00   # f2, l2
    00 00 00 02 00 00 00 00   # b offset, actual
""")

be_case("be_strings", "STRINGS", lambda m: m.STRINGS(cs="ab", ws="Hi", fixed="abc", wfixed="x"), f"""
    {COMMON_BE}
    00 00 00 48 00 00 00 00
    00 02 00 00 00 02 00 04   # ids
    00 00 00 00 00 00 00 04   # fixed: offset, actual
    61 62 63 00               # "abc\\0" (chars are not swapped)
    00 00 00 00 00 00 00 02   # wfixed: offset, actual
    00 78 00 00               # L"x\\0" as big-endian code units
    00 00 00 03 00 00 00 00 00 00 00 03   # *cs counts
    61 62 00 00               # "ab\\0", pad
    00 00 00 03 00 00 00 00 00 00 00 03   # *ws counts
    00 48 00 69 00 00         # L"Hi\\0"
    00 00 00 00 00 00
""")

be_case("be_example_e", "EX_E_A",
        lambda m: m.EX_E_A(p1=m.EX_E_B(v=10, q=0x11), p2=m.EX_E_B(v=11, q=0x22)), f"""
    {COMMON_BE}
    00 00 00 20 00 00 00 00
    00 02 00 00 00 02 00 08
    00 00 00 0a 00 02 00 04
    00 00 00 11
    00 00 00 0b 00 02 00 0c
    00 00 00 22
""")

be_case("be_neu_l", "NEU_HOLDER",
        lambda m: m.NEU_HOLDER(kind=2, u=union(m.NEU, 2, h=0x0102030405060708)), f"""
    {COMMON_BE}
    00 00 00 10 00 00 00 00
    00 00 00 02 00 00 00 02   # kind, discriminant
    01 02 03 04 05 06 07 08   # h
""")

be_case("be_encu_double", "ENCU", lambda m: encu(m, 2, d=2.0), f"""
    {COMMON_BE}
    00 00 00 10 00 00 00 00
    00 00 00 02 00 00 00 00   # kind, pad
    40 00 00 00 00 00 00 00   # d
""")

be_case("be_corr", "CORR", lambda m: m.CORR(Length=4, MaximumLength=6, Buffer="Hi"), f"""
    {COMMON_BE}
    00 00 00 18 00 00 00 00
    00 04 00 06 00 02 00 00   # Length, MaximumLength, id
    00 00 00 03 00 00 00 00 00 00 00 02   # max, offset, actual
    00 48 00 69
""")

be_case("be_ms_union_short", "MSU_HOLDER",
        lambda m: m.MSU_HOLDER(kind=1, plain=union(m.SHU, 1, s=7), ms=union(m.MSU, 1, s=8)), f"""
    {COMMON_BE}
    00 00 00 10 00 00 00 00
    00 01 00 01 00 07         # kind, plain discriminant, plain.s
    00 01                     # ms discriminant
    00 08                     # ms.s at 8
    00 00 00 00 00 00
""")

be_case("be_example_f", "EXAMPLE_F", _example_f, f"""
    {COMMON_BE}
    00 00 00 10 00 00 00 00
    00 00 00 01 00 00 00 01   # full ids 1, 1
    00 00 00 07 00 00 00 00   # one referent, pad
""")

be_case("be_slist", "SLIST", lambda m: m.SLIST(n=2, list=["ab", "c"]), f"""
    {COMMON_BE}
    00 00 00 38 00 00 00 00
    00 00 00 02 00 02 00 00   # n, id(list)
    00 00 00 02               # max_count
    00 02 00 04 00 02 00 08   # element ids
    00 00 00 03 00 00 00 00 00 00 00 03   # *list[0] counts
    00 61 00 62 00 00 00 00   # L"ab\\0" big-endian code units, pad
    00 00 00 02 00 00 00 00 00 00 00 02   # *list[1] counts
    00 63 00 00               # L"c\\0"
""")

be_case("be_uints", "UINTS",
        lambda m: m.UINTS(a=0xFF, b=0xFFFF, c=0xFFFFFFFF, e=0x80000000, f=0xFFFFFFFE,
                          d=0xFFFFFFFFFFFFFFFF), f"""
    {COMMON_BE}
    00 00 00 18 00 00 00 00
    ff 00 ff ff               # a, pad, b
    ff ff ff ff 80 00 00 00   # c, e
    ff ff ff fe               # f
    ff ff ff ff ff ff ff ff   # d
""")

be_case("be_fixed_arrays", "FIXED_ARRAYS",
        lambda m: m.FIXED_ARRAYS(m=[[1, 2, 3], [4, 5, 6]], raw=b"\x01\x02\x03", tag=b"hi", l=[-1, 2]), f"""
    {COMMON_BE}
    00 00 00 20 00 00 00 00
    00 01 00 02 00 03 00 04 00 05 00 06   # m, shorts swapped
    01 02 03 68 69            # raw, tag: octets, not swapped
    00 00 00                  # pad
    ff ff ff ff 00 00 00 02   # l
    00 00 00 00
""")
