"""The compiler's resource bounds (issue 13): every small hostile IDL is answered with a
located diagnostic, in bounded memory, never an internal error; what compiles imports and
its types construct.

Bounds are checked by counts and by tracemalloc peaks, not by the clock; the alarm is
only a hang guard (a quadratic lexer on these inputs would run for minutes, not seconds).
"""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from midlpy.compiler.api import compile_file
from midlpy.compiler.parser import _MIDL3_RE, get_parser
from midlpy.compiler.preprocess import Preprocessor, tokenize
from midlpy.diagnostics import CompileError, Diagnostics, SourceCache
from midlpy.importer import load
from tests.fuzz.compiler_fuzz import check_text
from tests.fuzz.hostile_idl import GENERATORS, RUN_UNITS
from tests.hostile.test_compiler import alarm  # noqa: F401 (the hang-guard fixture)

MiB = 1 << 20


def codes(text: str, tmp: Path, name: str = "case") -> list[str]:
    """Compile ``text``; the diagnostic codes (all located), empty when it compiled."""
    path = tmp / f"{name}.idl"
    path.write_text(text, encoding="utf-8")
    result = compile_file(str(path))
    assert all(d.span is not None for d in result.diagnostics), result.diagnostics.render()
    return [d.code for d in result.diagnostics if d.severity.value == "error"]


def peak_of(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------------ 64-bit constants

SQUARES = "interface x {\nconst hyper A0 = 2;\n" + "".join(
    f"const hyper A{i} = A{i - 1}*A{i - 1};\n" for i in range(1, 23)) + "}\n"

CONST_CASES = {
    # the cases
    "squaring_chain": (SQUARES, "not-constant"),
    "if_product": ("#if " + "*".join(["(1<<4096)"] * 15000) + "\n#endif\ninterface x {}",
                   "bad-expression"),
    "digits_5000": ("interface x { const hyper X = " + "9" * 5000 + "; }", "number-range"),
    # variants: every base, both evaluators, every operator that can leave 64 bits
    "hex_digits": ("interface x { const hyper X = 0x" + "f" * 5000 + "; }", "number-range"),
    "octal_digits": ("interface x { const hyper X = 0" + "7" * 5000 + "; }", "number-range"),
    "binary_digits": ("interface x { const hyper X = 0b" + "1" * 65 + "; }", "number-range"),
    "if_digits": ("#if " + "9" * 5000 + "\n#endif\ninterface x {}", "bad-expression"),
    "uint64_plus_1": ("interface x { const hyper X = 18446744073709551615 + 1; }",
                      "not-constant"),
    "int64_min_times": ("interface x { const hyper X = (-9223372036854775807 - 1) * 3; }",
                        "not-constant"),
    "shift_64": ("interface x { const hyper X = 1 << 64; }", "not-constant"),
    "shift_negative": ("interface x { const long X = 1 >> -1; }", "not-constant"),
    "shift_overflow": ("interface x { const hyper X = 3 << 63; }", "not-constant"),
    "div_zero": ("interface x { const long X = 7 / (3 - 3); }", "not-constant"),
    "mod_zero": ("interface x { const long X = 7 % 0; }", "not-constant"),
    "if_shift_64": ("#if (1 << 64)\n#endif\ninterface x {}", "bad-expression"),
    "if_shift_negative": ("#if 1 << -1\n#endif\ninterface x {}", "bad-expression"),
    "if_overflow": ("#if 0x7FFFFFFFFFFFFFFF * 0x7FFFFFFFFFFFFFFF\n#endif\ninterface x {}",
                    "bad-expression"),
    "if_negate_uint": ("#if -18446744073709551615 - 1\n#endif\ninterface x {}",
                       "bad-expression"),
    "if_div_zero": ("#if 1 / 0\n#endif\ninterface x {}", "bad-expression"),
    "if_mod_zero": ("#if 1 % (2 - 2)\n#endif\ninterface x {}", "bad-expression"),
    "if_long_char": ("#if 'abcdefghijklmnopqrstuvwxyz'\n#endif\ninterface x {}",
                     "bad-expression"),
    "if_huge_escape": ("#if '\\x" + "f" * 5000 + "'\n#endif\ninterface x {}",
                       "bad-expression"),
    "enum_overflow": ("interface x { typedef enum { A = 1 << 70 } E; }", "not-constant"),
    "array_overflow": ("interface x { typedef struct { long a[1 << 99]; } T; }",
                       "not-constant"),
    "float_inf": ("interface x { const double X = 1e999; }", "number-range"),
    "float_inf_product": ("interface x { const double X = 1e308 * 10; }", "not-constant"),
    "float_nan": ("interface x { const double X = 1e308 * 10 - 1e308 * 10; }",
                  "not-constant"),
    "float_div_zero": ("interface x { const double X = 0.0 / 0.0; }", "not-constant"),
    "float_mod": ("interface x { const double X = 5.5 % 2; }", "not-constant"),
    "string_minus": ('interface x { const long X = -"a"; }', "not-constant"),
    "string_compare": ('interface x { const long X = "a" < 1; }', "not-constant"),
    "line_digits": ("#line " + "9" * 5000 + "\ninterface x {}", "bad-directive"),
}


@pytest.mark.parametrize("case", sorted(CONST_CASES))
def test_constants_past_64_bits_are_diagnosed(case: str, tmp_path: Path, alarm: None) -> None:
    text, code = CONST_CASES[case]
    assert code in codes(text, tmp_path)


@pytest.mark.parametrize(("expr", "value"), [
    ("18446744073709551615", 18446744073709551615), ("-9223372036854775807 - 1", -2**63),
    ("1 << 63", 2**63), ("-7 / 2", -3), ("-7 % 3", -1), ("7 % -3", 1), ("~0", -1),
    ("~18446744073709551615", 0), ("-1 >> 1", -1), ("0x7FFFFFFFFFFFFFFF + 1", 2**63),
    ("1e308 * 1.5", 1.5e308), ("'a'", 97),
])
def test_constants_within_64_bits_follow_c(expr: str, value: object, tmp_path: Path) -> None:
    """The semantics chosen (docs/limits.md): exact, checked, C's truncating division."""
    path = tmp_path / "c.idl"
    path.write_text(f"interface c {{ const hyper X = {expr}; }}")
    assert load(str(path)).X == value


@pytest.mark.parametrize(("expr", "true"), [
    ("-7 / 2 == -3", True), ("-7 % 3 == -1", True), ("(1 << 63) > 0", True),
    ("18446744073709551615 > 0", True), ("~0 < 0", True), ("0x7FFFFFFFFFFFFFFF + 1 > 0", True),
])
def test_if_arithmetic_is_64_bit_c(expr: str, true: bool) -> None:
    p = Preprocessor(Diagnostics(), SourceCache())
    out = p.run_text(f"#if {expr}\nyes\n#else\nno\n#endif\n", "t.idl")
    assert not p.diags
    assert out.text.split() == (["yes"] if true else ["no"])


# ------------------------------------------------------------------ lexer patterns


@pytest.mark.parametrize("unit", RUN_UNITS + ["[a]", "[]", "[a] "], ids=repr)
def test_long_runs_lex_in_linear_time_and_bounded_memory(unit: str, alarm: None) -> None:
    """200,000 characters of one unit through the parser's lexer (every terminal pattern)
    and the preprocessor's tokenizer. A pattern that rescans the run at each position
    would take minutes (50,000 stars took a minute); one that keeps a backtracking state
    per character would take hundreds of MB."""
    text = unit * (200_000 // len(unit))
    lexer_text = text.replace("\\\n", " ")
    parser = get_parser("midl")

    def lex() -> None:
        try:
            for _ in parser.lex(lexer_text):
                pass
        except Exception as e:  # the lexer refuses characters no terminal takes
            assert type(e).__name__ == "UnexpectedCharacters"

    def tok() -> None:
        for line in text.split("\n"):
            tokenize(line)

    def midl3() -> None:  # the parser's search for MIDL 3.0 keywords runs over everything
        _MIDL3_RE.search(lexer_text)

    # Lexing keeps no token; an unterminated string of 100,000 escapes (which the
    # preprocessor never lets through) is the most the lexer's patterns ever hold: 50 MB.
    assert peak_of(lex) < 64 * MiB
    assert peak_of(tok) < 64 * MiB  # the tokens themselves: a list of up to 200,000
    assert peak_of(midl3) < 4 * MiB


def test_fifty_thousand_stars_compile(tmp_path: Path, alarm: None) -> None:
    assert codes("interface x { typedef long " + "*" * 50_000 + " P; }", tmp_path) == []


# ------------------------------------------------------------------ preprocessor budgets

BUDGET_CASES = {
    "string_5mb": ('interface x { const char *S = "' + "a" * 5_000_000 + '"; }',
                   "line-too-long"),
    "escapes_200k": ('interface x { const char *S = "' + "\\n" * 100_000 + '"; }',
                     "string-too-long"),
    "concatenated": ("interface x { const char *S = "
                     + " ".join(['"' + "b" * 30_000 + '"'] * 3) + "; }", "string-too-long"),
    "stringified": ("#define S(x) #x\n#define XS(x) S(x)\n#define A0 abcdefgh\n"
                    + "".join(f"#define A{i} A{i - 1} A{i - 1}\n" for i in range(1, 15))
                    + "interface x { const char *S = XS(A14); }", "string-too-long"),
    "continued_line": ("interface x { const long X = 1" + " + 1 \\\n" * 60_000 + "; }",
                       "line-too-long"),
    "object_bomb": ("".join(f"#define M{i} M{i + 1} M{i + 1}\n" for i in range(60))
                    + "interface x { const long X = M0; }", "macro-expansion"),
    "function_bomb": ("".join(f"#define F{i}(a) F{i + 1}(a a a)\n" for i in range(40))
                      + "#define F40(a) 1\ninterface x { const long X = F0(1); }",
                      "macro-expansion"),
    "paste_bomb": ("#define P(a, b) a##b\n"
                   + "".join(f"#define M{i} P(M{i + 1}, M{i + 1})\n" for i in range(40))
                   + "interface x { const long X = M0; }", "not-constant"),  # M1M1: no growth
    "many_lines_bomb": ("#define M0 1 1 1 1 1 1 1 1 1 1\n"
                        + "".join(f"#define M{i} M{i - 1} M{i - 1} M{i - 1}\n"
                                  for i in range(1, 9))
                        + "M8\n" * 40 + "interface x {}", "macro-expansion"),
}


@pytest.mark.parametrize("case", sorted(BUDGET_CASES))
def test_preprocessor_budgets(case: str, tmp_path: Path, alarm: None) -> None:
    text, code = BUDGET_CASES[case]
    found: list[str] = []
    peak = peak_of(lambda: found.extend(codes(text, tmp_path)))
    assert code in found
    # the 5 MB string alone is 5 MB as text, and the file is read once as bytes
    assert peak < 64 * MiB, f"{peak / MiB:.0f} MiB"


def test_a_huge_include_is_refused_before_it_is_processed(tmp_path: Path, alarm: None) -> None:
    (tmp_path / "huge.h").write_text(("/* " + "x" * 1000 + " */\n") * 17_000)  # 17 MB
    found: list[str] = []
    peak = peak_of(lambda: found.extend(
        codes('#include "huge.h"\ninterface x {}', tmp_path)))
    assert "input-too-large" in found
    assert peak < 80 * MiB, f"{peak / MiB:.0f} MiB"


def test_an_endless_include_device_is_refused(tmp_path: Path, alarm: None) -> None:
    found = codes('#include "/dev/zero"\ninterface x {}', tmp_path)
    assert found and "internal" not in found


# ------------------------------------------------------------------ compiles that do not import

REFUSED = {
    "inf": "interface x { const double X = 1e999; }",
    "nan": "interface x { const double X = 1e308 * 10 - 1e308 * 10; }",
    "negative_inf": "interface x { const double X = -1e309; }",
    "dollar_field": "interface x { typedef struct { long a$b; } T; }",
    "dollar_typedef": "interface x { typedef struct { long a; } $T; }",
    "dollar_interface": "interface x$ { const long A = 1; }",
    "dollar_by_macro": "#define N a$b\ninterface x { const long N = 1; }",
    "digits": "interface x { const hyper X = " + "1" * 5000 + "; }",
    "huge_fixed": "interface x { typedef struct { long x[0xFFFFFFFF]; } T; }",
    "huge_bytes": "interface x { typedef struct { byte b[0x7FFFFFFF]; } T; }",
    "huge_nested": "interface x { typedef struct { long m[65536][65536]; } T; }",
    "huge_through_structs": "interface x { typedef struct { long v[4096]; } S;\n"
                            "typedef struct { S s[8192]; } T; }",
    "enum_string": 'interface x { typedef enum { A = "x", B = 1.5 } E; }',
    "enum_float": "interface x { typedef enum { A = 2.5 } E; }",
    "enum_wide_string": 'interface x { typedef enum { A = L"x" } E; }',
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_load_refuses_what_would_not_import(case: str, tmp_path: Path) -> None:
    path = tmp_path / "r.idl"
    path.write_text(REFUSED[case])
    with pytest.raises(CompileError) as info:
        load(str(path))
    assert all(d.span is not None for d in info.value.diagnostics)
    assert "internal" not in {d.code for d in info.value.diagnostics}


def test_a_large_fixed_array_within_the_bound_constructs_in_bounded_memory(
        tmp_path: Path) -> None:
    path = tmp_path / "big.idl"
    path.write_text("interface big { typedef struct { long v[16]; } S;\n"
                    "typedef struct { long a[1000000]; S s[1000]; byte b[1000000]; } T; }")
    mod = load(str(path))
    value: list[object] = []
    peak = peak_of(lambda: value.append(mod.T()))
    assert len(value[0].a) == 1_000_000 and len(value[0].s) == 1000  # type: ignore[attr-defined]
    assert peak < 16 * MiB  # 8 MB of list slots, 1 MB of bytes, 1000 small structs


# ------------------------------------------------------------------ generated hostile IDL


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_generated_hostile_idl(kind: str, tmp_path: Path, alarm: None) -> None:
    """Each fuzzer class, a few seeds: diagnostics or a module that imports and whose
    types construct (check_text)."""
    for seed in range(4):
        text = GENERATORS[kind](random.Random(seed)).encode("utf-8", "surrogatepass")
        check_text(text, tmp_path, name=f"g{seed}")


def test_a_diagnostic_on_a_long_line_shows_a_window_of_it(tmp_path: Path) -> None:
    """The 5 MB line is not echoed: the source line is cut to 100 columns either side
    of the caret."""
    path = tmp_path / "w.idl"
    path.write_text("interface w { const long X = " + "1 + " * 25_000 + "1 $ 2"
                    + " + 1" * 25_000 + "; }")
    with pytest.raises(CompileError) as info:
        load(str(path))
    text = str(info.value)
    shown, caret = text.splitlines()[1:3]
    assert len(shown) < 220 and shown.strip().startswith("...") and shown.endswith("...")
    assert shown[caret.index("^")] == "$"


def test_an_imported_file_named_x_squared_loads(tmp_path: Path) -> None:
    """x².idl is not a Python name: its module gets an ASCII one and still imports."""
    (tmp_path / "x².idl").write_text("interface sq { typedef struct { long a[2]; } SQ; }")
    (tmp_path / "main.idl").write_text('import "x².idl";\n'
                                       "interface m { typedef struct { SQ s; } M; }")
    mod = load(str(tmp_path / "main.idl"))
    assert mod.M().s.a == [0, 0]
