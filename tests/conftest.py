"""Shared pytest options: ``--update-goldens`` rewrites the golden generated modules."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/codegen/golden/* from the current generator")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def pytest_configure(config: pytest.Config) -> None:
    """The suite's caches (compiled modules, parse tables) go to a folder of its own, for
    this process and the interpreters it starts, and are removed at the end."""
    import os
    import tempfile

    if "MIDLPY_TEST_CACHE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="midlpy-test-cache-")
        os.environ["MIDLPY_TEST_CACHE"] = os.environ["XDG_CACHE_HOME"] = folder
        config.add_cleanup(lambda: __import__("shutil").rmtree(folder, ignore_errors=True))
