"""Types nothing marshals may hold what cannot travel (as MIDL allows): they compile to
plain dataclasses without codecs, and only a pickled type or procedure that reaches them
is an error (tests/sema/errors pins those messages)."""

from __future__ import annotations

from pathlib import Path

from midlpy.compiler.api import compile_file, load_module

IDL = """\
[uuid(6b29fc40-ca47-1067-b31d-00dd010662db), version(1.0), pointer_default(unique)]
interface Lenient
{
    interface IThing;
    typedef struct _HOLDER { long n; IThing *thing; } HOLDER;
    typedef struct _LOOSE { long count; long items[]; } LOOSE;
    typedef [switch_type(long)] union _U { [case(1)] long a; } U;
    typedef struct _BARE { long t; U u; } BARE;
    typedef struct _FINE { long x; } FINE;
}
"""
ACF = "[explicit_handle]\ninterface Lenient\n{\n    typedef [encode, decode] FINE;\n}\n"


def test_unmarshallable_types_compile_without_codecs(tmp_path: Path) -> None:
    (tmp_path / "lenient.idl").write_text(IDL)
    (tmp_path / "lenient.acf").write_text(ACF)
    result = compile_file(str(tmp_path / "lenient.idl"))
    assert result.ok, result.diagnostics.render(result.sources)
    text = result.files[0].text
    for name in ("HOLDER", "LOOSE", "BARE"):
        assert f"class {name}(_Value):" in text and f"def _dec_{name}(" not in text
    mod = load_module(str(tmp_path / "lenient.idl"))
    assert mod.HOLDER(n=1).thing is None
    assert mod.FINE_Decode is not None
