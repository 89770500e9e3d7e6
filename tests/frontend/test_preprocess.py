"""The preprocessor: every directive, macro expansion, #if arithmetic, and the origin map."""

from __future__ import annotations

from pathlib import Path

import pytest

from midlpy.compiler.preprocess import (MIDL_VERSION_MACRO, Preprocessed, decode_source,
                                        preprocess_file, preprocess_text)
from midlpy.diagnostics import Diagnostics, SourceCache


def pp(text: str, path: str = "t.idl", **opts: object) -> tuple[Preprocessed, Diagnostics]:
    diags = Diagnostics()
    out = preprocess_text(text, path, diags, SourceCache(), **opts)  # type: ignore[arg-type]
    return out, diags


def lines(text: str, **opts: object) -> list[str]:
    out, diags = pp(text, **opts)
    assert not diags.has_errors, diags.render()
    return out.text.splitlines()


def test_midl_version_macro_value() -> None:
    # __midl is major * 100 + minor of the MIDL compiler (MIDL 8.01 -> 801); widl's
    # __WIDL__ is not defined.
    assert MIDL_VERSION_MACRO == "801"
    assert lines("__midl\n#ifdef __WIDL__\nwidl\n#endif\n") == ["801"]


def test_object_like_define_and_undef() -> None:
    assert lines("#define N 5\nlong a[N];\n#undef N\nlong b[N];\n") == ["long a[5];",
                                                                          "long b[N];"]


def test_function_like_macro_with_stringify_and_paste() -> None:
    out = lines("#define F(a, b) a##b + #a\nF(x, 1)\n")
    assert out == ['x1 + "x"']


def test_nested_and_recursive_macros_stop() -> None:
    out = lines("#define A B + 1\n#define B A * 2\nA\n")
    assert out == ["A * 2 + 1"]


def test_variadic_macro() -> None:
    assert lines("#define V(f, ...) f(__VA_ARGS__)\nV(g, 1, 2)\n") == ["g(1, 2)"]


def test_function_like_name_without_parens_is_left_alone() -> None:
    assert lines("#define F(a) a\nF + 1\n") == ["F + 1"]


def test_macro_call_spanning_lines() -> None:
    assert lines("#define F(a, b) a b\nF(long,\n  x);\n") == ["long x;"]


def test_command_line_defines_and_undefines() -> None:
    out = lines("X Y\n#ifdef __midl\nmidl\n#endif\n", defines={"X": "7", "Y": None},
                undefines=["__midl"])
    assert out == ["7 1"]


@pytest.mark.parametrize("cond,taken", [
    ("1", True), ("0", False), ("defined(__midl)", True), ("defined __midl", True),
    ("!defined(NOPE)", True), ("__midl >= 500", True), ("1 + 2 * 3 == 7", True),
    ("(1 ? 2 : 3) == 2", True), ("'a' == 97", True), ("'\\n' == 10", True),
    ("-1 < 0", True), ("10 / 3 == 3 && 10 % 3 == 1", True), ("-7 / 2 == -3", True),
    ("1 << 4 == 0x10", True), ("UNDEFINED_NAME", False), ("0 || 0", False),
    ("~0 == -1", True), ("3 > 2 > 1", False), ("0x10L == 16", True),
])
def test_if_expressions(cond: str, taken: bool) -> None:
    assert lines(f"#if {cond}\nyes\n#endif\n") == (["yes"] if taken else [])


def test_if_elif_else_chain_and_nesting() -> None:
    text = ("#if 0\na\n#elif 1\nb\n#if 0\nc\n#else\nd\n#endif\n#elif 1\ne\n#else\nf\n#endif\n"
            "#ifndef X\ng\n#endif\n")
    assert lines(text) == ["b", "d", "g"]


def test_directives_in_dead_regions_are_ignored() -> None:
    assert lines("#if 0\n#error no\n#include \"missing.h\"\n#bogus\n#endif\nok\n") == ["ok"]


def test_comments_removed_and_columns_kept() -> None:
    out = lines("long /* c */ a; // tail\n/* multi\n line */ long b;\n")
    assert out == ["long         a;", "         long b;"]


def test_comment_markers_inside_strings_are_text() -> None:
    assert lines('cpp_quote("/* not a comment */ // nor this")\n') == [
        'cpp_quote("/* not a comment */ // nor this")']


def test_line_splicing() -> None:
    assert lines("#define X 1 + \\\n 2\nX\n") == ["1 + 2"]


def test_pragmas_are_returned_not_emitted() -> None:
    out, diags = pp("#pragma pack(push, 4)\n#pragma midl_echo(\"x\")\nlong a;\n")
    assert out.text.splitlines() == ["long a;"]
    assert [p for p, _ in out.pragmas] == ["pack(push, 4)", 'midl_echo("x")']
    assert out.pragmas[1][1].line == 2


def test_line_directive_changes_reported_origin() -> None:
    out, _ = pp('#line 100 "orig.idl"\nlong a;\n')
    assert out.locate(1, 6) == ("orig.idl", 100, 6)


def test_origin_map_for_macro_expansion_points_at_use() -> None:
    out, _ = pp("#define T unsigned long\n\n   T   x;\n")
    assert out.text.splitlines() == ["unsigned long x;"]
    # Both expanded tokens map to the macro use; "x" maps to its own column.
    assert out.locate(1, 1) == ("t.idl", 3, 4)
    assert out.locate(1, 10) == ("t.idl", 3, 4)
    assert out.locate(1, 15) == ("t.idl", 3, 8)


def test_include_search_path_and_origin(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "defs.h").write_text("#define VALUE 42\nlong from_header;\n")
    (tmp_path / "local.h").write_text("long from_local;\n")
    main = tmp_path / "main.idl"
    main.write_text('#include "local.h"\n#include <defs.h>\nlong v = VALUE;\n')
    diags = Diagnostics()
    out = preprocess_file(str(main), diags, SourceCache(), include_dirs=[str(inc)])
    assert not diags.has_errors
    # Tokens after an expansion keep their source columns, hence the padding.
    assert out.text.splitlines() == ["long from_local;", "long from_header;",
                                     "long v = 42   ;"]
    assert out.locate(3, 15) == (str(main), 3, 15)
    assert out.locate(2, 1) == (str(inc / "defs.h"), 2, 1)
    assert out.locate(3, 1) == (str(main), 3, 1)


def test_angle_include_does_not_search_beside_includer(tmp_path: Path) -> None:
    (tmp_path / "x.h").write_text("long x;\n")
    main = tmp_path / "main.idl"
    main.write_text("#include <x.h>\n")
    diags = Diagnostics()
    preprocess_file(str(main), diags, SourceCache())
    assert [d.code for d in diags] == ["include-not-found"]


def test_pragma_once(tmp_path: Path) -> None:
    (tmp_path / "once.h").write_text("#pragma once\nlong once;\n")
    main = tmp_path / "main.idl"
    main.write_text('#include "once.h"\n#include "once.h"\n')
    out = preprocess_file(str(main), Diagnostics(), SourceCache())
    assert out.text.splitlines() == ["long once;"]


def test_include_guard_stops_recursion(tmp_path: Path) -> None:
    (tmp_path / "g.h").write_text('#ifndef G\n#define G\n#include "g.h"\nlong g;\n#endif\n')
    main = tmp_path / "main.idl"
    main.write_text('#include "g.h"\n')
    diags = Diagnostics()
    out = preprocess_file(str(main), diags, SourceCache())
    assert not diags.has_errors and out.text.splitlines() == ["long g;"]


def test_source_decoding_crlf_cr_bom_and_eof_byte() -> None:
    assert decode_source(b"\xef\xbb\xbfa\r\nb\rc\x1ad") == "a\nb\nc"
    assert decode_source(b"caf\xe9") == "caf\xe9"  # not UTF-8: read as Latin-1


def test_no_final_newline() -> None:
    assert lines("#define A 1\nA") == ["1"]


def test_error_and_warning_directives_are_diagnostics() -> None:
    _, diags = pp("#warning w\n#error e\n")
    assert [(d.severity.value, d.message) for d in diags] == [("warning", "#warning w"),
                                                             ("error", "#error e")]


def test_unknown_macro_in_if_with_parens_is_an_error() -> None:
    _, diags = pp("#if FOO(1)\n#endif\n")
    assert [d.code for d in diags] == ["bad-expression"]


def test_expansion_bomb_is_bounded() -> None:
    text = "".join(f"#define M{i} M{i - 1} M{i - 1} M{i - 1} M{i - 1}\n" for i in range(1, 12))
    _, diags = pp("#define M0 x\n" + text + "M11\n")
    assert [d.code for d in diags] == ["macro-expansion"]


def test_paste_with_empty_arguments() -> None:
    out = lines("#define P(a, b) x a##b y\nP(, 1) P(2, ) P(,)\n")
    assert [t for t in " ".join(out).split()] == ["x", "1", "y", "x", "2", "y", "x", "y"]


def test_total_expansion_budget_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from midlpy.compiler import preprocess

    monkeypatch.setattr(preprocess, "MAX_TOTAL_EXPANSION", 1000)
    body = " ".join(["x"] * 50)
    out, diags = pp(f"#define M {body}\n" + "M\n" * 30)
    assert [(d.code, d.message) for d in diags] == [
        ("macro-expansion", "macro expansion in this run is too large (over 1000 tokens)")]
    assert len(out.text.splitlines()) == 20  # the 21st line crossed the budget
