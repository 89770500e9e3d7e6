"""Plan fixed runs: members whose wire form never varies, read or written with one
precompiled ``struct`` call.

An *inline spec* flattens a fixed member (a primitive, an enum, a pointer's referent id,
a fixed array of those, a fixed struct of those) into ``struct`` leaves, and knows how to
rebuild the Python value from the unpacked leaves (decode) or split a value into leaves
(encode). Runs are cut where a member's alignment exceeds what is known of the position,
so every run's internal padding is static.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

from midlpy.compiler import model
from midlpy.compiler.model import Array, EnumRef, Pointer, Prim, StructRef, WireType

MAX_INLINE_LEAVES = 32


@dataclass
class Leaf:
    code: str  # struct letter(s), e.g. "I", "8s"
    size: int
    align: int


@dataclass
class Check:
    """A decode/encode check on one leaf: ``kind`` is "enum16" or "range"."""

    kind: str
    field: str
    bounds: tuple[int, int] | None = None


@dataclass
class PointerSlot:
    """A referent id inside an inline spec: ``path`` is the attribute path from the value
    the spec describes (``["EffectiveName", "Buffer"]``, or ``[2]`` for an element)."""

    path: list[str | int]
    pointer: Pointer
    field: str  # the IDL field name, for error paths

    @property
    def owner_path(self) -> list[str | int]:
        """Path of the struct holding the pointer field (for correlation expressions)."""
        last = max((i for i, p in enumerate(self.path) if isinstance(p, str)), default=-1)
        return self.path[:last]


@dataclass
class Inline:
    entries: list[Leaf | int] = field(default_factory=list)  # int = align marker
    # decode: builds the value expression from leaf local names
    build: Callable[[Iterator[str]], str] = lambda names: next(names)
    # encode: the leaf expressions for a value expression
    split: Callable[[str], list[str]] = lambda e: [e]
    checks: list[tuple[int, Check]] = field(default_factory=list)  # leaf index -> check
    pointers: list[tuple[int, PointerSlot]] = field(default_factory=list)  # leaf index
    align: int = 1
    names: list[str] = field(default_factory=list)  # member path of each leaf

    @property
    def leaves(self) -> list[Leaf]:
        return [e for e in self.entries if isinstance(e, Leaf)]


def inline(t: WireType, cls: Callable[[model.NamedType], str], enum_conv: Callable[[model.EnumDef], str],
           fname: str = "") -> Inline | None:
    """The inline spec of ``t``, or None when it must be read by its own code."""
    if isinstance(t, Prim):
        spec = Inline([Leaf(t.code, t.size, t.size)], align=t.size, names=[fname])
        if t.range:
            spec.checks.append((0, Check("range", fname, t.range)))
        return spec
    if isinstance(t, EnumRef):
        e = t.enum
        code = "i" if e.v1 else "H"
        conv = enum_conv(e)
        spec = Inline([Leaf(code, e.size, e.size)], align=e.size, names=[fname],
                      build=lambda names: f"{conv}({(n := next(names))}, {n})")
        if not e.v1:
            spec.checks.append((0, Check("enum16", fname)))
        if t.range:
            spec.checks.append((0, Check("range", fname, t.range)))
        return spec
    if isinstance(t, Pointer):
        spec = Inline([Leaf("I", 4, 4)], align=4, split=lambda e: ["0"], names=[fname])
        spec.pointers.append((0, PointerSlot([], t, fname)))
        return spec
    if isinstance(t, Array):
        if t.conformant or t.varying or t.fixed is None:
            return None
        n = t.fixed
        el = t.element
        if isinstance(el, Prim) and el.name in ("byte", "char", "uchar"):
            return Inline([Leaf(f"{n}s", n, 1)], align=1, names=[fname],
                          split=lambda e: [f"_ndr.exact_bytes({e}, {n})"])
        sub = inline(el, cls, enum_conv, "")
        if sub is None or isinstance(el, Prim) and el.name == "wchar":
            return None
        if len(sub.leaves) * n > MAX_INLINE_LEAVES or n == 0:
            return None
        spec = Inline(align=sub.align)
        width = len(sub.leaves)
        for i in range(n):
            spec.names += [f"{fname}[{i}]{x}" for x in sub.names]
            spec.entries += sub.entries
            spec.checks += [(i * width + k, c) for k, c in sub.checks]
            spec.pointers += [(i * width + k, PointerSlot([i, *p.path], p.pointer, p.field))
                              for k, p in sub.pointers]
        elem = sub
        spec.build = lambda names: "[" + ", ".join(elem.build(names) for _ in range(n)) + "]"
        spec.split = lambda e: [x for i in range(n) for x in elem.split(f"{e}[{i}]")]
        return spec
    if isinstance(t, StructRef):
        s = t.struct
        if s.conformant or s.fixed_size is None:
            return None
        parts = []
        for f in s.fields:
            sub = inline(f.type, cls, enum_conv, f.name)
            if sub is None:
                return None
            parts.append((f, sub))
        spec = Inline(entries=[s.align], align=s.align)
        base = 0
        for f, sub in parts:
            width = len(sub.leaves)
            spec.names += [f"{fname}.{x}" if fname else f".{x}" for x in sub.names]
            spec.entries += sub.entries
            spec.checks += [(base + k, c) for k, c in sub.checks]
            spec.pointers += [(base + k, PointerSlot([f.pyname, *p.path], p.pointer, p.field))
                              for k, p in sub.pointers]
            base += width
        if len(spec.leaves) > MAX_INLINE_LEAVES:
            return None
        name = cls(s)
        spec.build = lambda names: f"{name}(" + ", ".join(sub.build(names) for _, sub in parts) + ")"
        spec.split = lambda e: [x for f, sub in parts for x in sub.split(f"{e}.{f.pyname}")]
        return spec
    return None


def fmt_of(entries: list[Leaf | int]) -> tuple[str, list[int]]:
    """The struct format (with padding) of ``entries`` and each leaf's offset."""
    fmt: list[str] = []
    offsets: list[int] = []
    off = 0
    for e in entries:
        a = e if isinstance(e, int) else e.align
        pad = -off % a
        if pad:
            fmt.append(f"{pad}x")
            off += pad
        if isinstance(e, Leaf):
            offsets.append(off)
            fmt.append(e.code)
            off += e.size
    return "".join(fmt), offsets

