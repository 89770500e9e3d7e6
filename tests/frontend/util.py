"""Small helpers for the front-end tests: parse a string, get diagnostics as text."""

from __future__ import annotations

from typing import Any

from midlpy.compiler import ast
from midlpy.compiler.frontend import parse_acf_text, parse_idl_text
from midlpy.diagnostics import Diagnostics, SourceCache


def parse(text: str, path: str = "t.idl", **opts: Any) -> ast.IdlFile:
    """Parse IDL text that must be free of errors; fail with the diagnostics otherwise."""
    diags, sources = Diagnostics(), SourceCache()
    result = parse_idl_text(text, path, diags, sources, **opts)
    assert not diags.has_errors, diags.render(sources)
    assert result is not None
    return result


def parse_errors(text: str, path: str = "t.idl", **opts: Any) -> str:
    """The rendered diagnostics for IDL text (which should have some)."""
    diags, sources = Diagnostics(), SourceCache()
    parse_idl_text(text, path, diags, sources, **opts)
    return diags.render(sources)


def parse_acf(text: str, path: str = "t.acf") -> ast.AcfFile:
    diags, sources = Diagnostics(), SourceCache()
    result = parse_acf_text(text, path, diags, sources)
    assert not diags.has_errors, diags.render(sources)
    assert result is not None
    return result


def items(text: str) -> tuple[ast.Item, ...]:
    return parse(text).items


def one(text: str) -> Any:
    """The single item of a snippet."""
    its = items(text)
    assert len(its) == 1, its
    return its[0]


def iface_body(text: str) -> tuple[ast.Item, ...]:
    """The body items of the single interface in ``text``."""
    it = one(text)
    assert isinstance(it, ast.Interface) and it.body is not None
    return it.body
