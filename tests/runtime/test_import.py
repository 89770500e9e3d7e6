"""Importing the runtime must stay cheap and load nothing outside the standard library."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, sys
before = set(sys.modules)
import midlpy.runtime
import midlpy.runtime.mes, midlpy.runtime.ndr, midlpy.runtime.errors, midlpy.runtime.support
new = sorted(set(sys.modules) - before)
print(json.dumps(new))
"""


def test_runtime_imports_only_the_standard_library() -> None:
    out = subprocess.run([sys.executable, "-S", "-c", PROBE], capture_output=True, text=True,
                         check=True, cwd=_root())
    loaded = json.loads(out.stdout)
    assert "midlpy.runtime" in loaded
    foreign = [name for name in loaded
               if name.split(".")[0] not in sys.stdlib_module_names
               and not (name == "midlpy" or name.startswith("midlpy.runtime"))]
    assert foreign == []
    for heavy in ("lark", "jinja2", "click", "midlpy.compiler", "uuid", "typing", "re"):
        assert heavy not in loaded


def test_public_names() -> None:
    import midlpy.runtime as rt
    import midlpy.runtime.mes as mes

    assert rt.API_LEVEL == 1
    assert (rt.MES_ENCODE, rt.MES_DECODE, rt.MES_ENCODE_NDR64) == (0, 1, 2)
    assert (rt.MES_INCREMENTAL_HANDLE, rt.MES_FIXED_BUFFER_HANDLE,
            rt.MES_DYNAMIC_BUFFER_HANDLE) == (0, 1, 2)
    assert issubclass(rt.DecodeError, rt.RpcError) and issubclass(rt.EncodeError, rt.RpcError)
    for name in ("MesEncodeFixedBufferHandleCreate", "MesEncodeDynBufferHandleCreate",
                 "MesEncodeIncrementalHandleCreate", "MesDecodeBufferHandleCreate",
                 "MesDecodeIncrementalHandleCreate", "MesBufferHandleReset",
                 "MesIncrementalHandleReset", "MesHandleFree", "MesInqProcEncodingId"):
        assert getattr(rt, name) is getattr(mes, name)


def _root() -> str:
    from pathlib import Path
    return str(Path(__file__).resolve().parents[2])
