"""Code generation: one Python module per IDL file, rendered from ``templates/``.

This module builds a *view* of each module model (names, annotations, defaults, the
codec functions emitted by :mod:`emit`) and renders ``module.py.j2`` with it. Output is
deterministic: it depends only on the input files (named by their relative paths) and
midlpy's version.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from midlpy.compiler import model
from midlpy.compiler.codegen.emit import ModuleEmitter, ProcEmitter
from midlpy.compiler.sema.naming import module_pyname, routine_base
from midlpy.compiler.model import (REF, Array, ContextHandle, Convert, EnumRef, Pointer,
                                   Prim, StructRef, UnionRef, WireType)

GENERATOR = "midlpy"


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    from midlpy._resources import resource_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["pystr"] = _pystr
    env.filters["docstring"] = _docstring
    return env


def _pystr(text: str) -> str:
    """A Python string literal for any text (quotes, backslashes, newlines escaped)."""
    return repr(str(text))


def _docstring(text: str) -> str:
    """A triple-quoted docstring for any text (no way to close it early)."""
    body = str(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body += " "
    return f'"""{body}"""'


@dataclass
class FieldView:
    name: str
    annotation: str
    default: str  # a constant, or "_FACTORY" when __init__ makes a fresh object
    comment: str
    factory: str = ""  # for "_FACTORY", what __init__ makes: "[]", "GUID()"


@dataclass
class ClassView:
    kind: str  # "struct", "union", "enum"
    name: str
    doc: str
    fields: list[FieldView] = field(default_factory=list)
    members: list[tuple[str, int]] = field(default_factory=list)

    @property
    def slots(self) -> str:
        return repr(tuple(f.name for f in self.fields))

    @property
    def init(self) -> list[str]:
        """The lines of ``__init__`` (what @dataclass would write at import time)."""
        names = {f.name for f in self.fields}
        me = next(n for n in ("self", "self_", "self__", "_self") if n not in names)

        def outer(expr: str) -> str:  # globals and builtins, also where a parameter hides them
            def visible(m: re.Match[str]) -> str:
                n = m.group(0)
                if n not in names or n == "_":  # "_": the comprehension's own variable
                    return n
                where = "__builtins__" if hasattr(builtins, n) else "__globals__"
                return f"__class__.__init__.{where}[{n!r}]"
            return re.sub(r"(?<![.\w])[A-Za-z_]\w*", visible, expr)

        params = [f"{f.name}: {f.annotation} = {f.default}" for f in self.fields]
        head = f"    def __init__({', '.join([me] + params)}) -> None:"
        if len(head) > 100:
            head = "\n".join([f"    def __init__(\n            {me},"]
                             + [f"            {p}," for p in params] + ["    ) -> None:"])
        lines = [head]
        for f in self.fields:
            if not f.factory:
                lines.append(f"        {me}.{f.name} = {f.name}")
                continue
            make = outer(f.factory)
            lines.append(f"        {me}.{f.name} = {make} if {f.name} is {outer('_FACTORY')} "
                         f"else {f.name}")
        if not self.fields:
            lines.append("        pass")
        return lines


@dataclass
class ProcView:
    name: str
    opnum: int
    iface: str  # the module constant holding the interface id
    params: list[str]  # Python names of the [in] parameters, in order
    handle_param: str | None  # explicit handle argument, or None for an implicit handle
    handle_expr: str
    encode: bool
    decode: bool
    doc: str
    pyname: str = ""  # the function's name: ``len`` -> ``len_`` (module level)


@dataclass
class IfaceView:
    const: str
    name: str
    uuid: str
    major: int
    minor: int


@dataclass
class RoutineView:
    name: str
    encode: bool
    decode: bool
    annotation: str
    handle_param: str  # "h: _mes.MesHandle" (explicit handle) or "" (implicit)
    handle_expr: str  # "h" or the implicit handle name
    primitive: bool


def generate(program: model.ProgramModel) -> list[Any]:
    from midlpy.compiler.api import GeneratedFile

    recursive = _recursive_defs(program)
    out = []
    for mod in program.modules:
        text = render_module(mod, recursive)
        out.append(GeneratedFile(f"{mod.module_name}.py", text, mod.module_name))
    return out


def imported_modules(mod: model.ModuleModel) -> list[model.ModuleModel]:
    """Every module ``mod`` imports, directly or through another (a type of ms-dtyp reaches
    ms-csvp through ms-dcom), imports of imports first."""
    seen: list[model.ModuleModel] = []
    entered = {id(mod)}

    def visit(m: model.ModuleModel) -> None:
        for imp in m.imports:
            if id(imp) not in entered:
                entered.add(id(imp))
                visit(imp)
                seen.append(imp)

    visit(mod)
    return seen


def render_module(mod: model.ModuleModel, recursive: set[int]) -> str:
    from midlpy import __version__

    def ref(d: model.NamedType, kind: str) -> str:
        base = {"": d.name, "_dec": f"_dec_{d.name}", "_enc": f"_enc_{d.name}",
                "_member": f"_{d.name}_member"}[kind]
        if d.module is not None and d.module is not mod:
            return f"_m_{d.module.module_name}.{base}"
        return base

    em = ModuleEmitter(ref=ref, recursive=recursive)
    classes: list[ClassView] = []
    codecs: list[str] = []
    for d in mod.types:
        classes.append(_class_view(d, ref))
        if getattr(d, "unmarshallable", None):
            continue  # nothing marshals it (sema checked); it stays a plain dataclass
        if isinstance(d, model.StructDef):
            codecs.append(em.dec_struct(d))
            codecs.append(em.enc_struct(d))
        elif isinstance(d, model.UnionDef):
            codecs.append(em.dec_union(d))
            codecs.append(em.enc_union(d))

    routines: list[RoutineView] = []
    implicit = next((i.implicit_handle for i in mod.interfaces if i.implicit_handle), None)
    for p in mod.pickled:
        type_name = _type_name(p.type, p.name)
        base = routine_base(p.name)
        if p.decode:
            codecs.append(em.top_reader(base, p.type, type_name))
        if p.encode:
            codecs.append(em.top_writer(base, p.type, type_name))
        routines.append(RoutineView(
            base, p.encode, p.decode, _annotation(p.type, ref),
            handle_param="" if implicit else "h: _mes.MesHandle", handle_expr=implicit or "h",
            primitive=p.primitive))

    procs: list[ProcView] = []
    ifaces: list[IfaceView] = []
    pe = ProcEmitter(em)
    for iface in mod.interfaces:
        pickled = [p for p in iface.procs if p.encode or p.decode]
        if not pickled or iface.uuid is None:
            continue
        const = f"_IFACE_{iface.name}"
        ifaces.append(IfaceView(const, iface.name, str(iface.uuid), *iface.version))
        for proc in pickled:
            hparam = next((x.pyname for x in proc.params if x.is_handle), None)
            if hparam is None and proc.explicit_handle:
                hparam = "h"
            ins = [x.pyname for x in proc.params if x.direction_in and not x.is_handle]
            outs = [x.name for x in proc.params if x.direction_out and not x.is_handle]
            if proc.returns is not None:
                outs.append("the return value")
            if proc.encode:
                codecs.append(pe.enc(proc, "in"))
            if proc.decode:
                codecs.append(pe.dec(proc, "out"))
            doc = (f"Procedure {proc.name} (number {proc.opnum} of {iface.name}): encoding pickles "
                   f"[in] {', '.join(ins) or 'nothing'}; decoding returns "
                   f"{', '.join(outs) or 'None'}.")
            procs.append(ProcView(proc.name, proc.opnum, const, ins, hparam,
                                  hparam or iface.implicit_handle or "None",
                                  proc.encode, proc.decode, doc, module_pyname(proc.name)))

    from midlpy.compiler.codegen import stubs

    stub_blocks = stubs.render(mod, em, pe)
    codecs += stub_blocks

    hooks = sorted({h for d in mod.types for h in _hooks_of(d)} |
                   {h for p in mod.pickled for h in _hooks_in(p.type)})
    # C puts enumerators in the global namespace; so does the module (unless a name is taken)
    taken = ({c.name for c in classes} | {c.pyname for c in mod.consts}
             | {r.name for r in routines} | {p.pyname for p in procs} | set(hooks))
    enumerators: list[tuple[str, str]] = []
    for cv in classes:
        for name, _ in cv.members:
            if name not in taken and not name.startswith("_") and module_pyname(name) == name:
                taken.add(name)
                enumerators.append((name, f"{cv.name}.{name}"))
    # An imported file's types and constants are in scope in the IDL that imports it; the
    # module offers them too (drs.GUID), unless it defines the name itself.
    reexports: list[tuple[str, str]] = []
    for imp in imported_modules(mod):
        for name in [d.name for d in imp.types] + [c.pyname for c in imp.consts]:
            if name not in taken and not name.startswith("_"):
                taken.add(name)
                reexports.append((name, imp.module_name))
    sources = [PurePath(mod.idl_path).name]
    if mod.acf_path:
        sources.append(PurePath(mod.acf_path).name)
    env = _environment()
    text = env.get_template("module.py.j2").render(
        version=__version__, sources=sources, module=mod,
        imports=[m.module_name for m in imported_modules(mod)],
        consts=[(c.pyname, _literal(c.value)) for c in mod.consts],
        classes=classes, fixed=em.fixed_defs, codecs=codecs, routines=routines,
        implicit_handle=implicit, hooks=hooks, procs=procs, ifaces=ifaces,
        enumerators=enumerators, reexports=reexports, has_stubs=bool(stub_blocks),
        exports=sorted({c.name for c in classes} | {c.pyname for c in mod.consts}
                       | {f"{r.name}_{op}" for r in routines for op in
                          (["AlignSize", "Encode"] if r.encode else [])
                          + (["Decode", "Free"] if r.decode else [])}
                       | ({implicit} if implicit else set()) | set(hooks)
                       | {p.pyname for p in procs} | {n for n, _ in enumerators}))
    return text.rstrip("\n") + "\n"


def _literal(v: int | float | str) -> str:
    return repr(v)


def _type_name(t: WireType, fallback: str) -> str:
    if isinstance(t, Pointer):
        return _type_name(t.target, fallback)
    if isinstance(t, StructRef):
        return t.struct.idl_name
    if isinstance(t, UnionRef):
        return t.union.idl_name
    return fallback


def _class_view(d: model.NamedType, ref: Any) -> ClassView:
    where = f"{PurePath(d.span.file).name}:{d.span.line}"
    if isinstance(d, model.EnumDef):
        members = []
        seen: set[str] = set()
        for name, value in d.members:
            py = name + "_" if keyword.iskeyword(name) else name  # None -> None_
            if py in ("name", "value", "mro") or py[:1] == "_" != py[1:2] and py[-1:] == "_":
                py += "_"  # the enum machinery's names, and _sunder_ names Enum refuses
            if py.startswith("__"):
                py = "m" + py  # a class-private name would not become a member
            if py in seen:
                continue
            seen.add(py)
            members.append((py, value))
        return ClassView("enum", d.name, f"enum {d.idl_name} ({where})", members=members)
    if isinstance(d, model.StructDef):
        fields = [FieldView(f.pyname, ann, default, _comment(f.type, ann), factory)
                  for f in d.fields for ann in [_annotation(f.type, ref)]
                  for default, factory in [_default(f.type, ref)]]
        return ClassView("struct", d.name, f"struct {d.idl_name} ({where})", fields)
    fields = [FieldView(d.discriminant, "int | None", "None", "discriminant")]
    for arm in d.arms:
        if arm.field is not None:
            cases = "default" if arm.is_default else ", ".join(map(str, arm.cases))
            fields.append(FieldView(arm.field.pyname,
                                    _annotation(arm.field.type, ref) + " | None", "None",
                                    f"case {cases}"))
    kind = "encapsulated union" if d.encapsulated else "union"
    return ClassView("union", d.name, f"{kind} {d.idl_name} ({where})", fields)


def _annotation(t: WireType, ref: Any) -> str:
    if isinstance(t, Prim):
        return {"boolean": "bool", "float": "float", "double": "float"}.get(t.name, "int")
    if isinstance(t, EnumRef):
        return f"{ref(t.enum, '')} | int"
    if isinstance(t, Pointer):
        inner = _annotation(t.target, ref)
        return inner if t.kind == REF else f"{inner} | None"
    if isinstance(t, Array):
        el = t.element
        if isinstance(el, Prim) and el.name == "wchar" or t.string:
            return "str"
        if isinstance(el, Prim) and el.name in ("byte", "char", "uchar"):
            return "bytes"
        return f"list[{_annotation(el, ref)}]"
    if isinstance(t, StructRef):
        return ref(t.struct, "")
    if isinstance(t, UnionRef):
        return ref(t.union, "")
    if isinstance(t, ContextHandle):
        return "_ndr.ContextHandle | None"
    return "Any"


def _default(t: WireType, ref: Any) -> tuple[str, str]:
    """The default in ``__init__``'s signature, and for "_FACTORY" the expression the body
    evaluates: a literal for immutable values, else a fresh zero value."""
    zero = _zero(t, ref)
    if isinstance(t, (StructRef, UnionRef)) or (
            isinstance(t, Array) and zero not in ('""', 'b""') and not zero.startswith("bytes(")):
        return "_FACTORY", zero
    return zero, ""


def _zero(t: WireType, ref: Any) -> str:
    """An expression for a fresh zero value of ``t``: a fixed array holds its count of
    zero elements (structs constructed), so that a default value encodes as it stands.
    sema.checks bounds the objects one default may create."""
    if isinstance(t, Prim):
        return {"boolean": "False", "float": "0.0", "double": "0.0"}.get(t.name, "0")
    if isinstance(t, EnumRef):
        return "0"
    if isinstance(t, (StructRef, UnionRef)):
        return f"{ref(t.struct if isinstance(t, StructRef) else t.union, '')}()"
    if isinstance(t, Array):
        ann = _annotation(t, ref)
        if ann == "str":
            return '""'
        if ann == "bytes":
            return f"bytes({t.fixed})" if t.fixed and not t.varying else 'b""'
        if not t.fixed or t.varying:
            return "[]"
        zero = _zero(t.element, ref)
        if isinstance(t.element, (Prim, EnumRef)):
            return f"[{zero}] * {t.fixed}"
        return f"[{zero} for _ in range({t.fixed})]"
    return "None"


def _comment(t: WireType, annotation: str) -> str:
    """The wire form, where the annotation does not already say it."""
    text = _describe(t)
    if text == annotation or isinstance(t, (StructRef, UnionRef)):
        return ""
    return text


def _describe(t: WireType) -> str:
    """A short IDL-ish note on the wire form, for the field comment."""
    if isinstance(t, Pointer):
        return f"[{t.kind}] pointer to {_describe(t.target)}"
    if isinstance(t, Array):
        parts = []
        if t.string:
            parts.append("string")
        if t.fixed is not None:
            parts.append(f"[{t.fixed}]")
        if t.conformant:
            parts.append("conformant")
        if t.varying and not t.string:
            parts.append("varying")
        return " ".join(parts) + f" array of {_describe(t.element)}"
    if isinstance(t, Prim):
        return t.name
    if isinstance(t, EnumRef):
        return f"enum {t.enum.idl_name}"
    if isinstance(t, StructRef):
        return t.struct.idl_name
    if isinstance(t, UnionRef):
        return t.union.idl_name
    if isinstance(t, ContextHandle):
        return "context handle"
    if isinstance(t, Convert):
        return f"[{t.kind}] {_describe(t.wire)}"
    return ""


def _hooks_in(t: WireType) -> set[str]:
    if isinstance(t, Convert):
        return {t.to_wire, t.from_wire} | _hooks_in(t.wire)
    if isinstance(t, Pointer):
        return _hooks_in(t.target)
    if isinstance(t, Array):
        return _hooks_in(t.element)
    return set()


def _hooks_of(d: model.NamedType) -> set[str]:
    out: set[str] = set()
    if isinstance(d, model.StructDef):
        for f in d.fields:
            out |= _hooks_in(f.type)
    elif isinstance(d, model.UnionDef):
        for a in d.arms:
            if a.field:
                out |= _hooks_in(a.field.type)
    return out


def _recursive_defs(program: model.ProgramModel) -> set[int]:
    """Definitions that can reach themselves (their decoders track nesting depth)."""
    edges: dict[int, list[model.NamedType]] = {}

    def refs(t: WireType) -> list[model.NamedType]:
        if isinstance(t, StructRef):
            return [t.struct]
        if isinstance(t, UnionRef):
            return [t.union]
        if isinstance(t, Pointer):
            return refs(t.target)
        if isinstance(t, Array):
            return refs(t.element)
        if isinstance(t, Convert):
            return refs(t.wire)
        return []

    defs = [d for m in program.modules for d in m.types]
    for d in defs:
        out: list[model.NamedType] = []
        if isinstance(d, model.StructDef):
            for f in d.fields:
                out += refs(f.type)
        elif isinstance(d, model.UnionDef):
            for a in d.arms:
                if a.field:
                    out += refs(a.field.type)
        edges[id(d)] = out
    result: set[int] = set()
    for d in defs:
        stack, seen = list(edges[id(d)]), set()
        while stack:
            x = stack.pop()
            if x is d:
                result.add(id(d))
                break
            if id(x) in seen:
                continue
            seen.add(id(x))
            stack.extend(edges.get(id(x), []))
    return result
