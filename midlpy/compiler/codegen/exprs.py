"""Render correlation expressions (``size_is(Length/2)``, ``length_is(*pn)``) as Python.

Names are mapped by the caller (to ``v.Length`` in a struct, to a parameter in a
procedure); C operators become their Python spelling. Division is floor division, which
equals C's truncation for the non-negative counts NDR deals in.
"""

from __future__ import annotations

from typing import Callable

from midlpy.compiler import ast
from midlpy.compiler.sema.naming import pyname

_BINARY = {"&&": "and", "||": "or", "/": "//"}


def render(expr: ast.Expr, name: Callable[[str], str]) -> str:
    def r(e: ast.Expr) -> str:
        if isinstance(e, ast.Num):
            return str(e.value)
        if isinstance(e, ast.CharLit):
            return str(e.value)
        if isinstance(e, ast.FloatNum):
            return repr(e.value)
        if isinstance(e, ast.Name):
            return name(e.id)
        if isinstance(e, ast.Unary):
            if e.op in ("*", "&"):
                return r(e.operand)  # a pointer parameter's value is its referent
            if e.op == "!":
                return f"(not {r(e.operand)})"
            return f"({e.op}{r(e.operand)})"
        if isinstance(e, ast.Binary):
            op = _BINARY.get(e.op, e.op)
            return f"({r(e.left)} {op} {r(e.right)})"
        if isinstance(e, ast.Conditional):
            return f"({r(e.then)} if {r(e.cond)} else {r(e.otherwise)})"
        if isinstance(e, ast.Cast):
            return r(e.operand)
        if isinstance(e, ast.Member):
            return f"{r(e.base)}.{pyname(e.name)}"
        if isinstance(e, ast.Index):
            return f"{r(e.base)}[{r(e.index)}]"
        raise ValueError(f"unsupported expression {type(e).__name__}")

    return r(expr)


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
