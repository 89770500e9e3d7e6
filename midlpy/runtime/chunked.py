"""Read a length the peer claims without trusting it: in bounded chunks.

A wire length field can claim up to 4 GiB whatever the sender really has. Asking a
callback (or a socket) for all of it in one call lets the callee allocate that much
before a single byte has arrived. :func:`read_chunked` asks for at most ``CHUNK`` bytes
at a time, so memory grows only with the bytes actually delivered.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["CHUNK", "read_chunked"]

CHUNK = 1 << 16


def read_chunked(read: Callable[[int], Any], size: int, chunk: int = CHUNK) -> Any:
    """Up to ``size`` bytes from ``read(n)``, called with ``n <= chunk``.

    A call that returns fewer bytes than asked ends the data (end of stream, as file
    objects and ``socket.makefile('rb')`` behave): the result is then shorter than
    ``size`` and the caller decides whether that is an error. A request that fits in
    one chunk returns what ``read`` returned, uncopied.
    """
    if size <= chunk:
        return read(size)
    out = bytearray()
    while len(out) < size:
        want = min(chunk, size - len(out))
        data = read(want)
        out += data  # a non-bytes result raises TypeError here, for the caller to report
        if len(data) < want:
            break
    return out
