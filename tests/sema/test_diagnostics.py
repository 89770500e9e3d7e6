"""Every semantic diagnostic, pinned to its exact rendered text.

Each ``errors/e_<what>.idl`` (with its ``.acf`` when there is one) must produce exactly
the diagnostics in ``e_<what>.expected``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from midlpy.compiler.api import check_file

ERRORS = Path(__file__).parent / "errors"
CASES = sorted(p.stem for p in ERRORS.glob("e_*.idl"))


@pytest.mark.parametrize("case", CASES)
def test_diagnostic_text(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ERRORS)
    result = check_file(f"{case}.idl")
    rendered = result.diagnostics.render(result.sources)
    expected = (ERRORS / f"{case}.expected").read_text(encoding="utf-8").rstrip("\n")
    assert rendered == expected
    assert not result.ok
