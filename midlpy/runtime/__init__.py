"""midlpy's run-time library: NDR20 primitives and the Windows ``Mes*`` handle API.

Standard library only, and cheap to import: generated modules need nothing else.
Functions mirror the Windows names; failures raise :class:`RpcError` (``.status`` is the
Windows status number), :class:`DecodeError` or :class:`EncodeError`.
"""

from .errors import *  # noqa: F401,F403  (the RPC_* status constants)
from .context import RpcSsDontSerializeContext  # noqa: F401  (process-wide, as in Windows)
from .errors import DecodeError, EncodeError, RpcError
from .mes import (
    MES_DECODE,
    MES_DYNAMIC_BUFFER_HANDLE,
    MES_ENCODE,
    MES_ENCODE_NDR64,
    MES_FIXED_BUFFER_HANDLE,
    MES_INCREMENTAL_HANDLE,
    MesBufferHandleReset,
    MesDecodeBufferHandleCreate,
    MesDecodeIncrementalHandleCreate,
    MesEncodeDynBufferHandleCreate,
    MesEncodeFixedBufferHandleCreate,
    MesEncodeIncrementalHandleCreate,
    MesHandle,
    MesHandleFree,
    MesIncrementalHandleReset,
    MesInqProcEncodingId,
    keep_referents,
)

from . import errors as _errors

#: Version of the ABI generated code calls (docs/internals.md); generated modules check it.
API_LEVEL = 1

__all__ = [
    "API_LEVEL", "RpcError", "DecodeError", "EncodeError", "RpcSsDontSerializeContext",
    "MES_DECODE", "MES_DYNAMIC_BUFFER_HANDLE", "MES_ENCODE", "MES_ENCODE_NDR64",
    "MES_FIXED_BUFFER_HANDLE", "MES_INCREMENTAL_HANDLE", "MesHandle",
    "MesBufferHandleReset", "MesDecodeBufferHandleCreate", "MesDecodeIncrementalHandleCreate",
    "MesEncodeDynBufferHandleCreate", "MesEncodeFixedBufferHandleCreate",
    "MesEncodeIncrementalHandleCreate", "MesHandleFree", "MesIncrementalHandleReset",
    "MesInqProcEncodingId", "keep_referents",
]
__all__ += _errors.__all__
