"""The syntax tree of IDL and ACF files: frozen dataclasses, each with its span.

The parser (``parser.py``) and the per-file transformer (``transform.py``) build it; the
semantic passes (``sema/``) read it and never change it. The tree stays close to the
source text: names are not resolved, expressions are not evaluated, and attributes are
kept as written (``Attribute(name, args)``), so every later diagnostic can point at the
exact place it is about.

C declarators are normalised: ``long *a[3]`` is the base type ``long`` with the
declarator ``Declarator("a", (PointerOp(), ArrayOp(3)))`` — the ops apply to the base
type from first to last, so that reads "pointer to long, then array of 3 of those".
``long (*a)[3]`` gives ``(ArrayOp(3), PointerOp())``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from midlpy.diagnostics import Span

# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Num:
    """An integer literal; ``text`` keeps the spelling (``0x7fff``, ``10L``)."""

    value: int
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class FloatNum:
    value: float
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal, escapes already decoded; adjacent literals are joined."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class CharLit:
    value: int
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier used in an expression (a constant, enumerator, field or parameter)."""

    id: str
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    """``op`` is one of ``- + ~ ! *`` (``*`` dereferences, as in ``length_is(*pn)``) or ``&``."""

    op: str
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    """``op`` is a C binary operator: ``* / % + - << >> < > <= >= == != & ^ | && ||``."""

    op: str
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Conditional:
    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Cast:
    type: TypeSpec
    ops: tuple[DeclOp, ...]
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class SizeofType:
    type: TypeSpec
    ops: tuple[DeclOp, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SizeofExpr:
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Member:
    """``base.name`` (``arrow`` False) or ``base->name`` (``arrow`` True)."""

    base: Expr
    name: str
    arrow: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Index:
    base: Expr
    index: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: Expr
    args: tuple[Expr, ...]
    span: Span


Expr = Union[Num, FloatNum, Str, CharLit, Name, Unary, Binary, Conditional, Cast,
             SizeofType, SizeofExpr, Member, Index, Call]

# --------------------------------------------------------------------------- attributes


@dataclass(frozen=True, slots=True)
class UuidLit:
    """A uuid as written in ``uuid(...)``, with or without quotes; ``text`` is canonical
    lowercase ``8-4-4-4-12`` form."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class TypeArg:
    """A type used as an attribute argument: ``switch_type(short)``, ``transmit_as(T *)``."""

    type: TypeSpec
    ops: tuple[DeclOp, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class DeclArg:
    """A typed name as an attribute argument: ``implicit_handle(handle_t h)``."""

    type: TypeSpec
    declarator: Declarator
    span: Span


AttrArg = Union[Expr, UuidLit, TypeArg, DeclArg, None]
"""One argument; ``None`` is an empty argument as in ``size_is(, n)``."""


@dataclass(frozen=True, slots=True)
class Attribute:
    """``name`` or ``name(arg, ...)``; ``args`` is ``None`` when there are no parentheses.

    Version numbers (``version(1.2)``) arrive as one ``FloatNum``/``Num`` argument whose
    ``text`` holds the spelling; ``case(1, 2)`` as two ``Num``; ``uuid(...)`` as ``UuidLit``.
    """

    name: str
    args: tuple[AttrArg, ...] | None
    span: Span


Attrs = tuple[Attribute, ...]

# --------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class BaseType:
    """A built-in type spelled with keywords.

    ``name`` is one of: ``void boolean byte char small short long hyper int float double
    int8 int16 int32 int64 int3264``; ``__int64`` arrives as ``int64``, ``long long`` as
    ``hyper``, a lone ``signed``/``unsigned`` as ``int``. ``signed`` is True for an
    explicit ``signed``, False for ``unsigned``, None when unspelled.
    ``wchar_t``, ``handle_t``, ``error_status_t`` and ``HRESULT`` are *not* here: they are
    ordinary names (``TypeName``) that the semantic passes know when nobody redefines them.
    """

    name: str
    signed: bool | None
    span: Span


@dataclass(frozen=True, slots=True)
class TypeName:
    """A reference to a typedef or predefined type by name."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Field:
    """A structure member, union arm member, or dispinterface property. ``bits`` is the
    width of a C bit-field (``UINT Usage : 1;``, which widl-era IDL uses), else None."""

    attrs: Attrs
    type: TypeSpec
    declarator: Declarator
    span: Span
    bits: Expr | None = None


@dataclass(frozen=True, slots=True)
class StructType:
    """``struct tag { ... }``; ``fields`` is None for a bare reference ``struct tag``."""

    tag: str | None
    fields: tuple[Field, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class UnionArm:
    """One arm. ``cases`` are the ``case(...)`` / ``case x:`` labels; ``is_default`` marks
    ``[default]`` / ``default:``; ``field`` is None for an empty arm."""

    cases: tuple[Expr, ...]
    is_default: bool
    field: Field | None
    span: Span


@dataclass(frozen=True, slots=True)
class UnionSwitch:
    """The ``switch (long kind) u`` part of an encapsulated union; ``union_name`` is the
    name of the inner union member (MIDL defaults it to ``tagged_union``)."""

    type: TypeSpec
    name: str
    union_name: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class UnionType:
    """``union tag [switch (...)] { arms }``; ``arms`` is None for a bare reference."""

    tag: str | None
    switch: UnionSwitch | None
    arms: tuple[UnionArm, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class Enumerator:
    name: str
    value: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class EnumType:
    tag: str | None
    values: tuple[Enumerator, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class PipeType:
    element: TypeSpec
    span: Span


@dataclass(frozen=True, slots=True)
class Qualified:
    """A type spelled with ``const`` (or ``volatile``) qualifiers."""

    qualifiers: tuple[str, ...]
    type: TypeSpec
    span: Span


TypeSpec = Union[BaseType, TypeName, StructType, UnionType, EnumType, PipeType, Qualified]

# --------------------------------------------------------------------------- declarators


@dataclass(frozen=True, slots=True)
class PointerOp:
    """One ``*``; ``qualifiers`` holds ``const`` written after it (``char * const p``).
    ``attrs`` are the pointer attributes of this level when MIDL allows them inline."""

    qualifiers: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ArrayOp:
    """``[N]`` (size set), ``[]`` (size None, star False), ``[*]`` (star True),
    ``[lo..hi]`` (lower set)."""

    size: Expr | None
    star: bool
    lower: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class FuncOp:
    params: tuple[Param, ...]
    varargs: bool
    span: Span


DeclOp = Union[PointerOp, ArrayOp, FuncOp]


@dataclass(frozen=True, slots=True)
class Declarator:
    """A declared name (None when abstract, as in a parameter ``long``) and the ops that
    build its type from the base type, first op applied first."""

    name: str | None
    ops: tuple[DeclOp, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Param:
    attrs: Attrs
    type: TypeSpec
    declarator: Declarator
    span: Span


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Typedef:
    attrs: Attrs
    type: TypeSpec
    declarators: tuple[Declarator, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TypeDecl:
    """A tagged type declared on its own: ``struct S { ... };``, ``enum E {...};``."""

    attrs: Attrs
    type: TypeSpec
    span: Span


@dataclass(frozen=True, slots=True)
class Const:
    type: TypeSpec
    declarator: Declarator
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Operation:
    """A procedure ``[attrs] ret name(params);``. ``return_ops`` are the pointer ops of the
    return type (``char *f(void)`` has one ``PointerOp``)."""

    attrs: Attrs
    return_type: TypeSpec
    return_ops: tuple[DeclOp, ...]
    name: str
    params: tuple[Param, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class VarDecl:
    """A declaration that is neither a typedef nor a function (``extern`` data in a
    ``module`` or a dispinterface property); kept so nothing is silently dropped."""

    attrs: Attrs
    type: TypeSpec
    declarators: tuple[Declarator, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CppQuote:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class MidlPragmaWarning:
    """``midl_pragma warning (disable: 2111 2112)``; ``text`` is the raw argument text."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Pragma:
    """A ``#pragma`` line that the preprocessor passed through (``pack``, ``midl_echo``...)."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Import:
    files: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ImportLib:
    file: str
    span: Span


@dataclass(frozen=True, slots=True)
class DeclareGuid:
    name: str
    uuid: UuidLit
    span: Span


@dataclass(frozen=True, slots=True)
class Interface:
    """``[attrs] interface name [: base] { body }``; ``body`` is None for a forward
    declaration ``interface name;``."""

    attrs: Attrs
    name: str
    base: str | None
    body: tuple[Item, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class DispInterface:
    """``dispinterface``: either properties/methods, or ``interface I;`` (``of``)."""

    attrs: Attrs
    name: str
    properties: tuple[Field, ...]
    methods: tuple[Operation, ...]
    of: str | None
    body: tuple[Item, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class CoClassMember:
    attrs: Attrs
    kind: str  # "interface" or "dispinterface"
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class CoClass:
    attrs: Attrs
    name: str
    members: tuple[CoClassMember, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class Library:
    attrs: Attrs
    name: str
    body: tuple[Item, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Module:
    attrs: Attrs
    name: str
    body: tuple[Item, ...]
    span: Span


Item = Union[Typedef, TypeDecl, Const, Operation, VarDecl, CppQuote, MidlPragmaWarning,
             Pragma, Import, ImportLib, DeclareGuid, Interface, DispInterface, CoClass,
             Library, Module]


@dataclass(frozen=True, slots=True)
class IdlFile:
    """One parsed IDL file. ``path`` is as the user or the include search named it."""

    path: str
    items: tuple[Item, ...]
    span: Span


# --------------------------------------------------------------------------- ACF


@dataclass(frozen=True, slots=True)
class AcfTypedef:
    """``typedef [attrs] name1, name2;``"""

    attrs: Attrs
    names: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class AcfParam:
    attrs: Attrs
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class AcfOperation:
    """``[attrs] Proc([attrs] param, ...);`` (the parameter list may be empty)."""

    attrs: Attrs
    name: str
    params: tuple[AcfParam, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class AcfInclude:
    files: tuple[str, ...]
    span: Span


AcfItem = Union[AcfTypedef, AcfOperation, AcfInclude]


@dataclass(frozen=True, slots=True)
class AcfInterface:
    attrs: Attrs
    name: str
    body: tuple[AcfItem, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class AcfFile:
    path: str
    includes: tuple[AcfInclude, ...]
    interfaces: tuple[AcfInterface, ...]
    span: Span
