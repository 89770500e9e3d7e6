"""Hand-written comparators for the bulk-array benchmarks (bulk.idl).

Each decodes or encodes the same type pickle as midlpy's PULONGS / PITEMS
routines, headers and counts checked, into the same value objects (the
generated dataclasses are passed in), using only ``array`` and ``struct``:
the fastest plain-Python way to do the same conversion.

Layout: common header (8), private header (8), then the stream: unique
referent id, the hoisted max count, Count, the elements; padded to 8.
"""

from __future__ import annotations

import struct
from array import array
from itertools import starmap

_HEAD = struct.Struct("<BBHIII")    # common header + private header
_BODY = struct.Struct("<III")       # referent id, max count, Count
_ITEM = struct.Struct("<IIHH")
_COMMON = b"\x01\x10\x08\x00\xcc\xcc\xcc\xcc"


def _body(data) -> tuple[int, int]:
    """(count, position of the first element), after checking headers and counts."""
    version, endian, hlen, _, length, _ = _HEAD.unpack_from(data, 0)
    if (version, endian, hlen) != (1, 0x10, 8) or length & 7 or 16 + length > len(data):
        raise ValueError("bad MES headers")
    ref, maxc, count = _BODY.unpack_from(data, 16)
    if not ref or maxc != count:
        raise ValueError("bad referent or counts")
    return count, 28


def _finish(out: bytearray) -> bytes:
    out += bytes(-len(out) & 7)
    _HEAD.pack_into(out, 0, 1, 0x10, 8, 0xCCCCCCCC, len(out) - 16, 0)
    return out


# -- 1,000,000 unsigned longs -----------------------------------------------------------

def ulongs_array(data, cls):
    """array.frombytes + tolist (one copy of the elements into the array)."""
    n, pos = _body(data)
    if pos + 4 * n > len(data):
        raise ValueError("short")
    a = array("I")
    a.frombytes(memoryview(data)[pos:pos + 4 * n])
    return cls(n, a.tolist())


def ulongs_unpack(data, cls):
    """struct.unpack_from of the whole run, then list()."""
    n, pos = _body(data)
    return cls(n, list(struct.unpack_from(f"<{n}I", data, pos)))


def ulongs_cast(data, cls):
    """memoryview.cast + tolist: no intermediate copy at all."""
    n, pos = _body(data)
    if pos + 4 * n > len(data):
        raise ValueError("short")
    return cls(n, memoryview(data)[pos:pos + 4 * n].cast("I").tolist())


def enc_ulongs_array(v) -> bytes:
    if len(v.Items) != v.Count:
        raise ValueError("Count disagrees with Items")
    out = bytearray(16)
    out += _BODY.pack(0x20000, v.Count, v.Count)
    out += array("I", v.Items).tobytes()
    return _finish(out)


def enc_ulongs_pack(v) -> bytes:
    if len(v.Items) != v.Count:
        raise ValueError("Count disagrees with Items")
    out = bytearray(16)
    out += _BODY.pack(0x20000, v.Count, v.Count)
    out += struct.pack(f"<{v.Count}I", *v.Items)
    return _finish(out)


# -- 100,000 small structs ----------------------------------------------------------------

def items_loop(data, cls, item):
    """The plain loop: unpack_from per element, construct, append."""
    n, pos = _body(data)
    end = pos + 12 * n
    if end > len(data):
        raise ValueError("short")
    unpack_from = _ITEM.unpack_from
    items = []
    append = items.append
    for off in range(pos, end, 12):
        a, b, c, d = unpack_from(data, off)
        append(item(a, b, c, d))
    return cls(n, items)


def items_starmap(data, cls, item):
    """The tightest form: iter_unpack over a view, starmap the constructor."""
    n, pos = _body(data)
    end = pos + 12 * n
    if end > len(data):
        raise ValueError("short")
    return cls(n, list(starmap(item, _ITEM.iter_unpack(memoryview(data)[pos:end]))))


def enc_items_loop(v) -> bytes:
    if len(v.Items) != v.Count:
        raise ValueError("Count disagrees with Items")
    out = bytearray(16)
    out += _BODY.pack(0x20000, v.Count, v.Count)
    pack = _ITEM.pack
    for it in v.Items:
        out += pack(it.Id, it.Attributes, it.Kind, it.Flags)
    return _finish(out)


def enc_items_join(v) -> bytes:
    if len(v.Items) != v.Count:
        raise ValueError("Count disagrees with Items")
    out = bytearray(16)
    out += _BODY.pack(0x20000, v.Count, v.Count)
    pack = _ITEM.pack
    out += b"".join([pack(it.Id, it.Attributes, it.Kind, it.Flags) for it in v.Items])
    return _finish(out)
