"""Structure-aware byte mutations for NDR pickles, driven by one ``random.Random``.

Random bit flips rarely hit the interesting places of an NDR stream, so most operations
aim at aligned 32-bit words (counts, referent ids, offsets, lengths) and set them to the
values that break decoders: zero, one, the top of each range, 2**32 - 1, or the count
multiplied. The same operations serve Hypothesis (which draws the seed for ``Random``)
and the long ``make fuzz`` run.
"""

from __future__ import annotations

import random
import struct

INTERESTING_U32 = (0, 1, 2, 3, 4, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
                   0x10000, 0x20000, 0x20004, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF)


def _word(rng: random.Random, b: bytearray) -> int:
    return rng.randrange(0, len(b) - 3) & ~3 if len(b) >= 4 else -1


def _set_u32(rng: random.Random, b: bytearray) -> None:
    i = _word(rng, b)
    if i >= 0:
        struct.pack_into("<I", b, i, rng.choice(INTERESTING_U32))


def _inflate(rng: random.Random, b: bytearray) -> None:
    """Multiply a small aligned word (probably a count) or add to it."""
    small = [i for i in range(0, len(b) - 3, 4) if 0 < struct.unpack_from("<I", b, i)[0] < 4096]
    if small:
        i = rng.choice(small)
        v = struct.unpack_from("<I", b, i)[0]
        new = rng.choice((v * 2, v * 1000, v + 1, v - 1, 0xFFFFFFFF // max(v, 1)))
        struct.pack_into("<I", b, i, new & 0xFFFFFFFF)


def _flip(rng: random.Random, b: bytearray) -> None:
    if b:
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)


def _byte(rng: random.Random, b: bytearray) -> None:
    if b:
        b[rng.randrange(len(b))] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))


def _truncate(rng: random.Random, b: bytearray) -> None:
    del b[rng.randrange(len(b) + 1):]


def _delete(rng: random.Random, b: bytearray) -> None:
    if b:
        i = rng.randrange(len(b))
        del b[i:i + rng.choice((1, 4, 8))]


def _insert(rng: random.Random, b: bytearray) -> None:
    i = rng.randrange(len(b) + 1)
    b[i:i] = rng.choice((b"\0" * 4, b"\xff" * 4, bytes(rng.randrange(256) for _ in range(8))))


def _copy_word(rng: random.Random, b: bytearray) -> None:
    """Copy one aligned word over another: referent ids reused, counts swapped."""
    i, j = _word(rng, b), _word(rng, b)
    if i >= 0:
        b[j:j + 4] = b[i:i + 4]


OPERATIONS = (_set_u32, _set_u32, _inflate, _inflate, _flip, _byte, _truncate, _delete,
              _insert, _copy_word)


def mutate(rng: random.Random, data: bytes, kind: str = "raw") -> bytes:
    """1 to 4 mutations of ``data``. For a pickle (``kind`` "type" or "proc") the
    envelope is mostly left alone and its length field is usually made to agree with
    the mutated body, so that the NDR reader, not the envelope check, is exercised."""
    keep = {"type": 16, "proc": 56, "prim": 8}.get(kind, 0)
    if len(data) < keep:
        keep = 0
    head, body = bytearray(data[:keep]), bytearray(data[keep:])
    for _ in range(rng.choice((1, 1, 2, 3, 4))):
        target = head if head and rng.random() < 0.1 else body
        rng.choice(OPERATIONS)(rng, target)
    if kind in ("type", "proc") and keep and len(head) == keep and rng.random() < 0.9:
        body += bytes(-len(body) % 8)
        struct.pack_into("<I", head, 8 if kind == "type" else 52, len(body))
    return bytes(head + body)
