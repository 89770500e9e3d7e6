"""Constant evaluation with C semantics, for `const` declarations, enum values, array
sizes, case labels and `[range]` bounds.

Integer arithmetic follows C in 64 bits, as MIDL's does (see :mod:`midlpy.compiler.limits`):
a literal or intermediate result that fits neither a signed nor an unsigned 64-bit integer
is an error, and so are a shift count outside 0..63 and a zero divisor; division truncates
toward zero and `%` takes the sign of the dividend. Floating results must be finite (an
infinity or a NaN has no spelling in the generated module, nor in C source). Names
resolve to earlier constants and enumerators. ``sizeof`` of a type gives its NDR20 wire
size where that is fixed (MIDL's memory size is the same for the base types that appear
in practice).
"""

from __future__ import annotations

import math
from typing import Callable, Mapping

from midlpy.compiler import ast
from midlpy.compiler.limits import OutOfRange, c_div, complement64, fit64, shift64
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


def evaluate(expr: ast.Expr, names: Mapping[str, Value],
             sizeof: Callable[[ast.TypeSpec, tuple], int | None] | None = None) -> Value:
    """The value of ``expr``; raises :class:`ConstError` when it is not constant."""

    def ev(e: ast.Expr) -> Value:
        try:
            return _checked(e, _ev(e))
        except OutOfRange as x:
            raise ConstError(str(x), e.span) from None

    def _checked(e: ast.Expr, v: Value) -> Value:
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, int):
            return fit64(v)
        if isinstance(v, float) and not math.isfinite(v):
            raise ConstError("floating constant out of range (infinite or not a number)",
                             e.span)
        return v

    def _ev(e: ast.Expr) -> Value:
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
            if e.op in "-+" and isinstance(v, str):
                raise ConstError("strings cannot be used in arithmetic", e.span)
            if e.op == "-":
                return -v  # type: ignore[operator]
            if e.op == "+":
                return v
            if e.op == "~":
                return complement64(_int(v, e))
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
            if isinstance(a, str) != isinstance(b, str) and op not in ("==", "!="):
                raise ConstError("a string cannot be compared with a number", e.span)
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
            if op == "%" and (isinstance(a, float) or isinstance(b, float)):
                raise ConstError("'%' needs integer operands", e.span)
            if isinstance(a, float) or isinstance(b, float):
                return a / b
            return c_div(op, a, b)
        ia, ib = _int(a, e.left), _int(b, e.right)
        if op in ("<<", ">>"):
            return shift64(op, ia, ib)
        if op == "&":
            return ia & ib
        if op == "|":
            return ia | ib
        if op == "^":
            return ia ^ ib
        raise ConstError(f"operator '{op}' is not supported here", e.span)

    return ev(expr)
