"""Lark parse trees to the frozen AST of :mod:`midlpy.compiler.ast`.

One Transformer per grammar (IDL and ACF) sharing the expression and attribute rules of
``base.lark``. Positions in the preprocessed text are mapped back to the original files
through the preprocessor's origin map. User errors found while building the tree (a bad
combination of type keywords, a number that is not a number) are collected, never raised:
Lark would wrap an exception raised here in a ``VisitError``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from lark import Token, Transformer, Tree
from lark.tree import Meta

from midlpy.compiler import ast
from midlpy.compiler.limits import MAX_STRING_CHARS, OutOfRange, shorten
from midlpy.compiler.preprocess import Preprocessed, char_value, int_value
from midlpy.diagnostics import Diagnostics, Span

_INT_NAMES = {"__int8": "int8", "__int16": "int16", "__int32": "int32", "__int64": "int64",
              "_int64": "int64", "__int3264": "int3264"}
_SIZED = {"short", "long", "small", "hyper", "char", "int8", "int16", "int32", "int64",
          "int3264"}
_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]+|[0-7]{1,3}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)",
                        re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f",
                   "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def decode_string(text: str) -> str:
    """The value of a C string literal token (``"..."`` or ``L"..."``) with escapes decoded."""
    body = text[text.index('"') + 1:-1]
    if "\\" not in body:
        return body

    def repl(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "xuU" and len(e) > 1:
            return chr(min(int(e[1:], 16), 0x10FFFF))
        if e[0].isdigit():
            return chr(int(e, 8))
        return _SIMPLE_ESCAPES.get(e, e)

    return _ESCAPE_RE.sub(repl, body)


# Intermediate results that never reach the AST.
@dataclass(slots=True)
class _Direct:
    name: str | None
    ops: list[ast.DeclOp]


@dataclass(slots=True)
class _Member:
    attrs: ast.Attrs
    type: ast.TypeSpec | None  # None: an empty arm "[default] ;"
    declarators: tuple[tuple[ast.Declarator, ast.Expr | None], ...]  # with bit width
    span: Span


@dataclass(slots=True)
class _Labelled:
    cases: tuple[ast.Expr, ...]
    is_default: bool
    member: _Member
    span: Span


@dataclass(slots=True)
class _Label:
    case: ast.Expr | None  # None for default
    span: Span


class _Base(Transformer):  # type: ignore[type-arg]
    """Rules shared by both grammars: expressions, attributes, simple types."""

    def __init__(self, pp: Preprocessed, path: str, diags: Diagnostics) -> None:
        super().__init__(visit_tokens=False)
        self._handlers: dict[str, Any] = {}
        self.pp = pp
        self.path = path
        self.diags = diags

    def _call_userfunc(self, tree: Tree, new_children: list[Any] | None = None) -> Any:  # type: ignore[type-arg]
        # Every handler takes (meta, children). Looked up once per rule name; rules
        # imported from base.lark arrive namespaced as base__<rule>. (Cheaper than
        # lark's v_args wrappers, which are rebuilt on every attribute access.)
        name = tree.data
        fn = self._handlers.get(name)
        if fn is None:
            fn = getattr(self, name[6:] if name.startswith("base__") else name, None)
            if fn is None:
                raise AssertionError(f"no transformer handler for rule {name!r}")
            self._handlers[name] = fn
        return fn(tree.meta, tree.children if new_children is None else new_children)

    # ------------------------------------------------------------------ spans

    def span(self, meta: Meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.path, 1, 1, 1, 1)
        return self.pp.span(meta.line, meta.column, meta.end_line, meta.end_column)

    def tspan(self, tok: Token) -> Span:
        return self.pp.span(tok.line or 1, tok.column or 1, tok.end_line or tok.line or 1,
                            tok.end_column or tok.column or 1)

    def error(self, code: str, message: str, span: Span) -> None:
        self.diags.error(code, message, span)

    # ------------------------------------------------------------------ expressions

    def num(self, meta: Meta, c: list[Token]) -> ast.Num:
        text = str(c[0])
        try:
            value = int_value(text)
        except OutOfRange as e:
            self.error("number-range", f"{e}: '{shorten(text)}'", self.tspan(c[0]))
            value = 0
        except ValueError:
            self.error("bad-number", f"invalid number '{shorten(text)}'", self.tspan(c[0]))
            value = 0
        return ast.Num(value, text, self.tspan(c[0]))

    def float(self, meta: Meta, c: list[Token]) -> ast.FloatNum:
        text = str(c[0])
        value = float(text.rstrip("fFlL"))
        if not math.isfinite(value):
            self.error("number-range", f"floating constant out of range: '{shorten(text)}'",
                       self.tspan(c[0]))
            value = 0.0
        return ast.FloatNum(value, text, self.tspan(c[0]))

    def char(self, meta: Meta, c: list[Token]) -> ast.CharLit:
        try:
            value = char_value(str(c[0]))
        except ValueError:
            self.error("bad-char", f"invalid character constant {c[0]}", self.tspan(c[0]))
            value = 0
        return ast.CharLit(value, self.tspan(c[0]))

    def string(self, meta: Meta, c: list[Token]) -> ast.Str:
        value = "".join(decode_string(str(t)) for t in c)
        if len(value) > MAX_STRING_CHARS:
            self.error("string-too-long",
                       f"string literal longer than {MAX_STRING_CHARS} characters",
                       self.span(meta))
            value = ""
        return ast.Str(value, self.span(meta))

    def name(self, meta: Meta, c: list[Token]) -> ast.Name:
        return ast.Name(str(c[0]), self.tspan(c[0]))

    def binop(self, meta: Meta, c: list[Any]) -> ast.Binary:
        return ast.Binary(str(c[1]), c[0], c[2], self.span(meta))

    def unary(self, meta: Meta, c: list[Any]) -> ast.Unary:
        return ast.Unary(str(c[0]), c[1], self.span(meta))

    def conditional(self, meta: Meta, c: list[Any]) -> ast.Conditional:
        return ast.Conditional(c[0], c[1], c[2], self.span(meta))

    def cast(self, meta: Meta, c: list[Any]) -> ast.Cast:
        t: ast.TypeArg = c[0]
        return ast.Cast(t.type, t.ops, c[1], self.span(meta))

    def cast_named(self, meta: Meta, c: list[Any]) -> ast.Cast:
        tok: Token = c[0]
        name = str(tok).strip("() \t\n")
        return ast.Cast(ast.TypeName(name, self.tspan(tok)), (), c[1], self.span(meta))

    def sizeof_type(self, meta: Meta, c: list[Any]) -> ast.SizeofType:
        t: ast.TypeArg = c[0]
        return ast.SizeofType(t.type, t.ops, self.span(meta))

    def sizeof_expr(self, meta: Meta, c: list[Any]) -> ast.SizeofExpr:
        return ast.SizeofExpr(c[0], self.span(meta))

    def dot_member(self, meta: Meta, c: list[Any]) -> ast.Member:
        return ast.Member(c[0], str(c[1]), False, self.span(meta))

    def arrow(self, meta: Meta, c: list[Any]) -> ast.Member:
        return ast.Member(c[0], str(c[1]), True, self.span(meta))

    def index(self, meta: Meta, c: list[Any]) -> ast.Index:
        return ast.Index(c[0], c[1], self.span(meta))

    def call(self, meta: Meta, c: list[Any]) -> ast.Call:
        return ast.Call(c[0], tuple(a for a in c[1:] if a is not None), self.span(meta))

    # ------------------------------------------------------------------ attributes

    def attrs(self, meta: Meta, c: list[list[ast.Attribute]]) -> ast.Attrs:
        return tuple(a for lst in c for a in lst)

    def attr_list(self, meta: Meta, c: list[Any]) -> list[ast.Attribute]:
        return [a for a in c if a is not None]

    def attr(self, meta: Meta, c: list[Any]) -> ast.Attribute:
        name = str(c[0])
        args: tuple[ast.AttrArg, ...] | None = c[1]
        if name == "uuid" and args:
            args = tuple(ast.UuidLit(a.value.strip().lower(), a.span)
                         if isinstance(a, ast.Str) else a for a in args)
        return ast.Attribute(name, args, self.span(meta))

    def attr_args(self, meta: Meta, c: list[Any]) -> tuple[ast.AttrArg, ...]:
        return tuple(c)

    def uuid_arg(self, meta: Meta, c: list[Token]) -> ast.UuidLit:
        return ast.UuidLit(str(c[0]).lower(), self.tspan(c[0]))

    def _stars(self, tok: Token | None) -> tuple[ast.DeclOp, ...]:
        if tok is None:
            return ()
        sp = self.tspan(tok)
        return tuple(ast.PointerOp((), sp) for _ in range(str(tok).count("*")))

    def type_arg(self, meta: Meta, c: list[Any]) -> ast.TypeArg:
        return ast.TypeArg(c[0], self._stars(c[1]), self.span(meta))

    def type_arg_named(self, meta: Meta, c: list[Any]) -> ast.TypeArg:
        return ast.TypeArg(ast.TypeName(str(c[0]), self.tspan(c[0])), self._stars(c[1]),
                           self.span(meta))

    def decl_arg(self, meta: Meta, c: list[Any]) -> ast.DeclArg:
        t = c[0]
        if isinstance(t, Token):
            t = ast.TypeName(str(t), self.tspan(t))
        sp = self.tspan(c[1])
        return ast.DeclArg(t, ast.Declarator(str(c[1]), (), sp), self.span(meta))

    # ------------------------------------------------------------------ simple types

    def base_kw(self, meta: Meta, c: list[Token]) -> Token:
        return c[0]

    def tag_kw(self, meta: Meta, c: list[Token]) -> Token:
        return c[0]

    def kw_type(self, meta: Meta, c: list[Token]) -> ast.BaseType:
        sp = self.span(meta)
        words = [str(t) for t in c]
        signed: bool | None = None
        rest: list[str] = []
        for w in words:
            if w in ("signed", "unsigned"):
                if signed is not None:
                    self.error("bad-type", f"'{w}' repeated or combined with "
                               f"'{'signed' if signed else 'unsigned'}'", sp)
                signed = w == "signed"
            else:
                rest.append(_INT_NAMES.get(w, w))
        if "int" in rest and len(rest) > 1 and any(w in _SIZED for w in rest):
            rest.remove("int")
        if rest == ["long", "long"]:
            rest = ["hyper"]
        if not rest:
            rest = ["int"]
        if len(rest) != 1:
            self.error("bad-type", f"invalid combination of type keywords '{' '.join(words)}'",
                       sp)
        return ast.BaseType(rest[0], signed, sp)

    def tag_ref(self, meta: Meta, c: list[Token]) -> ast.TypeSpec:
        kind, tag = str(c[0]), str(c[1])
        sp = self.span(meta)
        if kind == "struct":
            return ast.StructType(tag, None, sp)
        if kind == "union":
            return ast.UnionType(tag, None, None, sp)
        return ast.EnumType(tag, None, sp)


def _flatten(items: Iterable[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for it in items:
        if it is None:
            continue
        if isinstance(it, list):
            out.extend(x for x in it if x is not None)
        else:
            out.append(it)
    return tuple(out)


class IdlTransformer(_Base):
    """midl.lark trees to :class:`ast.IdlFile`."""

    # ------------------------------------------------------------------ file and items

    def start(self, meta: Meta, c: list[Any]) -> ast.IdlFile:
        items = list(_flatten(c))
        pragmas = [ast.Pragma(text, sp) for text, sp in self.pp.pragmas if sp.file == self.path]
        if pragmas:
            items = self._merge_pragmas(items, pragmas)
        return ast.IdlFile(self.path, tuple(items), self.span(meta))

    def _merge_pragmas(self, items: list[Any], pragmas: list[ast.Pragma]) -> list[Any]:
        """Put each of this file's #pragma lines before the first top-level item of the same
        file that follows it; item order itself never changes (#included items included)."""
        out: list[Any] = []
        pending = sorted(pragmas, key=lambda p: (p.span.line, p.span.col))
        for it in items:
            sp = it.span
            while pending and sp.file == self.path and \
                    (pending[0].span.line, pending[0].span.col) < (sp.line, sp.col):
                out.append(pending.pop(0))
            out.append(it)
        out.extend(pending)
        return out

    def empty(self, meta: Meta, c: list[Any]) -> None:
        return None

    def import_stmt(self, meta: Meta, c: list[Token]) -> ast.Import:
        return ast.Import(tuple(decode_string(str(t)) for t in c[1:]), self.span(meta))

    def importlib(self, meta: Meta, c: list[Token]) -> ast.ImportLib:
        return ast.ImportLib(decode_string(str(c[0])), self.span(meta))

    def cpp_quote(self, meta: Meta, c: list[Token]) -> ast.CppQuote:
        return ast.CppQuote("".join(decode_string(str(t)) for t in c), self.span(meta))

    def midl_pragma(self, meta: Meta, c: list[Token]) -> ast.MidlPragmaWarning:
        text = str(c[0])
        inner = text[text.index("(") + 1:text.rindex(")")].strip()
        return ast.MidlPragmaWarning(inner, self.span(meta))

    def declare_guid(self, meta: Meta, c: list[Token]) -> ast.DeclareGuid:
        u = c[1]
        text = decode_string(str(u)) if str(u).startswith(('"', 'L"')) else str(u)
        return ast.DeclareGuid(str(c[0]), ast.UuidLit(text.strip().lower(), self.tspan(u)),
                               self.span(meta))

    def typedef(self, meta: Meta, c: list[Any]) -> ast.Typedef:
        attrs = (c[0] or ()) + (c[1] or ())
        return ast.Typedef(attrs, c[2], tuple(c[3:]), self.span(meta))

    def init_declarator(self, meta: Meta, c: list[Any]) -> tuple[ast.Declarator, Any]:
        return (c[0], c[1])

    def storage(self, meta: Meta, c: list[Token]) -> Token:
        return c[0]

    def declaration(self, meta: Meta, c: list[Any]) -> Any:
        # c[1] is the storage class (extern/static): no meaning for NDR, not kept.
        attrs: ast.Attrs = c[0] or ()
        type_: ast.TypeSpec = c[2]
        inits: list[tuple[ast.Declarator, Any]] = [d for d in c[3:] if d is not None]
        sp = self.span(meta)
        if not inits:
            core = type_.type if isinstance(type_, ast.Qualified) else type_
            if isinstance(core, (ast.StructType, ast.UnionType, ast.EnumType)):
                return ast.TypeDecl(attrs, type_, sp)
            self.error("empty-declaration", "declaration does not declare anything", sp)
            return None
        out: list[Any] = []
        plain: list[ast.Declarator] = []
        for decl, init in inits:
            if init is not None:
                ctype = type_
                if isinstance(ctype, ast.Qualified) and ctype.qualifiers == ("const",):
                    ctype = ctype.type
                out.append(ast.Const(ctype, decl, init, sp))
            elif decl.ops and isinstance(decl.ops[-1], ast.FuncOp):
                fn = decl.ops[-1]
                if decl.name is None:
                    self.error("syntax", "operation without a name", sp)
                    continue
                out.append(ast.Operation(attrs, type_, decl.ops[:-1], decl.name, fn.params, sp))
            else:
                plain.append(decl)
        if plain:
            out.append(ast.VarDecl(attrs, type_, tuple(plain), sp))
        return out

    def interface(self, meta: Meta, c: list[Any]) -> ast.Interface:
        return ast.Interface(c[0] or (), str(c[1]), None if c[2] is None else str(c[2]),
                             _flatten(c[3:]), self.span(meta))

    def interface_fwd(self, meta: Meta, c: list[Any]) -> ast.Interface:
        return ast.Interface(c[0] or (), str(c[1]), None, None, self.span(meta))

    def disp_prop(self, meta: Meta, c: list[Any]) -> ast.Field:
        return ast.Field(c[0] or (), c[1], c[2], self.span(meta))

    def disp_method(self, meta: Meta, c: list[Any]) -> ast.Operation | None:
        decl: ast.Declarator = c[2]
        sp = self.span(meta)
        if not decl.ops or not isinstance(decl.ops[-1], ast.FuncOp) or decl.name is None:
            self.error("syntax", "a dispinterface method needs a parameter list", sp)
            return None
        fn = decl.ops[-1]
        return ast.Operation(c[0] or (), c[1], decl.ops[:-1], decl.name, fn.params, sp)

    def dispinterface(self, meta: Meta, c: list[Any]) -> ast.DispInterface:
        rest = [x for x in c[2:] if x is not None]
        props = tuple(x for x in rest if isinstance(x, ast.Field))
        methods = tuple(x for x in rest if isinstance(x, ast.Operation))
        return ast.DispInterface(c[0] or (), str(c[1]), props, methods, None, (),
                                 self.span(meta))

    def dispinterface_of(self, meta: Meta, c: list[Any]) -> ast.DispInterface:
        return ast.DispInterface(c[0] or (), str(c[1]), (), (), str(c[3]), (), self.span(meta))

    def dispinterface_fwd(self, meta: Meta, c: list[Any]) -> ast.DispInterface:
        return ast.DispInterface(c[0] or (), str(c[1]), (), (), None, None, self.span(meta))

    def coclass_kind(self, meta: Meta, c: list[Token]) -> Token:
        return c[0]

    def coclass_member(self, meta: Meta, c: list[Any]) -> ast.CoClassMember:
        return ast.CoClassMember(c[0] or (), str(c[1]), str(c[2]), self.span(meta))

    def coclass(self, meta: Meta, c: list[Any]) -> ast.CoClass:
        return ast.CoClass(c[0] or (), str(c[1]), tuple(c[2:]), self.span(meta))

    def coclass_fwd(self, meta: Meta, c: list[Any]) -> ast.CoClass:
        return ast.CoClass(c[0] or (), str(c[1]), None, self.span(meta))

    def library(self, meta: Meta, c: list[Any]) -> ast.Library:
        return ast.Library(c[0] or (), str(c[1]), _flatten(c[2:]), self.span(meta))

    def module(self, meta: Meta, c: list[Any]) -> ast.Module:
        return ast.Module(c[0] or (), str(c[1]), _flatten(c[2:]), self.span(meta))

    # ------------------------------------------------------------------ types

    def qualifier(self, meta: Meta, c: list[Token]) -> Token:
        return c[0]

    def type_spec(self, meta: Meta, c: list[Any]) -> ast.TypeSpec:
        # __w64 and __unaligned mean nothing for NDR: only const/volatile are kept.
        quals = tuple(str(x) for x in c if isinstance(x, Token) and x in ("const", "volatile"))
        core = next(x for x in c if not isinstance(x, Token))
        if quals:
            return ast.Qualified(quals, core, self.span(meta))
        return core  # type: ignore[no-any-return]

    def type_name(self, meta: Meta, c: list[Token]) -> ast.TypeName:
        return ast.TypeName(str(c[0]), self.tspan(c[0]))

    def pipe_type(self, meta: Meta, c: list[Any]) -> ast.PipeType:
        return ast.PipeType(c[1], self.span(meta))

    def struct_ref(self, meta: Meta, c: list[Token]) -> ast.StructType:
        return ast.StructType(str(c[0]), None, self.span(meta))

    def union_ref(self, meta: Meta, c: list[Token]) -> ast.UnionType:
        return ast.UnionType(str(c[0]), None, None, self.span(meta))

    def enum_ref(self, meta: Meta, c: list[Token]) -> ast.EnumType:
        return ast.EnumType(str(c[0]), None, self.span(meta))

    def member(self, meta: Meta, c: list[Any]) -> _Member:
        decls = tuple(d for d in c[2:] if d is not None)
        return _Member(c[0] or (), c[1], decls, self.span(meta))

    arm_body = member

    def member_declarator(self, meta: Meta, c: list[Any]) -> tuple[ast.Declarator, Any]:
        return (c[0], c[1])

    def safearray(self, meta: Meta, c: list[Any]) -> ast.TypeName:
        # SAFEARRAY(T) is an automation type with no NDR meaning here; kept as a name the
        # semantic passes will not resolve, spelled as written.
        inner = c[1]
        core = inner.type if isinstance(inner, ast.Qualified) else inner
        label = getattr(core, "name", None) or getattr(core, "tag", None) or "?"
        stars = "*" * len(c[2].ops) if c[2] is not None else ""
        return ast.TypeName(f"SAFEARRAY({label}{stars})", self.span(meta))

    def empty_member(self, meta: Meta, c: list[Any]) -> _Member:
        return _Member(c[0] or (), None, (), self.span(meta))

    empty_arm = empty_member

    def case_label(self, meta: Meta, c: list[Any]) -> _Label:
        return _Label(c[1], self.span(meta))

    def default_label(self, meta: Meta, c: list[Any]) -> _Label:
        return _Label(None, self.span(meta))

    def labelled_member(self, meta: Meta, c: list[Any]) -> _Labelled:
        labels: list[_Label] = c[:-1]
        cases = tuple(lb.case for lb in labels if lb.case is not None)
        return _Labelled(cases, any(lb.case is None for lb in labels), c[-1], self.span(meta))

    def _fields(self, m: _Member) -> list[ast.Field]:
        assert m.type is not None
        if not m.declarators:
            # An anonymous nested struct/union member.
            return [ast.Field(m.attrs, m.type, ast.Declarator(None, (), m.span), m.span)]
        return [ast.Field(m.attrs, m.type, d, m.span, bits) for d, bits in m.declarators]

    def struct_type(self, meta: Meta, c: list[Any]) -> ast.StructType:
        fields: list[ast.Field] = []
        for m in c[1:]:
            if isinstance(m, _Labelled):
                self.error("misplaced-case", "case label outside a union", m.span)
            elif m.type is None:
                self.error("empty-declaration", "member declares nothing", m.span)
            else:
                fields.extend(self._fields(m))
        return ast.StructType(None if c[0] is None else str(c[0]), tuple(fields),
                              self.span(meta))

    def _arms(self, members: list[Any]) -> tuple[ast.UnionArm, ...]:
        arms: list[ast.UnionArm] = []
        for m in members:
            if isinstance(m, _Labelled):
                cases, is_default, body = m.cases, m.is_default, m.member
                span = m.span
            else:
                body, span = m, m.span
                cases_l: list[ast.Expr] = []
                is_default = False
                keep: list[ast.Attribute] = []
                for a in m.attrs:
                    if a.name == "case":
                        cases_l.extend(x for x in (a.args or ()) if x is not None)  # type: ignore[misc]
                    elif a.name == "default" and a.args is None:
                        is_default = True
                    else:
                        keep.append(a)
                cases = tuple(cases_l)
                body = _Member(tuple(keep), m.type, m.declarators, m.span)
            if body.type is None:
                arms.append(ast.UnionArm(cases, is_default, None, span))
                continue
            fields = self._fields(body)
            if len(fields) > 1:
                self.error("union-arm", "a union arm declares one member", body.span)
            arms.append(ast.UnionArm(cases, is_default, fields[0], span))
        return tuple(arms)

    def union_type(self, meta: Meta, c: list[Any]) -> ast.UnionType:
        return ast.UnionType(None if c[0] is None else str(c[0]), None, self._arms(c[1:]),
                             self.span(meta))

    def union_switch(self, meta: Meta, c: list[Any]) -> ast.UnionType:
        tag = None if c[0] is None else str(c[0])
        sw_type, sw_name, uname = c[2], c[3], c[4]
        sw_span = self.tspan(c[1])
        sw_span = Span(sw_span.file, sw_span.line, sw_span.col,
                       *self._end(uname if uname is not None else sw_name))
        switch = ast.UnionSwitch(sw_type, str(sw_name), None if uname is None else str(uname),
                                 sw_span)
        return ast.UnionType(tag, switch, self._arms(c[5:]), self.span(meta))

    def _end(self, tok: Token) -> tuple[int, int]:
        sp = self.tspan(tok)
        return sp.end_line, sp.end_col

    def enum_type(self, meta: Meta, c: list[Any]) -> ast.EnumType:
        values = tuple(e for e in c[1:] if isinstance(e, ast.Enumerator))
        return ast.EnumType(None if c[0] is None else str(c[0]), values, self.span(meta))

    def enumerator(self, meta: Meta, c: list[Any]) -> ast.Enumerator:
        return ast.Enumerator(str(c[1]), c[2], self.span(meta))

    # ------------------------------------------------------------------ declarators

    def pointer(self, meta: Meta, c: list[Any]) -> ast.PointerOp | None:
        if not c or not (isinstance(c[0], Token) and c[0] == "*"):
            return None  # a calling convention: no type meaning for us
        quals = tuple(str(q) for q in c[1:] if q is not None and str(q) in
                      ("const", "volatile"))
        return ast.PointerOp(quals, self.span(meta))

    def ptr_qualifier(self, meta: Meta, c: list[Any]) -> Token:
        return c[0]

    def ptr_modifier(self, meta: Meta, c: list[Token]) -> Token:
        return c[0]

    def callconv(self, meta: Meta, c: list[Token]) -> Token:
        return c[0]

    def declarator(self, meta: Meta, c: list[Any]) -> ast.Declarator:
        direct: _Direct = c[-1]
        ptrs = [p for p in c[:-1] if p is not None]
        return ast.Declarator(direct.name, tuple(ptrs + direct.ops), self.span(meta))

    def decl_name(self, meta: Meta, c: list[Token]) -> _Direct:
        return _Direct(str(c[0]), [])

    def decl_paren(self, meta: Meta, c: list[Any]) -> _Direct:
        d: ast.Declarator = c[0]
        return _Direct(d.name, list(d.ops))

    def decl_array(self, meta: Meta, c: list[Any]) -> _Direct:
        d: _Direct = c[0]
        op: ast.ArrayOp = c[1]
        return _Direct(d.name, [ast.ArrayOp(op.size, op.star, op.lower, self.span(meta))]
                       + d.ops)

    def decl_func(self, meta: Meta, c: list[Any]) -> _Direct:
        d: _Direct = c[0]
        params, varargs = c[1]
        return _Direct(d.name, [ast.FuncOp(params, varargs, self.span(meta))] + d.ops)

    def array_open(self, meta: Meta, c: list[Any]) -> ast.ArrayOp:
        return ast.ArrayOp(None, False, None, self.span(meta))

    def array_star(self, meta: Meta, c: list[Any]) -> ast.ArrayOp:
        return ast.ArrayOp(None, True, None, self.span(meta))

    def array_fixed(self, meta: Meta, c: list[Any]) -> ast.ArrayOp:
        return ast.ArrayOp(c[0], False, None, self.span(meta))

    def array_range(self, meta: Meta, c: list[Any]) -> ast.ArrayOp:
        return ast.ArrayOp(c[1], False, c[0], self.span(meta))

    def param_list(self, meta: Meta, c: list[Any]) -> tuple[tuple[ast.Param, ...], bool]:
        params = tuple(p for p in c if isinstance(p, ast.Param))
        varargs = any(isinstance(t, Token) and t == "..." for t in c)
        if (len(params) == 1 and isinstance(params[0].type, ast.BaseType)
                and params[0].type.name == "void" and params[0].declarator.name is None
                and not params[0].declarator.ops and not params[0].attrs):
            params = ()  # f(void): no parameters
        return params, varargs

    def param_list_varargs(self, meta: Meta, c: list[Any]) -> tuple[tuple[ast.Param, ...], bool]:
        return (), True

    def param(self, meta: Meta, c: list[Any]) -> ast.Param:
        sp = self.span(meta)
        decl = c[2]
        if decl is None:
            decl = ast.Declarator(None, (), Span(sp.file, sp.end_line, sp.end_col, sp.end_line,
                                                 sp.end_col))
        return ast.Param(c[0] or (), c[1], decl, sp)

    def abstract_declarator(self, meta: Meta, c: list[Any]) -> ast.Declarator:
        direct: _Direct | None = c[-1] if isinstance(c[-1], _Direct) or c[-1] is None else None
        ptrs = [p for p in c if isinstance(p, ast.PointerOp)]
        ops = ptrs + (direct.ops if direct else [])
        return ast.Declarator(None, tuple(ops), self.span(meta))

    def abstract_stars(self, meta: Meta, c: list[Any]) -> ast.Declarator:
        ptrs = [p for p in c[:-1] if isinstance(p, ast.PointerOp)]
        return ast.Declarator(None, tuple(ptrs) + self._stars(c[-1]), self.span(meta))

    def abstract_direct_only(self, meta: Meta, c: list[Any]) -> ast.Declarator:
        return ast.Declarator(None, tuple(c[0].ops), self.span(meta))

    def abs_paren(self, meta: Meta, c: list[Any]) -> _Direct:
        return _Direct(None, list(c[0].ops))

    def abs_array(self, meta: Meta, c: list[Any]) -> _Direct:
        inner: list[ast.DeclOp] = c[0].ops if c[0] is not None else []
        op: ast.ArrayOp = c[1]
        return _Direct(None, [ast.ArrayOp(op.size, op.star, op.lower, self.span(meta))] + inner)

    def abs_func(self, meta: Meta, c: list[Any]) -> _Direct:
        params, varargs = c[1]
        return _Direct(None, [ast.FuncOp(params, varargs, self.span(meta))] + c[0].ops)


class AcfTransformer(_Base):
    """acf.lark trees to :class:`ast.AcfFile`."""

    def start(self, meta: Meta, c: list[Any]) -> ast.AcfFile:
        items = [x for x in c if x is not None]
        return ast.AcfFile(self.path, tuple(x for x in items if isinstance(x, ast.AcfInclude)),
                           tuple(x for x in items if isinstance(x, ast.AcfInterface)),
                           self.span(meta))

    def empty(self, meta: Meta, c: list[Any]) -> None:
        return None

    def acf_include(self, meta: Meta, c: list[Token]) -> ast.AcfInclude:
        return ast.AcfInclude(tuple(decode_string(str(t)) for t in c), self.span(meta))

    def acf_interface(self, meta: Meta, c: list[Any]) -> ast.AcfInterface:
        return ast.AcfInterface(c[0] or (), str(c[1]), tuple(x for x in c[2:] if x is not None),
                                self.span(meta))

    def acf_typedef(self, meta: Meta, c: list[Any]) -> ast.AcfTypedef:
        return ast.AcfTypedef(c[0] or (), tuple(str(t) for t in c[1:]), self.span(meta))

    def acf_operation(self, meta: Meta, c: list[Any]) -> ast.AcfOperation:
        params = tuple(p for p in c[2:] if p is not None)
        return ast.AcfOperation(c[0] or (), str(c[1]), params, self.span(meta))

    def acf_param(self, meta: Meta, c: list[Any]) -> ast.AcfParam:
        return ast.AcfParam(c[0] or (), str(c[1]), self.span(meta))
