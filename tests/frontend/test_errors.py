"""Every front-end diagnostic, pinned to its exact rendered text.

Each ``errors/e_<what>.idl`` is checked (with its ``.acf`` beside it, as MIDL would pick it
up) and the rendered diagnostics must equal ``errors/e_<what>.expected``. The expected
texts were written by hand from the message catalogue, not copied from a run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from midlpy.compiler.frontend import load_program
from midlpy.diagnostics import Diagnostics, SourceCache

ERRORS = Path(__file__).parent / "errors"
CASES = sorted(p.stem for p in ERRORS.glob("e_*.idl"))


def test_every_case_has_expected_text() -> None:
    assert CASES, "no error cases found"
    missing = [c for c in CASES if not (ERRORS / f"{c}.expected").is_file()]
    assert not missing


@pytest.mark.parametrize("case", CASES)
def test_error_case(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ERRORS)  # so paths render as the short names in the .expected files
    diags, sources = Diagnostics(), SourceCache()
    load_program(f"{case}.idl", diags=diags, sources=sources)
    expected = (ERRORS / f"{case}.expected").read_text(encoding="utf-8").rstrip("\n")
    assert len(diags) > 0
    assert diags.render(sources) == expected


def test_missing_root_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ERRORS)
    diags, sources = Diagnostics(), SourceCache()
    assert load_program("no_such_file.idl", diags=diags, sources=sources) is None
    assert diags.render(sources) == ("error: cannot read 'no_such_file.idl': "
                                     "No such file or directory [file-not-found]")


def test_input_budgets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The size budgets, lowered so that the inputs stay small (the real values are in
    midlpy/compiler/limits.py; tests/hostile/test_limits.py meets them at full size)."""
    from midlpy.compiler import preprocess

    monkeypatch.setattr(preprocess, "MAX_LINE_CHARS", 20)
    monkeypatch.setattr(preprocess, "MAX_SOURCE_CHARS", 200)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.h").write_text("// " + "x" * 200 + "\n")
    (tmp_path / "a.idl").write_text('const long A = 1 + \\\n 2 + 3 + 4 + 5 + 6 + 7;\n'
                                    'const long B = 1;\nconst long C = 2;\n'
                                    '#include "big.h"\nconst long D = 3;\n')
    diags, sources = Diagnostics(), SourceCache()
    load_program("a.idl", diags=diags, sources=sources)
    assert [d.render() for d in diags] == [
        "a.idl:1:1: error: line longer than 20 characters [line-too-long]",
        "a.idl:5:1: error: more than 200 characters of source in one run (reading 'big.h') "
        "[input-too-large]"]
    monkeypatch.setattr(preprocess, "MAX_OUTPUT_TOKENS", 8)
    diags = Diagnostics()
    load_program("a.idl", diags=diags, sources=sources)
    assert [d.render() for d in diags][1:] == [
        "a.idl:4:1: error: more than 8 tokens after preprocessing in one run "
        "[input-too-large]"]


def test_every_code_is_pinned() -> None:
    """Each diagnostic code the front end can emit (found in its source) is pinned above."""
    src = Path(__file__).resolve().parents[2] / "midlpy" / "compiler"
    text = "".join((src / f).read_text() for f in ("preprocess.py", "parser.py",
                                                   "transform.py", "frontend.py"))
    codes = set(re.findall(r'(?:error|warning)\(\s*"([a-z0-9-]+)"', text))
    assert len(codes) >= 25
    pinned = "".join(p.read_text(encoding="utf-8") for p in ERRORS.glob("*.expected"))
    pinned += "[file-not-found]"  # pinned by test_missing_root_file
    pinned += "[input-too-large][line-too-long]"  # pinned by test_input_budgets
    assert sorted(c for c in codes if f"[{c}]" not in pinned) == []
