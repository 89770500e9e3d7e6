"""Random values of the types a compiled IDL file defines, built from midlpy's own type
model (seeded, so every run makes the same values) and respecting what the IDL declares:
size_is/length_is/switch_is correlations, [range], [string], pointer kinds.

Candidates that do not satisfy the encoder (a correlation the generator cannot solve)
are retried with the next seed; a type no attempt satisfies is reported, not hidden.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

from midlpy.compiler import ast, model
from midlpy.compiler.codegen.exprs import names_in, render
from midlpy.compiler.model import (FULL, REF, Array, ContextHandle, Convert, EnumRef, Pointer,
                                   Prim, StructRef, UnionRef)

_INT_RANGES = {
    "boolean": (0, 1), "byte": (0, 255), "char": (0, 255), "uchar": (0, 255),
    "int8": (-128, 127), "uint8": (0, 255), "wchar": (0, 0xFFFF),
    "int16": (-(1 << 15), (1 << 15) - 1), "uint16": (0, (1 << 16) - 1),
    "int32": (-(1 << 31), (1 << 31) - 1), "uint32": (0, (1 << 32) - 1),
    "int64": (-(1 << 63), (1 << 63) - 1), "uint64": (0, (1 << 64) - 1),
}
MAX_DEPTH = 4


class Unsupported(Exception):
    """A type the generator does not build (conversion hooks, interface pointers)."""


class Generator:
    def __init__(self, mod: ModuleType, rng: random.Random) -> None:
        self.mod = mod  # the module whose namespace reaches every class (re-exports)
        self.rng = rng

    def cls(self, d: Any) -> Any:
        home = getattr(self.mod, f"_m_{d.module.module_name}", self.mod) if d.module else self.mod
        c = getattr(home, d.name, None) or getattr(self.mod, d.name, None)
        if c is None:
            raise Unsupported(f"class {d.name} is not reachable")
        return c

    # ------------------------------------------------------------------ scalars

    def prim(self, t: Prim, small: bool = False) -> Any:
        if t.name in ("float", "double"):
            return self.rng.randint(-1000, 1000) / 4  # exact in both widths
        lo, hi = t.range or _INT_RANGES[t.name]
        lo, hi = max(lo, _INT_RANGES[t.name][0]), min(hi, _INT_RANGES[t.name][1])
        if small:
            hi = min(hi, lo + 3) if lo >= 0 else min(hi, 3)
            lo = max(lo, 0) if hi >= 0 else lo
        v = self.rng.randint(lo, hi)
        return bool(v) if t.name == "boolean" else v

    def enum(self, t: EnumRef) -> int:
        values = [v for _, v in t.enum.members]
        if t.range:
            values = [v for v in values if t.range[0] <= v <= t.range[1]] or [t.range[0]]
        return self.rng.choice(values) if values else 0

    def text(self, wide: bool, n: int) -> str:
        top = 0xD7FF if wide else 0xFF
        return "".join(chr(self.rng.randint(1, top)) for _ in range(n))

    # ------------------------------------------------------------------ values

    def value(self, t: Any, depth: int, count: int | None = None) -> Any:
        """A value of ``t``; ``count`` is the element count of a sized array."""
        if isinstance(t, Prim):
            return self.prim(t)
        if isinstance(t, EnumRef):
            return self.enum(t)
        if isinstance(t, Pointer):
            if t.kind != REF and (depth >= MAX_DEPTH or self.rng.random() < 0.25):
                return None
            return self.value(t.target, depth + 1, count)
        if isinstance(t, Array):
            return self.array(t, depth, count)
        if isinstance(t, StructRef):
            return self.struct(t.struct, depth + 1)
        if isinstance(t, UnionRef):
            return self.union(t.union, None, depth + 1)
        if isinstance(t, (Convert, ContextHandle)):
            raise Unsupported(type(t).__name__)
        raise Unsupported(type(t).__name__)

    def array(self, a: Array, depth: int, count: int | None) -> Any:
        el = a.element
        wide = isinstance(el, Prim) and el.name == "wchar"
        if a.fixed is not None and not a.varying:
            n = a.fixed
        elif count is not None and a.string:
            if count < 1:
                raise ValueError("no room for a string's terminator")
            n = self.rng.randint(0, count - 1)  # [string, size_is(n)]: NUL included
        elif count is not None:
            n = count
        elif a.string:
            hi = 5 if a.fixed is None else max(0, min(5, a.fixed - 1))
            if a.range:
                hi = max(0, min(hi, a.range[1] - 1))
            lo = max(0, a.range[0] - 1) if a.range else 0
            n = self.rng.randint(min(lo, hi), hi)
        else:
            n = self.rng.randint(0, 3) if a.fixed is None else self.rng.randint(0, a.fixed)
        if n > (1 << 16) or n > 64 and not isinstance(el, (Prim, EnumRef)):
            raise Unsupported(f"an array of {n} elements")
        if wide or a.string:
            return self.text(wide, n)
        if isinstance(el, Prim) and el.name in ("byte", "char", "uchar"):
            return bytes(self.rng.randint(0, 255) for _ in range(n))
        if depth >= MAX_DEPTH and isinstance(el, (StructRef, UnionRef)) and count is None \
                and a.fixed is None:
            return []
        return [self.value(el, depth) for _ in range(n)]

    def union(self, u: model.UnionDef, switch: int | None, depth: int) -> Any:
        arms = [a for a in u.arms if switch is None or switch in a.cases
                or (a.is_default and switch is not None
                    and not any(switch in b.cases for b in u.arms))]
        if not arms:
            raise ValueError("no arm for this switch value")
        arm = self.rng.choice(arms)
        if switch is None:
            if arm.cases:
                switch = self.rng.choice(arm.cases)
            elif not arm.is_default:
                raise ValueError("an arm without cases")
            else:  # the default arm: a value no case names
                known = {c for a in u.arms for c in a.cases}
                switch = next(v for v in range(1000, 2000) if v not in known)
        kw: dict[str, Any] = {u.discriminant: switch}
        if arm.field is not None:
            kw[arm.field.pyname] = self.field_value(arm.field, {}, depth)
        return self.cls(u)(**kw)

    def field_value(self, f: model.FieldDef, env: dict[str, Any], depth: int) -> Any:
        counts = _sized_counts(f.type, env)
        t = f.type
        if isinstance(t, Pointer) and isinstance(t.target, Array) and counts is not None:
            if t.kind != REF and self.rng.random() < 0.25:
                return None
            return self.array(t.target, depth, counts)
        if isinstance(t, Array) and counts is not None:
            return self.array(t, depth, counts)
        return self.value(t, depth)

    def struct(self, s: model.StructDef, depth: int) -> Any:
        if s.unmarshallable:
            raise Unsupported(s.unmarshallable)
        env: dict[str, Any] = {}
        fields = {f.name: f for f in s.fields}
        corr_names: set[str] = set()
        for f in s.fields:
            for c in _corrs(f.type):
                corr_names.update(names_in(c.expr))
        # correlation sources first: small counts, so sized members stay small
        for name in sorted(corr_names):
            f = fields.get(name)
            if f is None:
                continue
            t = f.type.target if isinstance(f.type, Pointer) else f.type
            if isinstance(t, Prim):
                env[name] = self.prim(t, small=True)
            elif isinstance(t, EnumRef):
                env[name] = self.enum(t)
        # counts that must not be negative, and varying parts that must fit their size
        for f in s.fields:
            a = f.type.target if isinstance(f.type, Pointer) else f.type
            if not isinstance(a, Array):
                continue
            for _ in range(64):
                try:
                    size = _evaluate(a.size.expr, env) if a.size else None
                    length = _evaluate(a.length.expr, env) if a.length else None
                except (KeyError, ZeroDivisionError):
                    break
                if (size is None or size >= 0) and (length is None or length >= 0) and (
                        size is None or length is None or length <= size):
                    break
                grow = a.size if size is not None and (size < 0 or (
                    length is not None and length > size)) else a.length
                names = [n for n in names_in(grow.expr) if n in env] if grow else []
                if len(names) != 1:
                    break
                env[names[0]] += 1
        # a union's switch_is naming one field: that field takes the chosen arm's case
        values: dict[str, Any] = {}
        for f in s.fields:
            u = f.type.target if isinstance(f.type, Pointer) else f.type
            if isinstance(u, UnionRef) and u.switch_is is not None and not u.union.encapsulated:
                e = u.switch_is.expr
                if isinstance(e, ast.Name) and e.id in fields and e.id not in _array_sources(s):
                    if isinstance(f.type, Pointer) and f.type.kind != REF \
                            and self.rng.random() < 0.25:
                        values[f.name] = None
                        continue
                    v = self.union(u.union, None, depth)
                    env[e.id] = getattr(v, u.union.discriminant)
                    values[f.name] = v
                else:
                    sw = _evaluate(e, env)
                    values[f.name] = self.union(u.union, sw, depth)
        for f in s.fields:
            if f.name in values:
                continue
            if f.name in env:
                v = env[f.name]
                values[f.name] = v if not isinstance(f.type, Pointer) else v
                continue
            values[f.name] = self.field_value(f, env, depth)
        return self.cls(s)(**{fields[n].pyname: v for n, v in values.items()})


def _corrs(t: Any) -> list[model.Corr]:
    if isinstance(t, Array):
        own = [c for c in (t.size, t.max, t.min, t.length, t.first, t.last) if c is not None]
        return own
    if isinstance(t, Pointer):
        return _corrs(t.target)
    if isinstance(t, UnionRef) and t.switch_is is not None:
        return [t.switch_is]
    return []


def _array_sources(s: model.StructDef) -> set[str]:
    out: set[str] = set()
    for f in s.fields:
        t = f.type.target if isinstance(f.type, Pointer) else f.type
        if isinstance(t, Array):
            for c in _corrs(t):
                out.update(names_in(c.expr))
    return out


def _evaluate(e: ast.Expr, env: dict[str, Any]) -> int:
    code = render(e, lambda n: f"env[{n!r}]")
    # our own rendering only; C arithmetic helpers come from the runtime, as in generated code
    from midlpy.runtime import support as _support
    return int(eval(code, {"__builtins__": {}}, {"env": env, "_support": _support}))


def _sized_counts(t: Any, env: dict[str, Any]) -> int | None:
    """The element count a sized array (or pointer to one) gets from ``env``."""
    a = t.target if isinstance(t, Pointer) else t
    if not isinstance(a, Array) or a.string and a.size is None:
        return None
    exprs = [c for c in (a.length, a.size, a.max) if c is not None]
    if not exprs:
        return None
    n = _evaluate(exprs[0].expr, env)
    if a.length is not None and a.first is not None:
        pass
    if a.max is not None and a.size is None and a.length is None:
        n += 1  # max_is is the highest index
    if n < 0:
        raise ValueError("a negative count")
    return n
