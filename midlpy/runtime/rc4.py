"""RC4, the stream cipher NTLM seals messages and signatures with ([MS-NLMP] 3.4.3, 3.4.4).

Standard library only (``hashlib``/OpenSSL 3 no longer offer it). One :class:`RC4` object is
one keystream: NTLM keeps a sealing handle per direction for the life of a security context,
so successive calls continue the stream rather than restarting it.
"""

from __future__ import annotations

__all__ = ["RC4"]


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
        i = self._i
        j = self._j
        ks = bytearray(n)
        for k in range(n):
            i = (i + 1) & 0xFF
            si = s[i]
            j = (j + si) & 0xFF
            sj = s[j]
            s[i] = sj
            s[j] = si
            ks[k] = s[(si + sj) & 0xFF]
        self._i = i
        self._j = j
        # One big-integer XOR is far cheaper than a second per-byte loop.
        return (int.from_bytes(data, "little") ^ int.from_bytes(ks, "little")).to_bytes(n, "little")
