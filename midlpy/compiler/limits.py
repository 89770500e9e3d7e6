"""The compiler's resource bounds and the 64-bit rule for integer constants.

Every bound here exists so that a small hostile IDL file costs bounded time and memory and
gets a diagnostic. Each is far above what real IDL needs (the largest file in Wine's
include tree, mshtml.idl, is 1.2 MB; its longest line 676 characters). docs/limits.md
lists them for users.
"""

from __future__ import annotations

import sys

#: Integer constants live in 64 bits, as in MIDL (which evaluates in ``__int64``): every
#: literal and every intermediate result must be representable as a signed or an unsigned
#: 64-bit integer, so the range is the union of both.
INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1
UINT_MAX = (1 << 64) - 1
#: A shift count must be 0..63 (C leaves larger and negative counts undefined).
SHIFT_LIMIT = 64

MAX_SOURCE_CHARS = 16 << 20  # characters read per preprocessing run, includes counted
MAX_LINE_CHARS = 256 << 10  # one logical line (after backslash-newline splicing)
MAX_STRING_CHARS = 65_535  # a string literal after concatenation (MSVC's limit, C1091)
#: Tokens handed to the parser per preprocessing run (the parser holds about 1-2 KB per
#: token). mshtml.idl with its includes, the largest real input, gives 911,322.
MAX_OUTPUT_TOKENS = 2_000_000
#: Tokens macro expansion may produce per run: a base plus a multiple of the source read,
#: so that a small file cannot expand into a large one (mshtml.idl: 956,360 tokens
#: expanded from 1,505,353 characters).
EXPANSION_BASE = 100_000
EXPANSION_PER_CHAR = 4
#: Elements in one fixed or default-sized array: MIDL refuses a type whose size does not
#: fit in 2**31 bytes; midlpy holds one Python object per element, so it draws the line at
#: 2**24 elements (128 MiB of 8-byte slots) and says so.
MAX_FIXED_ELEMENTS = 1 << 24


#: A possessive repeat where Python has it (3.11): the regex engine then keeps no
#: backtracking state per repetition, so a long run costs no memory.
POSSESSIVE = "*+" if sys.version_info >= (3, 11) else "*"


class OutOfRange(ValueError):
    """An integer constant that does not fit in 64 bits."""


def fit64(value: int) -> int:
    """``value`` when it is representable in 64 bits, else :class:`OutOfRange`."""
    if INT_MIN <= value <= UINT_MAX:
        return value
    raise OutOfRange("integer constant does not fit in 64 bits")


def complement64(value: int) -> int:
    """C's ``~`` on a 64-bit value: an unsigned operand stays unsigned."""
    return ~value if value <= INT_MAX else ~value & UINT_MAX


def shift64(op: str, a: int, b: int) -> int:
    """``a << b`` or ``a >> b`` with a checked count and a checked result."""
    if not 0 <= b < SHIFT_LIMIT:
        raise OutOfRange(f"shift count {b} is out of range (0 to {SHIFT_LIMIT - 1})")
    return fit64(a << b) if op == "<<" else a >> b


def c_div(op: str, a: int, b: int) -> int:
    """C's ``/`` (truncating toward zero) and ``%`` (the sign of the dividend)."""
    if b == 0:
        raise ZeroDivisionError("division by zero in a constant expression")
    q = abs(a) // abs(b)
    if (a >= 0) != (b >= 0):
        q = -q
    return fit64(q if op == "/" else a - q * b)


_MAX_DIGITS = {16: 16, 2: 64, 8: 22, 10: 20}


def parse_int(digits: str, base: int) -> int:
    """``int(digits, base)`` for a literal, refusing more than 64 bits before converting
    (so that 5,000 digits cost nothing and never meet Python's digit limit)."""
    if len(digits.lstrip("0")) > _MAX_DIGITS[base]:
        raise OutOfRange("integer constant does not fit in 64 bits")
    return fit64(int(digits, base))


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters for a diagnostic."""
    return text if len(text) <= limit else text[:limit - 3] + "..."
