"""Fixtures for the usage tests: the example IDLs compiled once, and the vectors."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from tests.helpers import ROOT, VECTORS, load_idl

PAC_IDL = ROOT / "examples" / "pac" / "pac.idl"
PAC_ACF = ROOT / "examples" / "pac" / "pac.acf"
REAL = VECTORS / "real"
LOGON_INFO = sorted(REAL.glob("*.logon_info.bin"))


@pytest.fixture(scope="session")
def pac() -> types.ModuleType:
    return load_idl(PAC_IDL, PAC_ACF)


def vector(name: str) -> bytes:
    return (REAL / name).read_bytes()


def ids(paths: list[Path]) -> list[str]:
    return [p.name.split(".")[0] for p in paths]
