"""Golden files of the generated code for the examples.

The generated modules are reviewed in diffs: a change to the generator shows up here as a
readable change to real output. Regenerate with ``pytest --update-goldens``.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from midlpy.compiler.api import compile_file
from tests.helpers import ROOT

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "pac": ROOT / "examples" / "pac" / "pac.idl",
    "drs": ROOT / "examples" / "drs" / "drs.idl",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_code_matches_golden(name: str, update_goldens: bool) -> None:
    result = compile_file(str(CASES[name]))
    assert result.ok, result.diagnostics.render(result.sources)
    for gen in result.files:
        golden = GOLDEN / gen.path
        if update_goldens:
            golden.write_text(gen.text, encoding="utf-8", newline="\n")
            continue
        assert golden.exists(), f"no golden file {golden.name}: run pytest --update-goldens"
        expected = golden.read_text(encoding="utf-8")
        if gen.text != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), gen.text.splitlines(True),
                                                str(golden), "generated", n=2))
            pytest.fail(f"generated {gen.path} differs from its golden file "
                        f"(run pytest --update-goldens to accept):\n{diff[:6000]}")
