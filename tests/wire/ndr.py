"""Plain NDR (no pickle header) of a pickled type, the form Samba's ``ndr_pack`` writes."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from midlpy.runtime import ndr


def encode_raw(mod: ModuleType, type_name: str, value: Any) -> bytes:
    w = ndr.NdrWriter()
    mod._PICKLED[type_name][1](w, value)
    return bytes(w.buf)


def decode_raw(mod: ModuleType, type_name: str, data: bytes) -> Any:
    return mod._PICKLED[type_name][0](ndr.NdrReader(data))
