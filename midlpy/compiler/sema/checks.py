"""Checks that need the whole model: correlation expressions name integer fields,
non-encapsulated unions have a discriminant. All problems are reported together."""

from __future__ import annotations

from midlpy.compiler import ast, model
from midlpy.compiler.limits import MAX_FIXED_ELEMENTS
from midlpy.compiler.model import (Array, Corr, EnumRef, Pointer, Prim, StructRef, UnionRef,
                                   WireType)
from midlpy.diagnostics import Diagnostics, Span

_ATTR_OF = {"size": "size_is", "max": "max_is", "min": "min_is", "length": "length_is",
            "first": "first_is", "last": "last_is"}


def run(defs: list[model.NamedType], root: model.ModuleModel, diags: Diagnostics) -> None:
    for d in defs:
        if isinstance(d, model.StructDef):
            fields = {f.name: f for f in d.fields}
            for f in d.fields:
                for attr_name, corr in _correlations(f.type):
                    _check_corr(attr_name, corr, fields, d.name, diags)
                    corr.unsigned = _unsigned_names(corr, {n: x.type for n, x in fields.items()})
    for iface in root.interfaces:
        if iface.object:
            continue  # no stubs are generated for COM methods
        for proc in iface.procs:
            params = {p.name: p for p in proc.params}
            types = {p.name: p.type for p in proc.params}
            for p in proc.params:
                for attr_name, corr in _correlations(p.type):
                    _check_corr(attr_name, corr, params, proc.name, diags, "parameter")
                    corr.unsigned = _unsigned_names(corr, types)
    _marshallability(defs, root, diags)
    _default_sizes(defs, diags)


# ------------------------------------------------------------------ default values
#
# A struct's default value holds every fixed array at its full count (so that it encodes
# as it stands). A size that cannot be real would make constructing it allocate without
# bound: MSVC refuses arrays over 0x7FFFFFFF bytes (C2148); midlpy, holding one Python
# object per element, refuses a type whose default holds more than MAX_FIXED_ELEMENTS.


def _default_sizes(defs: list[model.NamedType], diags: Diagnostics) -> None:
    cost: dict[int, int] = {}

    def of_type(t: WireType) -> int:
        if isinstance(t, Array) and t.fixed and not t.varying:
            return t.fixed * of_type(t.element)
        if isinstance(t, StructRef):
            return of_struct(t.struct)
        return 1

    def of_struct(d: model.StructDef) -> int:
        if id(d) not in cost:
            cost[id(d)] = 1  # a by-value cycle is reported elsewhere
            total = 1
            for f in d.fields:
                total = min(total + of_type(f.type), MAX_FIXED_ELEMENTS + 1)
            cost[id(d)] = total
        return cost[id(d)]

    for d in defs:
        if isinstance(d, model.StructDef) and of_struct(d) > MAX_FIXED_ELEMENTS:
            where = next((f.span for f in d.fields if of_type(f.type) > MAX_FIXED_ELEMENTS),
                         d.span)
            diags.error("bad-array-size", f"a value of '{d.name}' would hold more than "
                        f"{MAX_FIXED_ELEMENTS} elements in fixed arrays", where)


_UNSIGNED = {"boolean", "byte", "char", "uchar", "uint8", "wchar", "uint16", "uint32", "uint64"}


def _unsigned_names(corr: Corr, types: dict[str, WireType]) -> frozenset[str]:
    """The names in ``corr`` whose C type is unsigned (MIDL's plain char is unsigned)."""
    out = set()
    for n in _names(corr.expr):
        t = types.get(n.id)
        while isinstance(t, Pointer):
            t = t.target
        if isinstance(t, Prim) and t.name in _UNSIGNED:
            out.add(n.id)
    return frozenset(out)


# ------------------------------------------------------------------ what can be marshalled
#
# MIDL accepts types that cannot travel (a union with no discriminant, an interface
# pointer) as long as nothing marshals them. midlpy does the same: such a definition
# gets no codec, and it is an error only where a pickled type, a pickled procedure or
# an RPC stub reaches it.

Problem = tuple[str, str, Span]  # (code, message, where)


def _direct_problems(d: model.NamedType) -> list[Problem]:
    out: list[Problem] = []
    members = (d.fields if isinstance(d, model.StructDef) else
               [a.field for a in d.arms if a.field] if isinstance(d, model.UnionDef) else [])
    for f in members:
        arr = _unsized_in(f.type)
        if arr is not None and arr.unsized_at is not None:
            out.append(("missing-size-is", f"conformant array '{d.name}.{f.name}' needs "
                        "[size_is] or [max_is]", arr.unsized_at))
        op = _opaque_in(f.type)
        if op is not None:
            out.append(("cannot-marshal", f"field '{f.name}' of '{d.name}' is {op.reason}",
                        f.span))
        t = f.type.target if isinstance(f.type, Pointer) else f.type
        if (isinstance(d, model.StructDef) and isinstance(t, UnionRef)
                and not t.union.encapsulated and t.switch_is is None):
            out.append(("missing-switch-is",
                        f"field '{f.name}' holds the non-encapsulated union '{t.union.name}' "
                        "but has no [switch_is]", f.span))
    return out


def _unsized_in(t: WireType) -> Array | None:
    if isinstance(t, Array):
        return t if t.unsized_at is not None else _unsized_in(t.element)
    if isinstance(t, Pointer):
        return _unsized_in(t.target)
    return None


def _opaque_in(t: WireType) -> model.Opaque | None:
    if isinstance(t, model.Opaque):
        return t
    if isinstance(t, Pointer):
        return _opaque_in(t.target)
    if isinstance(t, Array):
        return _opaque_in(t.element)
    if isinstance(t, model.Convert):
        return _opaque_in(t.wire)
    return None


def _referenced(t: WireType) -> list[model.NamedType]:
    if isinstance(t, model.StructRef):
        return [t.struct]
    if isinstance(t, UnionRef):
        return [t.union]
    if isinstance(t, Pointer):
        return _referenced(t.target)
    if isinstance(t, Array):
        return _referenced(t.element)
    if isinstance(t, model.Convert):
        return _referenced(t.wire)
    return []


def _members(d: model.NamedType) -> list[model.FieldDef]:
    if isinstance(d, model.StructDef):
        return d.fields
    if isinstance(d, model.UnionDef):
        return [a.field for a in d.arms if a.field]
    return []


def _marshallability(defs: list[model.NamedType], root: model.ModuleModel,
                     diags: Diagnostics) -> None:
    problems = {id(d): _direct_problems(d) for d in defs}
    for d in defs:
        if problems[id(d)] and isinstance(d, (model.StructDef, model.UnionDef)):
            d.unmarshallable = problems[id(d)][0][1]
    changed = True
    while changed:  # a definition that holds an unmarshallable one is unmarshallable too
        changed = False
        for d in defs:
            if not isinstance(d, (model.StructDef, model.UnionDef)) or d.unmarshallable:
                continue
            for f in _members(d):
                bad = next((x for x in _referenced(f.type)
                            if isinstance(x, (model.StructDef, model.UnionDef))
                            and x.unmarshallable), None)
                if bad is not None:
                    d.unmarshallable = f"it holds '{bad.name}' ({bad.unmarshallable})"
                    changed = True
                    break
    reported: set[int] = set()

    def reach(t: WireType, what: str, span: Span) -> None:
        op = _opaque_in(t)
        if op is not None:
            diags.error("cannot-marshal", f"{what} is {op.reason}", span)
        stack = _referenced(t)
        seen: set[int] = set()
        while stack:
            d = stack.pop()
            if id(d) in seen:
                continue
            seen.add(id(d))
            if id(d) not in reported:
                reported.add(id(d))
                for code, message, where in problems.get(id(d), []):
                    diags.error(code, message, where)
            for f in _members(d):
                stack.extend(_referenced(f.type))

    for p in root.pickled:
        reach(p.type, f"pickled type '{p.name}'", p.span)
    for iface in root.interfaces:
        if iface.object:
            continue
        for proc in iface.procs:
            for x in proc.params:
                op = _opaque_in(x.type)
                if op is not None and op.pipe and not (proc.encode or proc.decode):
                    proc.pipes = True  # an RPC call may stream one (the stubs refuse for now)
                    continue
                if not x.is_handle:
                    reach(x.type, f"parameter '{x.name}' of '{proc.name}'", x.span)
            if proc.returns is not None:
                reach(proc.returns, f"the return value of '{proc.name}'", proc.span)


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


def _check_corr(attr_name: str, corr: Corr,
                fields: dict[str, model.FieldDef] | dict[str, model.ParamDef], owner: str,
                diags: Diagnostics, kind: str = "field") -> None:
    for n in _names(corr.expr):
        f = fields.get(n.id)
        if f is None:
            diags.error("bad-correlation",
                        f"[{attr_name}] refers to '{n.id}', which is not a {kind} of '{owner}'",
                        n.span)
        elif not _is_integer(f.type):
            diags.error("bad-correlation",
                        f"[{attr_name}] refers to '{n.id}', which is not an integer {kind}",
                        n.span)


def _is_integer(t: WireType) -> bool:
    if isinstance(t, Prim):
        return t.name not in ("float", "double")
    if isinstance(t, EnumRef):
        return True
    if isinstance(t, Pointer):
        return _is_integer(t.target)
    return False
