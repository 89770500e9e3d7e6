"""Emit the straight-line decode and encode functions of one module.

For every struct ``S``: ``_dec_S(r[, mc])`` reads its flat part and returns the
dataclass (pointer fields still holding referent ids when ``S`` has deferred parts);
``_dec_S_deferred(r, v)`` then replaces each id by its referent, in member order, as NDR
defers them. The encoders mirror them: ``_enc_S(w, v)`` writes the flat part and returns
the positions of its referent-id slots, ``_enc_S_deferred(w, v, slots)`` marshals the
referents, numbering each id as its referent is written (the Windows order). Unions get
the same pair. Conformance counts are read or written by whoever holds the conformant
struct (its pointer, or the outermost struct that hoists them), and passed in as ``mc``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Callable

from midlpy.compiler import model
from midlpy.compiler.codegen.exprs import calls_c_helper, render
from midlpy.compiler.codegen.plan import Inline, Leaf, fmt_of, inline
from midlpy.compiler.model import (FULL, REF, UNIQUE, Array, ContextHandle, Convert, Corr,
                                   EnumRef, Pointer, Prim, StructRef, UnionRef, WireType)
from midlpy.compiler.sema import layout
from midlpy.compiler.sema.naming import pyname

_PRIM_METHOD = {"boolean": "boolean", "byte": "u8", "char": "u8", "uchar": "u8", "int8": "i8",
                "uint8": "u8", "wchar": "u16", "int16": "i16", "uint16": "u16", "int32": "i32",
                "uint32": "u32", "int64": "i64", "uint64": "u64", "float": "f32",
                "double": "f64"}
_ENCODE_ERRORS = ("(TypeError, ValueError, AttributeError, OverflowError, KeyError, "
                  "_support.StructError)")


class Code:
    """Lines of Python with indentation and fresh local names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0
        self._n = 0

    def __call__(self, line: str) -> None:
        self.lines.append("    " * self.level + line)

    def indent(self) -> "Code":
        self.level += 1
        return self

    def dedent(self) -> None:
        self.level -= 1

    def tmp(self, prefix: str = "t") -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Deferred:
    """A member whose referents come after the flat part.

    ``acc`` is the Python expression of the member's value (an attribute path);
    ``owner`` the expression of the struct holding the member (its siblings are the
    names a correlation expression may use); ``slot`` (encode) the expression of the
    referent-id slot or of the member's own slot tuple."""

    acc: str
    type: WireType
    owner: str
    field: str
    slot: str = ""


@dataclass
class ModuleEmitter:
    """Emits the codec functions of one module; ``ref`` names a definition (possibly in
    an imported module) and ``fixed`` registers a precompiled run."""

    ref: Callable[[model.NamedType, str], str]
    fixed_defs: list[tuple[str, str, int, tuple[str, ...]]] = field(default_factory=list)
    recursive: set[int] = field(default_factory=set)

    # ------------------------------------------------------------------ helpers

    def cls(self, d: model.NamedType) -> str:
        return self.ref(d, "")

    def conv(self, e: model.EnumDef) -> str:
        return self.ref(e, "_member") 

    def fixed(self, fmt: str, align: int, names: tuple[str, ...] = ()) -> str:
        for name, f, a, n in self.fixed_defs:
            if f == fmt and a == align and n == names:
                return name
        name = f"_F{len(self.fixed_defs)}"
        self.fixed_defs.append((name, fmt, align, names))
        return name

    def inline(self, t: WireType, fname: str) -> Inline | None:
        return inline(t, self.cls, self.conv, fname)

    @staticmethod
    def corr(c: Corr | None, owner_names: Callable[[str], str]) -> str | None:
        return None if c is None else render(c.expr, owner_names, c.unsigned)

    def sizes(self, a: Array, names: Callable[[str], str]) -> tuple[str | None, str | None, str]:
        """(conformance, length, first) expressions of an array level."""
        size = self.corr(a.size, names)
        if size is None and a.max is not None:
            size = f"({self.corr(a.max, names)} + 1)"
        first = self.corr(a.first, names) or "0"
        length = self.corr(a.length, names)
        if length is None and a.last is not None:
            length = f"({self.corr(a.last, names)} - {first} + 1)"
        return size, length, first

    # ================================================================== decoding

    def dec_struct(self, s: model.StructDef) -> str:
        c = Code()
        conf = layout.conformant_array(s)
        args = "r: _ndr.NdrReader, mc: int" if conf else "r: _ndr.NdrReader"
        c(f"def {self.ref(s, '_dec')}({args}) -> {self.cls(s)}:")
        c.indent()
        c(f'"""Read the flat part of {s.idl_name}."""')
        c('_f = ""')
        c("try:")
        c.indent()
        c(f"r.align({s.align})")
        exprs = self._dec_members(c, s.fields, known_align=s.align, conformant=bool(conf))
        c.dedent()
        c("except _DecodeError as e:")
        c("    raise e.push(_f)")
        self._dec_post_checks(c, s, exprs)
        c(f"return {self.cls(s)}({', '.join(exprs)})")
        out = c.text()
        if s.has_deferred:
            out += "\n\n\n" + self.dec_deferred(s)
        return out

    def _plan(self, fields: list[model.FieldDef],
              known_align: int) -> list[tuple[int, list[tuple[model.FieldDef, Inline]]] | int]:
        """Members in code order: a (alignment, [(field, spec)...]) run of consecutive
        fixed members whose padding is static, or the index of a member coded alone. A
        run is cut where a member's alignment exceeds what is known of the position."""
        out: list[tuple[int, list[tuple[model.FieldDef, Inline]]] | int] = []
        run: list[tuple[model.FieldDef, Inline]] = []
        run_align = known_align
        for i, f in enumerate(fields):
            spec = self.inline(f.type, f.name)
            if f.ignore:  # 4 bytes on the wire, None in Python
                spec = Inline([Leaf("I", 4, 4)], align=4, names=[f.name],
                              build=lambda n: (next(n), "None")[1], split=lambda e: ["0"])
            a = layout.align(f.type)
            if spec is not None:
                if run and a > run_align:
                    out.append((run_align, run))
                    run = []
                if not run:
                    run_align = a if a > known_align else known_align
                run.append((f, spec))
                continue
            if run:
                out.append((run_align, run))
                run = []
            known_align = 1
            out.append(i)
        if run:
            out.append((run_align, run))
        return out

    def _dec_members(self, c: Code, fields: list[model.FieldDef], known_align: int,
                     conformant: bool) -> list[str]:
        """Read ``fields`` (a struct's flat part); returns each field's value expression."""
        exprs: list[str] = []
        last = len(fields) - 1
        for step in self._plan(fields, known_align):
            if isinstance(step, int):
                f = fields[step]
                var = c.tmp("x")
                c(f"_f = {f.name!r}")
                self._dec_flat(c, f.type, var, mc="mc" if conformant and step == last else None)
                exprs.append(var)
                continue
            run_align, run = step
            entries: list[Leaf | int] = []
            for _, spec in run:
                entries += spec.entries
            fmt, _ = fmt_of(entries)
            names = [c.tmp("a") for _ in range(sum(len(sp.leaves) for _, sp in run))]
            paths = tuple(n for _, sp in run for n in sp.names)
            c('_f = ""  # the run names the member that is cut short')
            target = ", ".join(names) + ("," if len(names) == 1 else "")
            c(f"{target} = r.fixed({self.fixed(fmt, run_align, paths)})")
            i = 0
            for f, spec in run:
                mine = names[i:i + len(spec.leaves)]
                for k, chk in spec.checks:
                    self._dec_check(c, mine[k], chk, f.name)
                exprs.append(spec.build(iter(mine)))
                i += len(spec.leaves)
        return exprs

    def _dec_check(self, c: Code, name: str, chk, field_name: str) -> None:
        if chk.kind == "enum16":
            c(f"if {name} > 32767:")
            c(f"    _f = {field_name!r}")
            c(f"    raise r.error(1781, f'16-bit enum value {{{name}}} exceeds 32767')")
        elif chk.kind == "range":
            lo, hi = chk.bounds
            c(f"if not {lo} <= {name} <= {hi}:")
            c(f"    _f = {field_name!r}")
            c(f"    raise r.error(1734, f'value {{{name}}} is outside [range({lo}, {hi})]')")

    def _dec_post_checks(self, c: Code, s: model.StructDef, exprs: list[str]) -> None:
        """Checks that need every field: in-place arrays against their correlations."""
        names = {f.name: e for f, e in zip(s.fields, exprs)}

        def lookup(n: str) -> str:
            return names.get(n, n)

        start = len(c.lines)
        for f, e in zip(s.fields, exprs):
            t = f.type
            mark = len(c.lines)
            c(f"_f = {f.name!r}")  # kept only if the field has checks that may call cexpr
            if isinstance(t, Array) and not t.string and (t.conformant or t.varying):
                size, length, _ = self.sizes(t, lookup)
                want = length if t.varying else size
                what = "length_is" if t.varying else "size_is"
                if t.conformant and size is not None:
                    c(f"if mc != {size}:")
                    c(f"    raise r.error(1734, f'hoisted max count {{mc}} disagrees with "
                      f"the size of {f.name}, {{{size}}}').push({f.name!r})")
                if want is not None:
                    n = f"_support.elem_count({e}, {_is_wide(t.element)})"
                    c(f"if {n} != {want}:")
                    c(f"    raise r.error(1734, f'{f.name} has {{{n}}} elements, its {what} "
                      f"says {{{want}}}').push({f.name!r})")
            if isinstance(t, UnionRef) and t.switch_is is not None and not t.union.encapsulated:
                want = render(t.switch_is.expr, lambda n: names.get(n, n), t.switch_is.unsigned)
                d = t.union.discriminant
                c(f"if {e}.{d} != {want}:")
                c(f"    raise r.error(1733, f'union {f.name}: discriminant {{{e}.{d}}} "
                  f"disagrees with its switch_is value {{{want}}}').push({f.name!r})")
            if len(c.lines) == mark + 1:
                c.lines.pop()
        checks = c.lines[start:]
        del c.lines[start:]
        if not any(map(calls_c_helper, checks)):
            c.lines += [x for x in checks if not x.lstrip().startswith("_f = ")]
            return
        # a C helper may raise ExprError: name the field it was evaluated for
        c("try:")
        c.lines += ["    " + x for x in checks]
        c("except _support.ExprError as e:")
        c("    raise e.push(_f)")

    def _dec_flat(self, c: Code, t: WireType, var: str, mc: str | None = None) -> None:
        """Statements reading the flat part of ``t`` (not inlinable) into ``var``."""
        if isinstance(t, StructRef):
            arg = f", {mc}" if t.struct.conformant and mc else ""
            c(f"{var} = {self.ref(t.struct, '_dec')}(r{arg})")
        elif isinstance(t, UnionRef):
            c(f"{var} = {self.ref(t.union, '_dec')}(r)")
        elif isinstance(t, Array):
            self._dec_array_inplace(c, t, var, mc)
        elif isinstance(t, ContextHandle):
            c(f"{var} = r.context_handle()")
        elif isinstance(t, Convert):
            w = c.tmp("w")
            self._dec_complete(c, t.wire, w, owner_names=lambda n: n)
            c(f"{var} = {t.from_wire}({w})")
        else:
            spec = self.inline(t, "")
            assert spec is not None, t
            fmt, _ = fmt_of(spec.entries)
            names = [c.tmp("a") for _ in spec.leaves]
            c(f"{', '.join(names)}, = r.fixed({self.fixed(fmt, spec.align)})")
            c(f"{var} = {spec.build(iter(names))}")

    def _dec_array_inplace(self, c: Code, a: Array, var: str, mc: str | None) -> None:
        """An array inside a struct: fixed, varying (offset/actual here) or conformant
        (max count hoisted: ``mc``)."""
        if a.conformant and mc is None:
            c("raise r.error(1783, 'conformant array without its hoisted count')")
            c(f"{var} = None")
            return
        bound = mc if mc is not None and a.conformant else str(a.fixed)
        if a.string:
            fn = "varying_string_w" if _is_wide(a.element) else "varying_string_c"
            c(f"{var} = r.{fn}({bound})")
            return
        if a.varying:
            off, act = c.tmp("off"), c.tmp("n")
            c(f"{off}, {act} = r.variance()")
            c(f"r.check_varying({off}, {act}, {bound})")
            self._dec_elements(c, a.element, act, var)
            return
        self._dec_elements(c, a.element, bound, var)

    def _dec_elements(self, c: Code, el: WireType, n: str, var: str) -> None:
        """``n`` elements (flat parts) into the list/bytes/str ``var``."""
        if isinstance(el, Prim):
            if el.name in ("byte", "char", "uchar"):
                c(f"{var} = r.byte_array({n})")
            elif el.name == "wchar":
                c(f"{var} = r.wchars({n})")
            elif el.name == "boolean":
                c(f"{var} = [x != 0 for x in r.prim_array('B', {n})]")
            else:
                c(f"{var} = r.prim_array({el.code!r}, {n})")
                if el.range:
                    lo, hi = el.range
                    c(f"if any(not {lo} <= x <= {hi} for x in {var}):")
                    c(f"    raise r.error(1734, 'array element outside [range({lo}, {hi})]')")
            return
        if isinstance(el, EnumRef):
            code = "i" if el.enum.v1 else "H"
            conv = self.conv(el.enum)
            c(f"{var} = [{conv}(x, x) for x in r.prim_array({code!r}, {n})]")
            if not el.enum.v1:
                c(f"if any(x > 32767 for x in {var}):")
                c("    raise r.error(1781, '16-bit enum value exceeds 32767')")
            return
        if isinstance(el, Pointer):
            c(f"{var} = r.prim_array('I', {n})")
            return
        size = layout.fixed_size(el) or 1
        spec = self.inline(el, "")
        if (spec is not None and isinstance(el, StructRef) and not spec.checks
                and _row_ok(spec)):
            # elements that are one fixed run each: one bulk conversion for the array
            fmt, _ = fmt_of(spec.entries)
            names = [c.tmp("a") for _ in spec.leaves]
            built = spec.build(iter(names))
            rows = f"r.rows({self.fixed(fmt, spec.align)}, {n})"
            if built == f"{self.cls(el.struct)}({', '.join(names)})":
                # each row is exactly the dataclass's arguments: starmap builds in C
                c(f"{var} = list(_starmap({self.cls(el.struct)}, {rows}))")
            else:
                target = ", ".join(names) + ("," if len(names) == 1 else "")
                c(f"{var} = [{built} for {target} in {rows}]")
            return
        c(f"r.check_count({n}, {max(1, size)})")
        if spec is not None and isinstance(el, StructRef):
            fmt, _ = fmt_of(spec.entries)
            fx = self.fixed(fmt, spec.align)
            names = [c.tmp("a") for _ in spec.leaves]
            if layout.align(el) > 4:  # before the elements, even none (as rows does)
                c(f"r.align({layout.align(el)})")
            c(f"{_decl(var)} = []")
            i = c.tmp("i")
            c("try:")
            c(f"    for {i} in range({n}):")
            c(f"        {', '.join(names)}, = r.fixed({fx})")
            for k, chk in spec.checks:
                c.indent(); c.indent()
                self._dec_check(c, names[k], chk, chk.field)
                c.dedent(); c.dedent()
            c(f"        {var}.append({spec.build(iter(names))})")
            c("except _DecodeError as e:")
            c(f"    raise e.push_index({i})")
            return
        i = c.tmp("i")
        item = c.tmp("e")
        if layout.align(el) > 4:
            c(f"r.align({layout.align(el)})")
        c(f"{_decl(var)} = []")
        c("try:")
        c(f"    for {i} in range({n}):")
        c.indent(); c.indent()
        self._dec_flat(c, el, item)
        c(f"{var}.append({item})")
        c.dedent(); c.dedent()
        c("except _DecodeError as e:")
        c(f"    raise e.push_index({i})")

    # ------------------------------------------------------------------ deferred

    def dec_deferred(self, s: model.StructDef) -> str:
        def link(c: Code, link: Deferred) -> None:
            c(f"if {link.acc}:")
            c(f"    nxt = {self.ref(s, '_dec')}(r)")
            c(f"    {link.acc} = nxt")
            c("    stack.append(v)")
            c("    v = nxt")
            c("    continue")
            c(f"{link.acc} = None")

        def handlers(c: Code) -> None:
            c("except _DecodeError as e:")
            c("    raise e.push(_f)")

        return self._deferred_function(
            s, f"def {self.ref(s, '_dec')}_deferred(r: _ndr.NdrReader, v: {self.cls(s)}) -> None:",
            f"Read the referents of {s.idl_name}'s embedded pointers.",
            self._deferred_items(s.fields, "v", "v"), self._dec_deferred_item, link, handlers,
            ["stack: list[Any] = []"], "v = stack.pop()")

    def _deferred_function(self, s: model.StructDef, header: str, doc: str,
                           items: list[Deferred], item: Callable[[Code, Deferred], None],
                           link: Callable[[Code, Deferred], None],
                           handlers: Callable[[Code], None], setup: list[str],
                           pop: str) -> str:
        """A struct's deferred routine (either direction). A linked list's link is
        followed in a loop: the members before it on the way down, then those after it
        on the way back, with an explicit stack instead of recursion."""
        c = Code()
        c(header)
        c.indent()
        c(f'"""{doc}"""')
        chain = self._chain_index(s, items)
        c('_f = ""')
        c("try:")
        c.indent()
        if chain is None:
            for it in items:
                item(c, it)
        else:
            before, lnk, after = items[:chain], items[chain], items[chain + 1:]
            for line in setup:
                c(line)
            c("while True:")
            c.indent()
            for it in before:
                item(c, it)
            c(f"_f = {lnk.field!r}")
            link(c, lnk)
            c("break")
            c.dedent()
            c("while True:")
            c.indent()
            for it in after:
                item(c, it)
            c("if not stack:")
            c("    break")
            c(pop)
            c.dedent()
        if not items:
            c("pass")
        c.dedent()
        handlers(c)
        return c.text()

    def _chain_index(self, s: model.StructDef, items: list[Deferred]) -> int | None:
        """The deferred item that is a linked list's link (a unique pointer straight to
        the same struct), followed by a loop instead of recursion. A conformant struct's
        conformance comes before it, which the general path writes and reads."""
        if s.conformant:
            return None
        links = [i for i, it in enumerate(items)
                 if isinstance(it.type, Pointer) and it.type.kind == UNIQUE
                 and isinstance(it.type.target, StructRef) and it.type.target.struct is s
                 and it.owner == "v"]
        return links[0] if len(links) == 1 else None

    def _deferred_items(self, fields: list[model.FieldDef], base: str, owner: str) -> list[Deferred]:
        """The members of a flat part that have referents, in the order NDR defers them."""
        items: list[Deferred] = []
        for f in fields:
            if not layout.has_deferred(f.type) or f.ignore:
                continue
            acc = f"{base}.{f.pyname}"
            spec = self.inline(f.type, f.name)
            if spec is not None and not isinstance(f.type, Pointer):
                for _, p in spec.pointers:
                    path = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in p.path)
                    opath = "".join(f"[{x}]" if isinstance(x, int) else f".{x}"
                                    for x in p.owner_path)
                    has_field = any(isinstance(x, str) for x in p.path)
                    items.append(Deferred(acc + path, p.pointer, acc + opath if has_field
                                          else owner, f.name + path))
                continue
            items.append(Deferred(acc, f.type, owner, f.name))
        return items

    def _dec_deferred_item(self, c: Code, it: Deferred) -> None:
        c(f"_f = {it.field!r}")
        t = it.type
        names = _sibling_names(it.owner)
        if isinstance(t, Pointer):
            ref = c.tmp("ref")
            c(f"{ref} = {it.acc}")
            self._dec_pointee_at(c, t, ref, it.acc, names)
        elif isinstance(t, StructRef):
            c(f"{self.ref(t.struct, '_dec')}_deferred(r, {it.acc})")
        elif isinstance(t, UnionRef):
            c(f"{self.ref(t.union, '_dec')}_deferred(r, {it.acc})")
        elif isinstance(t, Array):
            self._dec_elements_deferred(c, t.element, it.acc, names)
        elif isinstance(t, Convert):
            pass  # converted values are read complete in the flat part

    def _dec_elements_deferred(self, c: Code, el: WireType, acc: str,
                               names: Callable[[str], str]) -> None:
        i = c.tmp("i")
        c("try:")
        c.indent()
        if isinstance(el, Pointer):
            ref = c.tmp("ref")
            c(f"for {i}, {ref} in enumerate({acc}):")
            c.indent()
            self._dec_pointee_at(c, el, ref, f"{acc}[{i}]", names)
            c.dedent()
        else:
            e = c.tmp("e")
            c(f"for {i}, {e} in enumerate({acc}):")
            c.indent()
            if self._inlinable_deferred(el) is not None:
                for it in self._deferred_items(el.struct.fields, e, e):  # type: ignore[union-attr]
                    self._dec_deferred_item(c, it)
            elif isinstance(el, StructRef):
                c(f"{self.ref(el.struct, '_dec')}_deferred(r, {e})")
            elif isinstance(el, UnionRef):
                c(f"{self.ref(el.union, '_dec')}_deferred(r, {e})")
            elif isinstance(el, Array):
                self._dec_elements_deferred(c, el.element, e, names)
            else:
                c("pass")
            c.dedent()
        c.dedent()
        c("except _DecodeError as e:")
        c(f"    raise e.push_index({i})")

    def _dec_pointee_at(self, c: Code, p: Pointer, ref: str, target: str,
                        names: Callable[[str], str]) -> None:
        """Replace the referent id ``ref`` (read into ``target``) by its referent."""
        if p.kind == REF:
            self._dec_complete(c, p.target, target, names)
            return
        c(f"if {ref}:")
        c.indent()
        if p.kind == FULL:
            tag = _type_tag(p.target)
            known = c.tmp("known")
            c(f"{known} = r.refs.get({ref})")
            c(f"if {known} is not None:")
            c(f"    if {known}[0] != {tag!r}:")
            c(f"        raise r.error(1783, f'full pointer id {{{ref}}} names a {{{known}[0]}}, "
              f"not a {tag}')")
            c(f"    {target} = {known}[1]")
            c("else:")
            c.indent()
            self._dec_complete(c, p.target, target, names, register=ref, tag=tag)
            c.dedent()
        else:
            self._dec_complete(c, p.target, target, names)
        c.dedent()
        c("else:")
        c(f"    {target} = None")

    def _dec_complete(self, c: Code, t: WireType, var: str, owner_names: Callable[[str], str],
                      register: str | None = None, tag: str = "") -> None:
        """Read a referent (or a top-level value) completely: counts, flat part, deferred."""
        recursive = self._is_recursive(t)
        if recursive:
            c("r.enter()")
        if isinstance(t, StructRef) and self._simple_conformant(t.struct):
            self._dec_simple_conformant(c, t.struct, var)
            if register:
                c(f"r.refs[{register}] = ({tag!r}, {var})")
        elif isinstance(t, StructRef):
            s = t.struct
            args = "r"
            if s.conformant:
                mc = c.tmp("mc")
                c(f"{mc} = r.conformance()")
                args += f", {mc}"
            c(f"{var} = {self.ref(s, '_dec')}({args})")
            if register:
                c(f"r.refs[{register}] = ({tag!r}, {var})")
            if s.has_deferred:
                c(f"{self.ref(s, '_dec')}_deferred(r, {var})")
        elif isinstance(t, UnionRef):
            c(f"{var} = {self.ref(t.union, '_dec')}(r)")
            if register:
                c(f"r.refs[{register}] = ({tag!r}, {var})")
            if t.union.has_deferred:
                c(f"{self.ref(t.union, '_dec')}_deferred(r, {var})")
        elif isinstance(t, Array):
            self._dec_array_complete(c, t, var, owner_names)
            if register:
                c(f"r.refs[{register}] = ({tag!r}, {var})")
        elif isinstance(t, Pointer):
            ref = c.tmp("ref")
            c(f"{ref} = r.u32()")
            self._dec_pointee_at(c, t, ref, var, owner_names)
        elif isinstance(t, Prim):
            c(f"{var} = r.{_PRIM_METHOD[t.name]}()")
            if t.range:
                lo, hi = t.range
                c(f"if not {lo} <= {var} <= {hi}:")
                c(f"    raise r.error(1734, f'value {{{var}}} is outside [range({lo}, {hi})]')")
            if register:
                c(f"r.refs[{register}] = ({tag!r}, {var})")
        elif isinstance(t, EnumRef):
            m = "enum32" if t.enum.v1 else "enum16"
            raw = c.tmp("raw")
            c(f"{raw} = r.{m}()")
            c(f"{var} = {self.conv(t.enum)}({raw}, {raw})")
            if register:
                c(f"r.refs[{register}] = ({tag!r}, {var})")
        elif isinstance(t, ContextHandle):
            c(f"{var} = r.context_handle()")
        elif isinstance(t, Convert):
            w = c.tmp("w")
            self._dec_complete(c, t.wire, w, owner_names)
            c(f"{var} = {t.from_wire}({w})")
        if recursive:
            c("r.leave()")

    def _dec_array_complete(self, c: Code, a: Array, var: str,
                            owner_names: Callable[[str], str]) -> None:
        """A sized pointer's referent: counts in front of the elements."""
        size, length, first = self.sizes(a, owner_names)
        if _counted_wchars(a):
            c(f"{var} = r.counted_wchars({size}, {length})")
            return
        if a.string and a.conformant:
            if size is None:
                wide = _is_wide(a.element)
                c(f"{var} = r.{'string_w' if wide else 'string_c'}()")
                if a.range:  # [string, range(lo, hi)]: the count, terminator included
                    lo, hi = a.range
                    n = c.tmp("n")
                    c(f"{n} = _support.elem_count({var}, {wide}) + 1")
                    c(f"if not {lo} <= {n} <= {hi}:")
                    c(f"    raise r.error(1734, f'string count {{{n}}} is outside "
                      f"[range({lo}, {hi})]')")
                return
            mc = c.tmp("mc")
            c(f"{mc} = r.conformance()")
            c(f"if {mc} != {size}:")
            c(f"    raise r.error(1734, f'string max count {{{mc}}} disagrees with its size "
              f"{{{size}}}')")
            fn = "varying_string_w" if _is_wide(a.element) else "varying_string_c"
            c(f"{var} = r.{fn}({mc})")
            return
        if a.conformant:
            mc = c.tmp("mc")
            c(f"{mc} = r.conformance()")
            if size is not None:
                c(f"if {mc} != {size}:")
                c(f"    raise r.error(1734, f'array max count {{{mc}}} disagrees with its size "
                  f"{{{size}}}')")
            if a.range:
                lo, hi = a.range
                c(f"if not {lo} <= {mc} <= {hi}:")
                c(f"    raise r.error(1734, f'count {{{mc}}} is outside [range({lo}, {hi})]')")
            bound = mc
        else:
            bound = str(a.fixed)
        if a.varying:
            off, n = c.tmp("off"), c.tmp("n")
            c(f"{off}, {n} = r.variance()")
            c(f"r.check_varying({off}, {n}, {bound})")
            if length is not None:
                c(f"if {n} != {length}:")
                c(f"    raise r.error(1734, f'array actual count {{{n}}} disagrees with its "
                  f"length {{{length}}}')")
            count = n
        else:
            count = bound
        self._dec_elements(c, a.element, count, var)
        if layout.has_deferred(a.element):
            self._dec_elements_deferred(c, a.element, var, owner_names)

    # ------------------------------------------------------------------ SID-like shapes

    def _simple_conformant(self, st: model.StructDef) -> list[Inline] | None:
        """Head specs of a conformant struct made of fixed members and a trailing
        conformant array of integers (an RPC_SID): its count, head and array are then
        read and written with one fixed run and one bulk array call."""
        if not st.conformant or st.align > 4 or not st.fields:
            return None
        last = st.fields[-1].type
        if not (isinstance(last, Array) and last.conformant and not last.varying
                and isinstance(last.element, Prim) and last.size is not None
                and last.element.name not in ("byte", "char", "uchar", "wchar", "boolean")
                and last.element.range is None and last.range is None):
            return None
        heads = []
        for f in st.fields[:-1]:
            spec = self.inline(f.type, f.name)
            if spec is None or spec.pointers or f.ignore:
                return None
            heads.append(spec)
        return heads

    def _combined_fixed(self, heads: list[Inline]) -> tuple[str, int]:
        entries: list[Leaf | int] = [Leaf("I", 4, 4)]
        for h in heads:
            entries += h.entries
        fmt, _ = fmt_of(entries)
        return self.fixed(fmt, 4), sum(len(h.leaves) for h in heads)

    def _enc_simple_conformant(self, c: Code, st: model.StructDef, x: str,
                               slot: str | None = None) -> None:
        heads = self._simple_conformant(st)
        assert heads is not None
        fx, _ = self._combined_fixed(heads)
        arr_field = st.fields[-1]
        arr: Array = arr_field.type  # type: ignore[assignment]
        size, _, _ = self.sizes(arr, _sibling_names(x))
        values: list[str] = []
        for f, spec in zip(st.fields, heads):
            mine = spec.split(f"{x}.{f.pyname}")
            for k, chk in spec.checks:
                self._enc_check(c, mine[k], chk)
            values += mine
        items = f"{x}.{arr_field.pyname}"
        n = c.tmp("n")
        c(f"{n} = len({items})")
        c(f"if {n} != {size}:")
        c(f"    _support.check_len({n}, {size}, {'size_is of ' + arr_field.name!r})")
        if slot is not None:
            c(f"w.unique_struct_prims({slot}, {fx}, ({n}, {', '.join(values)}), "
              f"{arr.element.code!r}, {items})")  # type: ignore[union-attr]
            return
        c(f"w.fixed({fx}, {n}, {', '.join(values)})")
        c(f"w.prim_array({arr.element.code!r}, {items})")  # type: ignore[union-attr]

    def _dec_simple_conformant(self, c: Code, st: model.StructDef, var: str) -> None:
        heads = self._simple_conformant(st)
        assert heads is not None
        fx, count = self._combined_fixed(heads)
        mc = c.tmp("mc")
        names = [c.tmp("a") for _ in range(count)]
        c(f"{mc}, {', '.join(names)} = r.fixed({fx})")
        it = iter(names)
        exprs: dict[str, str] = {}
        built: list[str] = []
        for f, spec in zip(st.fields, heads):
            mine = [next(it) for _ in spec.leaves]
            for k, chk in spec.checks:
                self._dec_check(c, mine[k], chk, f.name)
            exprs[f.name] = mine[0] if len(mine) == 1 else ""
            built.append(spec.build(iter(mine)))
        arr_field = st.fields[-1]
        arr: Array = arr_field.type  # type: ignore[assignment]
        size, _, _ = self.sizes(arr, lambda n: exprs.get(n) or n)
        c(f"if {mc} != {size}:")
        c(f"    raise r.error(1734, f'max count {{{mc}}} disagrees with the size of "
          f"{arr_field.name}, {{{size}}}').push({arr_field.name!r})")
        items = c.tmp("x")
        c(f"{items} = r.prim_array({arr.element.code!r}, {mc})")  # type: ignore[union-attr]
        c(f"{var} = {self.cls(st)}({', '.join(built + [items])})")

    def _inlinable_deferred(self, el: WireType) -> list[Deferred] | None:
        """An array element struct whose deferred part is short enough to inline in the
        array's loop (and not recursive)."""
        if not isinstance(el, StructRef) or self._is_recursive(el):
            return None
        items = self._deferred_items(el.struct.fields, "e", "e")
        if not items or len(items) > 3 or any(not isinstance(it.type, Pointer) for it in items):
            return None
        return items

    def _is_recursive(self, t: WireType) -> bool:
        if isinstance(t, StructRef):
            return id(t.struct) in self.recursive
        if isinstance(t, UnionRef):
            return id(t.union) in self.recursive
        return False

    # ------------------------------------------------------------------ unions

    def dec_union(self, u: model.UnionDef) -> str:
        c = Code()
        c(f"def {self.ref(u, '_dec')}(r: _ndr.NdrReader) -> {self.cls(u)}:")
        c.indent()
        c(f'"""Read the discriminant and the selected arm (flat part) of {u.idl_name}."""')
        c("_f = " + repr(u.discriminant))
        c("try:")
        c.indent()
        if u.encapsulated:
            c(f"r.align({u.align})")
        d = c.tmp("d")
        self._dec_complete(c, u.switch_type, d, lambda n: n)
        max_arm = max([layout.align(a.field.type) for a in u.arms if a.field] or [1])
        self._arm_dispatch(c, u, d, lambda arm: self._dec_arm_body(c, u, arm, d, max_arm),
                           f"raise _support.bad_tag(r, {d})")
        c.dedent()
        c("except _DecodeError as e:")
        c("    raise e.push(_f)")
        out = c.text()
        if u.has_deferred:
            out += "\n\n\n" + self._dec_union_deferred(u)
        return out

    @staticmethod
    def _arm_dispatch(c: Code, u: model.UnionDef, d: str,
                      body: Callable[[model.ArmDef], None], no_arm: str) -> None:
        """``if d == case: <arm> elif ... else: <default or no_arm>``, in either direction."""
        first = True
        default = None
        for arm in u.arms:
            if arm.is_default:
                default = arm
                continue
            cond = (f"{d} == {arm.cases[0]}" if len(arm.cases) == 1
                    else f"{d} in ({', '.join(map(str, arm.cases))})")
            c(f"{'if' if first else 'elif'} {cond}:")
            first = False
            c.indent()
            body(arm)
            c.dedent()
        if not first:
            c("else:")
            c.indent()
        if default is not None:
            body(default)
        else:
            c(no_arm)
        if not first:
            c.dedent()

    def _dec_arm_body(self, c: Code, u: model.UnionDef, arm: model.ArmDef, d: str,
                      max_arm: int) -> None:
        if arm.field is None:
            c(f"return {self.cls(u)}({d})")
            return
        f = arm.field
        c(f"_f = {f.name!r}")
        if u.ms_union:
            c(f"r.align({max_arm})")
        var = c.tmp("x")
        self._dec_flat(c, f.type, var)
        c(f"return {self.cls(u)}({d}, {f.pyname}={var})")

    def _dec_union_deferred(self, u: model.UnionDef) -> str:
        def handlers(c: Code) -> None:
            c("except _DecodeError as e:")
            c("    raise e.push(_f)")

        return self._union_deferred(
            u, f"def {self.ref(u, '_dec')}_deferred(r: _ndr.NdrReader, v: {self.cls(u)}) -> None:",
            self._dec_deferred_item, handlers)

    def _union_deferred(self, u: model.UnionDef, header: str,
                        item: Callable[[Code, Deferred], None],
                        handlers: Callable[[Code], object]) -> str:
        """The deferred part of a union: that of whichever arm holds a value."""
        c = Code()
        c(header)
        c.indent()
        c('_f = ""')
        c("try:")
        c.indent()
        first = True
        for arm in u.arms:
            if arm.field is None or not layout.has_deferred(arm.field.type):
                continue
            f = arm.field
            c(f"{'if' if first else 'elif'} v.{f.pyname} is not None:")
            first = False
            c.indent()
            items = self._deferred_items([f], "v", "v")
            for k, it in enumerate(items):
                # one referent: the arm's slot itself; several: the arm returned a tuple
                it.slot = "s" if len(items) == 1 else f"s[{k}]"
                item(c, it)
            c.dedent()
        if first:
            c("pass")
        c.dedent()
        handlers(c)
        return c.text()

    # ================================================================== encoding

    def enc_struct(self, s: model.StructDef) -> str:
        c = Code()
        c(f"def {self.ref(s, '_enc')}(w: _ndr.NdrWriter, v: {self.cls(s)}) -> Any:")
        c.indent()
        c(f'"""Write the flat part of {s.idl_name}; returns its referent-id slots."""')
        c('_f = ""')
        c("try:")
        c.indent()
        c(f"w.align({s.align})")
        slots = self._enc_members(c, s.fields, "v", s.align, conformant=s.conformant)
        c.dedent()
        self._enc_except(c)
        if s.has_deferred:
            slots = [x or "None" for x in slots]  # (a converted member wrote its own)
            c(f"return ({', '.join(slots)}{',' if len(slots) == 1 else ''})")
        out = c.text()
        if s.has_deferred:
            out += "\n\n\n" + self._enc_deferred(s)
        return out

    def _enc_except(self, c: Code) -> None:
        c("except _EncodeError as e:")
        c("    raise e.push(_f)")
        c(f"except {_ENCODE_ERRORS} as e:")
        c("    raise _support.encode_failure(e).push(_f) from None")

    def _enc_members(self, c: Code, fields: list[model.FieldDef], v: str, known_align: int,
                     conformant: bool,
                     acc_of: Callable[[model.FieldDef], str] | None = None) -> list[str]:
        """Write a flat part; returns the slot expressions of its deferred items in order."""
        slots: list[str] = []
        names = _sibling_names(v)
        last = len(fields) - 1
        for step in self._plan(fields, known_align):
            if isinstance(step, int):
                f = fields[step]
                c(f"_f = {f.name!r}")
                acc = acc_of(f) if acc_of else f"{v}.{f.pyname}"
                slot = self._enc_flat(c, f.type, acc, names,
                                      in_place_conformant=conformant and step == last)
                if layout.has_deferred(f.type):
                    slots.append(slot)
                continue
            run_align, run = step
            entries: list[Leaf | int] = []
            for _, spec in run:
                entries += spec.entries
            fmt, offsets = fmt_of(entries)
            paths = tuple(n for _, sp in run for n in sp.names)
            pos = None
            if any(spec.pointers for _, spec in run):
                pos = c.tmp("p")
                c(f"w.align({run_align})")
                c(f"{pos} = len(w.buf)")
            values: list[str] = []
            leaf_base = 0
            for f, spec in run:
                acc = acc_of(f) if acc_of else f"{v}.{f.pyname}"
                mine = ["0"] if f.ignore else spec.split(acc)
                for expr, n, path in [] if f.ignore else _fixed_lengths(f.type, acc, f.name):
                    c(f"_f = {path!r}")
                    c(f"_support.check_fixed({expr}, {n})")
                for k, chk in spec.checks:
                    c(f"_f = {spec.names[k] if k < len(spec.names) else f.name!r}")
                    self._enc_check(c, mine[k], chk)
                values += mine
                for k, _p in spec.pointers:
                    slots.append(f"{pos} + {offsets[leaf_base + k]}")
                leaf_base += len(spec.leaves)
            c('_f = ""  # the run names the member it cannot pack')
            c(f"w.fixed({self.fixed(fmt, run_align, paths)}, {', '.join(values)})")
        return slots

    def _enc_check(self, c: Code, expr: str, chk) -> None:
        if chk.kind == "enum16":
            c(f"_support.check_enum16({expr})")
        elif chk.kind == "range":
            c(f"_support.check_range({expr}, {chk.bounds[0]}, {chk.bounds[1]})")

    def _enc_flat(self, c: Code, t: WireType, acc: str, names: Callable[[str], str],
                  in_place_conformant: bool = False) -> str:
        """Write the flat part of a non-inline member; returns its slot expression."""
        if isinstance(t, StructRef):
            s = c.tmp("s")
            c(f"{s} = {self.ref(t.struct, '_enc')}(w, {acc})")
            return s
        if isinstance(t, UnionRef):
            s = c.tmp("s")
            sw = render(t.switch_is.expr, names, t.switch_is.unsigned) if t.switch_is else "None"
            c(f"{s} = {self.ref(t.union, '_enc')}(w, {acc}, {sw})")
            return s
        if isinstance(t, Array):
            return self._enc_array_inplace(c, t, acc, names, in_place_conformant)
        if isinstance(t, ContextHandle):
            c(f"w.context_handle({acc})")
            return ""
        if isinstance(t, Convert):
            w = c.tmp("w")
            c(f"{w} = {t.to_wire}({acc})")
            self._enc_complete(c, t.wire, w, names)
            return ""
        spec = self.inline(t, "")
        assert spec is not None, t
        fmt, offsets = fmt_of(spec.entries)
        if spec.pointers:
            c(f"w.align({spec.align})")
            p = c.tmp("p")
            c(f"{p} = len(w.buf)")
            c(f"w.fixed({self.fixed(fmt, spec.align)}, {', '.join(spec.split(acc))})")
            return f"{p} + {offsets[spec.pointers[0][0]]}"
        c(f"w.fixed({self.fixed(fmt, spec.align)}, {', '.join(spec.split(acc))})")
        return ""

    def _check_count(self, c: Code, acc: str, wide: bool, want: str, what: str) -> None:
        """The data's element count must equal its correlated value."""
        n = f"_support.elem_count({acc}, True)" if wide else f"len({acc})"
        c(f"if {n} != {want}:")
        c(f"    _support.check_len({n}, {want}, {what!r})")

    def _enc_array_inplace(self, c: Code, a: Array, acc: str, names: Callable[[str], str],
                           conformant_member: bool) -> str:
        size, length, first = self.sizes(a, names)
        bound = size if a.conformant else str(a.fixed)
        if a.string:
            fn = "varying_string_w" if _is_wide(a.element) else "varying_string_c"
            c(f"w.{fn}({acc}, {bound if bound else 2 ** 31})")
            return ""
        if a.varying:
            n = length or f"len({acc})"
            self._check_count(c, acc, _is_wide(a.element), n, "length_is")
            if bound:
                c(f"_support.check_variance({first}, {n}, {bound})")
            c(f"w.variance({first}, {n})")
            return self._enc_elements(c, a.element, acc)
        if a.conformant and size is not None:
            self._check_count(c, acc, _is_wide(a.element), size, "size_is")
        elif not a.conformant:
            self._check_count(c, acc, _is_wide(a.element), str(a.fixed), "the array size")
        return self._enc_elements(c, a.element, acc)

    def _enc_elements(self, c: Code, el: WireType, acc: str, after_count: bool = False) -> str:
        """Write the flat parts of the elements of ``acc``; returns a slots expression."""
        if isinstance(el, Prim):
            if el.name in ("byte", "char", "uchar"):
                c(f"w.byte_array({acc})")
            elif el.name == "wchar":
                c("w.align(2)")
                c(f"w.byte_array(_support.utf16({acc}))")
            elif el.name == "boolean":
                c(f"w.prim_array('B', [1 if x else 0 for x in {acc}])")
            else:
                if el.range:
                    c(f"for x in {acc}:")
                    c(f"    _support.check_range(x, {el.range[0]}, {el.range[1]})")
                c(f"w.prim_array({el.code!r}, {acc})")
            return ""
        if isinstance(el, EnumRef):
            if not el.enum.v1:
                c(f"for x in {acc}:")
                c("    _support.check_enum16(x)")
            c(f"w.prim_array({'i' if el.enum.v1 else 'H'!r}, {acc})")
            return ""
        if isinstance(el, Pointer):
            s = c.tmp("s")
            c(f"{s} = [w.slot() for _ in {acc}]")
            return s
        spec = self.inline(el, "")
        if spec is not None and isinstance(el, StructRef) and _row_ok(spec):
            fmt, offsets = fmt_of(spec.entries)
            e, pk = c.tmp("e"), c.tmp("pk")
            for k, chk in spec.checks:
                c(f"for {e} in {acc}:")
                c.indent()
                self._enc_check(c, spec.split(e)[k], chk)
                c.dedent()
            c(f"{pk} = {self.fixed(fmt, spec.align)}.le.pack")
            if spec.align > 4 or not after_count:
                c(f"w.align({spec.align})")
            if not spec.pointers:
                c(f"w.buf += b''.join([{pk}({', '.join(spec.split(e))}) for {e} in {acc}])")
                return ""
            base = c.tmp("p")
            c(f"{base} = len(w.buf)")
            c(f"w.buf += b''.join([{pk}({', '.join(spec.split(e))}) for {e} in {acc}])")
            s = c.tmp("s")
            row = c.tmp("k")
            stride = _row_size(spec)
            slots = ", ".join(f"{row} + {offsets[i]}" for i, _ in spec.pointers)
            c(f"{s} = [({slots},) for {row} in range({base}, len(w.buf), {stride})]")
            return s
        s = c.tmp("s")
        i, e = c.tmp("i"), c.tmp("e")
        if layout.align(el) > 4:  # (a count before the elements leaves them 4-aligned)
            c(f"w.align({layout.align(el)})")  # even for no elements, as the decoder reads
        c(f"{s}: list[Any] = []")
        c("try:")
        c(f"    for {i}, {e} in enumerate({acc}):")
        c.indent(); c.indent()
        slot = self._enc_flat(c, el, e, lambda n: n)
        c(f"{s}.append({slot or 'None'})")
        c.dedent(); c.dedent()
        c("except _EncodeError as e:")
        c(f"    raise e.push_index({i})")
        return s

    def _enc_deferred(self, s: model.StructDef) -> str:
        items = self._deferred_items(s.fields, "v", "v")
        for k, it in enumerate(items):
            it.slot = f"s[{k}]"

        def link(c: Code, link: Deferred) -> None:
            c(f"nxt = {link.acc}")
            c("if nxt is not None:")
            c("    if id(nxt) in seen or nxt is v:")
            c("        raise _support.bad_value('cycle through unique pointers')")
            c("    seen.add(id(v))")
            c(f"    w.unique({link.slot})")
            c(f"    ns = {self.ref(s, '_enc')}(w, nxt)")
            c("    stack.append((v, s))")
            c("    v, s = nxt, ns")
            c("    continue")

        return self._deferred_function(
            s, f"def {self.ref(s, '_enc')}_deferred(w: _ndr.NdrWriter, v: {self.cls(s)}, s: Any) -> None:",
            f"Write the referents of {s.idl_name}'s embedded pointers.",
            items, self._enc_deferred_item, link, self._enc_except,
            ["stack: list[Any] = []", "seen: set[int] = set()"], "v, s = stack.pop()")

    def _enc_deferred_item(self, c: Code, it: Deferred) -> None:
        c(f"_f = {it.field!r}")
        t = it.type
        names = _sibling_names(it.owner)
        if isinstance(t, Pointer):
            self._enc_pointee_at(c, t, it.acc, it.slot, names)
        elif isinstance(t, StructRef):
            c(f"{self.ref(t.struct, '_enc')}_deferred(w, {it.acc}, {it.slot})")
        elif isinstance(t, UnionRef):
            c(f"{self.ref(t.union, '_enc')}_deferred(w, {it.acc}, {it.slot})")
        elif isinstance(t, Array):
            self._enc_elements_deferred(c, t.element, it.acc, it.slot, names)

    def _enc_elements_deferred(self, c: Code, el: WireType, acc: str, slots: str,
                               names: Callable[[str], str]) -> None:
        i, e, s = c.tmp("i"), c.tmp("e"), c.tmp("s")
        c("try:")
        c(f"    for {i}, ({e}, {s}) in enumerate(zip({acc}, {slots})):")
        c.indent(); c.indent()
        inline_items = self._inlinable_deferred(el)
        if isinstance(el, Pointer):
            self._enc_pointee_at(c, el, e, s, names)
        elif inline_items is not None:
            # the element's own deferred routine, inlined: one call fewer per element
            for k, it in enumerate(self._deferred_items(el.struct.fields, e, e)):  # type: ignore[union-attr]
                it.slot = f"{s}[{k}]"
                self._enc_deferred_item(c, it)
        elif isinstance(el, StructRef):
            c(f"{self.ref(el.struct, '_enc')}_deferred(w, {e}, {s})")
        elif isinstance(el, UnionRef):
            c(f"{self.ref(el.union, '_enc')}_deferred(w, {e}, {s})")
        elif isinstance(el, Array):
            self._enc_elements_deferred(c, el.element, e, s, names)
        else:
            c("pass")
        c.dedent(); c.dedent()
        c("except _EncodeError as e:")
        c(f"    raise e.push_index({i})")

    def _enc_pointee_at(self, c: Code, p: Pointer, acc: str, slot: str,
                        names: Callable[[str], str]) -> None:
        x = c.tmp("x")
        c(f"{x} = {acc}")
        if p.kind == REF:
            if not _nullable(p.target):
                c(f"if {x} is None:")
                c("    raise _support.null_ref()")
            c(f"w.unique({slot})")
            self._enc_complete(c, p.target, x, names)
            return
        if p.kind == UNIQUE and isinstance(p.target, Array) and _counted_wchars(p.target):
            size, length, _ = self.sizes(p.target, names)
            c(f"if {x} is not None:")
            c(f"    w.counted_wchars({slot}, {x}, {size}, {length})")
            return
        if p.kind == UNIQUE and isinstance(p.target, StructRef) and self._simple_conformant(
                p.target.struct) and not self._is_recursive(p.target):
            c(f"if {x} is not None:")
            c.indent()
            self._enc_simple_conformant(c, p.target.struct, x, slot=slot)
            c.dedent()
            return
        if (p.kind == UNIQUE and isinstance(p.target, Array) and p.target.conformant
                and not p.target.varying and not p.target.string):
            c(f"if {x} is not None:")
            c.indent()
            self._enc_array_complete(c, p.target, x, names, slot=slot)
            c.dedent()
            return
        if p.kind == FULL:
            c(f"if {x} is not None and w.full({slot}, {x}):")
        else:
            c(f"if {x} is not None:")
            c(f"    w.unique({slot})")
        c.indent()
        self._enc_complete(c, p.target, x, names, through_full=p.kind == FULL)
        c.dedent()

    def _enc_complete(self, c: Code, t: WireType, x: str, names: Callable[[str], str],
                      through_full: bool = False) -> None:
        """Write a referent (or top-level value) completely. Behind a unique or ref
        pointer an object met again on the current path is a cycle NDR cannot express;
        behind a full pointer the id table already stops the recursion."""
        recursive = self._is_recursive(t) and not through_full
        if recursive:
            c(f"if id({x}) in w.active:")
            c("    raise _support.bad_value('cycle through unique pointers')")
            c(f"w.active.add(id({x}))")
            c("w.enter()")
        if isinstance(t, StructRef) and self._simple_conformant(t.struct):
            self._enc_simple_conformant(c, t.struct, x)
        elif isinstance(t, StructRef):
            st = t.struct
            found = layout.conformant_array(st) if st.conformant else None
            if found is not None:
                path, arr = found
                owner = x + "".join(f".{f.pyname}" for f in path[:-1])
                size, _, _ = self.sizes(arr, _sibling_names(owner))
                if size is None:  # a conformant [string] without size_is
                    fn = "_support.utf16" if _is_wide(arr.element) else None
                    val = f"{owner}.{path[-1].pyname}"
                    size = (f"(len({fn}({val})) // 2 + 1)" if fn
                            else f"(len({val}) + 1)")
                if calls_c_helper(size):  # name the array whose size failed
                    dotted = ".".join(f.name for f in path)
                    c("try:")
                    c(f"    w.conformance({size})")
                    c("except _support.ExprError as e:")
                    c(f"    raise _support.encode_failure(e).push({dotted!r}) from None")
                else:
                    c(f"w.conformance({size})")
            s = c.tmp("s")
            c(f"{s} = {self.ref(st, '_enc')}(w, {x})")
            if st.has_deferred:
                c(f"{self.ref(st, '_enc')}_deferred(w, {x}, {s})")
        elif isinstance(t, UnionRef):
            s = c.tmp("s")
            sw = render(t.switch_is.expr, names, t.switch_is.unsigned) if t.switch_is else "None"
            c(f"{s} = {self.ref(t.union, '_enc')}(w, {x}, {sw})")
            if t.union.has_deferred:
                c(f"{self.ref(t.union, '_enc')}_deferred(w, {x}, {s})")
        elif isinstance(t, Array):
            self._enc_array_complete(c, t, x, names)
        elif isinstance(t, Pointer):
            slot = c.tmp("sl")
            c(f"{slot} = w.slot()")
            self._enc_pointee_at(c, t, x, slot, names)
        elif isinstance(t, Prim):
            if t.range:
                c(f"_support.check_range({x}, {t.range[0]}, {t.range[1]})")
            c(f"w.{_PRIM_METHOD[t.name]}({x})")
        elif isinstance(t, EnumRef):
            if t.range:
                c(f"_support.check_range({x}, {t.range[0]}, {t.range[1]})")
            c(f"w.{'enum32' if t.enum.v1 else 'enum16'}({x})")
        elif isinstance(t, ContextHandle):
            c(f"w.context_handle({x})")
        elif isinstance(t, Convert):
            w = c.tmp("w")
            c(f"{w} = {t.to_wire}({x})")
            self._enc_complete(c, t.wire, w, names)
        if recursive:
            c("w.leave()")
            c(f"w.active.discard(id({x}))")

    def _enc_array_complete(self, c: Code, a: Array, x: str, names: Callable[[str], str],
                            slot: str | None = None) -> None:
        """A sized pointer's referent; with ``slot`` the pointer is numbered here too."""
        size, length, first = self.sizes(a, names)
        wide = _is_wide(a.element)
        if a.string and a.conformant and size is None:
            if a.range:  # [string, range(lo, hi)]: the count, terminator included
                c(f"_support.check_range(_support.elem_count({x}, {wide}) + 1, "
                  f"{a.range[0]}, {a.range[1]})")
            c(f"w.{'string_w' if wide else 'string_c'}({x})")
            return
        if a.string:
            # [string, size_is(n)]: max from size_is, actual from the text
            data = c.tmp("d")
            if wide:
                c(f"{data} = _support.utf16({x}) + b'\\0\\0'")
                c(f"_support.check_string_size(len({data}) // 2, {size})")
                c(f"w.conformance({size})")
                c(f"w.variance(0, len({data}) // 2)")
            else:
                c(f"{data} = {x}.encode('latin-1') + b'\\0'")
                c(f"_support.check_string_size(len({data}), {size})")
                c(f"w.conformance({size})")
                c(f"w.variance(0, len({data}))")
            c(f"w.byte_array({data})")
            return
        n = f"_support.elem_count({x}, True)" if wide else f"len({x})"
        if a.conformant:
            if size is None:
                size = n
            if slot is not None:
                c(f"w.unique_count({slot}, {size})")
            else:
                c(f"w.conformance({size})")
            if a.range:
                c(f"_support.check_range({size}, {a.range[0]}, {a.range[1]})")
        if a.varying:
            ln = length if length is not None else n
            self._check_count(c, x, wide, ln, "length_is")
            c(f"_support.check_variance({first}, {ln}, {size if a.conformant else a.fixed})")
            c(f"w.variance({first}, {ln})")
        elif a.conformant:
            self._check_count(c, x, wide, size or n, "size_is")
        else:
            self._check_count(c, x, wide, str(a.fixed), "the array size")
        slots = self._enc_elements(c, a.element, x, after_count=a.conformant and not a.varying)
        if layout.has_deferred(a.element):
            self._enc_elements_deferred(c, a.element, x, slots, names)

    def enc_union(self, u: model.UnionDef) -> str:
        c = Code()
        c(f"def {self.ref(u, '_enc')}(w: _ndr.NdrWriter, v: {self.cls(u)}, switch: Any = None) -> Any:")
        c.indent()
        c(f'"""Write the discriminant and the selected arm (flat part) of {u.idl_name}."""')
        c(f"_f = {u.discriminant!r}")
        c("try:")
        c.indent()
        c(f"d = v.{u.discriminant}")
        c("if d is None:")
        c("    d = switch")
        c("elif switch is not None and d != switch:")
        c("    raise _support.bad_value(f'union discriminant {d} disagrees with its "
          "switch_is value {switch}')")
        c("if d is None:")
        c("    raise _support.bad_value('union value has no discriminant')")
        if u.encapsulated:
            c(f"w.align({u.align})")
        self._enc_complete(c, u.switch_type, "d", lambda n: n)
        max_arm = max([layout.align(a.field.type) for a in u.arms if a.field] or [1])
        self._arm_dispatch(c, u, "d", lambda arm: self._enc_arm(c, u, arm, max_arm),
                           "raise _EncodeError(1733, f'union discriminant {d} selects no arm')")
        c.dedent()
        self._enc_except(c)
        out = c.text()
        if u.has_deferred:
            out += "\n\n\n" + self._enc_union_deferred(u)
        return out

    def _enc_arm(self, c: Code, u: model.UnionDef, arm: model.ArmDef, max_arm: int) -> None:
        if arm.field is None:
            c("return None")
            return
        f = arm.field
        c(f"_f = {f.name!r}")
        arm_value = c.tmp("arm")
        c(f"{arm_value} = v.{f.pyname}")
        if not isinstance(f.type, Pointer):
            c(f"if {arm_value} is None:")
            c(f"    raise _support.bad_value('the selected arm {f.pyname} is not set')")
        if u.ms_union:
            c(f"w.align({max_arm})")
        slots = self._enc_members(c, [f], "v", 1, conformant=False,
                                  acc_of=lambda _f: arm_value)
        if len(slots) > 1:  # an arm struct with several pointers: one slot each
            c(f"return ({', '.join(slots)})")
        else:
            c(f"return {slots[0] if slots else 'None'}")

    def _enc_union_deferred(self, u: model.UnionDef) -> str:
        return self._union_deferred(
            u, f"def {self.ref(u, '_enc')}_deferred(w: _ndr.NdrWriter, v: {self.cls(u)}, s: Any) -> None:",
            self._enc_deferred_item, self._enc_except)

    # ================================================================== top level

    def top_reader(self, name: str, t: WireType, type_name: str) -> str:
        c = Code()
        c(f"def _read_{name}(r: _ndr.NdrReader) -> Any:")
        c.indent()
        c("try:")
        c.indent()
        if isinstance(t, Pointer) and t.kind == REF:
            t = t.target  # a top-level [ref] pointer has no wire form of its own
        self._dec_complete(c, t, "v", lambda n: n)
        c("return v")
        c.dedent()
        c("except _DecodeError as e:")
        c(f"    raise e.push({type_name!r})")
        return c.text()

    def top_writer(self, name: str, t: WireType, type_name: str) -> str:
        c = Code()
        c(f"def _write_{name}(w: _ndr.NdrWriter, v: Any) -> None:")
        c.indent()
        c("try:")
        c.indent()
        if isinstance(t, Pointer) and t.kind != REF:
            c("if v is None:")
            c("    w.null()")
            c("    return")
            c("sl = w.slot()")
            if t.kind == FULL:
                c("if not w.full(sl, v):")
                c("    return")
            else:
                c("w.unique(sl)")
            self._enc_complete(c, t.target, "v", lambda n: n)
        elif isinstance(t, Pointer):
            if not _nullable(t.target):
                c("if v is None:")
                c("    raise _support.null_ref()")
            self._enc_complete(c, t.target, "v", lambda n: n)
        else:
            self._enc_complete(c, t, "v", lambda n: n)
        c.dedent()
        c("except _EncodeError as e:")
        c(f"    raise e.push({type_name!r})")
        c(f"except {_ENCODE_ERRORS} as e:")
        c(f"    raise _support.encode_failure(e).push({type_name!r}) from None")
        return c.text()


def _nullable(t: WireType) -> bool:
    """A unique or full pointer: behind a [ref] pointer (which has no value of its own,
    never being NULL) None is this pointer's NULL (``[out] T **pp``)."""
    return isinstance(t, Pointer) and t.kind != REF


def _decl(var: str) -> str:
    """``x: list[Any]`` for a new local list, a plain target for an attribute."""
    return f"{var}: list[Any]" if var.isidentifier() else var


def _type_tag(t: WireType) -> str:
    """What a full pointer's referent is, for checking ids reused across types."""
    if isinstance(t, StructRef):
        return t.struct.idl_name
    if isinstance(t, UnionRef):
        return t.union.idl_name
    if isinstance(t, EnumRef):
        return t.enum.idl_name
    if isinstance(t, Prim):
        return t.name
    if isinstance(t, Array):
        return "array of " + _type_tag(t.element)
    if isinstance(t, Pointer):
        return "pointer to " + _type_tag(t.target)
    return type(t).__name__


def _row_size(spec: Inline) -> int:
    fmt, _ = fmt_of(spec.entries)
    return struct.calcsize("<" + fmt)


def _row_ok(spec: Inline) -> bool:
    """Elements can be converted as packed rows when each is exactly one stride long."""
    return _row_size(spec) % spec.align == 0


def _counted_wchars(a: Array) -> bool:
    """A ``wchar_t`` array sized by both ``size_is`` and ``length_is`` (no first_is)."""
    return (_is_wide(a.element) and a.conformant and not a.string and a.size is not None
            and a.length is not None and a.first is None and a.last is None and a.max is None)


def _is_wide(t: WireType) -> bool:
    return isinstance(t, Prim) and t.name == "wchar"


def _fixed_lengths(t: WireType, acc: str, name: str) -> list[tuple[str, int, str]]:
    """(accessor, size, member path) of each fixed array a fixed run indexes element by
    element: a list of another length would be cut short silently or fail with an
    IndexError that names no field. Byte arrays are packed whole by exact_bytes."""
    if isinstance(t, Array) and t.fixed is not None and not (t.conformant or t.varying):
        if isinstance(t.element, Prim) and t.element.name in ("byte", "char", "uchar"):
            return []
        out = [(acc, t.fixed, name)]
        for i in range(t.fixed):
            out += _fixed_lengths(t.element, f"{acc}[{i}]", f"{name}[{i}]")
        return out
    if isinstance(t, StructRef):
        return [x for f in t.struct.fields
                for x in _fixed_lengths(f.type, f"{acc}.{f.pyname}", f"{name}.{f.name}")]
    return []


def _sibling_names(owner: str) -> Callable[[str], str]:
    return lambda n: f"{owner}.{pyname(n)}"  # a field named ``def`` is ``v.def_``




class ProcEmitter:
    """Emits the marshalling of procedure parameters, one function per direction.

    ``enc(p, "in")`` marshals the ``[in]`` parameters like a client request (a pickled
    procedure on an encoding handle), ``dec(p, "out")`` unmarshals the ``[out]``
    parameters and the return value like a client response (a pickled procedure on a
    decoding handle); ``dec(p, "in")`` and ``enc(p, "out")`` are the server's halves.
    Each top-level parameter is a unit of its own: its referents follow it immediately.
    """

    def __init__(self, em: ModuleEmitter) -> None:
        self.em = em
        self.out_ins: dict[str, tuple[int, ...]] = {}  # proc -> [in] positions enc out takes

    @staticmethod
    def params(p: model.ProcDef, direction: str) -> list[model.ParamDef]:
        want_in = direction == "in"
        return [x for x in p.params if not x.is_handle
                and (x.direction_in if want_in else x.direction_out)]

    def enc(self, p: model.ProcDef, direction: str = "in") -> str:
        em = self.em
        xs = self.params(p, direction)
        # prefixed like dec's: a parameter named w, len or a1 must not shadow what the body uses
        args = [f"v_{x.pyname}" for x in xs]
        if direction == "out" and p.returns is not None:
            args.append("return_")
        names = {x.name: f"v_{x.pyname}" for x in p.params}
        used: set[str] = set()

        def lookup(n: str) -> str:
            used.add(n)
            return names.get(n, n)

        c = Code()
        c("")  # the def line, once the body says which [in] values the replies need
        c.indent()
        c('_f = ""')
        c("try:")
        c.indent()
        for x in xs:
            c(f"_f = {x.name!r}")
            self._enc_param(c, x.type, f"v_{x.pyname}", lookup)
        if direction == "out" and p.returns is not None:
            c("_f = 'return value'")
            self._enc_param(c, p.returns, "return_", lookup)
        if not args:
            c("pass")
        c.dedent()
        em._enc_except(c)
        if direction == "out":
            # a reply's correlations may name [in]-only parameters (switch_is(c) on an [out]
            # union): the server passes their values after the [out] ones
            ins = self.params(p, "in")
            needed = [i for i, x in enumerate(ins) if not x.direction_out and x.name in used]
            self.out_ins[p.name] = tuple(needed)
            args += [f"v_{ins[i].pyname}" for i in needed]
        c.lines[0] = (f"def _enc_{p.name}_{direction}(w: _ndr.NdrWriter"
                      f"{''.join(', ' + a + ': Any' for a in args)}) -> None:")
        return c.text()

    def _enc_param(self, c: Code, t: WireType, x: str, names: Callable[[str], str]) -> None:
        em = self.em
        if isinstance(t, Pointer) and t.kind == REF:
            if not _nullable(t.target):
                c(f"if {x} is None:")
                c("    raise _support.null_ref()")
            em._enc_complete(c, t.target, x, names)
        elif isinstance(t, Pointer):
            c(f"if {x} is None:")
            c("    w.null()")
            c("else:")
            c.indent()
            sl = c.tmp("sl")
            c(f"{sl} = w.slot()")
            if t.kind == FULL:
                c(f"if w.full({sl}, {x}):")
                c.indent()
                em._enc_complete(c, t.target, x, names)
                c.dedent()
            else:
                c(f"w.unique({sl})")
                em._enc_complete(c, t.target, x, names)
            c.dedent()
        else:
            em._enc_complete(c, t, x, names)

    def dec(self, p: model.ProcDef, direction: str = "out") -> str:
        xs = self.params(p, direction)
        names = {x.name: f"v_{x.pyname}" for x in p.params}
        used: set[str] = set()

        def lookup(n: str) -> str:
            used.add(n)
            return names.get(n, n)

        c = Code()
        c("")  # the def line, once the body says which [in] values the reply's checks need
        c.indent()
        c('_f = ""')
        c("try:")
        c.indent()
        results = []
        for x in xs:
            c(f"_f = {x.name!r}")
            var = f"v_{x.pyname}"
            self._dec_param(c, x.type, var, lookup)
            results.append(var)
        if direction == "out" and p.returns is not None:
            c("_f = 'return value'")
            self._dec_param(c, p.returns, "v_return_", lookup)
            results.append("v_return_")
        if not results:
            c("pass")
        c.dedent()
        c("except _DecodeError as e:")
        c("    raise e.push(_f)")
        if direction == "in":
            c(f"return ({', '.join(results)}{',' if len(results) == 1 else ''})")
        elif not results:
            c("return None")
        elif len(results) == 1:
            c(f"return {results[0]}")
        else:
            c(f"return ({', '.join(results)})")
        extra = ""
        if direction == "out":
            # the client passes the [in] values the reply's sizes name (as the server does)
            ins = self.params(p, "in")
            needed = self.out_ins.get(p.name)
            if needed is None:
                needed = tuple(i for i, x in enumerate(ins)
                               if not x.direction_out and x.name in used)
            extra = "".join(f", v_{ins[i].pyname}: Any = None" for i in needed)
        c.lines[0] = f"def _dec_{p.name}_{direction}(r: _ndr.NdrReader{extra}) -> Any:"
        return c.text()

    def _dec_param(self, c: Code, t: WireType, var: str, names: Callable[[str], str]) -> None:
        em = self.em
        if isinstance(t, Pointer) and t.kind == REF:
            em._dec_complete(c, t.target, var, names)
        elif isinstance(t, Pointer):
            ref = c.tmp("ref")
            c(f"{ref} = r.u32()")
            em._dec_pointee_at(c, t, ref, var, names)
        else:
            em._dec_complete(c, t, var, names)
