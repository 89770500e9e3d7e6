"""Semantic passes: from the parsed program (AST) to the resolved model.

The passes, in order (each a small module of its own):

1. ``scope.collect``   — every declaration of every file into one C-like namespace
2. ``acf.merge``       — ACF attributes checked against the IDL and keyed by name
3. ``resolve``         — typedefs, structs, unions, enums into wire types; constants
4. ``layout.compute``  — NDR20 alignment, fixed sizes, conformance, deferral
5. ``checks``          — correlation expressions and pickling rules, reported together
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any, Sequence

from midlpy.compiler import ast, model
from midlpy.compiler.sema import acf as acf_pass
from midlpy.compiler.sema import checks, contexts, layout
from midlpy.compiler.sema.naming import (module_name, module_pyname, param_pyname,
                                        type_pyname, unusable_stem)
from midlpy.compiler.sema.resolve import HANDLE, Handle, Resolver
from midlpy.compiler.sema.scope import attr, collect
from midlpy.diagnostics import Diagnostics, Span


def analyse(program: Any, diags: Diagnostics,
            pickle_types: Sequence[str] = ()) -> model.ProgramModel | None:
    """Build the model of ``program`` (a ``frontend.Program``); errors go to ``diags``.
    ``pickle_types``: typedefs pickled as if the ACF said ``typedef [encode, decode]``."""
    files: list[ast.IdlFile] = list(program.files.values())
    root: ast.IdlFile = program.root
    if root.path not in program.files:
        files.append(root)
    scope = collect(files, diags)
    root_ifaces = [i for i, o in scope.interfaces if o.file == root.path]
    acf = acf_pass.merge(program.acf, root_ifaces, scope, diags)
    default_pd = None
    for iface in root_ifaces:
        a = attr(iface.attrs, "pointer_default")
        if a and a.args and isinstance(a.args[0], ast.Name):
            default_pd = a.args[0].id
    res = Resolver(scope, diags, default_pd, acf.typedefs, root_file=root.path,
                   imports=program.imports)

    for td in scope.typedef_order:
        res.entry_type(td)
    for body in scope.bodies:
        res.body_def(body.node, body.origin, body.typedef_attrs)

    modules: dict[str, model.ModuleModel] = {}
    for f in files:
        stem = PurePath(f.path).stem
        modules[f.path] = model.ModuleModel(f.path, module_name(stem))
        if unusable_stem(stem):
            diags.warning("module-name", f"the file name {stem!r} is not a usable module name; "
                          f"its module is named {modules[f.path].module_name!r}",
                          Span(f.path, 1, 1, 1, 1))
    for f in files:
        for imp in program.imports.get(f.path, ()):
            if imp in modules and imp != f.path:
                modules[f.path].imports.append(modules[imp])
    if program.acf is not None:
        modules[root.path].acf_path = program.acf.path

    _assign_types(res, modules)
    _assign_consts(res, scope, modules)
    all_defs = [d for m in modules.values() for d in m.types]
    if _contains_itself(all_defs, diags):
        return None  # the layout passes assume members by value do not recurse
    layout.compute(all_defs)

    root_mod = modules[root.path]
    _pickled(res, scope, acf, root_ifaces, root_mod, diags, pickle_types)
    _interfaces(res, scope, acf, root_ifaces, root_mod, diags)
    contexts.run(scope, acf, root_mod, diags)
    checks.run(all_defs, root_mod, diags)
    if diags.has_errors:
        return None
    ordered = [modules[f.path] for f in files]
    return model.ProgramModel(root_mod, ordered)


def _assign_types(res: Resolver, modules: dict[str, model.ModuleModel]) -> None:
    taken: dict[str, set[str]] = {path: set() for path in modules}
    items = sorted(res.defs.items(), key=lambda kv: (kv[1].span.file, kv[1].span.line,
                                                     kv[1].span.col))
    for key, d in _by_value_first(items):
        path = res.def_origin[key].file
        mod = modules.get(path) or next(iter(modules.values()))
        name = type_pyname(d.name)
        while name in taken.setdefault(path, set()):
            name += "_"
        taken[path].add(name)
        d.name = name
        d.module = mod
        mod.types.append(d)


def _contains_itself(defs: list[Any], diags: Diagnostics) -> bool:
    """Report each struct or union that contains itself by value (not through a pointer):
    C rejects it as incomplete, and its size would be infinite. Iterative, so a long
    chain of nested types cannot exhaust the stack."""
    from midlpy.compiler.sema.layout import _by_value

    def members(d: Any) -> list[Any]:
        fields = getattr(d, "fields", None)
        if fields is None:
            fields = [a.field for a in getattr(d, "arms", []) if a.field is not None]
        return [sub for f in fields for sub in _by_value(f.type)]

    state: dict[int, int] = {}  # id -> 1 on the current path, 2 finished
    found = False
    for root in defs:
        if id(root) in state:
            continue
        state[id(root)] = 1
        stack = [(root, iter(members(root)))]
        while stack:
            d, it = stack[-1]
            sub = next(it, None)
            if sub is None:
                state[id(d)] = 2
                stack.pop()
            elif state.get(id(sub)) == 1:
                diags.error("recursive-by-value", f"'{sub.name}' contains itself by value; "
                            "only a pointer can refer back to it", sub.span)
                found = True
            elif id(sub) not in state:
                state[id(sub)] = 1
                stack.append((sub, iter(members(sub))))
    return found


def _by_value_first(items: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Source order, except that a type embedded by value comes before its container
    (an anonymous union inside a struct is declared after the struct starts)."""
    from midlpy.compiler.sema.layout import _by_value

    position = {id(d): i for i, (_, d) in enumerate(items)}
    out: list[tuple[int, Any]] = []
    done: set[int] = set()

    def visit(i: int) -> None:
        key, d = items[i]
        if id(d) in done:
            return
        done.add(id(d))
        members = (d.fields if isinstance(d, model.StructDef) else
                   [a.field for a in d.arms if a.field] if isinstance(d, model.UnionDef) else [])
        for f in members:
            for sub in _by_value(f.type):
                if id(sub) in position:
                    visit(position[id(sub)])
        out.append((key, d))

    for i in range(len(items)):
        visit(i)
    return out


def _assign_consts(res: Resolver, scope: Any, modules: dict[str, model.ModuleModel]) -> None:
    for name, entry in scope.consts.items():
        value = res.const_value(name)
        if value is None or entry.origin.file not in modules:
            continue
        modules[entry.origin.file].consts.append(
            model.ConstDef(name, module_pyname(name), value, entry.span))


def _pickled(res: Resolver, scope: Any, acf: acf_pass.AcfInfo, root_ifaces: list[ast.Interface],
             root: model.ModuleModel, diags: Diagnostics, implied: Sequence[str] = ()) -> None:
    wanted: dict[str, tuple[bool, bool, bool]] = {}  # name -> (encode, decode, explicit)
    if acf.encode or acf.decode:
        for td in scope.typedef_order:
            if td.origin.interface in root_ifaces:
                wanted[td.name] = (acf.encode, acf.decode, False)
    for name, attrs in acf.typedefs.items():
        enc, dec = attr(attrs, "encode") is not None, attr(attrs, "decode") is not None
        if enc or dec:
            wanted[name] = (enc, dec, True)
    for name in implied:  # MIDL's implicit [encode, decode], with an explicit handle
        if name not in scope.typedefs:
            diags.error("unknown-type", f"unknown type '{name}': only a typedef name can be "
                        "pickled", None)
            continue
        enc, dec, _ = wanted.get(name, (False, False, True))
        if not (enc and dec):
            wanted[name] = (True, True, True)
    if not wanted:
        return
    if set(wanted) <= set(implied):
        pass  # nothing asked for by the ACF: the implied handle is explicit
    elif attr(acf.interface_attrs, "auto_handle") is not None:
        return  # reported by the ACF checks
    # without [implicit_handle], type routines take the handle as an argument (MIDL and widl
    # do so whether or not the ACF says [explicit_handle])
    for name, (enc, dec, explicit) in wanted.items():
        t = res.typedef_type(name)
        span = acf.typedef_spans.get(name) or scope.typedefs[name].span
        problem = _unpicklable(t)
        if problem:
            if explicit:
                diags.error("cannot-pickle", f"type '{name}' cannot be pickled: {problem}", span)
            continue
        root.pickled.append(model.Pickled(name, t, enc, dec, span,  # type: ignore[arg-type]
                                          primitive=isinstance(t, (model.Prim, model.EnumRef))))


def _unpicklable(t: Any) -> str | None:
    if t is None or isinstance(t, Handle):
        return "it has no wire representation"
    if isinstance(t, model.ContextHandle):
        return "context handles cannot be pickled"
    if isinstance(t, model.StructRef) and t.struct.conformant:
        return ("top-level conformance is not allowed with [encode] or [decode]; pickle a "
                "[unique] pointer typedef to it instead")
    if isinstance(t, model.Array) and (t.conformant or t.varying):
        return ("top-level conformance or variance is not allowed with [encode] or [decode]; "
                "pickle a [unique] pointer typedef to it instead")
    if isinstance(t, model.UnionRef) and not t.union.encapsulated:
        return "a non-encapsulated union needs a [switch_is] and cannot be pickled alone"
    return None


def _interfaces(res: Resolver, scope: Any, acf: acf_pass.AcfInfo, root_ifaces: list[ast.Interface],
                root: model.ModuleModel, diags: Diagnostics) -> None:
    for iface in root_ifaces:
        u = attr(iface.attrs, "uuid")
        uid = None
        if u and u.args and isinstance(u.args[0], ast.UuidLit):
            uid = uuid.UUID(u.args[0].text)
        version = (0, 0)
        v = attr(iface.attrs, "version")
        if v and v.args and isinstance(v.args[0], (ast.Num, ast.FloatNum)):
            text = v.args[0].text
            major, _, minor = text.partition(".")
            if (major + minor).isdigit() and int(major or 0) <= 0xFFFF and int(minor or 0) <= 0xFFFF:
                version = (int(major or 0), int(minor or 0))
            else:  # the pickle header holds each as an unsigned short
                diags.error("bad-version", f"version({text}) is not MAJOR.MINOR with each "
                            "in 0..65535", v.span)
        idef = model.InterfaceDef(iface.name, uid, version, [], iface.span,
                                  implicit_handle=acf.implicit_handle(),
                                  explicit_handle=attr(acf.interface_attrs, "explicit_handle")
                                  is not None)
        opnum = 0
        for entry in scope.operations:
            if entry.interface is not iface:
                continue
            op = entry.node
            if not _is_object(iface) and any(p.name == op.name for p in idef.procs):
                # names are per interface; COM's [propget]/[propput] pairs share theirs
                diags.error("redefinition", f"procedure '{op.name}' is already defined", op.span)
            params: list[model.ParamDef] = []
            for i, p in enumerate(op.params):
                pname = p.declarator.name or f"arg{i}"
                res.local_names = frozenset(x.declarator.name for x in op.params
                                            if x.declarator.name)
                t = res.resolve(p.type, p.declarator.ops, p.attrs + acf.params.get((op.name, pname), ()),
                                entry.origin, context="param", name=f"{op.name}_{pname}",
                                span=p.span)
                res.local_names = frozenset()
                if t is None and not p.declarator.ops:
                    continue  # (void)
                din = attr(p.attrs, "in") is not None
                dout = attr(p.attrs, "out") is not None
                if not din and not dout:
                    din = True
                py = param_pyname(pname, isinstance(t, Handle))
                if any(x.name == pname for x in params):
                    diags.error("duplicate-parameter",
                                f"'{op.name}' has two parameters named '{pname}'", p.span)
                while any(x.pyname == py for x in params):  # def and def_ meet as def_
                    py += "_"
                params.append(model.ParamDef(pname, py,
                                             t if t is not None else HANDLE,  # type: ignore[arg-type]
                                             din, dout, p.span, is_handle=isinstance(t, Handle)))
            ret = res.resolve(op.return_type, op.return_ops, (), entry.origin, context="return",
                              name=op.name, span=op.span)
            oattrs = acf.operations.get(op.name, ())
            idef.procs.append(model.ProcDef(
                op.name, opnum, params, None if isinstance(ret, Handle) else ret, op.span,
                encode=acf.encode or attr(oattrs, "encode") is not None,
                decode=acf.decode or attr(oattrs, "decode") is not None,
                explicit_handle=idef.explicit_handle or attr(oattrs, "explicit_handle") is not None))
            opnum += 1
        idef.pickling_only = all(p.encode or p.decode for p in idef.procs)
        idef.object = _is_object(iface)
        if idef.object and idef.procs and not any(p.encode or p.decode for p in idef.procs):
            kind = "local" if attr(iface.attrs, "local") is not None else "object"
            diags.note("com-interface",
                       f"interface '{iface.name}' is a COM interface ([{kind}]): its types and "
                       "constants are generated, but no client or server (midlpy does not "
                       "implement DCOM)", iface.span)
        _check_pickled_procs(idef, iface, acf, diags)
        for proc in idef.procs:
            if (proc.encode or proc.decode) and any(
                    q.name == proc.name and (q.encode or q.decode)
                    for other in root.interfaces for q in other.procs):
                diags.error("redefinition", f"pickled procedure '{proc.name}' is also pickled "
                            "by another interface of this file; both would be the module's "
                            f"'{proc.name}'", proc.span)
        root.interfaces.append(idef)


def _is_object(iface: ast.Interface) -> bool:
    """A COM interface (DCOM's business, no stubs): [object], [local], [odl], [dual], or one
    that derives from another interface."""
    return iface.base is not None or any(
        attr(iface.attrs, a) is not None for a in ("object", "local", "odl", "dual"))


def _check_pickled_procs(idef: model.InterfaceDef, iface: ast.Interface, acf: acf_pass.AcfInfo,
                         diags: Diagnostics) -> None:
    """What MIDL refuses for procedures marked [encode]/[decode]."""
    pickled = [p for p in idef.procs if p.encode or p.decode]
    if not pickled:
        return
    ih = attr(acf.interface_attrs, "implicit_handle")
    if ih is not None and ih.args and isinstance(ih.args[0], ast.DeclArg):
        spec = ih.args[0].type
        if not (isinstance(spec, ast.TypeName) and spec.name == "handle_t") or ih.args[0].declarator.ops:
            diags.error("bad-implicit-handle",
                        "a serialization [implicit_handle] must be declared handle_t", ih.span)
    if attr(iface.attrs, "object") is not None:
        diags.error("object-pickling", f"interface '{idef.name}' is [object]: its procedures "
                    "cannot be pickled", iface.span)
    if idef.uuid is None:
        diags.error("missing-uuid", f"interface '{idef.name}' has pickled procedures but no "
                    "uuid, which every procedure pickle records", iface.span)
    remote = [p for p in idef.procs if not (p.encode or p.decode)]
    if remote:
        diags.error("mixed-pickling",
                    f"procedure '{remote[0].name}' is remote but the interface also has pickled "
                    "procedures; MIDL keeps them in separate interfaces", remote[0].span)
    for p in pickled:
        has_handle = any(x.is_handle for x in p.params)
        if not has_handle and not p.explicit_handle and idef.implicit_handle is None:
            diags.error("no-serialization-handle",
                        f"procedure '{p.name}' is pickled but has no way to get a serialization "
                        "handle: give it a handle_t parameter, or add [explicit_handle] or "
                        "[implicit_handle(handle_t name)] to the ACF", p.span)
        for x in p.params:
            if _contains_context_handle(x.type):
                diags.error("context-handle-pickling",
                            f"parameter '{x.name}' of pickled procedure '{p.name}' is a context "
                            "handle, which cannot be pickled", x.span)
        if p.decode and p.returns is not None and _bad_return(p.returns):
            diags.error("bad-pickled-return",
                        f"procedure '{p.name}' is decoded but returns a floating-point, structure "
                        "or union value, which pickling does not support", p.span)


def _contains_context_handle(t: Any) -> bool:
    if isinstance(t, model.ContextHandle):
        return True
    if isinstance(t, model.Pointer):
        return _contains_context_handle(t.target)
    return False


def _bad_return(t: Any) -> bool:
    if isinstance(t, model.Prim):
        return t.name in ("float", "double")
    return isinstance(t, (model.StructRef, model.UnionRef))
