"""C arithmetic for correlation expressions (``size_is(a/b)``, ``length_is(n<<k)``).

MIDL evaluates a correlation expression in C, so the generated code must too, with
values that may come straight from the wire. Only the operators that can fail or blow
up go through here -- division and remainder (a zero divisor), shifts (a count outside
0..31) -- and only when the code generator cannot see that they are safe. The ``u``
forms follow C's conversion of both operands to 32-bit unsigned (some operand is
unsigned); the ``s`` forms are 32-bit signed: division truncates toward zero and the
remainder takes the dividend's sign.

A failure is :class:`ExprError`, a DecodeError: decoders pass it up with the field
path like any other, and the MES and RPC layers add the offset. It is a ValueError too,
so encoders turn it into an EncodeError where they convert any bad value
(``support.encode_failure``).
"""

from __future__ import annotations

from .errors import RPC_S_INVALID_BOUND, DecodeError

__all__ = ["ExprError", "udiv", "sdiv", "umod", "smod", "ushl", "sshl", "ushr", "sshr"]

_U32 = 0xFFFFFFFF


class ExprError(DecodeError, ValueError):
    """A correlation expression C cannot evaluate either (zero divisor, bad shift)."""


def _divisor(b: int) -> int:
    if b == 0:
        raise ExprError(RPC_S_INVALID_BOUND, "correlation expression divides by zero")
    return b


def _count(n: int) -> int:
    if not 0 <= n < 32:
        raise ExprError(RPC_S_INVALID_BOUND,
                        f"correlation expression shifts by {n} (C allows 0..31)")
    return n


def _signed(x: int) -> int:
    x &= _U32
    return x - (1 << 32) if x & 0x80000000 else x


def udiv(a: int, b: int) -> int:
    return (a & _U32) // _divisor(b & _U32)


def sdiv(a: int, b: int) -> int:
    q = abs(a) // abs(_divisor(b))
    return -q if (a < 0) != (b < 0) else q


def umod(a: int, b: int) -> int:
    return (a & _U32) % _divisor(b & _U32)


def smod(a: int, b: int) -> int:
    r = abs(a) % abs(_divisor(b))
    return -r if a < 0 else r


def ushl(a: int, n: int) -> int:
    return ((a & _U32) << _count(n)) & _U32


def sshl(a: int, n: int) -> int:
    return _signed(a << _count(n))


def ushr(a: int, n: int) -> int:
    return (a & _U32) >> _count(n)


def sshr(a: int, n: int) -> int:
    return a >> _count(n)  # arithmetic, as MSVC and GCC do for a negative int
