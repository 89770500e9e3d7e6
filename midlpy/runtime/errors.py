"""Windows RPC status numbers and the exceptions the runtime raises.

Where Windows returns or raises an ``RPC_STATUS``, midlpy raises :class:`RpcError` carrying
the same number in ``.status``. Decoding failures are :class:`DecodeError` (with the byte
offset and the dotted path of the field being read); encoding failures are
:class:`EncodeError` (with the path of the offending field).
"""

from __future__ import annotations

# Status numbers (winerror.h / rpcnterr.h; ndr-mes.md section 4.1).
RPC_S_OK = 0
RPC_S_ACCESS_DENIED = 5
RPC_X_SS_CONTEXT_MISMATCH = 6
RPC_S_OUT_OF_MEMORY = 14
RPC_S_INVALID_ARG = 87
RPC_S_BUFFER_TOO_SMALL = 122
RPC_S_INVALID_STRING_BINDING = 1700
RPC_S_PROTSEQ_NOT_SUPPORTED = 1703
RPC_S_UNKNOWN_IF = 1717
RPC_S_SERVER_UNAVAILABLE = 1722
RPC_S_SERVER_TOO_BUSY = 1723
RPC_S_CALL_FAILED = 1726
RPC_S_CALL_FAILED_DNE = 1727
RPC_S_PROTOCOL_ERROR = 1728
RPC_S_UNSUPPORTED_TRANS_SYN = 1730
RPC_S_INVALID_TAG = 1733
RPC_S_INVALID_BOUND = 1734
RPC_S_PROCNUM_OUT_OF_RANGE = 1745
EPT_S_NOT_REGISTERED = 1753
RPC_S_CANNOT_SUPPORT = 1764
RPC_S_INTERNAL_ERROR = 1766
RPC_X_SS_IN_NULL_CONTEXT = 1775
RPC_X_SS_CONTEXT_DAMAGED = 1777
RPC_X_SS_HANDLES_MISMATCH = 1778
RPC_X_NULL_REF_POINTER = 1780
RPC_X_ENUM_VALUE_OUT_OF_RANGE = 1781
RPC_X_BYTE_COUNT_TOO_SMALL = 1782
RPC_X_BAD_STUB_DATA = 1783
RPC_X_INVALID_BUFFER = 1784
RPC_X_INVALID_ES_ACTION = 1827
RPC_X_WRONG_ES_VERSION = 1828
RPC_X_WRONG_STUB_VERSION = 1829
RPC_S_CALL_CANCELLED = 1818

STATUS_NAMES: dict[int, str] = {
    value: name for name, value in globals().items() if name.startswith(("RPC_", "EPT_"))
}

__all__ = [
    "RPC_S_OK", "RPC_X_SS_CONTEXT_MISMATCH", "RPC_S_OUT_OF_MEMORY", "RPC_S_INVALID_ARG",
    "RPC_S_BUFFER_TOO_SMALL", "RPC_S_UNKNOWN_IF", "RPC_S_SERVER_UNAVAILABLE", "RPC_S_CALL_FAILED",
    "RPC_S_PROCNUM_OUT_OF_RANGE", "RPC_S_UNSUPPORTED_TRANS_SYN",
    "RPC_S_INVALID_TAG", "RPC_S_INVALID_BOUND", "RPC_S_CANNOT_SUPPORT", "RPC_S_INTERNAL_ERROR",
    "RPC_X_SS_IN_NULL_CONTEXT", "RPC_X_SS_CONTEXT_DAMAGED", "RPC_X_SS_HANDLES_MISMATCH",
    "RPC_X_NULL_REF_POINTER", "RPC_X_ENUM_VALUE_OUT_OF_RANGE", "RPC_X_BYTE_COUNT_TOO_SMALL",
    "RPC_X_BAD_STUB_DATA", "RPC_X_INVALID_BUFFER", "RPC_X_INVALID_ES_ACTION",
    "RPC_X_WRONG_ES_VERSION", "RPC_X_WRONG_STUB_VERSION", "RPC_S_ACCESS_DENIED",
    "RPC_S_INVALID_STRING_BINDING", "RPC_S_PROTSEQ_NOT_SUPPORTED", "RPC_S_SERVER_TOO_BUSY",
    "RPC_S_CALL_FAILED_DNE", "RPC_S_PROTOCOL_ERROR", "EPT_S_NOT_REGISTERED",
    "RPC_S_CALL_CANCELLED", "STATUS_NAMES", "RpcError",
    "DecodeError", "EncodeError",
]


class RpcError(Exception):
    """An RPC failure with the Windows status number in ``status``."""

    def __init__(self, status: int, message: str | None = None) -> None:
        self.status = status
        self.message = message or STATUS_NAMES.get(status, "RPC error")
        super().__init__(status, self.message)

    def _where(self) -> str:
        return ""

    def __str__(self) -> str:
        name = STATUS_NAMES.get(self.status, "status")
        return f"{self.message}{self._where()} [{name} {self.status}]"


class _PathError(RpcError):
    """An RpcError that records the field path, built innermost first.

    Generated code catches the error at each level and calls :meth:`push` or
    :meth:`push_index`; segments are appended (cheap) and rendered reversed.
    """

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(status, message)
        self._rpath: list[str] = []

    def push(self, name: str) -> "_PathError":
        """Prepend a field or type name (or a dotted member path) to the path; returns self.
        An empty name adds nothing."""
        if name:
            self._rpath.append(name)
        return self

    def push_index(self, index: int) -> "_PathError":
        """Prepend an array index to the path; returns self."""
        self._rpath.append(f"[{index}]")
        return self

    @property
    def path(self) -> str:
        """The path as ``Type.field[3].member`` ('' when unknown)."""
        out: list[str] = []
        for seg in reversed(self._rpath):
            if out and not seg.startswith("["):
                out.append(".")
            out.append(seg)
        return "".join(out)


class DecodeError(_PathError):
    """Malformed input: ``offset`` is the byte offset (in the caller's buffer once the
    MES layer has seen it), ``path`` the field being read."""

    def __init__(self, status: int, message: str | None = None, offset: int | None = None) -> None:
        super().__init__(status, message)
        self.offset = offset

    def _where(self) -> str:
        parts = []
        if self.offset is not None:
            parts.append(f" at offset {self.offset}")
        path = self.path
        if path:
            parts.append(f" in {path}")
        return "".join(parts)


class EncodeError(_PathError):
    """A value that cannot be encoded; ``path`` names the offending field."""

    def _where(self) -> str:
        path = self.path
        return f" in {path}" if path else ""
