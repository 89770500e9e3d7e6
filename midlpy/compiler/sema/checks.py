"""Checks that need the whole model: correlation expressions name integer fields,
non-encapsulated unions have a discriminant. All problems are reported together."""

from __future__ import annotations

from midlpy.compiler import ast, model
from midlpy.compiler.model import Array, Corr, Pointer, Prim, EnumRef, UnionRef, WireType
from midlpy.diagnostics import Diagnostics

_ATTR_OF = {"size": "size_is", "max": "max_is", "min": "min_is", "length": "length_is",
            "first": "first_is", "last": "last_is"}


def run(defs: list[model.NamedType], root: model.ModuleModel, diags: Diagnostics) -> None:
    for d in defs:
        if isinstance(d, model.StructDef):
            fields = {f.name: f for f in d.fields}
            for f in d.fields:
                for attr_name, corr in _correlations(f.type):
                    _check_corr(attr_name, corr, fields, d.name, diags)
                _check_union_use(f, diags)


def _correlations(t: WireType, top: bool = True) -> list[tuple[str, Corr]]:
    out: list[tuple[str, Corr]] = []
    if isinstance(t, Array):
        for key, name in _ATTR_OF.items():
            c = getattr(t, key)
            if c is not None:
                out.append((name, c))
        out += _correlations(t.element, False) if isinstance(t.element, Pointer) else []
    elif isinstance(t, Pointer):
        out += _correlations(t.target, top)
    elif isinstance(t, UnionRef) and t.switch_is is not None:
        out.append(("switch_is", t.switch_is))
    return out


def _names(e: ast.Expr) -> list[ast.Name]:
    if isinstance(e, ast.Name):
        return [e]
    out: list[ast.Name] = []
    for attr in ("operand", "left", "right", "cond", "then", "otherwise", "base", "index"):
        sub = getattr(e, attr, None)
        if sub is not None and not isinstance(sub, (str, tuple)):
            out += _names(sub)
    if isinstance(e, ast.Member):
        return _names(e.base)
    return out


def _check_corr(attr_name: str, corr: Corr, fields: dict[str, model.FieldDef], owner: str,
                diags: Diagnostics) -> None:
    for n in _names(corr.expr):
        f = fields.get(n.id)
        if f is None:
            diags.error("bad-correlation",
                        f"[{attr_name}] refers to '{n.id}', which is not a field of '{owner}'",
                        n.span)
        elif not _is_integer(f.type):
            diags.error("bad-correlation",
                        f"[{attr_name}] refers to '{n.id}', which is not an integer field",
                        n.span)


def _is_integer(t: WireType) -> bool:
    if isinstance(t, Prim):
        return t.name not in ("float", "double")
    if isinstance(t, EnumRef):
        return True
    if isinstance(t, Pointer):
        return _is_integer(t.target)
    return False


def _check_union_use(f: model.FieldDef, diags: Diagnostics) -> None:
    t = f.type.target if isinstance(f.type, Pointer) else f.type
    if isinstance(t, UnionRef) and not t.union.encapsulated and t.switch_is is None:
        diags.error("missing-switch-is",
                    f"field '{f.name}' holds the non-encapsulated union '{t.union.name}' but has "
                    "no [switch_is]", f.span)
