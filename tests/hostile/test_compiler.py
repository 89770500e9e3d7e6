"""The compiler under hostile IDL (issue 8, part 3): any text, truncated, mutated or
binary, gives diagnostics with locations or compiles, and a compiled module imports.
Never a traceback, never a hang (each case runs under an alarm)."""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midlpy.compiler.api import check_file, compile_file
from tests.fuzz.compiler_fuzz import check_text, mutate_text
from tests.fuzz.targets import seed_pairs

N = 3000
PATHOLOGICAL: dict[str, str | bytes] = {
    "empty": "",
    "nul": "interface x {\0}",
    "bad_utf8": b"interface x { \xff\xfe }",
    "parens": "interface x { const long X = " + "(" * 5000 + "1" + ")" * 5000 + "; }",
    "unary": "interface x { const long X = " + "-" * 5000 + "1; }",
    "sum": "interface x { const long X = " + "1+" * 20000 + "1; }",
    "nested_struct": "interface x { typedef " + "struct { " * 600 + "long a;" + " } b;" * 600 + " T; }",
    "if_nest": "#if 1\n" * 5000 + "interface x {}\n" + "#endif\n" * 5000,
    "self_macro": "#define A A\ninterface x { const long X = A; }",
    "mutual_macro": "#define A B\n#define B A\ninterface x { const long X = A; }",
    "macro_bomb": "".join(f"#define M{i} M{i + 1} M{i + 1}\n" for i in range(40))
    + "#define M40 1\ninterface x { const long X = M0; }",
    "macro_fn_bomb": "".join(f"#define F{i}(a) F{i + 1}(a a)\n" for i in range(40))
    + "#define F40(a) 1\ninterface x { const long X = F0(1); }",
    "self_include": '#include "case.idl"\ninterface x {}',
    "include_device": '#include "/dev/zero"\ninterface x {}',
    "import_device": 'import "/dev/zero";\ninterface x {}',
    "import_dir": 'import "/";\ninterface x {}',
    "huge_numbers": "interface x { const hyper X = 999999999999999999999999999999999999999; }",
    "huge_array": "interface x { typedef struct { long a[99999999999999999999]; } T; }",
    "huge_ndr_array": "interface x { typedef struct { long a[0x100000000]; } T; }",
    "huge_fixed_array": "interface x { typedef struct { long a[0xFFFFFFFF]; } T; }",
    "huge_shift": "interface x { const long X = 1 << 100000000; }",
    "div_zero": "interface x { const long X = 1 / 0; const long Y = 1 % 0; }",
    "typedef_cycle": "interface x { typedef A B; typedef B A; typedef struct { A a; } T; }",
    "struct_in_itself": "interface x { typedef struct S { struct S s; } S; }",
    "mutual_structs": "interface x { typedef struct A { struct B b; } A; "
                      "typedef struct B { struct A a; } B; }",
    "union_in_itself": "interface x { typedef [switch_type(long)] union U { [case(1)] long a; "
                       "[case(2)] U u; } U; typedef struct { long k; [switch_is(k)] U u; } T; }",
    "deep_by_value_chain": "interface x { typedef struct { long a; } T0;\n"
    + "".join(f"typedef struct {{ T{i} m; }} T{i + 1};\n" for i in range(N)) + "}",
    "typedef_chain": "interface x { typedef long T0;\n"
    + "".join(f"typedef T{i} T{i + 1};\n" for i in range(N)) + "}",
    "const_chain": "interface x { const long C0 = 1;\n"
    + "".join(f"const long C{i + 1} = C{i} + 1;\n" for i in range(N)) + "}",
    "macro_chain": "#define M0 1\n" + "".join(f"#define M{i + 1} M{i}\n" for i in range(N))
    + f"interface x {{ const long C = M{N}; }}",
    "line_directive": '#line 99999999999999999999 "../../etc/passwd"\ninterface x { bad }',
    "string_escapes": 'interface x { const char* S = "\\x41\\0\\777\\u1234\\"; }',
    "uuid_injection": 'cpp_quote("x")\n[uuid(12345678-1234-1234-1234-1234567\\"89abc), '
                      'helpstring("\\"\\n")] interface x {}',
    "many_members": "interface x { typedef struct { "
    + "".join(f"long a{i}; " for i in range(2000)) + "} T; }",
}


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail a case that takes longer than 60 s instead of hanging the suite."""
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError("the compiler hung")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("case", sorted(PATHOLOGICAL))
def test_pathological_input_gives_located_diagnostics_or_compiles(case: str, tmp_path: Path,
                                                                   alarm: None) -> None:
    text = PATHOLOGICAL[case]
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    check_text(data, tmp_path, name="case")  # raises on a traceback or an unlocated error


@pytest.mark.parametrize(("case", "code"), [
    ("struct_in_itself", "recursive-by-value"), ("mutual_structs", "recursive-by-value"),
    ("huge_array", "number-range"), ("huge_ndr_array", "bad-array-size"),
    ("huge_fixed_array", "bad-array-size"), ("deep_by_value_chain", "too-deep"),
])
def test_regression_hostile_types_are_diagnosed(case: str, code: str, tmp_path: Path) -> None:
    path = tmp_path / "case.idl"
    text = PATHOLOGICAL[case]
    assert isinstance(text, str)
    path.write_text(text)
    for run in (check_file, compile_file):
        result = run(str(path))
        assert not result.ok
        assert code in {d.code for d in result.diagnostics}
        assert all(d.span is not None for d in result.diagnostics)


PAIRS = [(i.read_bytes(), a.read_bytes() if a else None) for i, a in seed_pairs()]
FAST = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@FAST
@given(pair=st.sampled_from(PAIRS), seed=st.integers(0, 2**64), acf_side=st.booleans())
def test_mutated_idl_and_acf_give_diagnostics_or_compile(pair: tuple[bytes, bytes | None],
                                                         seed: int, acf_side: bool,
                                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    rng = random.Random(seed)
    idl, acf = pair
    if acf is not None and acf_side:
        acf = mutate_text(rng, acf)
    else:
        idl = mutate_text(rng, idl)
    check_text(idl, tmp_path_factory.mktemp("m"), acf)


@FAST
@given(pair=st.sampled_from(PAIRS), data=st.data())
def test_truncated_idl_gives_diagnostics_or_compiles(pair: tuple[bytes, bytes | None],
                                                     data: st.DataObject,
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    idl, acf = pair
    cut = data.draw(st.integers(0, len(idl)))
    check_text(idl[:cut], tmp_path_factory.mktemp("t"), acf)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(blob=st.binary(max_size=512))
def test_binary_files_give_diagnostics(blob: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    check_text(blob, tmp_path_factory.mktemp("b"))


@pytest.mark.parametrize("version", ["1e5", "1.5e3", "0x10", "99999999.0", "1.70000"])
def test_regression_a_bad_interface_version_is_a_located_error(version: str, tmp_path: Path) -> None:
    """version(1e5) raised ValueError out of the compiler; version(99999999.0) compiled
    into a module whose every procedure pickle failed (the header holds unsigned shorts)."""
    path = tmp_path / "v.idl"
    path.write_text(f"[uuid(12345678-1234-1234-1234-123456789ab9), version({version})] "
                    "interface v { void P([in] handle_t h, [in] long a); }")
    (tmp_path / "v.acf").write_text("[explicit_handle, encode, decode] interface v {}")
    result = compile_file(str(path))
    assert [(d.code, d.span.col) for d in result.diagnostics if d.span] == [("bad-version", 46)]


def test_regression_a_procedure_defined_twice_is_a_located_error(tmp_path: Path) -> None:
    """Found by make fuzz (a duplicated line): both compiled, and the module defined
    every codec of the procedure twice."""
    path = tmp_path / "dp.idl"
    path.write_text("[uuid(12345678-1234-1234-1234-123456789ab9), version(1.0)] interface dp {\n"
                    "long Get([in] handle_t h, [in] long a);\nlong Get([in] handle_t h, [in] long b); }")
    (tmp_path / "dp.acf").write_text("[explicit_handle, encode, decode] interface dp {}")
    result = compile_file(str(path))
    assert [(d.code, d.span.line) for d in result.diagnostics if d.span] == [("redefinition", 3)]
