"""Decode, re-encode and check pickled data with a generated module (``midlpy dump``/``encode``).

Everything here works on an imported generated module: a type pickle ``T`` is read and
written by the module's ``_read_T``/``_write_T`` functions (the ones behind ``T_Decode``
and ``T_Encode``), a procedure pickle by the procedure function on a decoding handle.
Errors are :class:`DumpError`, carrying the byte offset (in the caller's file) and the
field path when they are known.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import struct
import types
from dataclasses import dataclass
from typing import Any, Callable

from midlpy import jsonmap
from midlpy.runtime import mes as _mes
from midlpy.runtime import support as _support
from midlpy.runtime.errors import DecodeError, EncodeError, RpcError
from midlpy.runtime.ndr import KeepingWriter, NdrReader, NdrWriter, _BigEndianReader

__all__ = ["DumpError", "Mismatch", "TypeCodec", "find_type", "pickled_types", "decode",
           "decode_proc", "encode", "validate", "to_text", "value_from_json"]

_COMMON_HEADER = ("Version", "Endianness", "CommonHeaderLength", "CommonHeaderLength",
                  "Filler", "Filler", "Filler", "Filler")
_PRIVATE_HEADER = ("ObjectBufferLength",) * 4 + ("Filler",) * 4


class DumpError(Exception):
    """Data (or a request) that cannot be decoded or encoded; says where when known."""

    def __init__(self, message: str, offset: int | None = None, path: str = "") -> None:
        where = "".join([f" at offset {offset}" if offset is not None else "",
                         f" in {path}" if path else ""])
        super().__init__(f"{message}{where}")
        self.message = message
        self.offset = offset
        self.path = path
        self.suggestion: str | None = None  # a pickled type the caller probably meant


@dataclass(frozen=True)
class TypeCodec:
    """How to read and write one pickled type of a generated module."""

    name: str
    read: Callable[[NdrReader], Any] | None
    write: Callable[[NdrWriter, Any], None] | None
    primitive: bool
    hint: Any  # the value's type, for JSON input
    namespace: dict[str, Any]


def pickled_types(module: types.ModuleType) -> list[str]:
    """Names of the pickled types a generated module can decode or encode."""
    table = getattr(module, "_PICKLED", None)
    if isinstance(table, dict):
        return sorted(table)
    names = {n[len("_read_"):] for n in vars(module) if n.startswith("_read_")}
    names |= {n[len("_write_"):] for n in vars(module) if n.startswith("_write_")}
    return sorted(n for n in names if hasattr(module, f"{n}_Decode")
                  or hasattr(module, f"{n}_Encode"))


def find_type(module: types.ModuleType, name: str) -> TypeCodec:
    """The codec of pickled type ``name``; DumpError listing the choices otherwise."""
    ns = vars(module)
    routine = ns.get(f"{name}_Decode") or ns.get(f"{name}_Encode")
    if routine is None:
        known = pickled_types(module)
        hint = ""
        # A struct name given for its pointer typedef (KERB_VALIDATION_INFO for
        # PKERB_VALIDATION_INFO): point at the pickled name.
        for k in known:
            if name in str(_return_hint_text(ns, k)).replace(" | None", "").split():
                hint = f"; did you mean {k}?"
                break
        err = DumpError(f"{name!r} is not a pickled type of {module.__name__} "
                        f"(pickled types: {', '.join(known) or 'none'}){hint}")
        err.suggestion = hint[len("; did you mean "):-1] if hint else None
        raise err
    table = ns.get("_PICKLED")
    if isinstance(table, dict) and name in table:
        read, write, primitive = table[name]
    else:  # a module generated before the table existed
        read, write = ns.get(f"_read_{name}"), ns.get(f"_write_{name}")
        primitive = _is_primitive(routine)
    return TypeCodec(name, read, write, primitive, _value_hint(ns, name), ns)


def _return_hint_text(ns: dict[str, Any], name: str) -> str:
    fn = ns.get(f"{name}_Decode")
    if fn is not None:
        return str(fn.__annotations__.get("return", ""))
    fn = ns.get(f"{name}_Encode")
    return str(fn.__annotations__.get("value", "")) if fn is not None else ""


def _value_hint(ns: dict[str, Any], name: str) -> Any:
    text = _return_hint_text(ns, name)
    if not text:
        return Any
    try:
        return eval(text, dict(ns))  # noqa: S307 - an annotation the generator wrote
    except Exception:  # noqa: BLE001 - fall back to untyped JSON
        return Any


def _is_primitive(routine: Callable[..., Any]) -> bool:
    """Whether a routine pickles a primitive (no private header). The template passes
    ``primitive=True``/``False`` as a literal, so it is read off the routine's code."""
    return any(c is True for c in routine.__code__.co_consts)


# ---------------------------------------------------------------------------- decoding

def _data_error(exc: RpcError, base: int) -> DumpError:
    offset = getattr(exc, "offset", None)
    return DumpError(exc.message, None if offset is None else offset + base,
                     getattr(exc, "path", ""))


def decode(codec: TypeCodec, data: bytes, *, raw: bool = False, base: int = 0,
           big_endian: bool = False) -> Any:
    """Decode one ``codec`` value from ``data``: a type pickle, or with ``raw`` a bare
    NDR stream. ``base`` is where ``data`` starts in the file (for error offsets)."""
    if codec.read is None:
        raise DumpError(f"{codec.name} is not marked [decode] in the ACF")
    try:
        if raw:
            return _mes._run_reader(codec.read, memoryview(data), big_endian, 0)
        return _mes.unpickle_type(data, codec.read, codec.primitive)
    except RpcError as e:
        raise _data_error(e, base) from None


def decode_proc(module: types.ModuleType, proc: str, data: bytes, base: int = 0) -> Any:
    """The ``[out]`` values of a procedure pickle (what ``P(h)`` returns on a decoding
    handle)."""
    from midlpy.runtime.mes import MesDecodeBufferHandleCreate

    fn = getattr(module, proc, None)
    if not callable(fn) or proc.startswith("_") or isinstance(fn, type):
        raise DumpError(f"{proc!r} is not a procedure of {module.__name__}")
    try:
        return fn(MesDecodeBufferHandleCreate(data))
    except TypeError:
        raise DumpError(f"{proc} does not take a handle argument (an [implicit_handle] "
                        "procedure); use the module from Python") from None
    except RpcError as e:
        raise _data_error(e, base) from None


def encode(codec: TypeCodec, value: Any, *, raw: bool = False,
           referents: bytes | None = None) -> bytes:
    """The pickle (or with ``raw`` the bare NDR stream) of ``value``; with ``referents``,
    unique pointers numbered as in those bytes (``keep_referents``)."""
    if codec.write is None:
        raise DumpError(f"{codec.name} is not marked [encode] in the ACF")
    try:
        if raw:
            w = NdrWriter() if referents is None else KeepingWriter(referents)
            codec.write(w, value)
            return bytes(w.buf)
        if referents is not None:
            return _mes.pickle_type_keeping(codec.write, value, referents, codec.primitive)
        return _mes.pickle_type(codec.write, value, codec.primitive)
    except EncodeError as e:
        raise DumpError(e.message, None, e.path) from None
    except RpcError as e:
        raise DumpError(e.message) from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as e:
        raise DumpError(f"cannot encode: {e}") from None


def value_from_json(codec: TypeCodec, text: str) -> Any:
    """The value a JSON document (as ``dump --format json`` prints) describes."""
    try:
        return jsonmap.loads(text, codec.hint, codec.namespace)
    except jsonmap.JsonMapError as e:
        raise DumpError(e.message, None, e.path) from None


# ---------------------------------------------------------------------------- validation

@dataclass(frozen=True)
class Mismatch:
    """The first byte where re-encoding differs from the input."""

    offset: int  # in the caller's file
    expected: int | None  # the input byte (None: the input ended)
    actual: int | None  # the re-encoded byte (None: the encoding ended)
    path: str  # the field that byte belongs to, as far as it can be told
    # True when re-encoding with the input's own pointer ids gives its bytes back
    referents_only: bool = False


class _Lenient(NdrReader):
    """A reader that skips the up-front count checks, so that on a truncated stream a
    read fails at the exact element rather than at the array that sized it, and that
    remembers a run of fixed-size fields it could not read (``run``)."""

    def __new__(cls, *args: Any, **kw: Any) -> "_Lenient":
        return object.__new__(cls)

    def check_count(self, n: int, min_elem_size: int) -> None:
        if n < 0:
            super().check_count(n, min_elem_size)

    def fixed(self, f: Any) -> tuple[Any, ...]:
        start = (self.pos + f.align - 1) & -f.align
        if start + f.size > len(self.buf):
            self.run = (start, f)
        return super().fixed(f)


class _LenientBE(_Lenient, _BigEndianReader):
    """The same for a big-endian stream."""


def _lenient_reader(buf: memoryview, big_endian: bool) -> _Lenient:
    return _LenientBE(buf, True) if big_endian else _Lenient(buf)


_ITEM = re.compile(r"(\d*)([a-zA-Z?])")


def _run_item(fmt: str, offset: int) -> int | None:
    """Index of the value a byte ``offset`` into a ``struct`` run belongs to (None: a
    pad byte). Runs are packed with standard sizes, so there is no implicit padding."""
    pos = index = 0
    for count_text, code in _ITEM.findall(fmt):
        count = int(count_text or 1)
        size, items = (count, 1) if code == "s" else (count * struct.calcsize(code), count)
        if offset < pos + size:
            if code == "x":
                return None
            return index + (offset - pos) * items // size
        pos += size
        index += 0 if code == "x" else items
    return None


def _follow(value: Any, path: str) -> tuple[Any, str] | None:
    """The object holding the last field of ``path`` (which starts with a type name)
    inside ``value``, and that field's name."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)[1:]
    if not parts or parts[-1].startswith("["):
        return None
    for part in parts[:-1]:
        try:
            value = value[int(part[1:-1])] if part.startswith("[") else getattr(value, part)
        except (AttributeError, IndexError, TypeError):
            return None
    return value, parts[-1]


def _leaves(obj: Any, names: list[str], prefix: str, out: list[str]) -> None:
    """Field paths of the fixed-size values of ``obj``'s fields ``names``, in wire order."""
    notes: dict[str, Any] = {}
    for klass in type(obj).__mro__:
        notes.update(getattr(klass, "__annotations__", {}))
    for name in names:
        value = getattr(obj, name)
        here = f"{prefix}.{name}"
        pointer = str(notes.get(name, "")).endswith("| None") or value is None
        if pointer or isinstance(value, (str, bytes)):
            out.append(here)
        elif _support.fields_of(value) is not None:
            _leaves(value, list(_support.fields_of(value) or ()), here, out)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if _support.fields_of(item) is not None:
                    _leaves(item, list(_support.fields_of(item) or ()),
                            f"{here}[{i}]", out)
                else:
                    out.append(f"{here}[{i}]")
        else:
            out.append(here)


def _field_in_run(reference: Any, coarse: str, fmt: str, offset: int) -> str | None:
    """Refine ``coarse`` (the path of a run's first field) to the field holding the
    byte ``offset`` into the run."""
    index = _run_item(fmt, offset)
    held = _follow(reference, coarse)
    if index is None or held is None:
        return None
    obj, first = held
    names = list(_support.fields_of(obj) or ())
    if not names:
        return None
    if first not in names:
        return None
    leaves: list[str] = []
    _leaves(obj, names[names.index(first):], coarse.rsplit(".", 1)[0], leaves)
    return leaves[index] if index < len(leaves) else None


def _path_at(codec: TypeCodec, data: bytes, pos: int, raw: bool) -> str:
    """The field the byte at ``pos`` of ``data`` belongs to, as far as it can be told.

    First by changing that byte and seeing which field's value changes (data bytes);
    then by decoding the stream cut just before it and seeing where the reader runs out
    (referent ids, counts, padding); within a run of fixed-size fields read by one
    ``struct`` call, by counting the run's items along the decoded value's fields."""
    start, big = 0, False
    if not raw:
        if pos < 8:
            return f"common header {_COMMON_HEADER[pos]}"
        big = len(data) > 1 and data[1] == 0
        start = 8
        if not codec.primitive:
            if pos < 16:
                return f"private header {_PRIVATE_HEADER[pos - 8]}"
            start = 16
    body = memoryview(data)[start:]
    rel = pos - start
    reference = _try_read(codec, NdrReader(body, big))
    if reference is _FAILED:
        return codec.name
    flipped = bytearray(body)
    flipped[rel] ^= 0xFF
    changed = _changed_path(codec, reference, flipped, big)
    if changed:
        return changed
    cut = _lenient_reader(body[:rel], big)
    try:
        assert codec.read is not None
        codec.read(cut)
        return "padding after the value"
    except DecodeError as e:
        coarse = e.path or codec.name
    except Exception:  # noqa: BLE001 - the path is a hint; any failure just hides it
        return codec.name
    run = getattr(cut, "run", None)
    if run is not None and run[0] <= rel:
        return _field_in_run(reference, coarse, run[1].fmt, rel - run[0]) or coarse
    return coarse


_FAILED = object()


def _try_read(codec: TypeCodec, reader: NdrReader) -> Any:
    assert codec.read is not None
    try:
        return codec.read(reader)
    except Exception:  # noqa: BLE001 - a mutated stream may fail in any way
        return _FAILED


def _changed_path(codec: TypeCodec, reference: Any, mutated: bytearray, big: bool) -> str:
    value = _try_read(codec, NdrReader(mutated, big))
    if value is _FAILED:
        return ""
    root = (type(reference).__name__ if _support.fields_of(reference) is not None
            else codec.name)
    return _first_difference(reference, value, root) or ""


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    """The path of the first leaf where two decoded values differ (each pair of objects
    looked at once, in field order, without recursion)."""
    seen: set[tuple[int, int]] = set()
    stack = [(a, b, path)]
    while stack:
        x, y, here = stack.pop()
        if type(x) is not type(y) or x is None or y is None:
            if x == y and type(x) is type(y):
                continue
            return here
        names = _support.fields_of(x)
        if names is None and not isinstance(x, (list, tuple)):
            if x != y:
                return here
            continue
        if (id(x), id(y)) in seen:
            continue
        seen.add((id(x), id(y)))
        if names is not None:
            stack.extend((getattr(x, n), getattr(y, n), f"{here}.{n}") for n in reversed(names))
        else:
            if len(x) != len(y):  # reported after the common items: a pair that differs
                stack.append((len(x), len(y), here))
            n = min(len(x), len(y))
            stack.extend((x[i], y[i], f"{here}[{i}]") for i in range(n - 1, -1, -1))
    return None


def validate(codec: TypeCodec, data: bytes, value: Any, *, raw: bool = False,
             base: int = 0) -> Mismatch | None:
    """Re-encode ``value`` (decoded from ``data``) and compare with the bytes it came
    from; the first difference, or None when they are identical. When only the referent
    ids differ, the difference is marked ``referents_only``; when more does, it is the
    first difference left once the input's own ids are reused."""
    again = encode(codec, value, raw=raw)
    if raw:
        original = data[:max(len(again), _consumed_raw(codec, data))]
    else:
        original = data[:_pickle_length(codec, data)]
    found = _first_mismatch(codec, data, original, again, raw, base)
    if found is None:
        return None
    # the input's writer may number its pointers its own way: compare with its ids too
    kept = encode(codec, value, raw=raw, referents=data)
    beyond = _first_mismatch(codec, data, original, kept, raw, base)
    return dataclasses.replace(found, referents_only=True) if beyond is None else beyond


def _first_mismatch(codec: TypeCodec, data: bytes, original: bytes, again: bytes, raw: bool,
                    base: int) -> Mismatch | None:
    n = min(len(original), len(again))
    for i in range(n):
        if original[i] != again[i]:
            return Mismatch(base + i, original[i], again[i], _path_at(codec, data, i, raw))
    if len(original) != len(again):
        return Mismatch(base + n, original[n] if n < len(original) else None,
                        again[n] if n < len(again) else None,
                        "end of the data" if n >= len(original) else "end of the encoding")
    return None


def _pickle_length(codec: TypeCodec, data: bytes) -> int:
    """Bytes of the first type pickle in ``data``: headers plus the body."""
    if codec.primitive:
        return 16
    if len(data) < 16:
        return len(data)
    length = int.from_bytes(data[8:12], "big" if data[1] == 0 else "little")
    return 16 + length


def _consumed_raw(codec: TypeCodec, data: bytes) -> int:
    r = NdrReader(memoryview(data))
    assert codec.read is not None
    codec.read(r)
    return r.pos


# ---------------------------------------------------------------------------- text form

def to_text(value: Any, name: str = "") -> str:
    """A readable indented rendering of a decoded value. An object reached more than once
    (through full pointers) is shown once, tagged ``#k``, then as ``same as #k``; deep
    nesting stops indenting further at level 32 and shows the level instead."""
    shared = _support.shared_objects(value)
    tags: dict[int, str] = {}
    lines: list[str] = []
    stack: list[tuple[Any, str, int]] = [(value, name or "value", 0)]
    while stack:
        x, label, depth = stack.pop()
        pad = "  " * depth if depth <= _MAX_INDENT else f"{'  ' * _MAX_INDENT}({depth}) "
        simple = _scalar(x)
        if simple is not None:
            lines.append(f"{pad}{label}: {simple}")
            continue
        tag = ""
        if id(x) in shared:
            if id(x) in tags:
                lines.append(f"{pad}{label}: same as {tags[id(x)]} above")
                continue
            tags[id(x)] = f"#{len(tags) + 1}"
            tag = f" {tags[id(x)]}"
        names = _support.fields_of(x)
        if names is None:
            lines.append(f"{pad}{label}: [{len(x)} items]{tag}" if x else f"{pad}{label}: []{tag}")
            stack.extend((x[i], f"[{i}]", depth + 1) for i in range(len(x) - 1, -1, -1))
        else:
            lines.append(f"{pad}{label}: {type(x).__name__}{tag}")
            stack.extend((getattr(x, n), n, depth + 1) for n in reversed(names))
    return "\n".join(lines) + "\n"


_MAX_INDENT = 32


def _scalar(value: Any) -> str | None:
    if value is None:
        return "NULL"
    if isinstance(value, enum.Enum):
        return f"{value.name} ({value.value})"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"{value} (0x{value & 0xFFFFFFFFFFFFFFFF:x})" if value > 9 or value < 0 else str(value)
    if isinstance(value, (float, str)):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        b = bytes(value)
        return f"[{len(b)} bytes] {b.hex(' ')}" if b else "[0 bytes]"
    if _support.fields_of(value) is None and not isinstance(value, (list, tuple)):
        try:
            return str(jsonmap.to_json(value))
        except TypeError:
            return repr(value)
    return None
