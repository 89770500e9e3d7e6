"""The ACF grammar: header attributes, typedefs, operations, parameters, include."""

from __future__ import annotations

import pytest

from midlpy.compiler import ast
from midlpy.compiler.frontend import ACF_ATTRIBUTES
from midlpy.diagnostics import Span

from .util import parse_acf


def test_acf_header_body_and_include() -> None:
    acf = parse_acf('include "a.h", "b.h";\n'
                    '[explicit_handle, encode, decode, optimize("i"), strict_context_handle]\n'
                    "interface pickle\n{\n"
                    '    include "c.h";\n'
                    "    typedef [encode, decode] T1, T2;\n"
                    "    typedef [allocate(all_nodes, dont_free)] PT;\n"
                    "    [encode, decode] Proc([comm_status] p, [context_handle_noserialize] h);\n"
                    "    [code] Empty();\n"
                    "}\n")
    assert acf.includes == (ast.AcfInclude(("a.h", "b.h"), Span("t.acf", 1, 1, 1, 22)),)
    (iface,) = acf.interfaces
    assert iface.name == "pickle"
    assert [a.name for a in iface.attrs] == ["explicit_handle", "encode", "decode", "optimize",
                                            "strict_context_handle"]
    assert iface.attrs[3].args[0].value == "i"
    inc, td1, td2, proc, empty = iface.body
    assert isinstance(inc, ast.AcfInclude) and inc.files == ("c.h",)
    assert td1.names == ("T1", "T2")
    alloc = td2.attrs[0]
    assert [a.id for a in alloc.args] == ["all_nodes", "dont_free"]
    assert isinstance(proc, ast.AcfOperation) and proc.name == "Proc"
    assert [(p.name, p.attrs[0].name) for p in proc.params] == [
        ("p", "comm_status"), ("h", "context_handle_noserialize")]
    assert empty.params == ()
    assert proc.span == Span("t.acf", 8, 5, 8, 76)


def test_implicit_handle_in_acf() -> None:
    acf = parse_acf("[implicit_handle(handle_t hPickle)] interface p { }")
    arg = acf.interfaces[0].attrs[0].args[0]
    assert isinstance(arg, ast.DeclArg) and arg.declarator.name == "hPickle"


@pytest.mark.parametrize("attr", sorted(ACF_ATTRIBUTES))
def test_every_catalogued_acf_attribute_is_accepted(attr: str) -> None:
    acf = parse_acf(f"[{attr}] interface p {{ typedef [{attr}] T; [{attr}] P([{attr}] x); }}")
    assert acf.interfaces[0].attrs[0].name == attr


def test_catalogue_covers_reference_section_6_1() -> None:
    listed = {"encode", "decode", "explicit_handle", "implicit_handle", "auto_handle",
              "context_handle_serialize", "context_handle_noserialize",
              "strict_context_handle", "type_strict_context_handle", "code", "nocode",
              "optimize", "allocate", "byte_count", "enable_allocate", "force_allocate",
              "comm_status", "fault_status", "represent_as", "user_marshal", "async", "notify",
              "notify_flag", "in_line", "out_of_line", "heap", "cs_char", "cs_stag",
              "cs_drtag", "cs_rtag", "cs_tag_rtn"}
    assert listed <= ACF_ATTRIBUTES


def test_acf_arguments_with_types() -> None:
    acf = parse_acf("interface p { typedef [represent_as(LOCAL_T), cs_char(CS_T)] W; }")
    rep = acf.interfaces[0].body[0].attrs[0]
    assert rep.args[0].id == "LOCAL_T"
