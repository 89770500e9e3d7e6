"""Every semantic diagnostic, pinned to its exact rendered text.

Each ``errors/e_<what>.idl`` (with its ``.acf`` when there is one) must produce exactly
the diagnostics in ``e_<what>.expected``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import check_pinned, error_cases

ERRORS = Path(__file__).parent / "errors"
CASES = error_cases(ERRORS)


@pytest.mark.parametrize("case", CASES)
def test_diagnostic_text(case: str) -> None:
    check_pinned(ERRORS, case)


def test_every_semantic_diagnostic_has_an_error_case() -> None:
    """A diagnostic code added to the semantic passes needs a pinned case here."""
    import re

    from tests.helpers import ROOT

    sema = ROOT / "midlpy" / "compiler" / "sema"
    codes = set()
    for src in sema.glob("*.py"):
        codes |= set(re.findall(r'diags\.(?:error|warning)\(\s*"([a-z0-9-]+)"', src.read_text()))
    pinned = set()
    for folder in (ERRORS, ROOT / "tests" / "contexthandle" / "errors"):
        for exp in folder.glob("*.expected"):
            pinned |= set(re.findall(r"\[([a-z0-9-]+)\]$", exp.read_text(), re.M))
    assert codes - pinned == set()
