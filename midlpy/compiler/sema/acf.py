"""Merge an ACF onto the IDL: which types and procedures are pickled, how handles are
obtained, and the other ACF attributes, checked against what the IDL declares."""

from __future__ import annotations

from dataclasses import dataclass, field

from midlpy.compiler import ast
from midlpy.compiler.sema.scope import Scope, attr
from midlpy.diagnostics import Diagnostics, Span


@dataclass
class AcfInfo:
    interface_attrs: ast.Attrs = ()
    typedefs: dict[str, ast.Attrs] = field(default_factory=dict)
    typedef_spans: dict[str, Span] = field(default_factory=dict)
    operations: dict[str, ast.Attrs] = field(default_factory=dict)
    params: dict[tuple[str, str], ast.Attrs] = field(default_factory=dict)
    span: Span | None = None

    @property
    def encode(self) -> bool:
        return attr(self.interface_attrs, "encode") is not None

    @property
    def decode(self) -> bool:
        return attr(self.interface_attrs, "decode") is not None

    def implicit_handle(self) -> str | None:
        a = attr(self.interface_attrs, "implicit_handle")
        if a is None or not a.args:
            return None
        arg = a.args[0]
        if isinstance(arg, ast.DeclArg) and arg.declarator.name:
            return arg.declarator.name
        if isinstance(arg, ast.Name):
            return arg.id
        return None


def merge(acf: ast.AcfFile | None, root_interfaces: list[ast.Interface], scope: Scope,
          diags: Diagnostics) -> AcfInfo:
    info = AcfInfo()
    if acf is None:
        return info
    names = {i.name for i in root_interfaces}
    ops = {o.node.name: o.node for o in scope.operations}
    for iface in acf.interfaces:
        if names and iface.name not in names:
            diags.error("acf-interface-mismatch",
                        f"ACF interface '{iface.name}' does not match the IDL interface "
                        f"'{sorted(names)[0]}'", iface.span)
            continue
        info.interface_attrs += iface.attrs
        info.span = iface.span
        _check_handles(iface.attrs, diags)
        for item in iface.body:
            if isinstance(item, ast.AcfTypedef):
                for n in item.names:
                    if n not in scope.typedefs:
                        diags.error("acf-unknown-type",
                                    f"ACF typedef '{n}' is not a type defined in the IDL", item.span)
                        continue
                    info.typedefs[n] = info.typedefs.get(n, ()) + item.attrs
                    info.typedef_spans[n] = item.span
                    _check_serialize(item.attrs, diags)
            elif isinstance(item, ast.AcfOperation):
                op = ops.get(item.name)
                if op is None:
                    diags.error("acf-unknown-procedure",
                                f"ACF procedure '{item.name}' is not declared in the IDL", item.span)
                    continue
                info.operations[item.name] = info.operations.get(item.name, ()) + item.attrs
                _check_serialize(item.attrs, diags)
                pnames = {p.declarator.name for p in op.params}
                for p in item.params:
                    if p.name not in pnames:
                        diags.error("acf-unknown-parameter",
                                    f"procedure '{item.name}' has no parameter '{p.name}'", p.span)
                        continue
                    info.params[(item.name, p.name)] = p.attrs
                    _check_serialize(p.attrs, diags)
    return info


def _check_handles(attrs: ast.Attrs, diags: Diagnostics) -> None:
    present = [a for a in attrs if a.name in ("implicit_handle", "explicit_handle", "auto_handle")]
    if len(present) > 1:
        diags.error("conflicting-handles",
                    f"[{present[0].name}] and [{present[1].name}] cannot be used together",
                    present[1].span)
    auto = attr(attrs, "auto_handle")
    if auto and (attr(attrs, "encode") or attr(attrs, "decode")):
        diags.error("auto-handle-pickling",
                    "[auto_handle] cannot be used with [encode] or [decode]", auto.span)


def _check_serialize(attrs: ast.Attrs, diags: Diagnostics) -> None:
    s, n = attr(attrs, "context_handle_serialize"), attr(attrs, "context_handle_noserialize")
    if s and n:
        diags.error("conflicting-attributes",
                    "[context_handle_serialize] and [context_handle_noserialize] conflict",
                    n.span)
