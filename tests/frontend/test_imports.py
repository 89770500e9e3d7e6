"""Import loading: search path, dependency order, each file parsed once, cycles, ACFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from midlpy.compiler import frontend
from midlpy.compiler.frontend import load_program
from midlpy.diagnostics import Diagnostics, SourceCache


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def load(path: str, **kw: object) -> tuple[frontend.Program | None, Diagnostics]:
    diags = Diagnostics()
    prog = load_program(path, diags=diags, sources=SourceCache(), **kw)  # type: ignore[arg-type]
    return prog, diags


def test_imports_beside_importer_then_include_path_in_dependency_order(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    base = write(inc / "base.idl", "typedef long BASE;\n")
    mid = write(tmp_path / "mid.idl", 'import "base.idl";\ntypedef BASE MID;\n')
    root = write(tmp_path / "root.idl", 'import "mid.idl", "base.idl";\ntypedef MID ROOT;\n')
    prog, diags = load(root, include_dirs=[str(inc)])
    assert not diags.has_errors, diags.render()
    assert prog is not None
    assert list(prog.files) == [base, mid, root]
    assert prog.imports == {base: (), mid: (base,), root: (mid, base)}
    assert prog.root is prog.files[root]


def test_each_file_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "common.idl", "typedef long C;\n")
    write(tmp_path / "a.idl", 'import "common.idl";\n')
    write(tmp_path / "b.idl", 'import "common.idl";\n')
    root = write(tmp_path / "root.idl", 'import "a.idl";\nimport "b.idl";\nimport "common.idl";\n')
    seen: list[str] = []
    real = frontend._idl_from_pp

    def spy(pp, path, diags):  # type: ignore[no-untyped-def]
        seen.append(Path(path).name)
        return real(pp, path, diags)

    monkeypatch.setattr(frontend, "_idl_from_pp", spy)
    prog, diags = load(root)
    assert not diags.has_errors
    assert sorted(seen) == ["a.idl", "b.idl", "common.idl", "root.idl"]
    assert len(prog.files) == 4  # type: ignore[union-attr]


def test_import_inside_interface_and_library_is_followed(tmp_path: Path) -> None:
    write(tmp_path / "x.idl", "typedef long X;\n")
    write(tmp_path / "y.idl", "typedef long Y;\n")
    root = write(tmp_path / "r.idl",
                 'interface I { import "x.idl"; }\nlibrary L { import "y.idl"; }\n')
    prog, diags = load(root)
    assert not diags.has_errors
    assert [Path(p).name for p in prog.files] == ["x.idl", "y.idl", "r.idl"]  # type: ignore[union-attr]


def test_import_cycle_reported_once_with_chain(tmp_path: Path) -> None:
    write(tmp_path / "a.idl", 'import "b.idl";\n')
    write(tmp_path / "b.idl", 'import "c.idl";\n')
    write(tmp_path / "c.idl", 'import "a.idl";\n')
    prog, diags = load(str(tmp_path / "a.idl"))
    assert [d.code for d in diags] == ["import-cycle"]
    assert next(iter(diags)).message == "import cycle: a.idl -> b.idl -> c.idl -> a.idl"


def test_missing_import_is_an_error_at_the_import(tmp_path: Path) -> None:
    root = write(tmp_path / "r.idl", '\n  import "nope.idl";\n')
    _, diags = load(root)
    (d,) = diags
    assert d.code == "import-not-found" and (d.span.line, d.span.col) == (2, 3)


def test_missing_root_file(tmp_path: Path) -> None:
    prog, diags = load(str(tmp_path / "absent.idl"))
    assert prog is None and [d.code for d in diags] == ["file-not-found"]


def test_acf_beside_idl_is_used_and_named_acf_wins(tmp_path: Path) -> None:
    root = write(tmp_path / "p.idl", "interface p { void f(void); }\n")
    write(tmp_path / "p.acf", "[encode] interface p { }\n")
    other = write(tmp_path / "other.acf", "[decode] interface p { }\n")
    prog, diags = load(root)
    assert not diags.has_errors
    assert prog.acf is not None and prog.acf.interfaces[0].attrs[0].name == "encode"  # type: ignore[union-attr]
    prog, _ = load(root, acf_path=other)
    assert prog.acf.interfaces[0].attrs[0].name == "decode"  # type: ignore[union-attr]


def test_imported_files_acfs_are_not_applied(tmp_path: Path) -> None:
    write(tmp_path / "dep.idl", "typedef long D;\n")
    write(tmp_path / "dep.acf", "[bogus_attr] interface dep { }\n")
    root = write(tmp_path / "r.idl", 'import "dep.idl";\n')
    prog, diags = load(root)
    assert not diags.has_errors and prog.acf is None  # type: ignore[union-attr]


def test_defines_apply_to_imported_files(tmp_path: Path) -> None:
    write(tmp_path / "dep.idl", "#ifdef FEATURE\ntypedef long ON;\n#endif\n")
    root = write(tmp_path / "r.idl", 'import "dep.idl";\n')
    prog, _ = load(root, defines={"FEATURE": None})
    dep = prog.files[str(tmp_path / "dep.idl")]  # type: ignore[union-attr]
    assert [t.declarators[0].name for t in dep.items] == ["ON"]
