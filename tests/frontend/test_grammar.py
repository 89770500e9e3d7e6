"""The IDL grammar and transformer: one test per construct, checking AST shapes and spans."""

from __future__ import annotations

import pytest

from midlpy.compiler import ast
from midlpy.compiler.parser import get_parser
from midlpy.diagnostics import Span

from .util import iface_body, items, one, parse, parse_errors


@pytest.mark.parametrize("grammar", ["midl", "acf"])
def test_grammars_are_conflict_free_in_strict_mode(grammar: str) -> None:
    # strict=True makes Lark raise on any shift/reduce conflict or terminal collision.
    get_parser.cache_clear()
    try:
        parser = get_parser(grammar, strict=True)  # type: ignore[arg-type]
    finally:
        get_parser.cache_clear()
    assert parser.options.parser == "lalr"


def test_parser_is_built_once() -> None:
    assert get_parser("midl") is get_parser("midl")


# --------------------------------------------------------------------------- file level


def test_import_several_files() -> None:
    imp = one('import "a.idl", "b.idl";')
    assert imp == ast.Import(("a.idl", "b.idl"), Span("t.idl", 1, 1, 1, 25))


def test_importlib() -> None:
    lib = one('library L { importlib("stdole2.tlb"); }')
    assert isinstance(lib, ast.Library) and lib.name == "L"
    assert lib.body[0] == ast.ImportLib("stdole2.tlb", Span("t.idl", 1, 13, 1, 38))


def test_cpp_quote_joins_adjacent_strings_and_decodes_escapes() -> None:
    q = one(r'cpp_quote("#define X \"a\"" "\n")')
    assert isinstance(q, ast.CppQuote) and q.text == '#define X "a"\n'


def test_midl_pragma_warning() -> None:
    p = one("midl_pragma warning(disable: 2111 2112)")
    assert p == ast.MidlPragmaWarning("disable: 2111 2112", Span("t.idl", 1, 1, 1, 40))


def test_declare_guid() -> None:
    # The MIDL documentation writes it without a semicolon; one after it is harmless.
    assert isinstance(one("declare_guid(SID_W, 5144C348-169E-4359-A79D-5482461D9929)"),
                      ast.DeclareGuid)
    g = one("declare_guid(IID_X, 12345678-1234-ABCD-ef00-0123456789ab);")
    assert isinstance(g, ast.DeclareGuid) and g.name == "IID_X"
    assert g.uuid.text == "12345678-1234-abcd-ef00-0123456789ab"


def test_hash_pragma_is_kept_as_item() -> None:
    its = items("#pragma pack(4)\ntypedef long A;\n")
    assert its[0] == ast.Pragma("pack(4)", Span("t.idl", 1, 1, 1, 16))
    assert isinstance(its[1], ast.Typedef)


# --------------------------------------------------------------------------- interfaces


def test_interface_with_attributes_and_base() -> None:
    it = one("[uuid(12345678-1234-abcd-ef00-0123456789ab), version(1.2), object,\n"
             " pointer_default(unique)]\ninterface IFoo : IUnknown\n{\n}\n")
    assert isinstance(it, ast.Interface)
    assert (it.name, it.base, it.body) == ("IFoo", "IUnknown", ())
    names = [a.name for a in it.attrs]
    assert names == ["uuid", "version", "object", "pointer_default"]
    uuid, version, obj, pd = it.attrs
    assert uuid.args == (ast.UuidLit("12345678-1234-abcd-ef00-0123456789ab",
                                     Span("t.idl", 1, 7, 1, 43)),)
    assert isinstance(version.args[0], ast.FloatNum) and version.args[0].text == "1.2"
    assert obj.args is None
    assert isinstance(pd.args[0], ast.Name) and pd.args[0].id == "unique"
    assert it.span == Span("t.idl", 1, 1, 5, 2)


def test_quoted_uuid_becomes_uuid_literal() -> None:
    it = one('[uuid("12345678-1234-ABCD-EF00-0123456789AB")] interface I {}')
    assert it.attrs[0].args[0] == ast.UuidLit("12345678-1234-abcd-ef00-0123456789ab",
                                              Span("t.idl", 1, 7, 1, 45))


def test_bare_uuid_starting_with_letters() -> None:
    it = one("[uuid(abcdef01-1234-abcd-ef00-0123456789ab)] interface I {}")
    assert it.attrs[0].args[0].text == "abcdef01-1234-abcd-ef00-0123456789ab"


def test_forward_interface_and_base_used_before_definition() -> None:
    fwd, derived, base = items("interface B;\ninterface D : B { }\ninterface B { }\n")
    assert fwd == ast.Interface((), "B", None, None, Span("t.idl", 1, 1, 1, 13))
    assert derived.base == "B" and base.body == ()


def test_dispinterface_properties_and_methods() -> None:
    d = one("dispinterface D { properties: [id(1)] long x; methods: [id(2)] void m(long a); }")
    assert isinstance(d, ast.DispInterface) and d.of is None
    assert [p.declarator.name for p in d.properties] == ["x"]
    assert [m.name for m in d.methods] == ["m"]
    assert d.methods[0].params[0].declarator.name == "a"


def test_dispinterface_of_interface_and_forward() -> None:
    d, f = items("dispinterface D { interface I; };\ndispinterface E;")
    assert d.of == "I" and d.body == ()
    assert f.body is None


def test_coclass_library_module() -> None:
    lib = one("[uuid(12345678-1234-abcd-ef00-0123456789ab)] library L {\n"
              "  [uuid(12345678-1234-abcd-ef00-0123456789ac)] coclass C {\n"
              "    [default] interface I; [source] dispinterface D; };\n"
              "  coclass Fwd;\n"
              "  [dllname(\"x.dll\")] module M { [entry(1)] long f(void); const long K = 1; };\n"
              "};")
    coclass, fwd, module = [i for i in lib.body]
    assert isinstance(coclass, ast.CoClass)
    assert [(m.kind, m.name, m.attrs[0].name) for m in coclass.members] == [
        ("interface", "I", "default"), ("dispinterface", "D", "source")]
    assert fwd.members is None
    assert isinstance(module, ast.Module)
    assert isinstance(module.body[0], ast.Operation) and isinstance(module.body[1], ast.Const)


# --------------------------------------------------------------------------- types


@pytest.mark.parametrize("spelling,name,signed", [
    ("small", "small", None), ("short", "short", None), ("long", "long", None),
    ("hyper", "hyper", None), ("int", "int", None), ("char", "char", None),
    ("byte", "byte", None), ("boolean", "boolean", None), ("float", "float", None),
    ("double", "double", None), ("__int8", "int8", None), ("__int16", "int16", None),
    ("__int32", "int32", None), ("__int64", "int64", None), ("__int3264", "int3264", None),
    ("unsigned long", "long", False), ("signed char", "char", True),
    ("unsigned short int", "short", False), ("long int", "long", None),
    ("long long", "hyper", None), ("unsigned long long", "hyper", False),
    ("unsigned", "int", False), ("signed", "int", True), ("unsigned __int64", "int64", False),
    ("unsigned hyper", "hyper", False), ("short unsigned", "short", False),
])
def test_base_type_spellings(spelling: str, name: str, signed: bool | None) -> None:
    td = one(f"typedef {spelling} T;")
    assert isinstance(td.type, ast.BaseType)
    assert (td.type.name, td.type.signed) == (name, signed)
    assert td.type.span == Span("t.idl", 1, 9, 1, 9 + len(spelling))


@pytest.mark.parametrize("name", ["wchar_t", "handle_t", "error_status_t", "HRESULT"])
def test_predefined_names_are_ordinary_identifiers(name: str) -> None:
    td = one(f"typedef unsigned short {name};")
    assert td.declarators[0].name == name
    use = one(f"typedef {name} X;")
    assert use.type == ast.TypeName(name, Span("t.idl", 1, 9, 1, 9 + len(name)))


def test_const_and_volatile_qualifiers() -> None:
    td = one("typedef const volatile long T;")
    assert isinstance(td.type, ast.Qualified) and td.type.qualifiers == ("const", "volatile")
    assert td.type.type.name == "long"


def test_w64_and_unaligned_are_dropped() -> None:
    td = one("typedef __w64 long LONG_PTR;")
    assert td.type == ast.BaseType("long", None, Span("t.idl", 1, 15, 1, 19))
    td = one("typedef __unaligned const long U;")
    assert td.type.qualifiers == ("const",)


def test_struct_with_tag_fields_and_several_declarators() -> None:
    td = one("typedef struct _S { long a; [size_is(a)] char *p; } S, *PS;")
    assert isinstance(td.type, ast.StructType) and td.type.tag == "_S"
    a, p = td.type.fields
    assert (a.declarator.name, p.declarator.name) == ("a", "p")
    assert p.attrs[0].name == "size_is" and p.attrs[0].args[0].id == "a"
    assert [d.name for d in td.declarators] == ["S", "PS"]
    assert isinstance(td.declarators[1].ops[0], ast.PointerOp)


def test_struct_reference_and_tag_declaration() -> None:
    decl, td = items("struct S { long a; };\ntypedef struct S T;")
    assert isinstance(decl, ast.TypeDecl) and decl.type.tag == "S"
    assert td.type == ast.StructType("S", None, Span("t.idl", 2, 9, 2, 17))


def test_anonymous_nested_struct_and_union_members() -> None:
    td = one("typedef struct { struct { long a; }; union { long b; short c; } u; } S;")
    anon, named = td.type.fields
    assert anon.declarator.name is None and isinstance(anon.type, ast.StructType)
    assert named.declarator.name == "u" and isinstance(named.type, ast.UnionType)


def test_bit_field_width() -> None:
    td = one("typedef struct { unsigned int a : 1, b : 3; } S;")
    assert [(f.declarator.name, f.bits.value) for f in td.type.fields] == [("a", 1), ("b", 3)]


def test_non_encapsulated_union_arms() -> None:
    td = one("typedef [switch_type(unsigned short)] union _U {\n"
             "  [case(1)] long a;\n  [case(2, 3)] [string] char *s;\n  [default] ;\n} U;")
    st = td.attrs[0]
    assert st.name == "switch_type" and isinstance(st.args[0], ast.TypeArg)
    assert (st.args[0].type.name, st.args[0].type.signed) == ("short", False)
    u = td.type
    assert isinstance(u, ast.UnionType) and u.switch is None and u.tag == "_U"
    a, s, d = u.arms
    assert [c.value for c in a.cases] == [1] and a.field.declarator.name == "a"
    assert [c.value for c in s.cases] == [2, 3] and [x.name for x in s.field.attrs] == ["string"]
    assert d.is_default and d.field is None and d.cases == ()
    assert a.span == Span("t.idl", 2, 3, 2, 20)


def test_encapsulated_union() -> None:
    td = one("typedef union switch (long n) u { case 1: long a; case 2: case 3: short b;"
             " default: ; } EU;")
    u = td.type
    assert u.switch.name == "n" and u.switch.union_name == "u"
    assert u.switch.type.name == "long"
    assert [[c.value for c in arm.cases] for arm in u.arms] == [[1], [2, 3], []]
    assert u.arms[2].is_default and u.arms[2].field is None


def test_encapsulated_union_without_union_name() -> None:
    td = one("typedef union U switch (short k) { case 1: long a; } T;")
    assert td.type.tag == "U" and td.type.switch.union_name is None


def test_enum_values_expressions_and_trailing_comma() -> None:
    td = one("typedef [v1_enum] enum _E { A = 1, B = A << 2, C, D = 'x', } E;")
    e = td.type
    assert isinstance(e, ast.EnumType) and e.tag == "_E"
    assert [v.name for v in e.values] == ["A", "B", "C", "D"]
    assert isinstance(e.values[1].value, ast.Binary) and e.values[1].value.op == "<<"
    assert e.values[2].value is None
    assert e.values[3].value == ast.CharLit(120, Span("t.idl", 1, 55, 1, 58))


def test_enum_reference() -> None:
    td = one("typedef enum E T;")
    assert td.type == ast.EnumType("E", None, Span("t.idl", 1, 9, 1, 15))


def test_pipe_typedef() -> None:
    td = one("typedef pipe long LONG_PIPE;")
    assert isinstance(td.type, ast.PipeType) and td.type.element.name == "long"


def test_typedef_attributes_before_and_after_keyword() -> None:
    td = one("[public] typedef [context_handle] void *CTX;")
    assert [a.name for a in td.attrs] == ["public", "context_handle"]


# --------------------------------------------------------------------------- declarators


def _decl(text: str) -> ast.Declarator:
    return one(f"typedef long {text};").declarators[0]


def _shape(ops: tuple[ast.DeclOp, ...]) -> list[str]:
    out = []
    for op in ops:
        if isinstance(op, ast.PointerOp):
            out.append("*" + "".join(f" {q}" for q in op.qualifiers))
        elif isinstance(op, ast.ArrayOp):
            if op.star:
                out.append("[*]")
            elif op.size is None:
                out.append("[]")
            elif op.lower is not None:
                out.append(f"[{op.lower.value}..{op.size.value}]")
            else:
                out.append(f"[{op.size.value}]")
        else:
            out.append("()")
    return out


@pytest.mark.parametrize("text,shape", [
    ("a", []),
    ("*a", ["*"]),
    ("a[3]", ["[3]"]),
    ("a[]", ["[]"]),
    ("a[*]", ["[*]"]),
    ("a[2][3]", ["[3]", "[2]"]),          # array of 2 arrays of 3
    ("a[1..5]", ["[1..5]"]),
    ("*a[3]", ["*", "[3]"]),              # array of 3 pointers
    ("(*a)[3]", ["[3]", "*"]),            # pointer to an array of 3
    ("*const *a", ["* const", "*"]),      # pointer to const pointer
    ("(*a)(long, char *)", ["()", "*"]),  # pointer to function
    ("* __ptr64 a", ["*"]),
])
def test_declarator_forms(text: str, shape: list[str]) -> None:
    d = _decl(text)
    assert d.name == "a"
    assert _shape(d.ops) == shape


def test_function_pointer_typedef_with_calling_convention() -> None:
    d = _decl("(__stdcall *FP)(long a, char *)")
    assert d.name == "FP" and _shape(d.ops) == ["()", "*"]
    fn = d.ops[0]
    assert [p.declarator.name for p in fn.params] == ["a", None]
    assert _shape(fn.params[1].declarator.ops) == ["*"]


# --------------------------------------------------------------------------- operations


def test_operation_with_parameters_and_attributes() -> None:
    (op,) = iface_body("interface I {\n"
                       "  [idempotent] HRESULT f([in] long a, [out, size_is(*pn)] long *p,\n"
                       "                         [in, out] long *pn);\n}")
    assert isinstance(op, ast.Operation)
    assert op.name == "f" and op.return_type.name == "HRESULT" and op.return_ops == ()
    assert [a.name for a in op.attrs] == ["idempotent"]
    a, p, pn = op.params
    assert [x.name for x in p.attrs] == ["out", "size_is"]
    arg = p.attrs[1].args[0]
    assert isinstance(arg, ast.Unary) and arg.op == "*" and arg.operand.id == "pn"
    assert pn.span == Span("t.idl", 3, 26, 3, 44)
    assert op.span == Span("t.idl", 2, 3, 3, 46)


def test_operation_void_parameter_list_is_empty() -> None:
    (op,) = iface_body("interface I { void f(void); }")
    assert op.params == ()


def test_operation_returning_pointer_and_varargs() -> None:
    (op,) = iface_body("interface I { char *f(long a, ...); }")
    assert _shape(op.return_ops) == ["*"]
    fn_varargs = one("typedef long F(long, ...);").declarators[0].ops[-1]
    assert isinstance(fn_varargs, ast.FuncOp) and fn_varargs.varargs


def test_abstract_parameters() -> None:
    (op,) = iface_body("interface I { void f(long, char *, long[], long (*)(short)); }")
    assert [_shape(p.declarator.ops) for p in op.params] == [[], ["*"], ["[]"], ["()", "*"]]
    assert all(p.declarator.name is None for p in op.params)


def test_handle_parameter_and_implicit_handle_attribute() -> None:
    it = one("[implicit_handle(handle_t hBinding)] interface I { void f([in] handle_t h); }")
    arg = it.attrs[0].args[0]
    assert isinstance(arg, ast.DeclArg)
    assert arg.type.name == "handle_t" and arg.declarator.name == "hBinding"


def test_in_out_ref_are_plain_attribute_names() -> None:
    (op,) = iface_body("interface I { void f([in, out, ref, unique, ptr, string] char *s); }")
    assert [a.name for a in op.params[0].attrs] == ["in", "out", "ref", "unique", "ptr", "string"]


# --------------------------------------------------------------------------- attributes


def test_attribute_argument_forms() -> None:
    td = one("typedef [transmit_as(T *), size_is(, n), range(0, 10), helpstring(\"h\"),\n"
             " length_is(p->n), first_is(s.a), unknown_attr(1 + 2), case(1)] long X;")
    by = {a.name: a for a in td.attrs}
    ta = by["transmit_as"].args[0]
    assert isinstance(ta, ast.TypeArg) and ta.type.name == "T" and _shape(ta.ops) == ["*"]
    assert by["size_is"].args[0] is None and by["size_is"].args[1].id == "n"
    assert [a.value for a in by["range"].args] == [0, 10]
    assert by["helpstring"].args[0].value == "h"
    arrow = by["length_is"].args[0]
    assert isinstance(arrow, ast.Member) and arrow.arrow and arrow.name == "n"
    dot = by["first_is"].args[0]
    assert isinstance(dot, ast.Member) and not dot.arrow and dot.base.id == "s"
    assert isinstance(by["unknown_attr"].args[0], ast.Binary)
    assert by["case"].args[0].value == 1


def test_switch_type_with_named_type_and_struct_tag() -> None:
    td = one("typedef [switch_type(WORD), transmit_as(struct S)] long X;")
    assert td.attrs[0].args[0] == ast.Name("WORD", Span("t.idl", 1, 22, 1, 26))
    ta = td.attrs[1].args[0]
    assert isinstance(ta, ast.TypeArg) and ta.type.tag == "S"


def test_version_with_one_number() -> None:
    it = one("[version(3)] interface I {}")
    assert it.attrs[0].args[0].text == "3"


def test_empty_attribute_list_elements_are_ignored() -> None:
    it = one("[, object, , local,] interface I {}")
    assert [a.name for a in it.attrs] == ["object", "local"]


# --------------------------------------------------------------------------- constants


def test_const_with_c_expression() -> None:
    c = one("const unsigned long X = (sizeof(long) * 2 + 1) << 3 | 0x10;")
    assert isinstance(c, ast.Const)
    assert (c.type.name, c.type.signed, c.declarator.name) == ("long", False, "X")
    assert c.value.op == "|"


def test_const_string_and_wide_string() -> None:
    c1, c2 = items('const char *S = "a\\tb";\nconst wchar_t *W = L"w";')
    assert c1.value.value == "a\tb" and _shape(c1.declarator.ops) == ["*"]
    assert c2.value.value == "w" and c2.type.name == "wchar_t"


@pytest.mark.parametrize("expr,cls", [
    ("(DWORD)0x80000000", ast.Cast), ("(unsigned long)1", ast.Cast),
    ("(long *)0", ast.Cast), ("sizeof(struct S)", ast.SizeofType),
    ("sizeof X", ast.SizeofExpr), ("a ? 1 : 2", ast.Conditional), ("!a && ~b", ast.Binary),
    ("-1", ast.Unary), ("a[2]", ast.Index), ("f(1, 2)", ast.Call), ("1.5e3", ast.FloatNum),
    ("10L", ast.Num), ("0x7fffU", ast.Num), ("'\\n'", ast.CharLit), ("(X) + 1", ast.Binary),
])
def test_expression_forms(expr: str, cls: type) -> None:
    c = one(f"const long K = {expr};")
    assert isinstance(c.value, cls)


def test_cast_keeps_type_and_pointer_ops() -> None:
    c = one("const long K = (char *)0;")
    assert c.value.type.name == "char" and _shape(c.value.ops) == ["*"]


def test_operator_precedence() -> None:
    v = one("const long K = 1 + 2 * 3 == 7 || 0;").value
    assert v.op == "||"
    eq = v.left
    assert eq.op == "==" and eq.left.op == "+" and eq.left.right.op == "*"


def test_number_literal_values() -> None:
    vals = [one(f"const long K = {t};").value.value
            for t in ("0x1F", "017", "10UL", "0", "123i64")]
    assert vals == [31, 15, 10, 0, 123]


# --------------------------------------------------------------------------- keywords


def test_contextual_keywords_usable_as_names() -> None:
    td = one("typedef struct { long methods; long properties; long module; long library; } S;")
    assert [f.declarator.name for f in td.type.fields] == ["methods", "properties", "module",
                                                          "library"]


def test_midl3_is_one_diagnostic() -> None:
    out = parse_errors("namespace A.B {\n  runtimeclass C { }\n}\n")
    assert out.count("error:") == 1 and "[midl3-unsupported]" in out


def test_cpp_quote_mentioning_namespace_is_not_midl3() -> None:
    q = one('cpp_quote("namespace foo {")')
    assert q.text == "namespace foo {"


def test_spans_point_into_original_file_through_macros() -> None:
    text = "#define LONG_T long\n\ntypedef   LONG_T   T;\n"
    td = one(text)
    assert td.type.span.line == 3 and td.type.span.col == 11
    assert td.declarators[0].span == Span("t.idl", 3, 20, 3, 21)


def test_crlf_and_eof_byte_and_no_final_newline() -> None:
    td = parse("typedef long A;\r\ntypedef\r\n  long B;\x1a garbage after eof").items
    assert [t.declarators[0].name for t in td] == ["A", "B"]
    assert td[1].span == Span("t.idl", 2, 1, 3, 10)


def test_pragmas_merge_without_reordering_included_items(tmp_path) -> None:  # type: ignore[no-untyped-def]
    inc = tmp_path / "inc.h"
    inc.write_text("\n\n\n\n\n\n\n\ntypedef long FROM_INCLUDE;\n")
    text = '#pragma first\ntypedef long A;\n#include "inc.h"\n#pragma second\ntypedef long B;\n'
    its = parse(text, path=str(tmp_path / "m.idl"))
    kinds = [i.text if isinstance(i, ast.Pragma) else i.declarators[0].name for i in its.items]
    assert kinds == ["first", "A", "FROM_INCLUDE", "second", "B"]


def test_tag_keywords_as_names_in_attribute_expressions() -> None:
    td = one("typedef struct { long enum; [size_is(enum)] long *p; [switch_is(union)] U u; } S;")
    assert td.type.fields[1].attrs[0].args[0] == ast.Name("enum", Span("t.idl", 1, 38, 1, 42))
    assert td.type.fields[2].attrs[0].args[0].id == "union"
    cast = one("const long K = (enum E) 1;").value
    assert isinstance(cast, ast.Cast) and cast.type.tag == "E"
