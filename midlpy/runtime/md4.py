"""MD4 (RFC 1320), which NTLM uses to hash passwords.

``hashlib`` offers MD4 only when OpenSSL's legacy provider is loaded, and OpenSSL 3 leaves
it out by default, so the runtime carries its own. MD4 is broken as a general-purpose hash;
here it only computes the NT hash that NTLM defines in terms of it.
"""

from __future__ import annotations

import struct

__all__ = ["md4"]

_MASK = 0xFFFFFFFF
# Round 2 and 3 additive constants: sqrt(2) and sqrt(3) in 2.30 fixed point (RFC 1320 3.4).
_K2 = 0x5A827999
_K3 = 0x6ED9EBA1
# Word order of the 16 steps of each round.
_ORDER2 = (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)
_ORDER3 = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
_SHIFT1 = (3, 7, 11, 19)
_SHIFT2 = (3, 5, 9, 13)
_SHIFT3 = (3, 9, 11, 15)
_BLOCK = struct.Struct("<16I")


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _MASK


def md4(data: bytes) -> bytes:
    """The 16-byte MD4 digest of ``data``."""
    n = len(data)
    # Pad: 0x80, zeros to 56 mod 64, then the bit length as a little-endian 64-bit number.
    tail = b"\x80" + b"\x00" * ((55 - n) % 64) + struct.pack("<Q", (n * 8) & 0xFFFFFFFFFFFFFFFF)
    msg = bytes(data) + tail
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        x = _BLOCK.unpack_from(msg, off)
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):  # round 1: F(b,c,d) = (b & c) | (~b & d)
            f = (b & c) | (~b & d)
            a, b, c, d = d, _rotl((a + f + x[i]) & _MASK, _SHIFT1[i % 4]), b, c
        for i in range(16):  # round 2: G = majority(b, c, d)
            g = (b & c) | (b & d) | (c & d)
            a, b, c, d = d, _rotl((a + g + x[_ORDER2[i]] + _K2) & _MASK, _SHIFT2[i % 4]), b, c
        for i in range(16):  # round 3: H = b ^ c ^ d
            a, b, c, d = d, _rotl((a + (b ^ c ^ d) + x[_ORDER3[i]] + _K3) & _MASK,
                                  _SHIFT3[i % 4]), b, c
        a = (a + aa) & _MASK
        b = (b + bb) & _MASK
        c = (c + cc) & _MASK
        d = (d + dd) & _MASK
    return struct.pack("<4I", a, b, c, d)
