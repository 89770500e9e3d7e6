"""Every file of Microsoft's published protocol IDL compiles unedited and its module imports."""

from __future__ import annotations

import pytest

from tests.msspec.common import BLOCKED, FILES, compiled, module


def _param(name: str) -> object:
    if name in BLOCKED:
        return pytest.param(name, marks=pytest.mark.xfail(reason=BLOCKED[name], strict=True))
    return name


def test_the_whole_set_is_there() -> None:
    assert len(FILES) == 79


@pytest.mark.parametrize("name", [_param(n) for n in FILES])
def test_compiles_and_imports(name: str) -> None:
    result = compiled(name)
    assert result.ok, result.diagnostics.render(result.sources)
    mod = module(name)
    assert mod.__name__.rsplit(".", 1)[-1] == result.files[-1].module_name
