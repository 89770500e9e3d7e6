"""The general rules behind the published files' blockers, each on a small IDL of its own.
Expected bytes are derived by hand from NDR ([MS-RPCE] 2.2.5, C706 14)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from midlpy.compiler.api import compile_file, load_module
from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate
from tests.constructs.cases import COMMON, hx

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


def encode(m: ModuleType, t: str, value: object) -> bytes:
    h = MesEncodeDynBufferHandleCreate()
    getattr(m, t + "_Encode")(h, value)
    return bytes(h.buffer)


def decode(m: ModuleType, t: str, data: bytes) -> object:
    return getattr(m, t + "_Decode")(MesDecodeBufferHandleCreate(data))


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
    assert encode(m, "S", value) == data
    assert decode(m, "S", data) == value


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
