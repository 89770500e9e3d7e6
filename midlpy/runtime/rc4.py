"""RC4, the stream cipher NTLM seals messages and signatures with ([MS-NLMP] 3.4.3, 3.4.4).

Standard library only (``hashlib``/OpenSSL 3 no longer offer it). One :class:`RC4` object is
one keystream: NTLM keeps a sealing handle per direction for the life of a security context,
so successive calls continue the stream rather than restarting it.
"""

from __future__ import annotations

from itertools import cycle, islice

__all__ = ["RC4"]

_NEXT = list(range(1, 256)) + [0]  # _NEXT[i] == (i + 1) % 256
_MOD = [x & 0xFF for x in range(512)]  # _MOD[x] == x % 256 for the sums of two bytes


class RC4:
    """An RC4 keystream; :meth:`update` encrypts (or, identically, decrypts) the next bytes."""

    __slots__ = ("_s", "_i", "_j")

    def __init__(self, key: bytes) -> None:
        if not 1 <= len(key) <= 256:
            raise ValueError("RC4 key must be 1 to 256 bytes")
        s = list(range(256))
        j = 0
        klen = len(key)
        for i in range(256):  # key scheduling
            j = (j + s[i] + key[i % klen]) & 0xFF
            s[i], s[j] = s[j], s[i]
        self._s = s
        self._i = 0
        self._j = 0

    def __repr__(self) -> str:  # the state is key material
        return "<RC4 keystream>"

    def update(self, data: bytes) -> bytes:
        """XOR ``data`` with the next ``len(data)`` keystream bytes."""
        n = len(data)
        if not n:
            return b""
        s = self._s
        j = self._j
        mod = _MOD
        ks = bytearray(n)
        k = 0
        # i runs through 1, 2, ..., 255, 0, 1, ... from where it stopped: a precomputed
        # cycle and a lookup table for "mod 256" are cheaper than the arithmetic per byte.
        i = self._i
        for i in islice(cycle(_NEXT[i:] + _NEXT[:i]), n):
            si = s[i]
            j = mod[j + si]
            sj = s[j]
            s[i] = sj
            s[j] = si
            ks[k] = s[mod[si + sj]]
            k += 1
        self._i = i
        self._j = j
        # One big-integer XOR is far cheaper than a second per-byte loop.
        return (int.from_bytes(data, "little") ^ int.from_bytes(ks, "little")).to_bytes(n, "little")
