"""The resolved type model: what the semantic passes produce and the code generator reads.

Where the AST says how a type was *written*, the model says what goes on the *wire*:
attributes are pushed to the level they apply to (``[size_is(n)] long *p`` becomes
``Pointer(UNIQUE, Array(long, size=n))``), typedef chains are followed, constants are
evaluated, pointer kinds are decided and NDR20 layout facts (alignment, fixed size,
conformance, whether anything is deferred) are computed once here.

Correlation expressions stay expressions (:class:`Corr`): the code generator renders
them against the fields or parameters in scope.
"""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass, field
from typing import Union

from midlpy.compiler import ast
from midlpy.diagnostics import Span

# --------------------------------------------------------------------------- primitives

# name -> (wire size, struct code, python annotation)
PRIMITIVES: dict[str, tuple[int, str, str]] = {
    "boolean": (1, "?", "bool"),
    "byte": (1, "B", "int"),
    "char": (1, "B", "int"),
    "uchar": (1, "B", "int"),
    "int8": (1, "b", "int"),
    "uint8": (1, "B", "int"),
    "wchar": (2, "H", "int"),
    "int16": (2, "h", "int"),
    "uint16": (2, "H", "int"),
    "int32": (4, "i", "int"),
    "uint32": (4, "I", "int"),
    "int64": (8, "q", "int"),
    "uint64": (8, "Q", "int"),
    "float": (4, "f", "float"),
    "double": (8, "d", "float"),
}


@dataclass(eq=False)
class Prim:
    """A base type. ``name`` is a key of :data:`PRIMITIVES`; ``range`` is ``[range(lo, hi)]``."""

    name: str
    range: tuple[int, int] | None = None

    @property
    def size(self) -> int:
        return PRIMITIVES[self.name][0]

    @property
    def code(self) -> str:
        return PRIMITIVES[self.name][1]

    @property
    def is_char(self) -> bool:
        return self.name in ("char", "uchar", "byte")


@dataclass(eq=False)
class EnumDef:
    name: str  # Python class name
    idl_name: str
    members: list[tuple[str, int]]
    v1: bool
    span: Span
    doc: str | None = None
    module: "ModuleModel | None" = None

    @property
    def size(self) -> int:
        return 4 if self.v1 else 2


@dataclass(eq=False)
class EnumRef:
    enum: EnumDef
    range: tuple[int, int] | None = None


@dataclass(eq=False)
class Corr:
    """A correlation expression (``size_is``, ``length_is``, ``switch_is``...), as written.
    ``unsigned``: the names in it whose C type is unsigned (set by the checks pass)."""

    expr: ast.Expr
    span: Span
    unsigned: frozenset[str] = frozenset()


@dataclass(eq=False)
class Array:
    """An array level. ``fixed`` is the declared size (``[N]``), None when conformant
    (``[]``, ``[*]`` or a sized pointer's referent). ``size``/``max`` give the
    conformance, ``length``/``first``/``last`` the variance. ``string`` marks ``[string]``
    (conformance/variance come from the terminator when not given)."""

    element: "WireType"
    fixed: int | None = None
    size: Corr | None = None
    max: Corr | None = None
    min: Corr | None = None
    length: Corr | None = None
    first: Corr | None = None
    last: Corr | None = None
    string: bool = False
    range: tuple[int, int] | None = None  # [range] on the conformance
    unsized_at: Span | None = None  # conformant with nothing giving its size (not marshallable)

    @property
    def conformant(self) -> bool:
        return self.fixed is None

    @property
    def varying(self) -> bool:
        return (self.string or self.length is not None or self.first is not None
                or self.last is not None)


REF, UNIQUE, FULL = "ref", "unique", "ptr"


@dataclass(eq=False)
class Pointer:
    kind: str  # REF, UNIQUE or FULL
    target: "WireType"


@dataclass(eq=False)
class StructRef:
    struct: "StructDef"


@dataclass(eq=False)
class UnionRef:
    union: "UnionDef"
    switch_is: Corr | None = None


@dataclass(eq=False)
class ContextHandle:
    name: str | None = None  # the context-handle typedef, if any
    root: str | None = None  # the typedef a chain of them starts from (sema.contexts)


@dataclass(eq=False)
class Convert:
    """A presented type with user conversion hooks: ``transmit_as``, ``represent_as``,
    ``wire_marshal``/``user_marshal``. ``wire`` is what travels; the hooks are module
    attributes named ``{hook}_to_xmit``/... (see ``to_wire``/``from_wire``)."""

    kind: str  # "transmit_as", "represent_as", "wire_marshal", "user_marshal"
    name: str  # the type the hooks are named after
    wire: "WireType"
    to_wire: str  # hook attribute names
    from_wire: str


@dataclass(eq=False)
class Opaque:
    """A type midlpy can name but not marshal (a DCOM interface pointer): fine in types
    nothing marshals, an error where something does."""

    name: str
    reason: str
    pipe: bool = False  # a pipe: fine as an RPC parameter (part of the call), never pickled


WireType = Union[Prim, EnumRef, Array, Pointer, StructRef, UnionRef, ContextHandle, Convert, Opaque]

# --------------------------------------------------------------------------- constructed


@dataclass(eq=False)
class FieldDef:
    name: str  # IDL name
    pyname: str  # Python identifier
    type: WireType
    span: Span
    doc: str | None = None
    ignore: bool = False


@dataclass(eq=False)
class StructDef:
    name: str  # Python class name
    idl_name: str
    fields: list[FieldDef]
    span: Span
    doc: str | None = None
    module: "ModuleModel | None" = None
    # layout, filled by sema.layout
    align: int = 1
    conformant: bool = False  # ends in a conformant array (possibly nested)
    has_deferred: bool = False  # embedded pointers (directly or in members)
    fixed_size: int | None = None  # wire size when it never varies
    unmarshallable: str | None = None  # why no codec can exist (set by sema.checks)


@dataclass(eq=False)
class ArmDef:
    cases: list[int]
    is_default: bool
    field: FieldDef | None  # None for an empty arm
    span: Span


@dataclass(eq=False)
class UnionDef:
    name: str
    idl_name: str
    switch_type: WireType  # Prim or EnumRef
    arms: list[ArmDef]
    span: Span
    encapsulated: bool = False
    discriminant: str = "switch"  # Python field holding the discriminant
    union_name: str | None = None  # encapsulated: the inner union's name
    ms_union: bool = False
    switch_given: bool = False  # [switch_type] was written (else the switch_is field's type)
    doc: str | None = None
    module: "ModuleModel | None" = None
    align: int = 1
    has_deferred: bool = False
    unmarshallable: str | None = None  # why no codec can exist (set by sema.checks)


# --------------------------------------------------------------------------- top level


@dataclass(eq=False)
class Pickled:
    """A type marked ``[encode]``/``[decode]``: routines ``{name}_Encode`` etc."""

    name: str  # the IDL typedef name, used for routine names
    type: WireType
    encode: bool
    decode: bool
    span: Span
    primitive: bool = False  # no private header (a base type or enum)


@dataclass(eq=False)
class ParamDef:
    name: str
    pyname: str
    type: WireType  # the wire type; a top-level [ref] pointer is kept as Pointer(REF, ...)
    direction_in: bool
    direction_out: bool
    span: Span
    is_handle: bool = False  # handle_t: never transmitted
    # a context handle's ACF serialization (most specific of parameter, procedure,
    # typedef): True serialize, False noserialize, None the server's default
    ctx_serialize: bool | None = None


@dataclass(eq=False)
class ProcDef:
    name: str
    opnum: int
    params: list[ParamDef]
    returns: WireType | None
    span: Span
    encode: bool = False
    decode: bool = False
    explicit_handle: bool = False
    doc: str | None = None
    pipes: bool = False  # has pipe parameters: its stubs raise RPC_S_CANNOT_SUPPORT


@dataclass(eq=False)
class InterfaceDef:
    name: str
    uuid: _uuid.UUID | None
    version: tuple[int, int]
    procs: list[ProcDef]
    span: Span
    implicit_handle: str | None = None
    explicit_handle: bool = False
    pickling_only: bool = True
    object: bool = False  # [object]: a DCOM interface, no stubs
    strict_context_handle: bool = False  # ACF [strict_context_handle]
    type_strict_context_handle: bool = False  # ACF [type_strict_context_handle]


@dataclass(eq=False)
class ConstDef:
    name: str
    pyname: str
    value: int | float | str
    span: Span


NamedType = Union[StructDef, UnionDef, EnumDef]


@dataclass(eq=False)
class ModuleModel:
    """Everything one IDL file defines, becoming one Python module."""

    idl_path: str
    module_name: str
    imports: list["ModuleModel"] = field(default_factory=list)
    consts: list[ConstDef] = field(default_factory=list)
    types: list[NamedType] = field(default_factory=list)  # dependency order
    pickled: list[Pickled] = field(default_factory=list)
    interfaces: list[InterfaceDef] = field(default_factory=list)
    cpp_quotes: list[str] = field(default_factory=list)
    acf_path: str | None = None


@dataclass(eq=False)
class ProgramModel:
    root: ModuleModel
    modules: list[ModuleModel]  # imports first, the root last
