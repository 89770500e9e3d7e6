"""The general rules behind the published files' blockers, each on a small IDL of its own.
Expected bytes are derived by hand from NDR ([MS-RPCE] 2.2.5, C706 14)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from midlpy.compiler.api import compile_file, load_module
from tests.constructs.cases import COMMON, hx
from tests.helpers import decode, encode

UUID = "6b29fc40-ca47-1067-b31d-00dd010662db"


def build(tmp_path: Path, body: str, acf: str | None = None, *, name: str = "rules",
          files: dict[str, str] | None = None, **kw: object) -> ModuleType:
    for fname, text in (files or {}).items():
        (tmp_path / fname).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / fname).write_text(text)
    (tmp_path / f"{name}.idl").write_text(body)
    if acf is not None:
        (tmp_path / f"{name}.acf").write_text(acf)
    return load_module(str(tmp_path / f"{name}.idl"), **kw)  # type: ignore[arg-type]


def errors(tmp_path: Path, body: str, **kw: object) -> str:
    (tmp_path / "bad.idl").write_text(body)
    result = compile_file(str(tmp_path / "bad.idl"), **kw)  # type: ignore[arg-type]
    assert not result.ok
    return result.diagnostics.render(result.sources)



def round_trips(m: ModuleType, t: str, value: object, data: bytes) -> None:
    """``value`` encodes to exactly ``data`` and ``data`` decodes to ``value``."""
    assert encode(m, t, value) == data
    assert decode(m, t, data) == value


def pickle(body: str) -> bytes:
    data = hx(body)
    assert len(data) % 8 == 0
    return hx(COMMON) + len(data).to_bytes(4, "little") + bytes(4) + data


def test_wchar_t_typedef_to_its_own_representation_stays_a_character(tmp_path: Path) -> None:
    m = build(tmp_path, f"""
typedef unsigned short wchar_t;
[uuid({UUID}), version(1.0)]
interface R {{ typedef struct {{ [string] wchar_t *s; wchar_t c; }} S; }}
""", "[explicit_handle] interface R { typedef [encode, decode] S; }")
    data = pickle("""
        00 00 02 00  41 00 00 00   # referent id, c = 'A' (2 bytes, padded to 4 for the string)
        03 00 00 00  00 00 00 00  03 00 00 00   # max 3, offset 0, actual 3
        61 00 62 00  00 00 00 00  00 00 00 00   # "ab" NUL, padding to 8
    """)
    value = m.S(s="ab", c=0x41)
    round_trips(m, "S", value, data)


def test_wchar_t_typedef_to_another_representation_is_not_a_character(tmp_path: Path) -> None:
    text = errors(tmp_path, f"""
typedef long wchar_t;
[uuid({UUID}), version(1.0)]
interface R {{ typedef struct {{ [string] wchar_t *s; }} S; }}
""")
    assert "[string] applies only to arrays of char, wchar_t or byte" in text


class Recorder:
    """An in-process transport that keeps the bytes of each request and reply."""

    def __init__(self, server: object) -> None:
        from midlpy.runtime.rpc import InProcessTransport

        self.inner = InProcessTransport(server)  # type: ignore[arg-type]
        self.requests: list[bytes] = []
        self.replies: list[bytes] = []

    def call(self, opnum: int, request: bytes) -> bytes:
        self.requests.append(bytes(request))
        reply = self.inner.call(opnum, request)
        self.replies.append(reply)
        return reply


def test_switch_is_on_a_pointer_to_a_union_pointer_typedef(tmp_path: Path) -> None:
    # SamrQueryInformationDomain's shape: [out, switch_is(c)] PSAMPR_DOMAIN_INFO_BUFFER *Buffer
    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface Sw
{{
    typedef [switch_type(long)] union _U {{ [case(1)] long a; [case(2)] short b; }} U, *PU;
    void Q([in] long c, [out, switch_is(c)] PU *p);
}}
""")

    class Impl:
        def Q(self, c: int) -> object:
            return m.U(switch=c, a=42) if c == 1 else None

    rec = Recorder(m.SwServer(Impl()))
    client = m.SwClient(rec)
    assert client.Q(1) == m.U(switch=1, a=42)
    # the [ref] outer pointer is not on the wire; the unique one is a referent id, then the
    # non-encapsulated union: its long discriminant and the arm
    assert rec.replies[-1] == hx("00 00 02 00  01 00 00 00  2a 00 00 00")
    # (a NULL inner pointer is the [out] T **pp value-model question, issue 14's wire part)


def test_constants_and_enumerators_in_correlations(tmp_path: Path) -> None:
    # dhcpm's ELEMENT_MASK(E) macro and fasp's (Reserved & FLAG) ? 1 : 0: MIDL folds the
    # names that are not fields into their values
    m = build(tmp_path, f"""
#define MASK(E) (((E) <= Last) ? 0 : (E))
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface R
{{
    typedef enum {{ First, Last }} KIND;
    const long FLAG = 0x4;
    typedef struct {{
        KIND Kind;
        [switch_is(MASK(Kind)), switch_type(long)] union {{
            [case(0)] long lo;
            [case(2)] short hi;
        }} u;
        long Reserved;
        [size_is((Reserved & FLAG) ? 1 : 0)] long *meta;
    }} S;
}}
""", "[explicit_handle] interface R { typedef [encode, decode] S; }")
    data = pickle("""
        01 00              # Kind = Last (enum: 2 bytes)
        00 00  00 00 00 00  # pad, then the union's switch: MASK(1) = 0
        07 00 00 00        # arm 0: lo = 7
        04 00 00 00        # Reserved = FLAG: one element
        00 00 02 00        # meta: referent id
        01 00 00 00  09 00 00 00  # its conformance (1), meta[0] = 9
        00 00 00 00        # padding to 8
    """)
    value = m.S(Kind=1, u=m.S_u(switch=0, lo=7), Reserved=4, meta=[9])
    round_trips(m, "S", value, data)


def test_sizeof_in_constants_and_array_bounds(tmp_path: Path) -> None:
    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface R
{{
    typedef struct {{ unsigned long a; unsigned short b; unsigned short c; unsigned char d[8]; }} G;
    const long N = 32 / sizeof(G);
    const long W = 3 * sizeof(wchar_t) + sizeof(unsigned long);
    typedef struct {{ unsigned char buf[W]; }} S;
}}
""")
    assert (m.N, m.W) == (2, 10)  # C's sizeof: a GUID-like struct is 16 bytes
    assert len(m.S().buf) == 10


def test_sizeof_of_what_c_cannot_size_is_a_diagnostic(tmp_path: Path) -> None:
    text = errors(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface R {{ typedef struct {{ long *p; }} P; const long N = sizeof(P); }}
""")
    assert "not-constant" in text


def test_range_on_a_string_parameter_limits_its_length(tmp_path: Path) -> None:
    # scmr: [in, string, unique, range(0, N)] SVCCTL_HANDLEA, an alias of a char pointer
    m = build(tmp_path, f"""
typedef char *LPSTR;
typedef [handle] LPSTR NAME_HANDLE;
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface R
{{
    long F([in, string, unique, range(0, 4)] NAME_HANDLE name);
}}
""")

    class Impl:
        def F(self, name: str | None) -> int:
            return len(name or "")

    rec = Recorder(m.RServer(Impl()))
    client = m.RClient(rec)
    assert client.F("abc") == 3
    # unique pointer, then max 4, offset 0, actual 4: "abc" and its NUL
    assert rec.requests[-1] == hx("00 00 02 00  04 00 00 00  00 00 00 00  04 00 00 00  61 62 63 00")
    from midlpy.runtime import RpcError

    try:
        client.F("abcdefgh")
    except RpcError as e:
        assert e.status in (1734, 87), e  # out of the range: refused before sending
    else:
        raise AssertionError("a string longer than its range was sent")
    assert len(rec.requests) == 1


def test_pipes_compile_in_an_rpc_interface_and_refuse_at_call_time(tmp_path: Path) -> None:
    # efsr and frs2 stream files through pipes; midlpy's stubs do not transfer pipes yet
    from midlpy.runtime import RpcError

    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface P
{{
    typedef pipe unsigned char BYTE_PIPE;
    long Plain([in] long x);
    long Stream([in] long x, [out] BYTE_PIPE *data);
}}
""")

    class Impl:
        def Plain(self, x: int) -> int:
            return x + 1

        def Stream(self, x: int) -> object:
            raise AssertionError("never reached")

    server = m.PServer(Impl())
    client = m.PClient(Recorder(server))
    assert client.Plain(1) == 2
    for call in (lambda: client.Stream(1),  # refused by the client stub
                 lambda: Recorder(server).call(1, bytes(4))):  # and by the server's
        try:
            call()
        except RpcError as e:
            assert e.status == 1764 and ("pipe" in e.message or e.message == "RPC_S_CANNOT_SUPPORT")
        else:
            raise AssertionError("a pipe procedure was called")


def test_forward_typedef_of_a_later_struct_recursive_through_pointers(tmp_path: Path) -> None:
    # the mq* files: typedef tag_inner_PROPVARIANT PROPVARIANT; before the struct exists
    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface F
{{
    typedef tag_inner NODE;
    typedef struct {{ unsigned long n; [size_is(n)] NODE *items; }} LIST;
    typedef struct _tag_inner {{ long value; LIST children; }} tag_inner;
    typedef [unique] NODE *PNODE;
}}
""", "[explicit_handle] interface F { typedef [encode, decode] PNODE; }")
    value = m.tag_inner(value=1, children=m.LIST(n=1, items=[m.tag_inner(value=2)]))
    data = pickle("""
        00 00 02 00                      # the unique pointer
        01 00 00 00  01 00 00 00  04 00 02 00   # value 1, children.n 1, items' referent id
        01 00 00 00                      # items: conformance 1
        02 00 00 00  00 00 00 00  00 00 00 00   # items[0]: value 2, n 0, NULL items
    """)
    round_trips(m, "PNODE", value, data)


def test_struct_tag_of_an_encapsulated_union(tmp_path: Path) -> None:
    # rrasm: `typedef struct _MPR_SERVER_EX_IDL *P;` where _MPR_SERVER_EX_IDL is an
    # encapsulated union, which C (and MIDL's header) declares as a struct
    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface U
{{
    typedef union _EU switch (unsigned char revision) info {{
        case 1: long one;
        case 2: short two;
    }} EU;
    typedef struct _EU *PEU;
    long Get([in, out] PEU p);
}}
""")

    class Impl:
        def Get(self, p: object) -> tuple[object, int]:
            return p, 0

    rec = Recorder(m.UServer(Impl()))
    out = m.UClient(rec).Get(m.EU(revision=1, one=5))
    assert out == (m.EU(revision=1, one=5), 0)
    # a parameter's top-level pointer is [ref] (nothing on the wire), then the
    # discriminant (a byte; the union body aligned to 4) and the arm
    assert rec.requests[-1] == hx("01 00 00 00  05 00 00 00")


def test_import_paths_written_for_windows(tmp_path: Path) -> None:
    files = {"Sub/Inner.idl": "typedef long INNER;\n",
             "Sub/Other.IDL": "typedef short OTHER;\n"}
    m = build(tmp_path, f"""
import "sub\\\\inner.idl";
import "SUB/other.idl";
[uuid({UUID}), version(1.0)]
interface X {{ typedef struct {{ INNER a; OTHER b; }} S; }}
""", files=files)
    assert m.S(a=1, b=2).b == 2
    text = errors(tmp_path, f"""
import "sub/missing.idl";
[uuid({UUID}), version(1.0)]
interface X {{ }}
""")
    assert "cannot find imported file 'sub/missing.idl'" in text


def test_predefined_macros(tmp_path: Path) -> None:
    body = f"""
#ifndef _WIN32
#error no _WIN32
#endif
#ifdef _WIN64
const long BITS = 64;
#else
const long BITS = 32;
#endif
const long MIDL = __midl;
[uuid({UUID}), version(1.0)] interface M {{ }}
"""
    assert (build(tmp_path, body).BITS, build(tmp_path, body).MIDL) == (32, 801)
    (tmp_path / "m64.idl").write_text(body)
    result = compile_file(str(tmp_path / "m64.idl"), target="win64")
    assert result.ok and "BITS = 64" in result.files[-1].text
    text = errors(tmp_path, body, undefines=["_WIN32"])
    assert "no _WIN32" in text


MINGW = Path("/usr/share/mingw-w64/include")


def test_mingw_headers_get_past_their_win32_check(tmp_path: Path) -> None:
    # mingw-w64's headers (Debian's mingw-w64-common) open with
    # `#ifndef _WIN32 / #error Only Win32 target is supported!`
    body = f"""
#include <share.h>
const long DENY = _SH_DENYRW;
[uuid({UUID}), version(1.0)] interface M {{ }}
"""
    assert build(tmp_path, body, include_dirs=[str(MINGW)]).DENY == 0x10
    assert "Only Win32 target is supported" in errors(
        tmp_path, body, include_dirs=[str(MINGW)], undefines=["_WIN32"])


def test_type_routines_without_a_handle_attribute_take_the_handle(tmp_path: Path) -> None:
    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0)]
interface E {{ typedef struct {{ long x; }} S; }}
""", "interface E { typedef [encode, decode] S; }")
    data = pickle("07 00 00 00  00 00 00 00")
    assert encode(m, "S", m.S(x=7)) == data
    assert decode(m, "S", data) == m.S(x=7)


def test_object_interfaces_compile_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "com.idl").write_text(f"""
[object, uuid({UUID})]
interface IThing
{{
    typedef struct {{ long x; }} THING;
    long Get([out] THING *t);
}}
""")
    result = compile_file(str(tmp_path / "com.idl"))
    assert result.ok
    notes = [d for d in result.diagnostics if d.severity.value == "note"]
    assert [d.code for d in notes] == ["com-interface"]
    assert "no client or server" in notes[0].message
    text = result.files[-1].text
    assert "class THING" in text and "IThingClient" not in text and "IThingServer" not in text


def test_types_of_imported_files_are_reachable_from_the_importer(tmp_path: Path) -> None:
    files = {"base.idl": "typedef struct { long a; } BASE; const long LIMIT = 3;\n",
             "middle.idl": 'import "base.idl";\ntypedef struct { BASE b; } MIDDLE;\n'}
    m = build(tmp_path, f"""
import "middle.idl";
[uuid({UUID}), version(1.0)]
interface T {{ typedef struct {{ BASE b; MIDDLE m; }} TOP; typedef long LIMIT_T; }}
""", files=files)
    assert m.TOP(b=m.BASE(a=1)).b.a == 1  # BASE through middle.idl: transitively
    assert m.MIDDLE is not None and m.LIMIT == 3


def test_a_conformant_struct_that_links_to_itself(tmp_path: Path) -> None:
    # ms-eerr's ExtendedErrorInfo: Next points to the same conformant struct, whose
    # conformance must precede each referent (it was neither written nor read)
    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface L
{{
    typedef struct _L {{ struct _L *next; long n; [size_is(n)] long a[]; }} L;
    typedef [unique] L *PL;
}}
""", "[explicit_handle] interface L { typedef [encode, decode] PL; }")
    value = m.L(next=m.L(next=None, n=0, a=[]), n=1, a=[5])
    data = pickle("""
        00 00 02 00  01 00 00 00          # the pointer; L's conformance (n = 1)
        04 00 02 00  01 00 00 00  05 00 00 00   # next's referent id, n, a[0]
        00 00 00 00                      # next's referent: its conformance (0)
        00 00 00 00  00 00 00 00          # next = NULL, n = 0
    """)
    round_trips(m, "PL", value, data)


def test_a_varying_part_beyond_its_size_is_refused(tmp_path: Path) -> None:
    # lsad's STRING: [size_is(MaximumLength), length_is(Length)]; Length > MaximumLength
    # would write bytes that no decoder accepts
    from midlpy.runtime import RpcError

    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface V
{{
    typedef struct {{ unsigned short Length; unsigned short MaximumLength;
                      [size_is(MaximumLength), length_is(Length)] char *Buffer; }} S;
}}
""", "[explicit_handle] interface V { typedef [encode, decode] S; }")
    data = pickle("""
        02 00  03 00  00 00 02 00         # Length 2, MaximumLength 3, the pointer
        03 00 00 00  00 00 00 00  02 00 00 00  61 62   # max 3, offset 0, actual 2, "ab"
        00 00                             # padding to 8
    """)
    assert encode(m, "S", m.S(Length=2, MaximumLength=3, Buffer=b"ab")) == data
    try:
        encode(m, "S", m.S(Length=2, MaximumLength=1, Buffer=b"ab"))
    except RpcError as e:
        assert e.status == 1734
    else:
        raise AssertionError("an unreadable varying array was written")



def test_an_empty_conformant_array_of_8_byte_structs_is_aligned(tmp_path: Path) -> None:
    # fasp's pMetaData ([size_is(...)] of structs holding a hyper) may be a non-NULL
    # pointer to no elements: the encoder pads to 8 after the conformance, as before
    # elements (Wine's NdrConformantArrayMarshall aligns whatever the count); the
    # decoder skipped that padding when there were no elements to read
    m = build(tmp_path, f"""
[uuid({UUID}), version(1.0), pointer_default(unique)]
interface A
{{
    typedef struct {{ hyper id; [range(0, 100)] long k; }} E;
    typedef struct {{ long n; [size_is(n)] E *p; long tail; [string] char *s; }} S;
}}
""", "[explicit_handle] interface A { typedef [encode, decode] S; }")
    value = m.S(n=0, p=[], tail=7, s="a")
    data = pickle("""
        00 00 00 00  00 00 02 00  07 00 00 00  04 00 02 00   # n, p, tail, s
        00 00 00 00  00 00 00 00   # p's conformance (0), padding to 8, no elements
        02 00 00 00  00 00 00 00  02 00 00 00  61 00 00 00   # s: "a" NUL, padding
    """)
    round_trips(m, "S", value, data)
