"""[implicit_handle]: procedures and type routines take no handle argument; they use
the module attribute the ACF names."""

from __future__ import annotations

from pathlib import Path

import pytest

from midlpy.compiler.api import load_module
from midlpy.runtime import (MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate,
                            RpcError)

IDL = """\
[uuid(7d3c2b1a-0f9e-4d8c-b7a6-95e4d3c2b1a0), version(2.1), pointer_default(unique)]
interface Implicit
{
    typedef struct _PAIR { long a; short b; } PAIR;
    void Put([in] long x, [in, string] wchar_t *name);
    void Get([in, out] PAIR *p);
}
"""
ACF = """\
[implicit_handle(handle_t TheHandle)]
interface Implicit
{
    typedef [encode, decode] PAIR;
    [encode, decode] Put();
    [encode, decode] Get();
}
"""


@pytest.fixture()
def mod(tmp_path: Path):
    (tmp_path / "implicit.idl").write_text(IDL)
    (tmp_path / "implicit.acf").write_text(ACF)
    return load_module(str(tmp_path / "implicit.idl"))


def test_procedures_use_the_module_handle(mod) -> None:
    assert mod.TheHandle is None
    mod.TheHandle = enc = MesEncodeDynBufferHandleCreate()
    mod.Put(5, "x")
    mod.Get(mod.PAIR(1, 2))
    mod.PAIR_Encode(mod.PAIR(3, 4))
    data = enc.buffer
    # procedure header: version 1, little-endian, then the interface id and version 2.1
    assert data[24:44] == bytes.fromhex("1a2b3c7d9e0f8c4db7a695e4d3c2b1a0") + bytes.fromhex("02000100")
    assert data[44:48] == bytes(4)  # Put is procedure 0
    mod.TheHandle = MesDecodeBufferHandleCreate(data)
    assert mod.Put() is None          # no [out] values
    assert mod.Get() == mod.PAIR(1, 2)  # the [in, out] parameter comes back
    assert mod.PAIR_Decode() == mod.PAIR(3, 4)


def test_unset_implicit_handle_is_a_clear_error(mod) -> None:
    mod.TheHandle = None
    with pytest.raises(RpcError):
        mod.Put(1, "y")
