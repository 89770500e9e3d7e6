"""Turn AST type specs, declarators and attributes into wire types (``model.WireType``).

The rules, from MIDL:

* A declarator's levels are read from the name outwards: in ``long **pp`` the outer
  pointer is level 0. Positional attribute arguments follow the levels:
  ``size_is(, n)`` sizes level 1. A pointer or array typedef contributes its own levels
  after the declarator's (``[size_is(n)] PGROUP_MEMBERSHIP p`` sizes the typedef's
  pointer).
* ``[string]`` applies to the innermost level; ``[ref]``/``[unique]``/``[ptr]`` written
  on a field or parameter to its outermost pointer, on a typedef to the typedef's pointer.
  Other pointers take the ``pointer_default`` of the interface that declares them
  (``unique`` when none says), except a parameter's outermost pointer, which is ``[ref]``.
* A sized pointer (``size_is``/``max_is`` or ``[string]``) points to an array.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable

from midlpy.compiler import ast, model
from midlpy.compiler.model import (FULL, REF, UNIQUE, Array, ContextHandle, Convert, Corr,
                                   EnumRef, Pointer, Prim, StructRef, UnionRef, WireType)
from midlpy.compiler.sema.consteval import ConstError, evaluate
from midlpy.compiler.sema.scope import Origin, Scope, TagEntry, TypedefEntry, attr
from midlpy.diagnostics import Diagnostics, Span

# Names MIDL knows without a declaration; a user typedef of the same name wins.
PREDEFINED = {
    "wchar_t": "wchar",
    "WCHAR": None,  # not predefined: listed to document that it must be typedef'd
    "error_status_t": "uint32",
    "HRESULT": "int32",
}
HANDLE_T = "handle_t"

_POINTER_KINDS = {"ref": REF, "unique": UNIQUE, "ptr": FULL}
_CONVERSIONS = ("transmit_as", "wire_marshal")


class Handle:
    """The wire type of ``handle_t``: nothing travels."""


HANDLE = Handle()


@dataclass
class Level:
    """One declarator level: a pointer or an array, with the typedef attrs it came with."""

    op: ast.PointerOp | ast.ArrayOp
    typedef_attrs: ast.Attrs = ()
    from_typedef: bool = False


def _corrs(t: object) -> list[Corr]:
    """The correlation expressions of a member's own type (not of named types it uses)."""
    if isinstance(t, Array):
        own = [c for c in (t.size, t.max, t.min, t.length, t.first, t.last) if c is not None]
        return own + _corrs(t.element)
    if isinstance(t, Pointer):
        return _corrs(t.target)
    if isinstance(t, UnionRef):
        return [t.switch_is] if t.switch_is is not None else []
    if isinstance(t, Convert):
        return _corrs(t.wire)
    return []


class Resolver:
    """Builds model definitions on demand; one per program."""

    def __init__(self, scope: Scope, diags: Diagnostics, default_pd: str | None,
                 acf_typedefs: dict[str, ast.Attrs], root_file: str = "",
                 imports: dict[str, tuple[str, ...]] | None = None) -> None:
        self.scope = scope
        self.imports = imports or {}
        self._visible: dict[tuple[str, str], TypedefEntry | None] = {}
        self._conflicts: dict[tuple[str, str], list[TypedefEntry]] = {}
        self.diags = diags
        self.root_file = root_file
        self.default_pd = default_pd or "unique"
        self.acf_typedefs = acf_typedefs
        self.defs: dict[int, model.NamedType] = {}  # id(ast node) -> def
        self.def_origin: dict[int, Origin] = {}
        self.typedef_cache: dict[int, WireType | Handle | None] = {}  # id(entry) ->
        self.in_progress: set[int] = set()
        self.names: dict[int, str] = self._choose_names()
        self.unsized_names: dict[int, str] = {}  # id(Array) -> display name
        self._const_env: dict[str, int | float | str] = {}
        # the names correlations may refer to where they are read (fields, parameters)
        self.local_names: frozenset[str] = frozenset()
        self._consts_evaluating: set[str] = set()

    # ------------------------------------------------------------------ constants

    def const_env(self) -> dict[str, int | float | str]:
        """Every constant and enumerator evaluated so far (lazily completed)."""
        return _LazyEnv(self)  # type: ignore[return-value]

    def const_value(self, name: str) -> int | float | str | None:
        if name in self._const_env:
            return self._const_env[name]
        if name in self._consts_evaluating:
            return None
        if name in self.scope.consts:
            entry = self.scope.consts[name]
            self._consts_evaluating.add(name)
            try:
                value = evaluate(entry.value, self.const_env(), self.sizeof)
            except ConstError as e:
                self.diags.error("not-constant", str(e), e.span)
                value = 0
            finally:
                self._consts_evaluating.discard(name)
            self._const_env[name] = value
            return value
        if name in self.scope.enumerators:
            _, enum_node, _ = self.scope.enumerators[name]
            self._evaluate_enum(enum_node)
            return self._const_env.get(name)
        return None

    def _evaluate_enum(self, node: ast.EnumType) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        nxt = 0
        for en in node.values or ():
            if en.name in self._const_env and not isinstance(self._const_env[en.name], int):
                value = 0
            elif en.value is not None:
                self._consts_evaluating.add(en.name)
                try:
                    v = evaluate(en.value, self.const_env(), self.sizeof)
                    if isinstance(v, int):
                        value = v
                    else:
                        self.diags.error("not-integer", f"the value of enumerator '{en.name}' "
                                         "must be an integer", _span(en.value))
                        value = nxt
                except ConstError as e:
                    self.diags.error("not-constant", str(e), e.span)
                    value = nxt
                finally:
                    self._consts_evaluating.discard(en.name)
            else:
                value = nxt
            self._const_env[en.name] = value
            out.append((en.name, value))
            nxt = value + 1
        return out

    def sizeof(self, spec: ast.TypeSpec, ops: tuple[ast.DeclOp, ...]) -> int | None:
        """C's sizeof for the types it is used on in practice (base types and typedefs of
        them); None when midlpy cannot tell (pointers differ between 32 and 64 bits)."""
        if ops:
            return None
        if isinstance(spec, ast.TypeName) and spec.name in self.scope.typedefs:
            entry = self.lookup(spec.name, None, spec.span)
            if entry is None or id(entry) in self.in_progress:
                return None
            t = self.entry_type(entry)
            if isinstance(t, Handle) or t is None:
                return None
            found = _c_layout(t)
            return found[0] if found is not None else None
        if isinstance(spec, ast.TypeName) and PREDEFINED.get(spec.name):
            return model.PRIMITIVES[PREDEFINED[spec.name]][0]  # type: ignore[index]
        if isinstance(spec, ast.BaseType):
            p = _base_prim(spec)
            return p.size if p is not None else None
        return None

    def _fold(self, args: tuple[ast.AttrArg, ...]) -> tuple[ast.AttrArg, ...]:
        """Correlation arguments with their ``sizeof`` parts replaced by numbers."""
        return tuple(self._fold_expr(a) if a is not None and not isinstance(
            a, (ast.UuidLit, ast.TypeArg, ast.DeclArg)) else a for a in args)

    def _fold_expr(self, e: Any) -> Any:
        if isinstance(e, ast.SizeofExpr) and isinstance(e.operand, ast.Name):
            n = self.sizeof(ast.TypeName(e.operand.id, e.span), ())
            return e if n is None else ast.Num(n, str(n), e.span)
        if isinstance(e, ast.SizeofType):
            n = self.sizeof(e.type, e.ops)
            return e if n is None else ast.Num(n, str(n), e.span)
        if isinstance(e, ast.Name) and e.id not in self.local_names:
            # a constant or enumerator (dhcpm's ELEMENT_MASK(E) expands to a test against
            # DhcpIpRangesBootpOnly): MIDL reads the value; fields and parameters win
            v = self.const_value(e.id)
            return ast.Num(v, str(v), e.span) if isinstance(v, int) else e
        if isinstance(e, ast.Unary):
            return dataclasses.replace(e, operand=self._fold_expr(e.operand))
        if isinstance(e, ast.Binary):
            return dataclasses.replace(e, left=self._fold_expr(e.left),
                                       right=self._fold_expr(e.right))
        if isinstance(e, ast.Conditional):
            return dataclasses.replace(e, cond=self._fold_expr(e.cond),
                                       then=self._fold_expr(e.then),
                                       otherwise=self._fold_expr(e.otherwise))
        if isinstance(e, ast.Cast):
            return dataclasses.replace(e, operand=self._fold_expr(e.operand))
        return e

    def int_const(self, expr: ast.Expr, what: str) -> int | None:
        try:
            v = evaluate(expr, self.const_env(), self.sizeof)
        except ConstError as e:
            self.diags.error("not-constant", f"{what} must be a constant: {e}", e.span)
            return None
        if not isinstance(v, int):
            self.diags.error("not-integer", f"{what} must be an integer", _span(expr))
            return None
        return v

    # ------------------------------------------------------------------ naming

    def _choose_names(self) -> dict[int, str]:
        """Python class names for type bodies: the first typedef naming the body directly
        (no pointer or array), else the tag."""
        names: dict[int, str] = {}
        for td in self.scope.typedef_order:
            if td.declarator.ops:
                continue
            body = self._body_of(td.type)
            if body is not None and id(body) not in names:
                names[id(body)] = td.name
        for entry in self.scope.bodies:
            tag = entry.node.tag  # type: ignore[union-attr]
            if id(entry.node) not in names and tag:
                names[id(entry.node)] = tag
        return names

    def _body_of(self, spec: ast.TypeSpec) -> ast.StructType | ast.UnionType | ast.EnumType | None:
        if isinstance(spec, ast.Qualified):
            return self._body_of(spec.type)
        if isinstance(spec, (ast.StructType, ast.UnionType, ast.EnumType)):
            if getattr(spec, {"StructType": "fields", "UnionType": "arms",
                              "EnumType": "values"}[type(spec).__name__]) is not None:
                return spec
            kind = {"StructType": "struct", "UnionType": "union", "EnumType": "enum"}[
                type(spec).__name__]
            entry = self.scope.tags.get((kind, spec.tag or ""))
            if entry is None and kind == "struct":
                # an encapsulated union is a struct in C (MIDL's header declares
                # `struct tag { switch; union {...} }`): rrasm's `struct _MPR_SERVER_EX_IDL *`
                entry = self.scope.tags.get(("union", spec.tag or ""))
                if entry is not None and getattr(entry.node, "switch", None) is None:
                    entry = None
            return entry.node if entry else None
        return None

    # ------------------------------------------------------------------ named types

    def lookup(self, name: str, file: str | None = None,
               span: Span | None = None) -> TypedefEntry | None:
        """The typedef ``name`` means in ``file`` (the root file by default): the file's own
        definition, else the one its imports agree on. Imports that bring two different
        definitions, neither of them the file's own, are a conflict, reported at ``span``."""
        if name not in self.scope.variants:
            return self.scope.typedefs.get(name)
        entry = self._visible_in(name, file or self.root_file)
        if entry is not None and id(entry) in self.in_progress and entry.origin.file == file:
            # `typedef DECIMAL DECIMAL;` (ms-uamg): as in C, a definition is in effect after
            # itself, so its own right-hand side means the imported one
            entry = self._imported(name, file) or entry
        key = (name, file or self.root_file)
        if key in self._conflicts and span is not None:
            a, b = self._conflicts.pop(key)[:2]
            if _same_wire(self.entry_type(a), self.entry_type(b), set()):
                # two spellings of one type (Wine's dcommon.idl and wtypes.idl RECT)
                return entry if entry is not None else self.scope.typedefs.get(name)
            self.diags.error("typedef-conflict",
                             f"'{name}' is defined differently at {a.span} and at {b.span}, "
                             "both imported here; define it in this file or import one",
                             span)
        return entry if entry is not None else self.scope.typedefs.get(name)

    def _visible_in(self, name: str, file: str) -> TypedefEntry | None:
        key = (name, file)
        if key in self._visible:
            return self._visible[key]
        self._visible[key] = None  # an import cycle meets nothing new
        found = self.scope.by_file.get(key) or self._imported(name, file)
        self._visible[key] = found
        return found

    def _imported(self, name: str, file: str) -> TypedefEntry | None:
        """The definition of ``name`` that ``file``'s imports bring (conflicts noted)."""
        seen: list[TypedefEntry] = []
        for imp in self.imports.get(file, ()):
            e = self._visible_in(name, imp)
            if e is not None and e not in seen:
                seen.append(e)
        # a definition made in a file that imports another's file replaces it there
        seen = [e for e in seen if not any(
            o is not e and self._reaches(o.origin.file, e.origin.file) for o in seen)]
        if len(seen) > 1:
            self._conflicts[(name, file)] = seen
        return seen[0] if seen else None

    def _reaches(self, file: str, target: str) -> bool:
        """Whether ``file`` imports ``target``, directly or through other imports."""
        stack, seen = [file], {file}
        while stack:
            for imp in self.imports.get(stack.pop(), ()):
                if imp == target:
                    return True
                if imp not in seen:
                    seen.add(imp)
                    stack.append(imp)
        return False

    def typedef_type(self, name: str, file: str | None = None,
                     span: Span | None = None) -> WireType | Handle | None:
        """The wire type a typedef name stands for in ``file`` (None for void or an error)."""
        entry = self.lookup(name, file, span)
        return None if entry is None else self.entry_type(entry)

    def entry_type(self, entry: TypedefEntry) -> WireType | Handle | None:
        """The wire type of one typedef definition."""
        name = entry.name
        if id(entry) in self.typedef_cache:
            return self.typedef_cache[id(entry)]
        if id(entry) in self.in_progress:
            # A struct reaching itself through a pointer (TYPEDESC -> ARRAYDESC -> TYPEDESC)
            # meets its own typedef again while its body is being read: that body exists.
            # (`typedef tag_x X;` before tag_x is defined: follow the alias to that body)
            alias, seen = entry, {name}
            while not alias.declarator.ops:
                spec = alias.type
                while isinstance(spec, ast.Qualified):
                    spec = spec.type
                if not isinstance(spec, ast.TypeName) or spec.name in seen:
                    break
                nxt = self.lookup(spec.name, alias.origin.file)
                if nxt is None:
                    break
                seen.add(spec.name)
                alias = nxt
            body = None if alias.declarator.ops else self._body_of(alias.type)
            d = self.defs.get(id(body)) if body is not None else None
            if isinstance(d, model.StructDef):
                return StructRef(d)
            if isinstance(d, model.UnionDef):
                return UnionRef(d)
            if isinstance(d, model.EnumDef):
                return EnumRef(d)
            self.diags.error("recursive-typedef", f"typedef '{name}' refers to itself",
                             entry.span)
            return None
        self.in_progress.add(id(entry))
        try:
            t = self.resolve(entry.type, entry.declarator.ops, entry.attrs, entry.origin,
                             context="typedef", name=name, span=entry.span,
                             acf_attrs=self.acf_typedefs.get(name, ()))
        finally:
            self.in_progress.discard(id(entry))
        builtin = PREDEFINED.get(name)
        if (builtin and isinstance(t, Prim) and t.range is None
                and model.PRIMITIVES[t.name][:2] == model.PRIMITIVES[builtin][:2]):
            # `typedef unsigned short wchar_t;` (MIDL's headers, ms-dtyp.idl) restates the
            # built-in type: it keeps what the built-in is, a character type for [string].
            t = Prim(builtin)
        self.typedef_cache[id(entry)] = t
        return t

    def body_def(self, node: ast.StructType | ast.UnionType | ast.EnumType, origin: Origin,
                 typedef_attrs: ast.Attrs = (), hint: str | None = None) -> model.NamedType:
        key = id(node)
        if key in self.defs:
            return self.defs[key]
        name = self.names.get(key) or hint or f"_anon_{node.span.line}_{node.span.col}"
        span = node.span
        d: model.NamedType
        if isinstance(node, ast.EnumType):
            d = model.EnumDef(name=name, idl_name=name, members=[], span=span,
                              v1=attr(typedef_attrs, "v1_enum") is not None)
            self.defs[key] = d
            self.def_origin[key] = origin
            d.members = self._evaluate_enum(node)
            return d
        if isinstance(node, ast.StructType):
            s = model.StructDef(name=name, idl_name=name, fields=[], span=span)
            self.defs[key] = s
            self.def_origin[key] = origin
            s.fields = self._fields(node.fields or (), origin, name)
            self._distinct(s.fields, name, set())
            return s
        # [ms_union] on the interface reaches every non-encapsulated union declared in
        # it, anonymous embedded ones included; on a typedef, that union only
        iface = origin.interface
        ms_union = node.switch is None and (
            attr(typedef_attrs, "ms_union") is not None
            or (iface is not None and attr(iface.attrs, "ms_union") is not None))
        u = model.UnionDef(name=name, idl_name=name, switch_type=Prim("int32"), arms=[],
                           span=span, encapsulated=node.switch is not None,
                           ms_union=ms_union)
        self.defs[key] = u
        self.def_origin[key] = origin
        self._union(u, node, origin, typedef_attrs)
        return u

    def _fields(self, fields: Iterable[ast.Field], origin: Origin, owner: str,
                start: int = 0) -> list[model.FieldDef]:
        from midlpy.compiler.sema.naming import pyname

        out: list[model.FieldDef] = []
        fields = list(fields)
        outer = self.local_names
        for index, f in enumerate(fields, start):
            fname = f.declarator.name or f"_unnamed{index}"
            self.local_names = frozenset(x.declarator.name for x in fields
                                         if x.declarator.name)
            try:
                t = self.resolve(f.type, f.declarator.ops, f.attrs, origin, context="field",
                                 name=f"{owner}_{fname}", span=f.span)
            finally:
                self.local_names = outer
            if t is None:
                continue  # the reason was reported where the type was resolved
            if isinstance(t, Handle):
                self.diags.error("bad-field-type",
                                 f"field '{fname}' of '{owner}' has no wire representation",
                                 f.span)
                continue
            out.append(model.FieldDef(fname, pyname(fname), t, f.span,
                                      ignore=attr(f.attrs, "ignore") is not None))
        # MIDL: a union without [switch_type] switches on the type of its switch_is field
        by_name = {fd.name: fd for fd in out}
        for fd in out:
            u = fd.type.target if isinstance(fd.type, Pointer) else fd.type
            if (isinstance(u, UnionRef) and not u.union.encapsulated and u.switch_is
                    and not u.union.switch_given and isinstance(u.switch_is.expr, ast.Name)):
                src = by_name.get(u.switch_is.expr.id)
                if src is not None and isinstance(src.type, (Prim, EnumRef)):
                    u.union.switch_type = src.type
        return out

    def _distinct(self, fields: list[model.FieldDef], owner: str, taken: set[str]) -> None:
        """C rejects two members of one name; two that meet only once sanitised (``def``
        and ``def_``) are both kept, the later one renamed (a dataclass would keep one)."""
        from midlpy.compiler.codegen.exprs import names_in
        from midlpy.compiler.sema.naming import pyname

        names: set[str] = set()
        py = set(taken)
        for f in fields:
            if f.name in names:
                self.diags.error("duplicate-member",
                                 f"'{owner}' has two members named '{f.name}'", f.span)
            names.add(f.name)
            while f.pyname in py:
                f.pyname += "_"
            py.add(f.pyname)
        # correlation expressions reach members by their sanitised names, which for a
        # renamed member is its neighbour's: refuse rather than read the wrong field
        renamed = {f.name for f in fields if f.pyname != pyname(f.name)}
        for f in fields:
            for corr in _corrs(f.type):
                for n in sorted(set(names_in(corr.expr)) & renamed):
                    self.diags.error("ambiguous-member",
                                     f"member '{n}' of '{owner}' is named like another once "
                                     "made a Python name; rename it to use it in an expression",
                                     corr.span)

    def _union(self, u: model.UnionDef, node: ast.UnionType, origin: Origin,
               typedef_attrs: ast.Attrs) -> None:
        from midlpy.compiler.sema.naming import pyname

        if node.switch is not None:
            st = self.resolve(node.switch.type, (), (), origin, context="switch",
                              name=u.name, span=node.switch.span)
            u.discriminant = pyname(node.switch.name)
            u.union_name = node.switch.union_name
        else:
            sw = attr(typedef_attrs, "switch_type")
            st = Prim("int32")
            u.switch_given = sw is not None
            arg = _type_arg(sw.args[0]) if sw and sw.args else None
            if arg is not None:
                st = self.resolve(arg.type, arg.ops, (), origin, context="switch", name=u.name,
                                  span=arg.span)
        if not isinstance(st, (Prim, EnumRef)) or (isinstance(st, Prim) and st.name in
                                                    ("float", "double")):
            self.diags.error("bad-switch-type",
                             f"the discriminant of union '{u.name}' must be an integer, "
                             "char, boolean or enum type", node.span)
            st = Prim("int32")
        u.switch_type = st
        seen: set[int] = set()
        for arm in node.arms or ():
            cases: list[int] = []
            for c in arm.cases:
                v = self.int_const(c, "a case label")
                if v is None:
                    continue
                if v in seen:
                    self.diags.error("duplicate-case", f"case {v} appears twice in union "
                                     f"'{u.name}'", _span(c))
                seen.add(v)
                cases.append(v)
            fdef = None
            if arm.field is not None:
                fl = self._fields([arm.field], origin, u.name, start=len(u.arms))
                fdef = fl[0] if fl else None
                if fdef is not None and fdef.pyname == u.discriminant:
                    fdef.pyname += "_"
            u.arms.append(model.ArmDef(cases, arm.is_default, fdef, arm.span))
        self._distinct([a.field for a in u.arms if a.field is not None], u.name,
                       {u.discriminant} if u.discriminant else set())
        if sum(1 for a in u.arms if a.is_default) > 1:
            self.diags.error("duplicate-default", f"union '{u.name}' has two default arms",
                             node.span)

    # ------------------------------------------------------------------ declarations

    def resolve(self, spec: ast.TypeSpec, ops: tuple[ast.DeclOp, ...], attrs: ast.Attrs,
                origin: Origin, *, context: str, name: str, span: Span,
                acf_attrs: ast.Attrs = ()) -> WireType | Handle | None:
        """The wire type of ``spec`` with declarator ``ops`` and attributes ``attrs``.

        ``context`` is "field", "param", "typedef", "return" or "switch"; it decides the
        default kind of the outermost pointer.
        """
        levels: list[Level] = [Level(op) for op in reversed(ops) if not isinstance(op, ast.FuncOp)]
        base = spec
        base_attrs: ast.Attrs = ()
        where = origin.file  # the file a name met while unfolding is looked up in
        # Unfold pointer/array typedefs so that attributes reach their levels.
        while True:
            while isinstance(base, ast.Qualified):
                base = base.type
            if not isinstance(base, ast.TypeName) or base.name not in self.scope.typedefs:
                break
            td = self.lookup(base.name, where, base.span)
            assert td is not None
            tattrs = td.attrs + self.acf_typedefs.get(td.name, ())
            if (not td.declarator.ops and not _ends_unfolding(tattrs)
                    and self._names_pointer(td.type, td.origin.file)):
                # an alias (`typedef [handle] LPSTR SVCCTL_HANDLEA`): look through it
                base = td.type
                where = td.origin.file
                continue
            if not td.declarator.ops or _ends_unfolding(tattrs):
                break
            levels.extend(Level(op, tattrs, True) for op in reversed(td.declarator.ops)
                          if not isinstance(op, ast.FuncOp))
            base = td.type
            base_attrs = tattrs
            where = td.origin.file

        all_attrs = attrs + acf_attrs
        if context == "typedef":
            conv = self._conversion(name, all_attrs, spec, ops, origin, span)
            if conv is not None:
                return conv
            if attr(all_attrs, "context_handle"):
                return ContextHandle(name)
        elif context == "param" and attr(all_attrs, "context_handle"):
            # [context_handle] void *p is the handle, void **p an [out] pointer to one
            return ContextHandle() if len(levels) <= 1 else Pointer(REF, ContextHandle())
        elif isinstance(base, ast.TypeName) and not levels and base.name in self.scope.typedefs:
            pass

        inner = self._base(base, origin, all_attrs if not levels else base_attrs, span,
                           hint=name, where=where)
        if inner is None and not levels:
            return None
        if isinstance(inner, Handle):
            if levels:
                self.diags.error("bad-handle", "handle_t cannot be pointed to here", span)
                return None
            return HANDLE

        sizes = self._fold(_positional(attr(all_attrs, "size_is")))
        maxes = self._fold(_positional(attr(all_attrs, "max_is")))
        mins = self._fold(_positional(attr(all_attrs, "min_is")))
        lengths = self._fold(_positional(attr(all_attrs, "length_is")))
        firsts = self._fold(_positional(attr(all_attrs, "first_is")))
        lasts = self._fold(_positional(attr(all_attrs, "last_is")))
        string_attr = attr(all_attrs, "string")
        string_level = len(levels) - 1
        for lv in levels:
            if attr(lv.typedef_attrs, "string"):
                string_level = len(levels) - 1
        if string_attr is None and any(attr(lv.typedef_attrs, "string") for lv in levels):
            string_attr = next(attr(lv.typedef_attrs, "string") for lv in levels
                               if attr(lv.typedef_attrs, "string"))
        ptr_attr = next((a for a in all_attrs if a.name in _POINTER_KINDS), None)

        t: WireType | None = inner  # type: ignore[assignment]
        if t is None:
            t = Prim("byte")  # void *: only meaningful sized (byte array)
        outer_ptr_done = False
        for i in range(len(levels) - 1, -1, -1):
            lv = levels[i]
            size = _corr(sizes, i)
            mx = _corr(maxes, i)
            mn = _corr(mins, i)
            length = _corr(lengths, i)
            first = _corr(firsts, i)
            last = _corr(lasts, i)
            is_string = string_attr is not None and i == string_level
            if is_string and isinstance(t, (Convert, model.Opaque)):
                is_string = False  # its own marshalling decides (MIDL accepts [string] BSTR *)
            if is_string and not _is_char(t):
                self.diags.error("string-not-char",
                                 "[string] applies only to arrays of char, wchar_t or byte",
                                 string_attr.span)  # type: ignore[union-attr]
                is_string = False
            if isinstance(lv.op, ast.ArrayOp):
                fixed = None
                if lv.op.size is not None:
                    fixed = self.int_const(lv.op.size, "an array size")
                    if fixed is not None and fixed < 0:
                        self.diags.error("bad-array-size", "array size must not be negative",
                                         lv.op.span)
                        fixed = None
                    elif fixed is not None and fixed > 0xFFFFFFFF:  # NDR counts are 32-bit
                        self.diags.error("bad-array-size", f"array size {fixed} exceeds "
                                         "4294967295, the largest NDR count", lv.op.span)
                        fixed = None
                t = Array(t, fixed=fixed, size=size, max=mx, min=mn, length=length,
                          first=first, last=last, string=is_string)
                if lv.op.size is None and size is None and mx is None and not is_string:
                    # reported where something marshals it (sema.checks), as MIDL does
                    t.unsized_at = lv.op.span
                    self.unsized_names[id(t)] = _display(name)
                continue
            # pointer level
            if size or mx or is_string or length or first or last:
                if (length or first or last) and not (size or mx or is_string):
                    self.diags.error("missing-size-is",
                                     "[length_is]/[first_is]/[last_is] on a pointer needs "
                                     "[size_is] or [max_is]", span)
                t = Array(t, fixed=None, size=size, max=mx, min=mn, length=length,
                          first=first, last=last, string=is_string)
            kind = self._pointer_kind(lv, i, ptr_attr, context, origin, levels)
            t = Pointer(kind, t)
            outer_ptr_done = True
        del outer_ptr_done

        rng = attr(all_attrs, "range")
        if rng is not None:
            bounds = self._range(rng)
            if bounds is not None:
                sized: WireType | None = t
                while isinstance(sized, Pointer):  # range(0, N) on T **pp sizes the array
                    sized = sized.target
                if isinstance(t, (Prim, EnumRef)):
                    t = dataclasses.replace(t, range=bounds)  # the base may be shared
                elif isinstance(sized, Array):
                    sized.range = bounds  # the element count (a [string]'s length included)
                else:
                    self.diags.error("bad-range", "[range] applies only to integer types",
                                     rng.span)
        sw = attr(all_attrs, "switch_is")
        if sw is not None:
            # the union may sit behind several pointers (`[out, switch_is(c)] PUNION *p`)
            holder: Pointer | None = None
            target = t
            while isinstance(target, Pointer):
                holder, target = target, target.target
            if not isinstance(target, UnionRef):
                self.diags.error("switch-is-not-union",
                                 "[switch_is] applies only to a union", sw.span)
            elif sw.args and sw.args[0] is not None and not isinstance(sw.args[0], (ast.UuidLit, ast.TypeArg, ast.DeclArg)):
                # a fresh reference so each use keeps its own switch_is
                fresh = UnionRef(target.union, Corr(self._fold_expr(sw.args[0]), sw.span))
                if holder is not None:
                    holder.target = fresh
                else:
                    t = fresh
        v1 = attr(attrs, "v1_enum")
        if v1 is not None and not (isinstance(t, EnumRef) or _is_enum_spec(base)):
            self.diags.error("v1-enum-not-enum", "[v1_enum] applies only to an enum", v1.span)
        return t

    def _names_pointer(self, spec: ast.TypeSpec, file: str) -> bool:
        """Whether ``spec`` names (through aliases) a pointer or array typedef."""
        seen: set[str] = set()
        while True:
            while isinstance(spec, ast.Qualified):
                spec = spec.type
            if not isinstance(spec, ast.TypeName) or spec.name in seen:
                return False
            seen.add(spec.name)
            td = self.lookup(spec.name, file)
            if td is None or _ends_unfolding(td.attrs + self.acf_typedefs.get(td.name, ())):
                return False
            if td.declarator.ops:
                return True
            spec, file = td.type, td.origin.file

    def _pointer_kind(self, lv: Level, i: int, ptr_attr: ast.Attribute | None, context: str,
                      origin: Origin, levels: list[Level]) -> str:
        if lv.from_typedef:
            first_td_level = next(j for j, x in enumerate(levels) if x.from_typedef)
            if i == 0 and ptr_attr is not None and context in ("field", "param"):
                return _POINTER_KINDS[ptr_attr.name]
            a = next((x for x in lv.typedef_attrs if x.name in _POINTER_KINDS), None)
            if a is not None and i == first_td_level:
                return _POINTER_KINDS[a.name]
        elif i == 0 and ptr_attr is not None:
            return _POINTER_KINDS[ptr_attr.name]
        if i == 0 and context in ("param",):
            return REF
        pd = origin.pointer_default or self.default_pd
        return _POINTER_KINDS.get(pd, UNIQUE)

    def _range(self, a: ast.Attribute) -> tuple[int, int] | None:
        if not a.args or len(a.args) != 2 or any(x is None for x in a.args):
            self.diags.error("bad-range", "[range] takes two bounds: range(low, high)", a.span)
            return None
        lo = self.int_const(a.args[0], "a [range] bound")  # type: ignore[arg-type]
        hi = self.int_const(a.args[1], "a [range] bound")  # type: ignore[arg-type]
        if lo is None or hi is None:
            return None
        if lo > hi:
            self.diags.error("range-reversed",
                             f"[range({lo}, {hi})]: the low bound is above the high bound",
                             a.span)
            return None
        return (lo, hi)

    def _conversion(self, name: str, attrs: ast.Attrs, spec: ast.TypeSpec,
                    ops: tuple[ast.DeclOp, ...], origin: Origin, span: Span) -> Convert | None:
        for kind in ("transmit_as", "wire_marshal", "represent_as", "user_marshal"):
            a = attr(attrs, kind)
            if a is None:
                continue
            if kind in ("transmit_as", "wire_marshal"):
                ta = _type_arg(a.args[0]) if a.args else None
                if ta is None:
                    self.diags.error("bad-attribute", f"[{kind}] needs a type argument", a.span)
                    return None
                wire = self.resolve(ta.type, ta.ops, (), origin, context="typedef",
                                    name=name + "_wire", span=ta.span)
                hook = name
            else:
                # ACF: the IDL type itself travels; the argument names the local type.
                stripped = tuple(x for x in attrs if x.name != kind)
                wire = self.resolve(spec, ops, stripped, origin, context="typedef", name=name,
                                    span=span)
                hook = name if kind == "represent_as" else _local_type_name(a) or name
            if not isinstance(wire, (Prim, EnumRef, Array, Pointer, StructRef, UnionRef,
                                     ContextHandle, Convert)):
                self.diags.error("bad-attribute", f"[{kind}] needs a type with a wire form",
                                 a.span)
                return None
            if kind == "transmit_as":
                to, frm = f"{hook}_to_xmit", f"{hook}_from_xmit"
            elif kind == "represent_as":
                to, frm = f"{hook}_from_local", f"{hook}_to_local"
            else:
                to, frm = f"{hook}_to_wire", f"{hook}_from_wire"
            return Convert(kind, hook, wire, to, frm)
        return None

    def _base(self, base: ast.TypeSpec, origin: Origin, attrs: ast.Attrs, span: Span,
              hint: str, where: str | None = None) -> WireType | Handle | None:
        if isinstance(base, ast.BaseType):
            return _base_prim(base)
        if isinstance(base, ast.TypeName):
            n = base.name
            if n in self.scope.typedefs:
                return self.typedef_type(n, where or origin.file, base.span)
            if n == HANDLE_T:
                return HANDLE
            if n in self.scope.interface_names:
                return model.Opaque(n, f"an interface pointer ({n}), which is DCOM's business")
            if n.startswith("SAFEARRAY("):
                return model.Opaque(n, f"an OLE automation {n}, which is DCOM's business")
            if n in PREDEFINED and PREDEFINED[n]:
                return Prim(PREDEFINED[n])  # type: ignore[arg-type]
            if n in ("GUID", "UUID", "IID"):
                self.diags.error("unknown-type",
                                 f"unknown type '{n}': MIDL defines it in an imported file "
                                 "(wtypes.idl or the spec's own); declare or import it",
                                 base.span)
                return None
            if self.root_file and base.span.file != self.root_file:
                # An imported header's conditional C parts (mmreg.h's GUID_DEFINED) may
                # leave a name undefined for IDL; that is the header's business unless
                # something marshals it.
                self.diags.warning("unknown-type", f"unknown type '{n}' in an imported file",
                                   base.span)
                return model.Opaque(n, f"the unknown type '{n}'")
            self.diags.error("unknown-type", f"unknown type '{n}'", base.span)
            return None
        if isinstance(base, (ast.StructType, ast.UnionType, ast.EnumType)):
            body = self._body_of(base)
            if body is None:
                # C allows pointers to a struct declared but never defined; so does midlpy,
                # until something has to marshal one
                kind = type(base).__name__.replace("Type", "").lower()
                return model.Opaque(f"{kind} {base.tag}",
                                    f"{kind} '{base.tag}', which is declared but never defined")
            entry = self._entry_for(body, origin)
            tattrs = attrs or entry.typedef_attrs
            d = self.body_def(body, entry.origin, tattrs, hint=hint)
            if isinstance(d, model.StructDef):
                return StructRef(d)
            if isinstance(d, model.UnionDef):
                return UnionRef(d)
            return EnumRef(d)
        if isinstance(base, ast.PipeType):
            # a pipe streams with an RPC call: an RPC parameter may be one (sema.checks);
            # nothing pickled can hold one
            return model.Opaque("pipe", "a pipe, which travels only as part of an RPC call",
                                pipe=True)
        self.diags.error("unknown-type", "unsupported type", span)
        return None

    def _entry_for(self, body: ast.Node, origin: Origin) -> TagEntry:  # type: ignore[name-defined]
        for e in self.scope.bodies:
            if e.node is body:
                return e
        return TagEntry("struct", body, origin)  # type: ignore[arg-type]


def _same_wire(a: Any, b: Any, seen: set[tuple[int, int]]) -> bool:
    """Whether two wire types travel alike (member names included, type names not)."""
    if a is b or (id(a), id(b)) in seen:
        return True
    seen.add((id(a), id(b)))
    if type(a) is not type(b):
        return False
    if isinstance(a, Prim):
        return a.name == b.name and a.range == b.range
    if isinstance(a, Pointer):
        return a.kind == b.kind and _same_wire(a.target, b.target, seen)
    if isinstance(a, Array):
        return ((a.fixed, a.string, a.size is None, a.length is None)
                == (b.fixed, b.string, b.size is None, b.length is None)
                and _same_wire(a.element, b.element, seen))
    if isinstance(a, StructRef):
        fa, fb = a.struct.fields, b.struct.fields
        return len(fa) == len(fb) and all(
            x.name == y.name and _same_wire(x.type, y.type, seen) for x, y in zip(fa, fb))
    if isinstance(a, EnumRef):
        return a.enum.members == b.enum.members and a.enum.v1 == b.enum.v1
    return False


class _LazyEnv(dict):  # type: ignore[type-arg]
    """A mapping view that evaluates constants on first use (they may refer to later ones)."""

    def __init__(self, resolver: Resolver) -> None:
        super().__init__()
        self.r = resolver

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.r.const_value(key) is not None

    def __getitem__(self, key: str) -> int | float | str:
        v = self.r.const_value(key)
        if v is None:
            raise KeyError(key)
        return v


def _type_arg(arg: ast.AttrArg) -> ast.TypeArg | None:
    """A type argument; a lone identifier parses as an expression and is a type name too."""
    if isinstance(arg, ast.Name):
        return ast.TypeArg(ast.TypeName(arg.id, arg.span), (), arg.span)
    return arg if isinstance(arg, ast.TypeArg) else None


def _display(name: str) -> str:
    """``S_field`` (the internal name of a member) as ``S.field`` for messages."""
    return name.replace("_", ".", 1) if "_" in name.strip("_") else name


def _ends_unfolding(attrs: ast.Attrs) -> bool:
    return any(a.name in ("context_handle", "transmit_as", "wire_marshal", "represent_as",
                          "user_marshal") for a in attrs)


def _local_type_name(a: ast.Attribute) -> str | None:
    if a.args and isinstance(a.args[0], ast.TypeArg) and isinstance(a.args[0].type, ast.TypeName):
        return a.args[0].type.name
    if a.args and isinstance(a.args[0], ast.Name):
        return a.args[0].id
    return None


def _is_enum_spec(spec: ast.TypeSpec) -> bool:
    while isinstance(spec, ast.Qualified):
        spec = spec.type
    return isinstance(spec, ast.EnumType)


def _c_layout(t: WireType) -> tuple[int, int] | None:
    """C's (sizeof, alignment) of a type made of integers, enums, fixed arrays and structs
    of them (sizeof(GUID) in ms-even6's constants); None for what depends on the platform
    (pointers) or is not fixed."""
    if isinstance(t, Prim):
        return t.size, t.size
    if isinstance(t, EnumRef):
        return 4, 4  # a C enum
    if isinstance(t, Array) and t.fixed is not None and not (t.size or t.max or t.string):
        inner = _c_layout(t.element)
        return (inner[0] * t.fixed, inner[1]) if inner is not None else None
    if isinstance(t, StructRef):
        size, align = 0, 1
        for f in t.struct.fields:
            found = _c_layout(f.type)
            if found is None:
                return None
            size = -(-size // found[1]) * found[1] + found[0]
            align = max(align, found[1])
        return -(-size // align) * align, align
    return None


def _is_char(t: WireType) -> bool:
    return isinstance(t, Prim) and t.name in ("char", "uchar", "byte", "wchar", "int8", "uint8")


def _positional(a: ast.Attribute | None) -> tuple[ast.AttrArg, ...]:
    if a is None or a.args is None:
        return ()
    return a.args


def _corr(args: tuple[ast.AttrArg, ...], i: int) -> Corr | None:
    if i < len(args) and args[i] is not None and not isinstance(
            args[i], (ast.UuidLit, ast.TypeArg, ast.DeclArg)):
        e = args[i]
        return Corr(e, _span(e))  # type: ignore[arg-type]
    return None


def _span(e: ast.Expr) -> Span:
    return e.span  # every AST node carries one


def _base_prim(b: ast.BaseType) -> Prim | None:
    n, s = b.name, b.signed
    if n == "void":
        return None
    if n == "boolean":
        return Prim("boolean")
    if n == "byte":
        return Prim("byte")
    if n == "char":
        return Prim("int8" if s is True else ("uchar" if s is False else "char"))
    if n in ("small", "int8"):
        return Prim("uint8" if s is False else "int8")
    if n in ("short", "int16"):
        return Prim("uint16" if s is False else "int16")
    if n in ("long", "int", "int32", "int3264"):
        return Prim("uint32" if s is False else "int32")
    if n in ("hyper", "int64"):
        return Prim("uint64" if s is False else "int64")
    if n == "float":
        return Prim("float")
    if n == "double":
        return Prim("double")
    return None
