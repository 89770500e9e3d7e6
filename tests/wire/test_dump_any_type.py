"""``midlpy dump FILE.idl TYPE BLOB`` for a type no ACF pickles: pickled for the run as
MIDL's ``[encode, decode]`` would; a procedure name gets the ACF that would pickle it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from midlpy.cli import main
from tests.wire.test_unions import A3_IDL

HERE = Path(__file__).resolve().parent

# S {sw 1, u: case 1 A3 {p -> 5, q -> 6}}: derived by hand in test_unions.
A3_PICKLE = bytes.fromhex("01100800cccccccc" "1800000000000000" "01000000" "01000000"
                          "00000200" "04000200" "05000000" "06000000")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg"))


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.fixture()
def files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "a3.idl").write_text(A3_IDL)  # and no a3.acf
    (tmp_path / "s.bin").write_bytes(A3_PICKLE)
    return str(tmp_path / "a3.idl"), str(tmp_path / "s.bin")


def test_dump_without_an_acf(files: tuple[str, str]) -> None:
    idl, blob = files
    out = run("dump", idl, "S", blob, "--format", "json", "--validate")
    assert out.exit_code == 0, out.stderr
    value = json.loads(out.stdout)
    assert value["sw"] == 1 and value["u"]["a"] == {"p": 5, "q": 6}
    assert "gives back the same bytes" in out.stderr
    again = run("dump", idl, blob, "--type", "S", "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout) == value


def test_dump_of_an_unknown_name(files: tuple[str, str]) -> None:
    idl, blob = files
    out = run("dump", idl, "NOPE", blob)
    assert out.exit_code == 1
    assert "unknown type 'NOPE'" in out.stderr


def test_dump_of_a_procedure_says_how_to_pickle_it(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(A3_PICKLE)
    for args in (["Get", str(tmp_path / "x.bin")], [str(tmp_path / "x.bin"), "--proc", "Get"]):
        out = run("dump", str(HERE / "pointer_levels.idl"), *args)
        assert out.exit_code == 1
        assert "Get is a remote procedure of interface pointer_levels" in out.stderr
        assert "[explicit_handle, encode, decode] interface pointer_levels { }" in out.stderr
