"""Fixtures: the generated modules for constructs.idl and hooks.idl."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.constructs.cases import install_hooks
from tests.helpers import load_idl

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def constructs() -> ModuleType:
    return load_idl(HERE / "constructs.idl", HERE / "constructs.acf")


@pytest.fixture(scope="session")
def hooks() -> ModuleType:
    m = load_idl(HERE / "hooks.idl", HERE / "hooks.acf")
    install_hooks(m)
    return m


@pytest.fixture
def mods(request: pytest.FixtureRequest) -> dict[str, ModuleType]:
    """Both modules by name, loaded only when a test asks for one."""
    class _Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> ModuleType:
            value = request.getfixturevalue(key)
            self[key] = value
            return value
    return _Lazy()
