"""NDR20 layout facts: alignment, fixed wire size, conformance, deferred parts.

Computed once per definition so the code generator can decide, for every member, whether
it joins a precompiled fixed run, whether a struct needs separate flat/deferred routines,
and where conformance counts are hoisted.
"""

from __future__ import annotations

from midlpy.compiler import model
from midlpy.compiler.model import (Array, ContextHandle, Convert, EnumRef, Pointer, Prim,
                                   StructRef, UnionRef, WireType)


def align(t: WireType) -> int:
    """Alignment of ``t`` embedded in a constructed type (a pointer is its 4-byte id)."""
    if isinstance(t, Prim):
        return t.size
    if isinstance(t, EnumRef):
        return t.enum.size
    if isinstance(t, (Pointer, ContextHandle)):
        return 4
    if isinstance(t, Array):
        a = align(t.element)
        # conformance/variance counts are u32
        return max(a, 4) if (t.conformant or t.varying) else a
    if isinstance(t, StructRef):
        return t.struct.align
    if isinstance(t, UnionRef):
        return t.union.align
    if isinstance(t, Convert):
        return align(t.wire)
    return 4  # Opaque: never marshalled; any alignment keeps the layout total


def fixed_size(t: WireType) -> int | None:
    """Wire size when it never varies (None otherwise); a pointer counts its id only."""
    if isinstance(t, Prim):
        return t.size
    if isinstance(t, EnumRef):
        return t.enum.size
    if isinstance(t, Pointer):
        return 4
    if isinstance(t, ContextHandle):
        return 20
    if isinstance(t, Array):
        if t.conformant or t.varying:
            return None
        e = fixed_size(t.element)
        return None if e is None else e * (t.fixed or 0)
    if isinstance(t, StructRef):
        return t.struct.fixed_size
    if isinstance(t, Convert):
        return fixed_size(t.wire)
    return None  # unions vary with the arm


def has_deferred(t: WireType) -> bool:
    """Whether ``t`` embedded somewhere leaves referents to marshal after the flat part."""
    if isinstance(t, Pointer):
        return True
    if isinstance(t, Array):
        return has_deferred(t.element)
    if isinstance(t, StructRef):
        return t.struct.has_deferred
    if isinstance(t, UnionRef):
        return t.union.has_deferred
    if isinstance(t, Convert):
        return has_deferred(t.wire)
    return False


def conformant_array(s: model.StructDef) -> tuple[list[model.FieldDef], Array] | None:
    """The conformant array ending ``s`` (possibly in a nested last member), with the
    path of fields leading to it; None when ``s`` is not conformant."""
    if not s.fields:
        return None
    last = s.fields[-1]
    t = last.type
    if isinstance(t, Array) and t.conformant:
        return [last], t
    if isinstance(t, StructRef):
        inner = conformant_array(t.struct)
        if inner is not None:
            return [last] + inner[0], inner[1]
    return None


def compute(defs: list[model.NamedType]) -> None:
    """Fill the layout fields of every struct and union (fixed point over recursion)."""
    structs = [d for d in defs if isinstance(d, model.StructDef)]
    unions = [d for d in defs if isinstance(d, model.UnionDef)]
    # has_deferred: monotone fixed point (pointers make it true; recursion only via pointers)
    changed = True
    while changed:
        changed = False
        for s in structs:
            v = any(has_deferred(f.type) for f in s.fields)
            if v and not s.has_deferred:
                s.has_deferred = changed = True
        for u in unions:
            v = any(a.field is not None and has_deferred(a.field.type) for a in u.arms)
            if v and not u.has_deferred:
                u.has_deferred = changed = True
    # alignment and size: members by value cannot recurse, so resolve in dependency order
    done: set[int] = set()

    def visit(d: model.NamedType) -> None:
        if id(d) in done:
            return
        done.add(id(d))
        members = d.fields if isinstance(d, model.StructDef) else [
            a.field for a in d.arms if a.field is not None] if isinstance(d, model.UnionDef) else []
        for f in members:
            for sub in _by_value(f.type):
                visit(sub)
        if isinstance(d, model.StructDef):
            d.align = max([align(f.type) for f in d.fields] or [1])
            d.conformant = conformant_array(d) is not None
            off: int | None = 0
            for f in d.fields:
                sz = fixed_size(f.type)
                if sz is None or off is None:
                    off = None
                    break
                a = align(f.type)
                off = (off + a - 1) // a * a + sz
            d.fixed_size = off
        elif isinstance(d, model.UnionDef):
            d.align = max([align(d.switch_type)] + [align(a.field.type) for a in d.arms
                                                     if a.field is not None])

    for d in defs:
        visit(d)


def _by_value(t: WireType) -> list[model.NamedType]:
    """Definitions embedded by value in ``t`` (not behind a pointer)."""
    if isinstance(t, StructRef):
        return [t.struct]
    if isinstance(t, UnionRef):
        return [t.union]
    if isinstance(t, Array):
        return _by_value(t.element)
    if isinstance(t, Convert):
        return _by_value(t.wire)
    return []
