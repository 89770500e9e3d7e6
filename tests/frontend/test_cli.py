"""The command line through click's CliRunner: exit codes, streams, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from midlpy.cli import main
from midlpy.compiler import api
from midlpy.diagnostics import Diagnostics, SourceCache

GOOD = ("[uuid(12345678-1234-abcd-ef00-0123456789ab), version(1.0)]\n"
        "interface t\n{\n    typedef struct { long a; } S;\n}\n")


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args))
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def good(tmp_path: Path) -> str:
    p = tmp_path / "good.idl"
    p.write_text(GOOD)
    return str(p)


def test_check_good_file_is_silent(good: str) -> None:
    assert run("check", good) == (0, "", "")


def test_check_bad_file_exit_1_with_diagnostic_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "bad.idl"
    bad.write_text("interface t\n{\n    long x\n}\n")
    code, out, err = run("check", str(bad))
    assert (code, out) == (1, "")
    assert err == (f"{bad}:4:1: error: expected '(', ',', ';', '=' or '[' before '}}' "
                   "[syntax]\n    }\n    ^\n")


def test_check_missing_file_is_an_input_error(tmp_path: Path) -> None:
    code, out, err = run("check", str(tmp_path / "nope.idl"))
    assert (code, out) == (1, "")
    assert "cannot read" in err and "[file-not-found]" in err and "Traceback" not in err


def test_usage_errors_exit_2(good: str) -> None:
    assert run("check")[0] == 2
    assert run("check", good, "--bogus")[0] == 2
    code, _, err = run("check", "-D", "1x", good)
    assert code == 2 and "NAME or NAME=VALUE" in err


def test_defines_include_dirs_and_undefines_reach_the_front_end(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "dep.idl").write_text("typedef long DEP;\n")
    src = tmp_path / "x.idl"
    src.write_text('import "dep.idl";\n#if !defined(OK) || OK != 2 || defined(__midl)\n'
                   "#error wrong defines\n#endif\n")
    assert run("check", str(src), "-I", str(inc), "-D", "OK=2", "-U", "__midl")[0] == 0
    code, _, err = run("check", str(src), "-I", str(inc))
    assert code == 1 and "#error wrong defines" in err


def test_explicit_acf_option(tmp_path: Path, good: str) -> None:
    acf = tmp_path / "other.acf"
    acf.write_text("[nonsense] interface t { }\n")
    code, _, err = run("check", good, "--acf", str(acf))
    assert code == 1 and "unknown ACF attribute 'nonsense'" in err


def test_internal_error_exit_3(good: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise ValueError("synthetic bug")

    monkeypatch.setattr(api, "check_file", boom)
    code, out, err = run("check", good)
    assert (code, out) == (3, "")
    assert err.startswith("internal error: ValueError: synthetic bug; please report")
    assert "Traceback" not in err


def test_hostile_inputs_never_traceback(tmp_path: Path) -> None:
    cases = {
        "binary.idl": bytes(range(256)) * 4,
        "deep.idl": b"const long X = " + b"-" * 5000 + b"1;",
        "braces.idl": b"interface I {" * 3000,
        "empty.idl": b"",
        "nul.idl": b"typedef long\x00 A;",
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        code, out, err = run("check", str(p))
        assert code in (0, 1), (name, err)
        assert "Traceback" not in err and "internal error" not in err, name


def _fake_compile(files: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    def compile_file(*a: object, **k: object) -> api.CompileResult:
        res = api.CompileResult(Diagnostics(), SourceCache())
        res.files = [api.GeneratedFile(p, t, p[:-3]) for p, t in files]
        return res
    return compile_file


def test_compile_writes_through_writer(tmp_path: Path, good: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "compile_file", _fake_compile([("good.py", "x = 1\n")]))
    calls: list[tuple[str, list[str]]] = []
    from midlpy.compiler import writer

    monkeypatch.setattr(writer, "write_files",
                        lambda outdir, files: calls.append((outdir, [f.path for f in files])))
    assert run("compile", good, "-o", str(tmp_path / "out")) == (0, "", "")
    assert calls == [(str(tmp_path / "out"), ["good.py"])]


def test_compile_check_compares_with_disk(tmp_path: Path, good: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "compile_file", _fake_compile([("good.py", "x = 1\n")]))
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run("compile", good, "-o", str(out), "--check")
    assert code == 1 and "good.py: out of date" in err
    (out / "good.py").write_text("x = 1\n")
    assert run("compile", good, "-o", str(out), "--check") == (0, "", "")


def test_compile_input_error_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.idl"
    bad.write_text("interface {")
    code, out, err = run("compile", str(bad), "-o", str(tmp_path))
    assert (code, out) == (1, "") and "[syntax]" in err


def test_python_dash_m_runs_the_same_program(good: str) -> None:
    import subprocess

    res = subprocess.run([sys.executable, "-m", "midlpy", "check", good],
                         capture_output=True, text=True, timeout=120)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
