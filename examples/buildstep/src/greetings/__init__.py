"""Greetings as NDR type pickles; ``greetings.greeting`` is generated at build time."""

from __future__ import annotations

from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate

from greetings.greeting import GREETING, MOOD, GREETING_Decode, GREETING_Encode

__all__ = ["GREETING", "MOOD", "pickle", "unpickle"]


def pickle(value: GREETING) -> bytes:
    """The MES type pickle of ``value``."""
    h = MesEncodeDynBufferHandleCreate()
    GREETING_Encode(h, value)
    return bytes(h.buffer)


def unpickle(data: bytes) -> GREETING:
    """The GREETING pickled in ``data``."""
    return GREETING_Decode(MesDecodeBufferHandleCreate(data))
