"""An imported IDL file becomes its own module, which the importing module uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from midlpy.compiler.api import compile_file, load_module
from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate

BASE = """\
[uuid(2f1c7a54-2d7e-4f7e-9d1a-5a0b3c4d5e6f), version(1.0), pointer_default(unique)]
interface Base
{
    typedef unsigned long DWORD;
    typedef struct _POINT { DWORD x; DWORD y; } POINT;
    typedef enum _COLOR { RED = 1, GREEN = 2 } COLOR;
}
"""
SHAPES = """\
import "base.idl";
[uuid(2f1c7a54-2d7e-4f7e-9d1a-5a0b3c4d5e70), version(1.0), pointer_default(unique)]
interface Shapes
{
    typedef struct _POLY { COLOR color; DWORD count; [size_is(count)] POINT *points; } POLY;
}
"""
ACF = "[explicit_handle]\ninterface Shapes\n{\n    typedef [encode, decode] POLY;\n}\n"


def _write(tmp: Path) -> Path:
    (tmp / "base.idl").write_text(BASE)
    (tmp / "shapes.idl").write_text(SHAPES)
    (tmp / "shapes.acf").write_text(ACF)
    return tmp / "shapes.idl"


def test_one_module_per_file_and_round_trip(tmp_path: Path) -> None:
    result = compile_file(str(_write(tmp_path)))
    assert result.ok, result.diagnostics.render(result.sources)
    assert [f.path for f in result.files] == ["base.py", "shapes.py"]
    shapes_text = result.files[1].text
    assert "import base as _m_base" in shapes_text and "class POINT" not in shapes_text
    shapes = load_module(str(tmp_path / "shapes.idl"))
    base = shapes._m_base
    assert "base" not in sys.modules
    poly = shapes.POLY(base.COLOR.GREEN, 2, [base.POINT(1, 2), base.POINT(3, 4)])
    h = MesEncodeDynBufferHandleCreate()
    shapes.POLY_Encode(h, poly)
    # color (enum16) 2, pad, count 2, id, then the conformant array of two POINTs
    assert h.buffer[16:] == bytes.fromhex(
        "0200 0000 02000000 00000200 02000000 01000000 02000000 03000000 04000000")
    assert shapes.POLY_Decode(MesDecodeBufferHandleCreate(h.buffer)) == poly


def test_written_modules_import_each_other(tmp_path: Path) -> None:
    idl = _write(tmp_path)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "midlpy", "compile", str(idl), "-o", str(out)],
                   check=True, capture_output=True)
    probe = "import shapes, base; print(shapes.POLY(base.COLOR.RED, 0, []))"
    got = subprocess.run([sys.executable, "-c", probe], cwd=out, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert got == "POLY(color=<COLOR.RED: 1>, count=0, points=[])"
