"""``midlpy check A.idl B.idl ...``: one report per file, one exit status for the run, and
the files they import in common parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from midlpy.compiler import api, frontend
from tests.frontend.test_cli import run

BASE = ('[uuid(12345678-1234-abcd-ef00-0123456789a0), version(1.0)]\n'
        'interface base { typedef struct { long a; } POINT; }\n')
USER = ('import "base.idl";\n[uuid(12345678-1234-abcd-ef00-0123456789a{n}), version(1.0)]\n'
        'interface u{n} {{ typedef struct {{ POINT p; }} S{n}; }}\n')
BAD = ('[uuid(12345678-1234-abcd-ef00-0123456789af), version(1.0)]\n'
       'interface bad { typedef struct { NOPE x; } T; }\n')


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "base.idl").write_text(BASE)
    for n in (1, 2, 3):
        (tmp_path / f"u{n}.idl").write_text(USER.format(n=n))
    (tmp_path / "bad.idl").write_text(BAD)
    return tmp_path


def test_each_file_is_reported_and_the_worst_status_wins(folder: Path) -> None:
    files = [str(folder / n) for n in ("u1.idl", "bad.idl", "u2.idl")]
    code, out, err = run("check", *files)
    assert code == 1
    assert out.splitlines() == [f"{files[0]}: ok", f"{files[1]}: 1 error", f"{files[2]}: ok",
                                "3 files: 2 ok, 1 with errors"]
    assert "bad.idl:2:34: error: unknown type 'NOPE' [unknown-type]" in err


def test_all_good_exits_0(folder: Path) -> None:
    code, out, _ = run("check", *(str(folder / f"u{n}.idl") for n in (1, 2, 3)))
    assert code == 0 and out.splitlines()[-1] == "3 files: 3 ok, 0 with errors"


def test_a_common_import_is_parsed_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = frontend._idl_from_pp

    def spy(pp: object, path: str, diags: object) -> object:
        parsed.append(Path(path).name)
        return real(pp, path, diags)  # type: ignore[arg-type]
    monkeypatch.setattr(frontend, "_idl_from_pp", spy)
    results = list(api.check_files([str(folder / f"u{n}.idl") for n in (1, 2, 3)]))
    assert all(r.ok for _, r in results)
    assert sorted(parsed) == ["base.idl", "u1.idl", "u2.idl", "u3.idl"]


def test_an_import_with_errors_is_reported_for_every_file_that_imports_it(folder: Path) -> None:
    (folder / "base.idl").write_text("#error broken base\n" + BASE)
    code, out, err = run("check", str(folder / "u1.idl"), str(folder / "u2.idl"))
    assert code == 1 and err.count("[error-directive]") == 2
    assert out.splitlines()[-1] == "2 files: 0 ok, 2 with errors"


def test_diagnostics_in_a_cached_import_still_show_their_source_line(folder: Path) -> None:
    """Sema runs per root: a warning located in base.idl renders with base.idl's line
    even for the second root, whose parse of base.idl came from the cache."""
    (folder / "base.idl").write_text(BASE.replace("long a;", "long a; NOPE b;"))
    results = list(api.check_files([str(folder / "u1.idl"), str(folder / "u2.idl")]))
    texts = [r.diagnostics.render(r.sources) for _, r in results]
    assert all("typedef struct { long a; NOPE b; } POINT;" in t for t in texts), texts


def test_acf_with_several_files_is_a_usage_error(folder: Path) -> None:
    code, _, err = run("check", str(folder / "u1.idl"), str(folder / "u2.idl"),
                       "--acf", str(folder / "x.acf"))
    assert code == 2 and "--acf applies to one IDL file" in err
