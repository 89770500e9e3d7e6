"""Where MIDL rejects the context-handle ACF attributes, each pinned to its exact text;
and where it accepts them, the decision each placement leads to."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import check_pinned, error_cases
from tests.contexthandle.probe import alpha

ERRORS = Path(__file__).parent / "errors"
CASES = error_cases(ERRORS)


@pytest.mark.parametrize("case", CASES)
def test_diagnostic_text(case: str) -> None:
    check_pinned(ERRORS, case)


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
