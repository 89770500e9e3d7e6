"""Constant evaluation with C semantics, for `const` declarations, enum values, array
sizes, case labels and `[range]` bounds.

Integer arithmetic follows C: division truncates toward zero and `%` takes the sign of
the dividend. Names resolve to earlier constants and enumerators. ``sizeof`` of a type
gives its NDR20 wire size where that is fixed (MIDL's memory size is the same for the
base types that appear in practice).
"""

from __future__ import annotations

from typing import Callable, Mapping

from midlpy.compiler import ast
from midlpy.diagnostics import Span


class ConstError(Exception):
    """An expression that is not a constant; carries the span of the culprit."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.span = span


Value = int | float | str

_SIZES = {"boolean": 1, "byte": 1, "char": 1, "small": 1, "int8": 1, "short": 2, "int16": 2,
          "long": 4, "int": 4, "int32": 4, "int3264": 4, "float": 4, "hyper": 8, "int64": 8,
          "double": 8}


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def evaluate(expr: ast.Expr, names: Mapping[str, Value],
             sizeof: Callable[[ast.TypeSpec, tuple], int | None] | None = None) -> Value:
    """The value of ``expr``; raises :class:`ConstError` when it is not constant."""

    def ev(e: ast.Expr) -> Value:
        if isinstance(e, (ast.Num, ast.FloatNum, ast.Str, ast.CharLit)):
            return e.value
        if isinstance(e, ast.Name):
            if e.id in names:
                return names[e.id]
            if e.id in ("TRUE", "true"):
                return 1
            if e.id in ("FALSE", "false", "NULL"):
                return 0
            raise ConstError(f"'{e.id}' is not a constant", e.span)
        if isinstance(e, ast.Unary):
            v = ev(e.operand)
            if e.op == "-":
                return -v  # type: ignore[operator]
            if e.op == "+":
                return v
            if e.op == "~":
                return ~_int(v, e)
            if e.op == "!":
                return int(not v)
            raise ConstError(f"'{e.op}' is not allowed in a constant expression", e.span)
        if isinstance(e, ast.Binary):
            if e.op == "&&":
                return int(bool(ev(e.left)) and bool(ev(e.right)))
            if e.op == "||":
                return int(bool(ev(e.left)) or bool(ev(e.right)))
            a, b = ev(e.left), ev(e.right)
            return _binary(e, a, b)
        if isinstance(e, ast.Conditional):
            return ev(e.then) if ev(e.cond) else ev(e.otherwise)
        if isinstance(e, ast.Cast):
            return ev(e.operand)
        if isinstance(e, ast.SizeofExpr) and isinstance(e.operand, ast.Name) and sizeof:
            # sizeof(NAME) parses as an expression; NAME is usually a type
            size = sizeof(ast.TypeName(e.operand.id, e.operand.span), ())
            if size is not None:
                return size
        if isinstance(e, ast.SizeofType):
            size = sizeof(e.type, e.ops) if sizeof else None
            if size is None and isinstance(e.type, ast.BaseType) and not e.ops:
                size = _SIZES.get(e.type.name)
            if size is None:
                raise ConstError("sizeof of this type is not known at compile time", e.span)
            return size
        raise ConstError("not a constant expression", e.span)

    def _int(v: Value, e: ast.Expr) -> int:
        if not isinstance(v, int):
            raise ConstError("an integer is required here", e.span)
        return v

    def _binary(e: ast.Binary, a: Value, b: Value) -> Value:
        op = e.op
        if op in ("==", "!=", "<", ">", "<=", ">="):
            return int({"==": a == b, "!=": a != b, "<": a < b, ">": a > b,  # type: ignore[operator]
                        "<=": a <= b, ">=": a >= b}[op])  # type: ignore[operator]
        if isinstance(a, str) or isinstance(b, str):
            raise ConstError("strings cannot be used in arithmetic", e.span)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op in ("/", "%"):
            if b == 0:
                raise ConstError("division by zero in a constant expression", e.span)
            if isinstance(a, float) or isinstance(b, float):
                return a / b if op == "/" else a % b
            q = _c_div(a, b)
            return q if op == "/" else a - q * b
        ia, ib = _int(a, e.left), _int(b, e.right)
        if op in ("<<", ">>"):
            if not 0 <= ib <= 64:
                raise ConstError("shift count out of range", e.span)
            return ia << ib if op == "<<" else ia >> ib
        if op == "&":
            return ia & ib
        if op == "|":
            return ia | ib
        if op == "^":
            return ia ^ ib
        raise ConstError(f"operator '{op}' is not supported here", e.span)

    return ev(expr)
