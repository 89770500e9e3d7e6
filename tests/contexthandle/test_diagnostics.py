"""Where MIDL rejects the context-handle ACF attributes, each pinned to its exact text;
and where it accepts them, the decision each placement leads to."""

from __future__ import annotations

from pathlib import Path

import pytest

from midlpy.compiler.api import check_file
from tests.contexthandle.probe import alpha

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


def test_the_most_specific_placement_wins() -> None:
    procs = {p.name: p for p in alpha().AlphaClient.interface.procs}
    decided = {name: [c.serialize for c in p.ctx] for name, p in procs.items()}
    assert decided["Write"] == [True]  # typedef H_EXCL: serialize
    assert decided["Read"] == [False]  # typedef H_SHARED: noserialize (nearer than H_EXCL)
    assert decided["Plain"] == [None]  # nothing: the server's default
    assert decided["ForceSerial"] == [True]  # on the procedure
    assert decided["ForceShared"] == [False]  # on the procedure
    assert decided["ParamShared"] == [False]  # on the parameter, over the typedef
    assert decided["UseRaw"] == [None]
    ctx = procs["CloseExcl"].ctx[0]
    assert (ctx.in_pos, ctx.out_pos) == (0, 0)
    ret = procs["OpenRaw"].ctx[0]
    assert (ret.type, ret.in_pos, ret.out_pos) == (None, None, 0)
