"""Collect every declaration of a program into one C-like namespace.

MIDL, like C, has a single namespace for typedef names, constants and enumerators, and a
separate one for struct/union/enum tags, shared by a file and everything it imports.
Each entry remembers the file it came from (which decides the Python module that will
define it) and the ``pointer_default`` in force where it was declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from midlpy.compiler import ast
from midlpy.diagnostics import Diagnostics, Span


@dataclass(eq=False)
class Origin:
    """Where a declaration lives: its file, and the interface around it (if any)."""

    file: str
    interface: ast.Interface | None
    pointer_default: str | None


@dataclass(eq=False)
class TypedefEntry:
    name: str
    attrs: ast.Attrs
    type: ast.TypeSpec
    declarator: ast.Declarator
    origin: Origin
    span: Span


@dataclass(eq=False)
class ConstEntry:
    name: str
    type: ast.TypeSpec
    declarator: ast.Declarator
    value: ast.Expr
    origin: Origin
    span: Span


@dataclass(eq=False)
class TagEntry:
    """A struct/union/enum with a body; ``node`` is the AST node defining it."""

    kind: str  # "struct", "union", "enum"
    node: ast.StructType | ast.UnionType | ast.EnumType
    origin: Origin
    typedef_attrs: ast.Attrs = ()


@dataclass(eq=False)
class OperationEntry:
    node: ast.Operation
    interface: ast.Interface
    origin: Origin


@dataclass
class Scope:
    typedefs: dict[str, TypedefEntry] = field(default_factory=dict)
    consts: dict[str, ConstEntry] = field(default_factory=dict)
    tags: dict[tuple[str, str], TagEntry] = field(default_factory=dict)
    # every type body in source order, tagged or not (anonymous ones come from typedefs)
    bodies: list[TagEntry] = field(default_factory=list)
    enumerators: dict[str, tuple[ast.Enumerator, ast.EnumType, Origin]] = field(default_factory=dict)
    interfaces: list[tuple[ast.Interface, Origin]] = field(default_factory=list)
    # every interface, dispinterface and coclass name, forward declarations included
    interface_names: set[str] = field(default_factory=set)
    operations: list[OperationEntry] = field(default_factory=list)
    typedef_order: list[TypedefEntry] = field(default_factory=list)
    # A name typedef'd differently by several files: every definition, first one first.
    # Which one a reference means depends on the file it is in (Resolver.lookup).
    variants: dict[str, list[TypedefEntry]] = field(default_factory=dict)
    # (name, file) -> the definition that file itself gives (identical repeats share one)
    by_file: dict[tuple[str, str], TypedefEntry] = field(default_factory=dict)
    cpp_quotes: dict[str, list[str]] = field(default_factory=dict)


def attr(attrs: ast.Attrs, name: str) -> ast.Attribute | None:
    for a in attrs:
        if a.name == name:
            return a
    return None


def _pointer_default(iface: ast.Interface) -> str | None:
    a = attr(iface.attrs, "pointer_default")
    if a and a.args and isinstance(a.args[0], ast.Name):
        return a.args[0].id
    return None


def collect(files: list[ast.IdlFile], diags: Diagnostics) -> Scope:
    scope = Scope()
    for f in files:
        _collect_items(f.items, Origin(f.path, None, None), scope, diags)
    return scope


def _collect_items(items: tuple[ast.Item, ...], origin: Origin, scope: Scope,
                   diags: Diagnostics) -> None:
    for item in items:
        if isinstance(item, ast.Typedef):
            _collect_type_bodies(item.type, origin, scope, diags, item.attrs)
            for d in item.declarators:
                if d.name is None:
                    continue
                _add_typedef(scope, TypedefEntry(d.name, item.attrs, item.type, d, origin,
                                                 d.span), diags)
        elif isinstance(item, ast.TypeDecl):
            _collect_type_bodies(item.type, origin, scope, diags, item.attrs)
        elif isinstance(item, ast.Const):
            name = item.declarator.name or ""
            if name in scope.consts:
                diags.error("redefinition",
                            f"constant '{name}' is already defined at {scope.consts[name].span}",
                            item.span)
                continue
            scope.consts[name] = ConstEntry(name, item.type, item.declarator, item.value,
                                            origin, item.span)
        elif isinstance(item, (ast.DispInterface, ast.CoClass)):
            scope.interface_names.add(item.name)
        elif isinstance(item, ast.Interface):
            scope.interface_names.add(item.name)
            if item.body is None:
                continue
            inner = Origin(origin.file, item, _pointer_default(item) or origin.pointer_default)
            scope.interfaces.append((item, inner))
            _collect_items(item.body, inner, scope, diags)
        elif isinstance(item, (ast.Library, ast.Module)):
            _collect_items(item.body, origin, scope, diags)
        elif isinstance(item, ast.Operation):
            if origin.interface is not None:
                scope.operations.append(OperationEntry(item, origin.interface, origin))
        elif isinstance(item, ast.CppQuote):
            scope.cpp_quotes.setdefault(origin.file, []).append(item.text)


def _add_typedef(scope: Scope, entry: TypedefEntry, diags: Diagnostics) -> None:
    """Record a typedef. As in MIDL (and C, file by file), a file may define a name again
    that one of its imports defines: its own definition is the one in effect in that file
    (and in files that see it only through it). Twice in one file is an error, unless
    repeated identically; identical definitions in several files are one definition."""
    name, file = entry.name, entry.origin.file
    known = scope.variants.get(name) or ([scope.typedefs[name]] if name in scope.typedefs
                                         else [])
    same = next((e for e in known if _same_typedef(e, entry)), None)
    mine = scope.by_file.get((name, file))
    if mine is not None:
        if mine is not same:
            diags.error("redefinition", f"'{name}' is already defined at {mine.span}",
                        entry.span)
        return
    if same is not None:
        scope.by_file[(name, file)] = same
        return
    scope.by_file[(name, file)] = entry
    if known:
        scope.variants[name] = known + [entry]
    else:
        scope.typedefs[name] = entry
    scope.typedef_order.append(entry)


def _same_typedef(a: TypedefEntry, b: TypedefEntry) -> bool:
    """MIDL accepts a typedef repeated identically (the same header reached twice, or
    two headers that both declare it)."""
    return a.span == b.span or (_shape(a.attrs) == _shape(b.attrs)
                                and _shape(a.type) == _shape(b.type)
                                and _shape(a.declarator) == _shape(b.declarator))


def _shape(node: object) -> object:
    """An AST node with its spans left out, for comparing two declarations."""
    if isinstance(node, tuple):
        return tuple(_shape(x) for x in node)
    fields = getattr(node, "__dataclass_fields__", None)
    if fields is None:
        return node
    return (type(node).__name__,) + tuple(_shape(getattr(node, f)) for f in fields if f != "span")


def _collect_type_bodies(spec: ast.TypeSpec, origin: Origin, scope: Scope,
                         diags: Diagnostics, typedef_attrs: ast.Attrs = ()) -> None:
    """Register struct/union/enum bodies (and nested ones inside struct members)."""
    if isinstance(spec, ast.Qualified):
        _collect_type_bodies(spec.type, origin, scope, diags, typedef_attrs)
        return
    kind = {ast.StructType: "struct", ast.UnionType: "union", ast.EnumType: "enum"}.get(type(spec))
    if kind is None:
        return
    body = getattr(spec, {"struct": "fields", "union": "arms", "enum": "values"}[kind])
    if body is None:
        return
    entry = TagEntry(kind, spec, origin, typedef_attrs)  # type: ignore[arg-type]
    scope.bodies.append(entry)
    tag = spec.tag  # type: ignore[union-attr]
    if tag:
        old = scope.tags.get((kind, tag))
        if old is not None and old.node.span != spec.span:
            diags.error("redefinition", f"{kind} '{tag}' is already defined at {old.node.span}",
                        spec.span)
        elif old is None:
            scope.tags[(kind, tag)] = entry
    if isinstance(spec, ast.EnumType):
        for en in spec.values or ():
            if en.name in scope.enumerators or en.name in scope.consts:
                diags.error("redefinition", f"'{en.name}' is already defined", en.span)
            scope.enumerators[en.name] = (en, spec, origin)
    elif isinstance(spec, ast.StructType):
        for f in spec.fields or ():
            _collect_type_bodies(f.type, origin, scope, diags)
    elif isinstance(spec, ast.UnionType):
        for arm in spec.arms or ():
            if arm.field is not None:
                _collect_type_bodies(arm.field.type, origin, scope, diags)
