"""Hostile text never escapes as an exception: mutated IDL/ACF only produces diagnostics."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midlpy.compiler.frontend import parse_acf_text, parse_idl_text
from midlpy.diagnostics import Diagnostics, SourceCache

SEED_IDL = """#define N 4
#if defined(__midl) && N > 2
[uuid(12345678-1234-abcd-ef00-0123456789ab), version(1.0), pointer_default(unique)]
interface fuzz
{
    const long K = (N * 2) << 1;
    typedef [switch_type(short)] union { [case(1)] long a; [default] ; } U;
    typedef struct _S { long n; [size_is(n)] char *p; struct _S *next; } S;
    typedef enum { A = 1, B = A + 1 } E;
    long f([in] handle_t h, [in, ref] S *s, [out] long (*fp)[N]);
    cpp_quote("x")
}
#endif
"""
SEED_ACF = '[explicit_handle, encode] interface fuzz { typedef [decode] S; f([comm_status] h); }'
PIECES = ["(", ")", "[", "]", "{", "}", ";", ",", "*", "#", "#if", "#endif", "\n#define X(", '"',
          "'", "/*", "*/", "\\\n", "..", "union switch", "case", "::", "\x00", "\x1a", "\r",
          "0x", "9999999999999999999999", "namespace", "typedef", "__int64", "->", "?"]


def mutate(seed: str, ops: list[tuple[int, int, str]]) -> str:
    text = seed
    for pos, cut, piece in ops:
        p = pos % (len(text) + 1)
        text = text[:p] + piece + text[p + cut % 4:]
    return text


ops_strategy = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3),
                                  st.sampled_from(PIECES) | st.text(max_size=3)),
                        min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops_strategy)
def test_mutated_idl_only_gives_diagnostics(ops: list[tuple[int, int, str]]) -> None:
    diags = Diagnostics()
    sources = SourceCache()
    parse_idl_text(mutate(SEED_IDL, ops), "f.idl", diags, sources)
    diags.render(sources)  # rendering must not fail either


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops_strategy)
def test_mutated_acf_only_gives_diagnostics(ops: list[tuple[int, int, str]]) -> None:
    diags = Diagnostics()
    sources = SourceCache()
    parse_acf_text(mutate(SEED_ACF, ops), "f.acf", diags, sources)
    diags.render(sources)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_source(data: bytes) -> None:
    from midlpy.compiler.preprocess import decode_source

    diags = Diagnostics()
    parse_idl_text(decode_source(data), "b.idl", diags, SourceCache())
