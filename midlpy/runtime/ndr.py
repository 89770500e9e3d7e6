"""NDR20 primitives: a reader and a writer over one stream, alignment from its start.

Generated code calls these per value, so they are written for speed: every scalar
method closes over its own precompiled ``struct.Struct`` (no lookups per call),
``__slots__``, memoryview slices instead of copies, and one bulk conversion per array of
primitives. The reader honours the stream's byte order (big-endian data gets a reader
subclass with its own specialised methods); the writer always writes little-endian.

Every reader method raises :class:`DecodeError` with a Windows status and never lets a
``struct.error``/``IndexError``/``UnicodeDecodeError``/``MemoryError`` out, and no
allocation is sized from a wire count before the bytes behind it are known to exist.
"""

from __future__ import annotations

import struct
from codecs import latin_1_decode as _latin1_decode
from codecs import latin_1_encode as _latin1_encode
from codecs import utf_16_be_decode as _utf16be_decode
from codecs import utf_16_le_decode as _utf16le_decode
from codecs import utf_16_le_encode as _utf16le_encode
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds at import; annotations are strings
    from typing import Any, Sequence

from .errors import (
    RPC_S_INVALID_ARG,
    RPC_S_INVALID_BOUND,
    RPC_X_BAD_STUB_DATA,
    RPC_X_ENUM_VALUE_OUT_OF_RANGE,
    DecodeError,
    EncodeError,
)

__all__ = ["NdrReader", "NdrWriter", "Fixed", "ContextHandle", "DEFAULT_MAX_DEPTH",
           "exact_bytes"]

#: Nesting allowed before decoding stops with DecodeError; low enough that generated code
#: (a few frames per level) stays clear of Python's default recursion limit of 1000.
DEFAULT_MAX_DEPTH = 200

_NATIVE_LE = sys.byteorder == "little"
_SIZES = {"B": 1, "b": 1, "H": 2, "h": 2, "I": 4, "i": 4, "Q": 8, "q": 8, "f": 4, "d": 8}
# memoryview.cast uses native sizes; these letters have the NDR sizes wherever CPython runs.
_NATIVE_OK = all(struct.calcsize(c) == n for c, n in _SIZES.items())
_ALIGN = dict(_SIZES, e=2, l=4, L=4, n=8, N=8)
_NAMES = {"B": "unsigned 8-bit", "b": "signed 8-bit", "H": "unsigned 16-bit",
          "h": "signed 16-bit", "I": "unsigned 32-bit", "i": "signed 32-bit",
          "Q": "unsigned 64-bit", "q": "signed 64-bit", "f": "float", "d": "double"}
_ZEROS = [bytes(n) for n in range(8)]
_NULL_CONTEXT = bytes(20)


class Fixed:
    """A run of fixed-size fields read or written with one call.

    ``fmt`` is a ``struct`` format without byte-order prefix; interior padding is
    written as ``x`` (legal because the run starts ``align``-aligned in the stream).
    ``pair`` holds the little- and big-endian ``Struct``; ``NdrReader.order`` indexes it.
    """

    __slots__ = ("fmt", "le", "be", "pair", "size", "align", "names")

    def __init__(self, fmt: str, align: int | None = None,
                 names: tuple[str, ...] | None = None) -> None:
        self.fmt = fmt
        #: one member path per packed item, so an error can name the culprit
        self.names = names
        self.le = struct.Struct("<" + fmt)
        self.be = struct.Struct(">" + fmt)
        self.pair = (self.le, self.be)
        self.size = self.le.size
        if align is None:  # the largest item; padding, bytes and strings align to 1
            align = max([_ALIGN.get(code, 1) for code in fmt if code.isalpha()] + [1])
        self.align = align

    def __repr__(self) -> str:
        return f"Fixed({self.fmt!r}, align={self.align})"

    def items(self) -> list[tuple[int, str]]:
        """(offset, struct code) of every packed item (padding excluded)."""
        out: list[tuple[int, str]] = []
        off = 0
        count = ""
        for ch in self.fmt:
            if ch.isdigit():
                count += ch
                continue
            code = (count + ch) if ch == "s" else ch
            n = int(count or 1)
            count = ""
            if ch == "x":
                off += n
                continue
            size = struct.calcsize("<" + code)
            reps = 1 if ch == "s" else n
            for _ in range(reps):
                out.append((off, code))
                off += size
        return out

    def name_of(self, i: int) -> str:
        return self.names[i] if self.names and i < len(self.names) else ""

    def culprit_packing(self, values: tuple[Any, ...]) -> int:
        """The index of the first value that cannot be packed (-1 when none is found)."""
        for i, ((_, code), v) in enumerate(zip(self.items(), values)):
            try:
                struct.pack("<" + code, v)
            except struct.error:
                return i
        return -1

    def culprit_reading(self, available: int) -> str:
        """The name of the first item that does not fit in ``available`` bytes."""
        for i, (off, code) in enumerate(self.items()):
            if off + struct.calcsize("<" + code) > available:
                return self.names[i] if self.names and i < len(self.names) else ""
        return ""


def exact_bytes(value: Any, n: int) -> bytes:
    """``value`` as exactly ``n`` bytes, for a fixed byte array packed by a ``Fixed`` run
    (``struct``'s ``s`` would silently pad or cut it)."""
    if type(value) is bytes and len(value) == n:  # the common case, decoded values
        return value
    try:
        if isinstance(value, int):  # bytes(5) would be five zeros
            raise TypeError("an int is not a byte string")
        b = bytes(value)
    except TypeError as exc:
        raise EncodeError(RPC_S_INVALID_ARG, f"cannot encode {value!r} as bytes: {exc}") from None
    if len(b) != n:
        raise EncodeError(RPC_S_INVALID_BOUND, f"a fixed array of {n} bytes got {len(b)}")
    return b


class ContextHandle:
    """The 20-byte NDR context handle: attributes (u32) and a UUID."""

    __slots__ = ("attributes", "uuid")

    def __init__(self, attributes: int = 0, uuid: Any = None) -> None:
        if uuid is None:
            from uuid import UUID
            uuid = UUID(int=0)
        self.attributes = attributes
        self.uuid = uuid

    @property
    def is_null(self) -> bool:
        return self.attributes == 0 and self.uuid.int == 0

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ContextHandle) and self.attributes == other.attributes
                and self.uuid == other.uuid)

    def __hash__(self) -> int:
        return hash((self.attributes, self.uuid))

    def __repr__(self) -> str:
        return f"ContextHandle(attributes={self.attributes}, uuid={self.uuid!r})"


def _structs(prefix: str) -> dict[str, struct.Struct]:
    return {c: struct.Struct(prefix + c) for c in "BbHhIiQqfd"}


_LE = _structs("<")
_BE = _structs(">")
_LE3I = struct.Struct("<3I")
_BE3I = struct.Struct(">3I")
_LE2I = struct.Struct("<2I")
_BE2I = struct.Struct(">2I")
_PACK_U32_INTO = _LE["I"].pack_into
_PACKERS: dict[tuple[str, int], struct.Struct] = {}  # (code, count) -> Struct, count <= 64


def _reader(code: str, big: bool = False) -> Any:
    """An aligned scalar read for struct letter ``code`` in one byte order."""
    size = _SIZES[code]
    unpack = (_BE if big else _LE)[code].unpack_from

    def read(self: "NdrReader") -> Any:
        pos = (self.pos + size - 1) & -size
        try:
            (v,) = unpack(self.buf, pos)
        except struct.error:
            raise self._short(pos, size) from None
        self.pos = pos + size
        return v

    read.__name__ = read.__qualname__ = f"read_{code}"
    return read


class NdrReader:
    """Reads one NDR stream; ``buf[0]`` is the (8-aligned) stream start.

    ``NdrReader(buf, big_endian=True)`` gives a subclass whose scalar reads are
    specialised for big-endian data, so no read tests the byte order.
    """

    __slots__ = ("buf", "pos", "big_endian", "order", "refs", "depth", "max_depth")

    def __new__(cls, buf: Any, big_endian: bool = False, *args: Any, **kw: Any) -> "NdrReader":
        return object.__new__(_BigEndianReader if big_endian else cls)

    def __init__(self, buf: Any, big_endian: bool = False,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        mv = memoryview(buf)
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B")
        self.buf = mv
        self.pos = 0
        self.big_endian = bool(big_endian)
        self.order = 1 if big_endian else 0
        self.refs: dict[int, Any] = {}
        self.depth = 0
        self.max_depth = max_depth

    # -- errors -------------------------------------------------------------------
    def error(self, status: int, message: str) -> DecodeError:
        """A DecodeError at the current offset (for generated code to raise)."""
        return DecodeError(status, message, self.pos)

    def _short(self, pos: int, need: int) -> DecodeError:
        have = max(0, len(self.buf) - pos)
        return DecodeError(RPC_X_BAD_STUB_DATA,
                           f"data ends: {need} bytes needed, {have} left", pos)

    # -- alignment and scalars ------------------------------------------------------
    def align(self, n: int) -> None:
        self.pos = (self.pos + n - 1) & -n

    u8 = _reader("B")
    i8 = _reader("b")
    u16 = _reader("H")
    i16 = _reader("h")
    u32 = ref_id = conformance = _reader("I")
    i32 = enum32 = _reader("i")  # a [v1_enum] is a C int
    u64 = _reader("Q")
    i64 = _reader("q")
    f32 = _reader("f")
    f64 = _reader("d")

    def boolean(self) -> bool:
        return self.u8() != 0

    def enum16(self) -> int:
        v = self.u16()
        if v > 32767:
            raise DecodeError(RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                              f"16-bit enum value {v} exceeds 32767", self.pos - 2)
        return v

    def fixed(self, f: Fixed) -> tuple:
        """Align to ``f.align`` and unpack the run in the stream's byte order."""
        pos = (self.pos + f.align - 1) & -f.align
        try:
            v = f.pair[self.order].unpack_from(self.buf, pos)
        except struct.error:
            raise self._short(pos, f.size).push(
                f.culprit_reading(len(self.buf) - pos)) from None
        self.pos = pos + f.size
        return v

    # -- counts -----------------------------------------------------------------------
    def variance(self) -> tuple[int, int]:
        """(offset, actual_count) of a varying array."""
        pos = (self.pos + 3) & -4
        try:
            v = (_BE2I if self.big_endian else _LE2I).unpack_from(self.buf, pos)
        except struct.error:
            raise self._short(pos, 8) from None
        self.pos = pos + 8
        return v

    def check_count(self, n: int, min_elem_size: int) -> None:
        """Fail unless ``n * min_elem_size`` bytes remain (call before sizing by ``n``)."""
        if n < 0:
            raise DecodeError(RPC_S_INVALID_BOUND, f"negative count {n}", self.pos)
        if n * min_elem_size > len(self.buf) - self.pos:
            raise DecodeError(
                RPC_X_BAD_STUB_DATA,
                f"count {n} needs {n * min_elem_size} bytes, "
                f"{max(0, len(self.buf) - self.pos)} left", self.pos)

    def check_varying(self, offset: int, actual: int, max_count: int) -> None:
        if offset + actual > max_count:
            raise DecodeError(
                RPC_S_INVALID_BOUND,
                f"offset {offset} + actual count {actual} exceeds maximum {max_count}",
                self.pos)

    # -- arrays and strings --------------------------------------------------------------
    def _take(self, nbytes: int) -> memoryview:
        pos = self.pos
        end = pos + nbytes
        if end > len(self.buf):
            raise self._short(pos, nbytes)
        if nbytes < 0:  # a count computed by generated code (last_is - first_is + 1)
            raise DecodeError(RPC_S_INVALID_BOUND, f"negative count {nbytes}", pos)
        self.pos = end
        return self.buf[pos:end]

    def prim_array(self, code: str, n: int) -> list:
        """``n`` primitives of struct letter ``code``, converted in one bulk call."""
        size = _SIZES[code]
        self.pos = (self.pos + size - 1) & -size
        chunk = self._take(n * size)
        if size == 1 or (self.big_endian != _NATIVE_LE and _NATIVE_OK):
            return chunk.cast(code).tolist()  # type: ignore[call-overload]  # native order
        return list(struct.unpack(f"{'>' if self.big_endian else '<'}{n}{code}", chunk))

    def byte_array(self, n: int) -> bytes:
        return bytes(self._take(n))

    def rows(self, f: Fixed, n: int) -> Any:
        """``n`` array elements that are each one run of ``f`` (``f.size`` a multiple of
        ``f.align``): an iterator of tuples, converted in one bulk call."""
        self.pos = (self.pos + f.align - 1) & -f.align
        return f.pair[self.order].iter_unpack(self._take(n * f.size))

    def counted_wchars(self, size: int | None, length: int | None) -> str:
        """The referent of a sized ``wchar_t`` pointer with ``size_is``/``length_is``
        (RPC_UNICODE_STRING's Buffer): max count, offset, actual count and the code
        units, checked against the correlated values when they are known."""
        pos = (self.pos + 3) & -4
        try:
            mx, off, n = (_BE3I if self.big_endian else _LE3I).unpack_from(self.buf, pos)
        except struct.error:
            raise self._short(pos, 12) from None
        self.pos = pos + 12
        if size is not None and mx != size:
            raise DecodeError(RPC_S_INVALID_BOUND,
                              f"max count {mx} disagrees with its size_is value {size}", pos)
        if off + n > mx:
            raise DecodeError(RPC_S_INVALID_BOUND,
                              f"offset {off} + actual count {n} exceeds maximum {mx}", pos)
        if length is not None and n != length:
            raise DecodeError(RPC_S_INVALID_BOUND,
                              f"actual count {n} disagrees with its length_is value {length}",
                              pos)
        # the codec functions skip str()'s codec lookup: several times faster on short text
        return (_utf16be_decode if self.big_endian else _utf16le_decode)(
            self._take(2 * n), "surrogatepass", True)[0]

    def chars(self, n: int) -> str:
        return _latin1_decode(self._take(n))[0]

    def wchars(self, n: int) -> str:
        self.pos = (self.pos + 1) & -2
        # the codec functions skip str()'s codec lookup: several times faster on short text
        return (_utf16be_decode if self.big_endian else _utf16le_decode)(
            self._take(2 * n), "surrogatepass", True)[0]

    def _terminated(self, text: str, start: int) -> str:
        if not text or text[-1] != "\0":
            raise DecodeError(RPC_S_INVALID_BOUND, "string is not NUL-terminated", start)
        return text[:-1]

    def _string(self, wide: bool, max_count: int | None) -> str:
        if max_count is None:
            pos = (self.pos + 3) & -4
            try:
                max_count, offset, actual = (
                    _BE3I if self.big_endian else _LE3I).unpack_from(self.buf, pos)
            except struct.error:
                raise self._short(pos, 12) from None
            self.pos = pos + 12
        else:
            offset, actual = self.variance()
        if actual < 1:
            raise DecodeError(RPC_S_INVALID_BOUND, "string with actual count 0", self.pos)
        if offset + actual > max_count:
            raise DecodeError(
                RPC_S_INVALID_BOUND,
                f"string offset {offset} + count {actual} exceeds maximum {max_count}",
                self.pos)
        start = self.pos
        text = self.wchars(actual) if wide else self.chars(actual)
        return self._terminated(text, start)

    def string_w(self) -> str:
        """A conformant varying ``[string] wchar_t``; the text without its terminator."""
        return self._string(True, None)

    def string_c(self) -> str:
        return self._string(False, None)

    def varying_string_w(self, limit: int) -> str:
        """A varying ``[string]`` whose max_count is hoisted or fixed (``limit``)."""
        return self._string(True, limit)

    def varying_string_c(self, limit: int) -> str:
        return self._string(False, limit)

    # -- GUIDs and context handles ----------------------------------------------------------
    def guid(self) -> Any:
        from uuid import UUID  # deferred: uuid costs milliseconds to import
        self.pos = (self.pos + 3) & -4
        raw = bytes(self._take(16))
        return UUID(bytes=raw) if self.big_endian else UUID(bytes_le=raw)

    def context_handle(self) -> ContextHandle:
        attributes = self.u32()
        return ContextHandle(attributes, self.guid())

    # -- nesting ---------------------------------------------------------------------------
    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise DecodeError(RPC_X_BAD_STUB_DATA,
                              f"nesting deeper than {self.max_depth}", self.pos)

    def leave(self) -> None:
        self.depth -= 1


def _writer(code: str) -> Any:
    """An aligned little-endian scalar write for struct letter ``code``."""
    mask = _SIZES[code] - 1
    pack = _LE[code].pack
    what = _NAMES[code]

    def write(self: "NdrWriter", v: Any) -> None:
        buf = self.buf
        pad = -len(buf) & mask
        if pad:
            buf += _ZEROS[pad]
        try:
            buf += pack(v)
        except struct.error as exc:
            raise self._bad(what, v, exc) from None

    write.__name__ = write.__qualname__ = f"write_{code}"
    return write


class _BigEndianReader(NdrReader):
    __slots__ = ()
    u8 = _reader("B", True)
    i8 = _reader("b", True)
    u16 = _reader("H", True)
    i16 = _reader("h", True)
    u32 = ref_id = conformance = _reader("I", True)
    i32 = enum32 = _reader("i", True)
    u64 = _reader("Q", True)
    i64 = _reader("q", True)
    f32 = _reader("f", True)
    f64 = _reader("d", True)


class NdrWriter:
    """Appends one NDR stream (little-endian) to ``buf``; index 0 is the stream start."""

    __slots__ = ("buf", "next_unique", "full_ids", "next_full", "depth", "max_depth",
                 "active")

    def __init__(self, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.buf = bytearray()
        self.next_unique = 0x00020000
        self.full_ids: dict[int, tuple[int, Any]] = {}
        self.next_full = 1
        self.depth = 0
        self.max_depth = max_depth
        self.active: set[int] = set()

    def _bad(self, what: str, value: Any, exc: BaseException | None = None) -> EncodeError:
        detail = f": {exc}" if exc is not None else ""
        return EncodeError(RPC_S_INVALID_ARG, f"cannot encode {value!r} as {what}{detail}")

    def align(self, n: int) -> None:
        pad = -len(self.buf) & (n - 1)
        if pad:
            self.buf += _ZEROS[pad]

    u8 = _writer("B")
    i8 = _writer("b")
    u16 = _writer("H")
    i16 = _writer("h")
    u32 = conformance = _writer("I")
    i32 = _writer("i")
    u64 = _writer("Q")
    i64 = _writer("q")
    f32 = _writer("f")
    f64 = _writer("d")

    def boolean(self, v: Any) -> None:
        self.buf.append(1 if v else 0)

    def enum16(self, v: int) -> None:
        if not isinstance(v, int) or not 0 <= v <= 32767:
            raise EncodeError(RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                              f"16-bit enum value {v!r} is outside 0..32767")
        self.u16(v)

    def enum32(self, v: int) -> None:
        """A [v1_enum]: any value that fits 32 bits, signed or unsigned."""
        (self.i32 if isinstance(v, int) and v < 0 else self.u32)(v)

    def variance(self, offset: int, actual: int) -> None:
        self.align(4)
        try:
            self.buf += _LE2I.pack(offset, actual)
        except struct.error as exc:
            raise self._bad("offset and count", (offset, actual), exc) from None

    def fixed(self, f: Fixed, *values: Any) -> None:
        buf = self.buf
        pad = -len(buf) & (f.align - 1)
        if pad:
            buf += _ZEROS[pad]
        try:
            buf += f.le.pack(*values)
        except struct.error as exc:
            i = f.culprit_packing(values)
            if i < 0:
                raise self._bad(f"fields {f.fmt!r}", values, exc) from None
            raise EncodeError(RPC_S_INVALID_ARG, f"cannot encode {values[i]!r}: {exc}").push(
                f.name_of(i)) from None

    # -- arrays and strings ---------------------------------------------------------------
    def prim_array(self, code: str, values: Sequence[Any]) -> None:
        size = _SIZES[code]
        buf = self.buf
        pad = -len(buf) & (size - 1)
        if pad:
            buf += _ZEROS[pad]
        n = len(values)
        if n <= 64:  # short arrays (a SID's sub-authorities): a cached Struct per size
            st = _PACKERS.get((code, n))
            if st is None:
                st = _PACKERS[(code, n)] = struct.Struct(f"<{n}{code}")
            try:
                buf += st.pack(*values)
            except struct.error as exc:
                raise self._bad(f"an array of {_NAMES[code]}", type(values).__name__,
                                exc) from None
            return
        if _NATIVE_OK and _NATIVE_LE:
            # array converts in C without a million-argument tuple: faster, half the memory
            # (imported on first use: loading the extension costs more than the runtime)
            from array import array
            try:
                buf += array(code, values)
            except (TypeError, OverflowError, ValueError) as exc:
                raise self._bad(f"an array of {_NAMES[code]}", type(values).__name__,
                                exc) from None
            return
        try:
            buf += struct.pack(f"<{len(values)}{code}", *values)
        except (struct.error, TypeError) as exc:
            raise self._bad(f"an array of {_NAMES[code]}", type(values).__name__, exc) from None

    def byte_array(self, b: Any) -> None:
        try:
            self.buf += b
        except TypeError as exc:
            raise self._bad("bytes", b, exc) from None

    def chars(self, s: str) -> None:
        try:
            self.buf += _latin1_encode(s)[0]
        except (UnicodeEncodeError, AttributeError, TypeError) as exc:
            raise self._bad("8-bit characters", s, exc) from None

    def counted_wchars(self, slot: int, s: str, size: int, length: int) -> None:
        """Number the unique pointer in ``slot`` and write its referent, a ``wchar_t``
        array with ``size_is``/``length_is`` (RPC_UNICODE_STRING's Buffer)."""
        try:
            data = _utf16le_encode(s, "surrogatepass")[0]
        except (AttributeError, UnicodeEncodeError, TypeError) as exc:
            raise self._bad("UTF-16 text", s, exc) from None
        n = len(data) >> 1
        if n != length:
            raise EncodeError(RPC_S_INVALID_BOUND,
                              f"length_is says {length} UTF-16 units but the text has {n}")
        if not 0 <= n <= size:
            raise EncodeError(RPC_S_INVALID_BOUND,
                              f"length_is {length} exceeds size_is {size}")
        buf = self.buf
        ref = self.next_unique  # unique(slot), inlined: this is the hottest referent
        self.next_unique = ref + 4
        _PACK_U32_INTO(buf, slot, ref)
        pad = -len(buf) & 3
        if pad:
            buf += _ZEROS[pad]
        buf += _LE3I.pack(size, 0, n)
        buf += data

    def wchars(self, s: str) -> None:
        self.align(2)
        self.buf += self._utf16(s)

    def _utf16(self, s: str) -> bytes:
        try:
            return _utf16le_encode(s, "surrogatepass")[0]
        except (UnicodeEncodeError, AttributeError, TypeError) as exc:
            raise self._bad("UTF-16 text", s, exc) from None

    def string_w(self, s: str) -> None:
        """Conformant varying ``[string] wchar_t``: counts include the terminator."""
        data = self._utf16(s) + b"\0\0"
        n = len(data) >> 1
        self.align(4)
        self.buf += _LE3I.pack(n, 0, n)
        self.buf += data

    def string_c(self, s: str) -> None:
        try:
            data = _latin1_encode(s)[0] + b"\0"
        except (UnicodeEncodeError, AttributeError, TypeError) as exc:
            raise self._bad("an 8-bit string", s, exc) from None
        self.align(4)
        self.buf += _LE3I.pack(len(data), 0, len(data))
        self.buf += data

    def varying_string_w(self, s: str, limit: int) -> None:
        data = self._utf16(s) + b"\0\0"
        n = len(data) >> 1
        if n > limit:
            raise EncodeError(RPC_S_INVALID_BOUND,
                              f"string of {n} units (with NUL) exceeds its bound {limit}")
        self.align(4)
        self.buf += _LE2I.pack(0, n)
        self.buf += data

    def varying_string_c(self, s: str, limit: int) -> None:
        try:
            data = _latin1_encode(s)[0] + b"\0"
        except (UnicodeEncodeError, AttributeError, TypeError) as exc:
            raise self._bad("an 8-bit string", s, exc) from None
        if len(data) > limit:
            raise EncodeError(RPC_S_INVALID_BOUND,
                              f"string of {len(data)} chars (with NUL) exceeds its bound {limit}")
        self.align(4)
        self.buf += _LE2I.pack(0, len(data))
        self.buf += data

    # -- GUIDs and context handles ------------------------------------------------------------
    def guid(self, u: Any) -> None:
        self.align(4)
        try:
            self.buf += u.bytes_le
        except AttributeError as exc:
            raise self._bad("a GUID", u, exc) from None

    def context_handle(self, ch: ContextHandle | None) -> None:
        self.align(4)
        if ch is None:
            self.buf += _NULL_CONTEXT
            return
        self.u32(ch.attributes)
        self.guid(ch.uuid)

    # -- pointers -----------------------------------------------------------------------------
    def slot(self) -> int:
        """Reserve an aligned 4-byte referent-id slot; the id is patched in later."""
        buf = self.buf
        pad = -len(buf) & 3
        if pad:
            buf += _ZEROS[pad]
        pos = len(buf)
        buf += b"\0\0\0\0"
        return pos

    def null(self) -> int | None:
        """Write a NULL referent id; returns None, so ``w.slot() if p else w.null()``
        yields the slot to patch or None."""
        self.slot()
        return None

    def unique(self, slot: int) -> int:
        """Number a unique referent now (as it is marshalled) and patch its slot."""
        ref = self.next_unique
        self.next_unique = ref + 4
        _PACK_U32_INTO(self.buf, slot, ref)
        return ref

    def full(self, slot: int, obj: Any) -> bool:
        """Patch ``slot`` with the full-pointer id of ``obj``; True if it must be sent now."""
        key = id(obj)
        known = self.full_ids.get(key)
        if known is not None:
            _PACK_U32_INTO(self.buf, slot, known[0])
            return False
        ref = self.next_full
        self.next_full = ref + 1
        self.full_ids[key] = (ref, obj)  # holding obj keeps its id() unique
        _PACK_U32_INTO(self.buf, slot, ref)
        return True

    def unique_count(self, slot: int, n: int) -> None:
        """Number the unique pointer in ``slot`` and start its referent, a conformant array,
        with its max count (the common shape of sized pointers, in one call)."""
        buf = self.buf
        ref = self.next_unique
        self.next_unique = ref + 4
        _PACK_U32_INTO(buf, slot, ref)
        pad = -len(buf) & 3
        if pad:
            buf += _ZEROS[pad]
        try:
            buf += _LE["I"].pack(n)
        except struct.error as exc:
            raise self._bad("a count", n, exc) from None

    def unique_struct_prims(self, slot: int, f: Fixed, values: tuple[Any, ...], code: str,
                            items: Sequence[Any]) -> None:
        """Number the unique pointer in ``slot`` and write its referent: a conformant
        struct whose count and fixed members are ``values`` (one run ``f``) and whose
        last member is an array of integers (an RPC_SID)."""
        buf = self.buf
        ref = self.next_unique
        self.next_unique = ref + 4
        _PACK_U32_INTO(buf, slot, ref)
        pad = -len(buf) & (f.align - 1)
        if pad:
            buf += _ZEROS[pad]
        try:
            buf += f.le.pack(*values)
        except struct.error:
            self.fixed(f, *values)  # raises the error naming the member
        self.prim_array(code, items)

    def patch_u32(self, pos: int, value: int) -> None:
        _PACK_U32_INTO(self.buf, pos, value)

    # -- nesting ------------------------------------------------------------------------------
    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise EncodeError(RPC_S_INVALID_ARG, f"nesting deeper than {self.max_depth}")

    def leave(self) -> None:
        self.depth -= 1


class KeepingWriter(NdrWriter):
    """A writer that numbers unique pointers with the ids ``original`` has in the same
    slots (a stream this value was decoded from), so that re-encoding gives back its
    bytes. Windows and Samba number ``0x00020000 + 4k``; some writers (djoin.exe) use
    addresses. Where ``original`` has no id at a slot (NULL there, or past its end), the
    usual number stays. Full pointers keep their own numbering: their ids carry aliasing.
    ``offset`` is where this writer's ``buf[0]`` lies in ``original``."""

    __slots__ = ("original", "offset")

    def __init__(self, original: Any, offset: int = 0,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        super().__init__(max_depth)
        self.original = memoryview(original).cast("B")
        self.offset = offset

    def _keep(self, slot: int) -> None:
        at = self.offset + slot
        if 0 <= at and at + 4 <= len(self.original):
            ref = int.from_bytes(self.original[at:at + 4], "little")
            if ref:
                _PACK_U32_INTO(self.buf, slot, ref)

    def unique(self, slot: int) -> int:
        super().unique(slot)
        self._keep(slot)
        return int.from_bytes(self.buf[slot:slot + 4], "little")

    def unique_count(self, slot: int, n: int) -> None:
        super().unique_count(slot, n)
        self._keep(slot)

    def unique_struct_prims(self, slot: int, f: Fixed, values: tuple[Any, ...], code: str,
                            items: Sequence[Any]) -> None:
        super().unique_struct_prims(slot, f, values, code, items)
        self._keep(slot)

    def counted_wchars(self, slot: int, s: str, size: int, length: int) -> None:
        super().counted_wchars(slot, s, size, length)
        self._keep(slot)
