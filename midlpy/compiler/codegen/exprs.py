"""Render correlation expressions (``size_is(Length/2)``, ``length_is(*pn)``) as Python.

Names are mapped by the caller (to ``v.Length`` in a struct, to a parameter in a
procedure); C operators become their Python spelling. The values may come from the
wire, so the operators that fail or blow up in Python where C would not -- ``/`` and
``%`` (a zero divisor, floor instead of truncation) and shifts (a huge count) -- call
the C helpers of ``midlpy.runtime.cexpr`` unless the operands show they are safe: an
unsigned field divided by a positive constant, a shift by a constant 0..31. Which names
are unsigned comes from the field and parameter types (``Corr.unsigned``).
"""

from __future__ import annotations

import re
from typing import Callable, Container

from midlpy.compiler import ast
from midlpy.compiler.sema.naming import pyname

_BINARY = {"&&": "and", "||": "or"}
_ARITH = {"*", "/", "%", "+", "-", "<<", ">>", "&", "^", "|"}
_HELPER = {"/": "div", "%": "mod", "<<": "shl", ">>": "shr"}


def render(expr: ast.Expr, name: Callable[[str], str], unsigned: Container[str] = ()) -> str:
    """Python for ``expr``; ``unsigned`` holds the names whose C type is unsigned."""

    def r(e: ast.Expr) -> tuple[str, bool]:
        """(code, whether C evaluates it as unsigned)."""
        if isinstance(e, ast.Num):
            return str(e.value), e.value > 0x7FFFFFFF or "u" in e.text.lower()
        if isinstance(e, ast.CharLit):
            return str(e.value), False
        if isinstance(e, ast.FloatNum):
            return repr(e.value), False
        if isinstance(e, ast.Name):
            return name(e.id), e.id in unsigned
        if isinstance(e, ast.Unary):
            code, u = r(e.operand)
            if e.op in ("*", "&"):
                return code, u  # a pointer parameter's value is its referent
            if e.op == "!":
                return f"(not {code})", False
            return f"({e.op}{code})", u
        if isinstance(e, ast.Binary):
            (left, lu), (right, ru) = r(e.left), r(e.right)
            u = lu or ru if e.op not in ("<<", ">>") else lu
            if e.op in _HELPER and not _safe(e, unsigned):
                return f"_support.{'u' if u else 's'}{_HELPER[e.op]}({left}, {right})", u
            op = "//" if e.op == "/" else _BINARY.get(e.op, e.op)
            return f"({left} {op} {right})", u and e.op in _ARITH
        if isinstance(e, ast.Conditional):
            (then, tu), (other, ou) = r(e.then), r(e.otherwise)
            return f"({then} if {r(e.cond)[0]} else {other})", tu or ou
        if isinstance(e, ast.Cast):
            return r(e.operand)
        if isinstance(e, ast.Member):
            return f"{r(e.base)[0]}.{pyname(e.name)}", False
        if isinstance(e, ast.Index):
            return f"{r(e.base)[0]}[{r(e.index)[0]}]", False
        raise ValueError(f"unsupported expression {type(e).__name__}")

    return r(expr)[0]


def calls_c_helper(code: str) -> bool:
    """Whether generated ``code`` calls a helper that may raise ``ExprError``."""
    return _CALL.search(code) is not None


_CALL = re.compile(r"_support\.[us](?:div|mod|shl|shr)\(")


def _safe(e: ast.Binary, unsigned: Container[str]) -> bool:
    """Whether Python's operator gives C's result and cannot fail or blow up."""
    right = e.right
    if not isinstance(right, ast.Num):
        return False
    if e.op in ("<<", ">>"):
        return 0 <= right.value < 32  # bounded, whatever the left operand
    # floor division equals truncation for a non-negative dividend
    return right.value > 0 and isinstance(e.left, ast.Name) and e.left.id in unsigned


def names_in(expr: ast.Expr) -> list[str]:
    """Every identifier ``expr`` refers to (for deciding what must be in scope)."""
    out: list[str] = []

    def walk(e: object) -> None:
        if isinstance(e, ast.Name):
            out.append(e.id)
            return
        for attr in ("operand", "left", "right", "cond", "then", "otherwise", "base", "index"):
            sub = getattr(e, attr, None)
            if sub is not None and not isinstance(sub, (str, tuple, bool)):
                walk(sub)

    walk(expr)
    return out
