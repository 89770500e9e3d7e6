"""MES envelopes and the Windows ``Mes*`` serialization-handle API.

Type pickling (MS-RPCE 2.2.6, version 1): one 8-byte common header per stream, then for
each top-level constructed value an 8-byte private header (ObjectBufferLength, a multiple
of 8 including the padding, then a zero filler) and the NDR data padded with zeros to 8;
a top-level primitive has no private header and occupies 8 bytes. The common header is
written by the first type encode after create/reset and consumed by the first type
decode after create/reset.

Procedure pickling: a 56-byte header (ndr-mes.md 3.1) then the call's NDR data.
Decision (matching Wine, the only producer we can observe): the header's byte count is
the exact body length, unpadded. Between records the handle pads the body with zero
bytes to a multiple of 8; that pad is not in the byte count but is part of the record:
it is in ``encoded_size`` and is written/allocated with the record. Decoding consumes
``byte count`` bytes and then skips to the next multiple of 8 (the pad after the last
record may be absent, as in Wine's buffers).

Incremental callbacks (ndr-mes.md 4.3): type encode calls ``alloc`` once with the whole
record size and ``write`` once; type decode calls ``read(8)`` for the common header the
first time, ``read(8)`` for the private header and ``read(ObjectBufferLength)`` (a
primitive: ``read(8)``); procedure encode calls ``alloc(56 + data + pad)`` and ``write``
once; procedure decode calls ``read(56)`` then ``read(round_up(byte count, 8))``.
A callback that returns fewer bytes than asked raises ``RpcError(RPC_S_OUT_OF_MEMORY)``,
as Wine does (except that a read may stop after the last body byte, before the pad).
Lengths come from the wire, so a read of more than ``chunked.CHUNK`` (64 KiB) is asked
for in chunks of at most that size, in order, until one comes back short: a record
claiming 4 GiB costs only the bytes the callback really has.

Encoding builds each record in a scratch buffer before anything reaches the handle, so a
failure (a bad value, a fixed buffer too small: RPC_S_BUFFER_TOO_SMALL) leaves the
handle's output and ``encoded_size`` as they were.

Statuses on decode: a version byte other than 1 is RPC_X_WRONG_ES_VERSION; a bad
endianness/integer-representation byte, common header length, ObjectBufferLength (not a
multiple of 8), data representation, or data running past the end (a length that does
not fit) is RPC_X_BAD_STUB_DATA; a transfer syntax other than NDR 2.0 is
RPC_S_UNSUPPORTED_TRANS_SYN; another interface or version RPC_S_UNKNOWN_IF; another
procedure RPC_X_INVALID_ES_ACTION. Fillers are ignored. In a big-endian type stream the
private header's length is read in the stream's byte order (as Samba writes it; Windows
makes only little-endian pickles). A handle that is not one, or was freed, gives
RPC_S_INVALID_ARG; an encoding handle used to decode (or the reverse) gives
RPC_X_INVALID_ES_ACTION. A decoding handle advances past every byte it has read, so
after a body error the next decode starts at the next record.

Nesting: ``handle.max_depth`` (default ``ndr.DEFAULT_MAX_DEPTH``, 200) bounds how deeply
values of recursive types may nest, decoding and encoding; deeper data fails with
DecodeError/EncodeError instead of exhausting the stack. Linked lists (a struct whose
last pointer leads to its own type) are followed in a loop and are not limited. Each
level costs a few Python frames: a limit above about 250 also needs a higher
``sys.setrecursionlimit``, or the overflow is still reported cleanly, as "nested too
deeply".
"""

from __future__ import annotations

import struct

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds at import; annotations are strings
    from typing import Any, Callable

from .errors import (
    RPC_S_BUFFER_TOO_SMALL,
    RPC_S_INVALID_ARG,
    RPC_S_OUT_OF_MEMORY,
    RPC_S_UNKNOWN_IF,
    RPC_S_UNSUPPORTED_TRANS_SYN,
    RPC_X_BAD_STUB_DATA,
    RPC_X_INVALID_ES_ACTION,
    RPC_X_WRONG_ES_VERSION,
    DecodeError,
    EncodeError,
    RpcError,
)
from .cexpr import ExprError
from .chunked import read_chunked
from .ndr import DEFAULT_MAX_DEPTH, KeepingWriter, NdrReader, NdrWriter

__all__ = [
    "MES_ENCODE", "MES_DECODE", "MES_ENCODE_NDR64",
    "MES_INCREMENTAL_HANDLE", "MES_FIXED_BUFFER_HANDLE", "MES_DYNAMIC_BUFFER_HANDLE",
    "MesHandle", "MesEncodeFixedBufferHandleCreate", "MesEncodeDynBufferHandleCreate",
    "MesEncodeIncrementalHandleCreate", "MesDecodeBufferHandleCreate",
    "MesDecodeIncrementalHandleCreate", "MesBufferHandleReset", "MesIncrementalHandleReset",
    "MesHandleFree", "MesInqProcEncodingId",
    "encode_type", "decode_type", "align_size_type", "free_type", "encode_proc", "decode_proc",
    "pickle_type", "unpickle_type", "keep_referents",
]

MES_ENCODE = 0
MES_DECODE = 1
MES_ENCODE_NDR64 = 2
MES_INCREMENTAL_HANDLE = 0
MES_FIXED_BUFFER_HANDLE = 1
MES_DYNAMIC_BUFFER_HANDLE = 2

# NDR 2.0 transfer syntax as an RPC_SYNTAX_IDENTIFIER (GUID in memory order, u16 major, minor).
NDR_SYNTAX = bytes.fromhex("045d888aeb1cc9119fe808002b10486002000000")
NDR64_SYNTAX = bytes.fromhex("33057171babe37498319b5dbef9ccc3601000000")
COMMON_HEADER = b"\x01\x10\x08\x00\xcc\xcc\xcc\xcc"
PROC_HEADER_SIZE = 56

_PRIVATE = struct.Struct("<II")
_V1_HEADERS = struct.Struct("<BBHIII")  # common header, then private header
# version, int rep, filler, transfer syntax, interface uuid, major, minor, proc, drep, count
_PROC_LE = struct.Struct("<BBH20s16sHHIII")
_PROC_BE = struct.Struct(">BBH20s16sHHIII")

SyntaxId = tuple  # (uuid.UUID, (major, minor))


class MesHandle:
    """A serialization handle (Windows ``handle_t`` from the ``Mes*Create`` functions)."""

    __slots__ = ("style", "operation", "_buf", "_pos", "encoded_size", "state", "alloc",
                 "write", "read", "_common_done", "_big_endian", "_freed", "_last_proc",
                 "_peeked", "_user", "max_depth", "referents")

    def __init__(self, style: int, operation: int) -> None:
        self.style = style
        self.operation = operation
        self._buf: Any = None          # fixed: the caller's memoryview; dynamic: a bytearray
        self._pos = 0                  # bytes consumed (decode) or produced (fixed encode)
        self.encoded_size = 0
        self.state: Any = None
        self.alloc: Callable | None = None
        self.write: Callable | None = None
        self.read: Callable | None = None
        self._common_done = False      # type-pickling common header written / consumed
        self._big_endian = False
        self._freed = False
        self._last_proc: tuple | None = None
        self._peeked: bytes | None = None  # a procedure header read ahead
        self._user: Any = None         # the buffer object the caller gave (fixed style)
        self.max_depth = DEFAULT_MAX_DEPTH  # nesting allowed for recursive types
        self.referents: Any = None     # keep_referents(): the stream whose ids to reuse

    def _clear(self) -> None:
        self._buf = self._user = None
        self._pos = 0
        self.encoded_size = 0
        self._common_done = False
        self._big_endian = False
        self._last_proc = None
        self._peeked = None

    @property
    def buffer(self) -> Any:
        """Dynamic handle: everything encoded so far (bytes); fixed: the caller's buffer."""
        if self.style == MES_DYNAMIC_BUFFER_HANDLE:
            return bytes(self._buf) if self._buf is not None else b""
        return self._user

    def __repr__(self) -> str:
        style = {0: "incremental", 1: "fixed", 2: "dynamic"}.get(self.style, "?")
        op = {0: "encode", 1: "decode", 2: "encode_ndr64"}.get(self.operation, "?")
        return f"<MesHandle {style} {op}{' freed' if self._freed else ''}>"


# ---------------------------------------------------------------------------------------
# Handle creation, reset and release.

def _callable(fn: Any, name: str) -> None:
    if not callable(fn):
        raise RpcError(RPC_S_INVALID_ARG, f"{name} must be callable")


def _writable(buffer: Any) -> memoryview:
    try:
        mv = memoryview(buffer)
    except TypeError:
        raise RpcError(RPC_S_INVALID_ARG, "the buffer must be a bytearray or memoryview") from None
    if mv.readonly:
        raise RpcError(RPC_S_INVALID_ARG, "the encoding buffer is read-only")
    return mv if mv.format == "B" and mv.ndim == 1 else mv.cast("B")


def _readable(data: Any) -> memoryview:
    try:
        mv = memoryview(data)
    except TypeError:
        raise RpcError(RPC_S_INVALID_ARG, "the data must be bytes-like") from None
    return mv if mv.format == "B" and mv.ndim == 1 else mv.cast("B")


def MesEncodeFixedBufferHandleCreate(buffer: Any) -> MesHandle:
    """An encoding handle writing into ``buffer``; ``handle.encoded_size`` grows per encode."""
    h = MesHandle(MES_FIXED_BUFFER_HANDLE, MES_ENCODE)
    h._buf, h._user = _writable(buffer), buffer
    return h


def MesEncodeDynBufferHandleCreate() -> MesHandle:
    """An encoding handle collecting every encoding in ``handle.buffer``."""
    h = MesHandle(MES_DYNAMIC_BUFFER_HANDLE, MES_ENCODE)
    h._buf = bytearray()
    return h


def MesEncodeIncrementalHandleCreate(state: Any, alloc: Callable, write: Callable) -> MesHandle:
    """An encoding handle that gets buffers from ``alloc`` and hands records to ``write``."""
    _callable(alloc, "alloc")
    _callable(write, "write")
    h = MesHandle(MES_INCREMENTAL_HANDLE, MES_ENCODE)
    h.state, h.alloc, h.write = state, alloc, write
    return h


def MesDecodeBufferHandleCreate(data: Any) -> MesHandle:
    """A decoding handle over ``data`` (not copied); successive decodes read successive records."""
    h = MesHandle(MES_FIXED_BUFFER_HANDLE, MES_DECODE)
    h._buf, h._user = _readable(data), data
    return h


def MesDecodeIncrementalHandleCreate(state: Any, read: Callable) -> MesHandle:
    """A decoding handle that pulls data through ``read(state, size)``."""
    _callable(read, "read")
    h = MesHandle(MES_INCREMENTAL_HANDLE, MES_DECODE)
    h.state, h.read = state, read
    return h


def _live(h: Any) -> MesHandle:
    if not isinstance(h, MesHandle):
        raise RpcError(RPC_S_INVALID_ARG, f"not a serialization handle: {type(h).__name__}")
    if h._freed:
        raise RpcError(RPC_S_INVALID_ARG, "the serialization handle was freed")
    return h


def MesBufferHandleReset(handle: MesHandle, handle_style: int, operation: int,
                         buffer: Any = None) -> None:
    """Re-initialise any handle as a fixed or dynamic buffer handle for ``operation``."""
    h = _live(handle)
    if operation not in (MES_ENCODE, MES_DECODE, MES_ENCODE_NDR64):
        raise RpcError(RPC_S_INVALID_ARG, f"unknown operation {operation!r}")
    if handle_style == MES_FIXED_BUFFER_HANDLE:
        if buffer is None:
            raise RpcError(RPC_S_INVALID_ARG, "a fixed buffer handle needs a buffer")
        mv: Any = _readable(buffer) if operation == MES_DECODE else _writable(buffer)
    elif handle_style == MES_DYNAMIC_BUFFER_HANDLE:
        if operation == MES_DECODE:
            raise RpcError(RPC_S_INVALID_ARG, "a dynamic buffer handle cannot decode")
        mv = bytearray()
    else:
        raise RpcError(RPC_S_INVALID_ARG, f"handle style {handle_style!r} is not a buffer style")
    h._clear()
    h.style, h.operation, h._buf = handle_style, operation, mv
    h._user = buffer if handle_style == MES_FIXED_BUFFER_HANDLE else None
    h.state = h.alloc = h.write = h.read = None


def MesIncrementalHandleReset(handle: MesHandle, state: Any = None, alloc: Callable | None = None,
                              write: Callable | None = None, read: Callable | None = None,
                              operation: int | None = None) -> None:
    """Re-initialise a handle as incremental; a None argument keeps the previous value."""
    h = _live(handle)
    op = h.operation if operation is None else operation
    if op not in (MES_ENCODE, MES_DECODE, MES_ENCODE_NDR64):
        raise RpcError(RPC_S_INVALID_ARG, f"unknown operation {operation!r}")
    alloc = alloc if alloc is not None else h.alloc
    write = write if write is not None else h.write
    read = read if read is not None else h.read
    for fn, name in ((alloc, "alloc"), (write, "write"), (read, "read")):
        if fn is not None:
            _callable(fn, name)
    if op == MES_DECODE and read is None:
        raise RpcError(RPC_S_INVALID_ARG, "a decoding handle needs a read callback")
    if op != MES_DECODE and (alloc is None or write is None):
        raise RpcError(RPC_S_INVALID_ARG, "an encoding handle needs alloc and write callbacks")
    h._clear()
    h.style, h.operation = MES_INCREMENTAL_HANDLE, op
    h.state = state if state is not None else h.state
    h.alloc, h.write, h.read = alloc, write, read


def MesHandleFree(handle: MesHandle) -> None:
    """Release the handle; later use raises RPC_S_INVALID_ARG. Buffers stay the caller's."""
    h = _live(handle)
    h._freed = True
    h.state = h.alloc = h.write = h.read = None
    h._buf = h._user = None
    h._peeked = None


def MesInqProcEncodingId(handle: MesHandle) -> tuple[SyntaxId, int]:
    """``((uuid, (major, minor)), proc_num)`` of the next (decoding) or last (encoding)
    procedure pickle. Decoding peeks the header; the next decode reuses it."""
    h = _live(handle)
    if h.operation != MES_DECODE:
        if h._last_proc is None:
            raise RpcError(RPC_X_INVALID_ES_ACTION, "nothing has been encoded on this handle")
        return h._last_proc
    iface, procnum, _, _ = _proc_header(h)
    return iface, procnum


# ---------------------------------------------------------------------------------------
# Moving bytes through a handle.

def _encoder(h: Any) -> MesHandle:
    h = _live(h)
    if h.operation == MES_DECODE:
        raise RpcError(RPC_X_INVALID_ES_ACTION, "encoding on a decoding handle")
    if h.operation == MES_ENCODE_NDR64:
        raise RpcError(RPC_S_UNSUPPORTED_TRANS_SYN, "NDR64 (type serialization v2) is not supported")
    return h


def _decoder(h: Any) -> MesHandle:
    h = _live(h)
    if h.operation != MES_DECODE:
        raise RpcError(RPC_X_INVALID_ES_ACTION, "decoding on an encoding handle")
    return h


def _emit(h: MesHandle, record: bytearray) -> None:
    """Deliver one complete record (headers, body, pad) through the handle, all or nothing."""
    size = len(record)
    if h.style == MES_FIXED_BUFFER_HANDLE:
        end = h._pos + size
        if end > len(h._buf):
            raise RpcError(RPC_S_BUFFER_TOO_SMALL,
                           f"the record needs {size} bytes, {len(h._buf) - h._pos} left "
                           "in the fixed buffer")
        h._buf[h._pos:end] = record
        h._pos = end
    elif h.style == MES_DYNAMIC_BUFFER_HANDLE:
        if h._buf:
            h._buf += record
        else:
            h._buf = record  # the first record: adopt it rather than copy it
    else:
        out = h.alloc(h.state, size)  # type: ignore[misc]
        try:
            mv = _writable(out)
        except RpcError:
            raise RpcError(RPC_S_OUT_OF_MEMORY, "alloc did not return a writable buffer") from None
        if len(mv) < size:
            raise RpcError(RPC_S_OUT_OF_MEMORY,
                           f"alloc returned {len(mv)} bytes, {size} requested")
        mv[:size] = record
        h.write(h.state, out if len(mv) == size else mv[:size])  # type: ignore[misc]
    h.encoded_size += size


def _fetch(h: MesHandle, size: int, what: str, minimum: int | None = None) -> memoryview:
    """The next ``size`` bytes of a decoding handle (a view, never a copy for buffers).

    ``minimum``: fewer bytes are accepted down to this many (a missing final pad).
    """
    need = size if minimum is None else minimum
    if h.style == MES_INCREMENTAL_HANDLE:
        state, read = h.state, h.read
        try:  # the size comes from the wire: never ask for more than a chunk at once
            data = read_chunked(lambda n: read(state, n), size)  # type: ignore[misc]
            mv = _readable(data)
        except (RpcError, TypeError):
            raise RpcError(RPC_S_OUT_OF_MEMORY,
                           f"read returned {type(data).__name__}, not bytes, for the {what}"
                           ) from None
        if len(mv) < need:
            raise RpcError(RPC_S_OUT_OF_MEMORY,
                           f"read returned {len(mv)} bytes, {size} requested for the {what}")
        mv = mv[:size]
    else:
        left = len(h._buf) - h._pos
        if left < need:
            raise DecodeError(RPC_X_BAD_STUB_DATA,
                              f"the {what} needs {size} bytes, {max(left, 0)} left", h._pos)
        mv = h._buf[h._pos:h._pos + size]
    h._pos += len(mv)
    return mv


def _run_writer(write: Callable, args: tuple, prefix: int,
                max_depth: int = DEFAULT_MAX_DEPTH, referents: Any = None,
                at: int = 0) -> tuple[bytearray, int]:
    """Marshal into a scratch writer whose first ``prefix`` bytes are room for headers
    (a multiple of 8, so alignment is unchanged); returns (record padded to 8, unpadded
    length). With ``referents`` (see keep_referents) the record starts at ``at`` in it."""
    w = NdrWriter(max_depth) if referents is None else KeepingWriter(referents, at, max_depth)
    w.buf = bytearray(prefix)
    try:
        write(w, *args)
    except ExprError as exc:  # a parameter's correlation, outside any member
        raise EncodeError(exc.status, exc.message) from None
    except (RpcError, MemoryError):
        raise
    except RecursionError:
        raise EncodeError(RPC_S_INVALID_ARG, "value nested too deeply (or cyclic)") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError,
            struct.error) as exc:
        raise EncodeError(RPC_S_INVALID_ARG, f"cannot encode: {exc}") from exc
    size = len(w.buf)
    if size & 7:
        w.buf += bytes(-size & 7)
    return w.buf, size


def _run_reader(read: Callable, data: memoryview, big_endian: bool, base: int,
                max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Unmarshal one body; errors get offsets relative to the handle's stream."""
    r = NdrReader(data, big_endian, max_depth)
    try:
        return read(r)
    except DecodeError as exc:
        # a correlation expression's error (cexpr) is located where the reader stands
        exc.offset = base + (r.pos if exc.offset is None else exc.offset)
        raise
    except RpcError:
        raise
    except RecursionError:
        raise DecodeError(RPC_X_BAD_STUB_DATA, "data nested too deeply", base + r.pos) from None
    except (ValueError, KeyError, IndexError, OverflowError, TypeError, MemoryError,
            struct.error) as exc:
        raise DecodeError(RPC_X_BAD_STUB_DATA, f"malformed data: {exc}", base + r.pos) from exc


# ---------------------------------------------------------------------------------------
# Type pickling (generated T_Encode / T_Decode / T_AlignSize / T_Free).

def encode_type(h: MesHandle, write: Callable, value: Any, primitive: bool = False) -> None:
    """Append one type pickle of ``value`` (``write(w, value)`` marshals it)."""
    h = _encoder(h)
    head = 0 if h._common_done else 8
    priv = 0 if primitive else 8
    record, _ = _run_writer(write, (value,), head + priv, h.max_depth, h.referents,
                            h.encoded_size)
    if head:
        record[0:8] = COMMON_HEADER
    if priv:
        _PRIVATE.pack_into(record, head, len(record) - head - 8, 0)
    _emit(h, record)
    h._common_done = True


def align_size_type(h: MesHandle, write: Callable, value: Any, primitive: bool = False) -> int:
    """Bytes ``encode_type`` would add now: common header if still due, private header,
    body rounded up to 8 (ndr-mes.md 4.4)."""
    h = _encoder(h)
    prefix = (0 if h._common_done else 8) + (0 if primitive else 8)
    return len(_run_writer(write, (value,), prefix, h.max_depth)[0])


def keep_referents(h: MesHandle, original: Any) -> None:
    """Make the type pickles that encoding handle ``h`` writes from now on number their
    unique pointers as ``original`` does (the bytes their values were decoded from, laid
    out from the handle's start), instead of 0x00020000 + 4k: a decoded value then
    re-encodes to the very bytes it came from, whatever ids their writer chose.
    ``None`` goes back to the usual numbering. A midlpy extension, not a Windows API."""
    h = _encoder(h)
    h.referents = None if original is None else bytes(original)


def pickle_type_keeping(write: Callable, value: Any, original: Any,
                        primitive: bool = False) -> bytes:
    """``pickle_type`` numbering unique pointers as ``original`` does (keep_referents)."""
    priv = 0 if primitive else 8
    record, _ = _run_writer(write, (value,), 8 + priv, DEFAULT_MAX_DEPTH, original, 0)
    record[0:8] = COMMON_HEADER
    if priv:
        _PRIVATE.pack_into(record, 8, len(record) - 16, 0)
    return bytes(record)


def free_type(h: MesHandle, value: Any) -> None:
    """``T_Free``: Python frees memory itself; only the handle is checked."""
    _live(h)


def decode_type(h: MesHandle, read: Callable, primitive: bool = False) -> Any:
    """Read the next type pickle from the handle (``read(r)`` unmarshals it)."""
    h = _decoder(h)
    if h._peeked is not None:
        raise RpcError(RPC_X_INVALID_ES_ACTION, "a procedure header is pending on this handle")
    if not (h._common_done or primitive) and h.style != MES_INCREMENTAL_HANDLE:
        # The usual first record of a buffer (a PAC's logon info): both headers with one
        # unpack; anything unusual takes the checked path below.
        buf, pos = h._buf, h._pos
        if len(buf) - pos >= 16:
            version, endian, head, _, length, _ = _V1_HEADERS.unpack_from(buf, pos)
            end = pos + 16 + length
            if (version, endian, head) == (1, 0x10, 8) and not length & 7 and end <= len(buf):
                h._common_done = True
                h._pos = end
                return _run_reader(read, buf[pos + 16:end], False, pos + 16, h.max_depth)
    if not h._common_done:
        start = h._pos
        head = _fetch(h, 8, "type serialization common header")
        if head[0] != 1:
            raise DecodeError(RPC_X_WRONG_ES_VERSION,
                              f"type serialization version {head[0]} (only 1 is supported)", start)
        if head[1] not in (0x10, 0x00):
            raise DecodeError(RPC_X_BAD_STUB_DATA, f"bad endianness byte 0x{head[1]:02x}", start + 1)
        if head[2] != 8 or head[3] != 0:
            raise DecodeError(RPC_X_BAD_STUB_DATA,
                              f"common header length {head[2] | head[3] << 8} (expected 8)",
                              start + 2)
        h._big_endian = head[1] == 0
        h._common_done = True
    if primitive:
        base = h._pos
        return _run_reader(read, _fetch(h, 8, "primitive value"), h._big_endian, base,
                           h.max_depth)
    start = h._pos
    (length, _filler) = _PRIVATE.unpack(_fetch(h, 8, "private header"))
    if h._big_endian:  # Samba writes it in the stream's byte order; Windows never makes BE
        length = int.from_bytes(length.to_bytes(4, "little"), "big")
    if length % 8:
        raise DecodeError(RPC_X_BAD_STUB_DATA,
                          f"ObjectBufferLength {length} is not a multiple of 8", start)
    base = h._pos
    return _run_reader(read, _fetch(h, length, "object data"), h._big_endian, base,
                       h.max_depth)


def pickle_type(write: Callable, value: Any, primitive: bool = False) -> bytes:
    """One-shot type pickle: the bytes a fresh dynamic handle would hold after one
    ``encode_type`` (built directly, without a handle)."""
    priv = 0 if primitive else 8
    record, _ = _run_writer(write, (value,), 8 + priv)
    record[0:8] = COMMON_HEADER
    if priv:
        _PRIVATE.pack_into(record, 8, len(record) - 16, 0)
    return bytes(record)


def unpickle_type(data: Any, read: Callable, primitive: bool = False) -> Any:
    """One-shot decode of the first type pickle in ``data`` (trailing bytes are ignored,
    as a Windows decoding handle would leave them for the next decode)."""
    mv = _readable(data)
    if not primitive and len(mv) >= 16:  # fast path for the usual little-endian record
        version, endian, head, _, length, _ = _V1_HEADERS.unpack_from(mv)
        if (version, endian, head) == (1, 0x10, 8) and not length & 7 and 16 + length <= len(mv):
            return _run_reader(read, mv[16:16 + length], False, 16)
    return decode_type(MesDecodeBufferHandleCreate(mv), read, primitive)


# ---------------------------------------------------------------------------------------
# Procedure pickling.

_NDR_UUID_LE = NDR_SYNTAX[:16]
_NDR_BE = bytes.fromhex("8a885d041ceb11c99fe808002b10486000020000")  # same id, big-endian


def _syntax_id(uuid_bytes: bytes, big: bool, major: int, minor: int) -> SyntaxId:
    from uuid import UUID
    u = UUID(bytes=bytes(uuid_bytes)) if big else UUID(bytes_le=bytes(uuid_bytes))
    return (u, (major, minor))


def _parse_proc_header(raw: Any, start: int) -> tuple[SyntaxId, int, int, bool]:
    """Validate a 56-byte procedure header; returns (interface, procnum, count, big)."""
    if raw[0] != 1:
        raise DecodeError(RPC_X_WRONG_ES_VERSION,
                          f"procedure pickle version {raw[0]} (only 1 is supported)", start)
    if raw[1] not in (0, 1):
        raise DecodeError(RPC_X_BAD_STUB_DATA, f"bad integer representation {raw[1]}", start + 1)
    big = raw[1] == 0
    _, _, _, syntax, ident, major, minor, procnum, _, count = (
        _PROC_BE if big else _PROC_LE).unpack(raw)
    if syntax != (_NDR_BE if big else NDR_SYNTAX):
        raise DecodeError(RPC_S_UNSUPPORTED_TRANS_SYN,
                          "the pickle's transfer syntax is not NDR 2.0", start + 4)
    if raw[48] != raw[1] or raw[49] != 0 or raw[50] != 0:
        raise DecodeError(RPC_X_BAD_STUB_DATA,
                          "data representation is not integer "
                          f"{'big' if big else 'little'}-endian, ASCII, IEEE", start + 48)
    return _syntax_id(ident, big, major, minor), procnum, count, big


def _proc_header(h: MesHandle) -> tuple[SyntaxId, int, int, bool]:
    """The next procedure header of a decoding handle, read once and kept until used."""
    if h._peeked is None:
        h._peeked = bytes(_fetch(h, PROC_HEADER_SIZE, "procedure header"))
    return _parse_proc_header(h._peeked, h._pos - PROC_HEADER_SIZE)


def _check_iface(iface: Any) -> bytes:
    try:
        uuid, (major, minor) = iface
        return uuid.bytes_le + struct.pack("<HH", major, minor)
    except (TypeError, ValueError, AttributeError, struct.error):
        raise RpcError(RPC_S_INVALID_ARG, f"bad interface id {iface!r}") from None


def encode_proc(h: MesHandle, iface: SyntaxId, procnum: int, write: Callable, *args: Any) -> None:
    """Append one procedure pickle: header, then ``write(w, *args)`` (the [in] params)."""
    h = _encoder(h)
    ident = _check_iface(iface)
    if not isinstance(procnum, int) or not 0 <= procnum <= 0xFFFFFFFF:
        raise RpcError(RPC_S_INVALID_ARG, f"bad procedure number {procnum!r}")
    record, count = _run_writer(write, args, PROC_HEADER_SIZE, h.max_depth)
    _PROC_LE.pack_into(record, 0, 1, 1, 0xCCCC, NDR_SYNTAX, ident[:16],
                       *struct.unpack("<HH", ident[16:]), procnum, 1, count - PROC_HEADER_SIZE)
    _emit(h, record)
    h._last_proc = (iface, procnum)


def decode_proc(h: MesHandle, iface: SyntaxId, procnum: int, read: Callable) -> Any:
    """Read the next procedure pickle; ``read(r)`` unmarshals the [out] params.

    A header for another interface (RPC_S_UNKNOWN_IF) or procedure
    (RPC_X_INVALID_ES_ACTION) stays pending, so a caller can dispatch on
    ``MesInqProcEncodingId`` and decode it with the right routine.
    """
    h = _decoder(h)
    _check_iface(iface)
    start = h._pos if h._peeked is None else h._pos - PROC_HEADER_SIZE
    got_iface, got_proc, count, big = _proc_header(h)
    if got_iface != tuple(iface):
        raise DecodeError(RPC_S_UNKNOWN_IF,
                          f"the pickle is for interface {got_iface[0]} v{got_iface[1][0]}."
                          f"{got_iface[1][1]}", start + 24)
    if got_proc != procnum:
        raise DecodeError(RPC_X_INVALID_ES_ACTION,
                          f"the pickle is for procedure {got_proc}, not {procnum}", start + 44)
    base = h._pos
    h._peeked = None
    padded = (count + 7) & -8
    data = _fetch(h, padded, "procedure data", minimum=count)
    return _run_reader(read, data[:count], big, base, h.max_depth)
