"""Every front-end diagnostic, pinned to its exact rendered text.

Each ``errors/e_<what>.idl`` is checked (with its ``.acf`` beside it, as MIDL would pick it
up) and the rendered diagnostics must equal ``errors/e_<what>.expected``. The expected
texts were written by hand from the message catalogue, not copied from a run.
"""

from __future__ import annotations

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


def test_every_code_is_pinned() -> None:
    """Each diagnostic code the front end can emit appears in some .expected file."""
    codes = {"syntax", "unexpected-eof", "midl3-unsupported", "too-deep", "import-not-found",
             "import-cycle", "unknown-acf-attribute", "include-not-found", "include-depth",
             "unterminated-conditional", "unbalanced-conditional", "error-directive",
             "warning-directive", "unknown-directive", "macro-args", "macro-expansion",
             "unterminated-comment", "bad-expression", "bad-directive", "bad-number",
             "bad-type", "empty-declaration", "misplaced-case", "union-arm", "bad-char"}
    pinned = "".join(p.read_text(encoding="utf-8") for p in ERRORS.glob("*.expected"))
    assert sorted(c for c in codes if f"[{c}]" not in pinned) == []
