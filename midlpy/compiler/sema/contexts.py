"""Context handles: where they are, how strictly they are checked, and how calls on them
are serialized.

Runs after the interfaces are built. It marks ``[context_handle]`` return values, records
the ACF interface attributes ``[strict_context_handle]`` / ``[type_strict_context_handle]``,
and decides for every context-handle parameter whether calls through it are serialized:
the most specific ACF placement wins (parameter, then procedure, then the typedef and the
typedefs it is built from), and ``None`` leaves it to the server's default. MIDL's
placement rules are reported: either attribute on something that is not a context
handle, both strictness attributes at once, a context handle inside a structure, union
or array or behind a [unique]/[ptr] pointer.
"""

from __future__ import annotations

from midlpy.compiler import ast, model
from midlpy.compiler.sema.acf import AcfInfo
from midlpy.compiler.sema.scope import Scope, attr
from midlpy.diagnostics import Diagnostics

_SERIALIZE = ("context_handle_serialize", "context_handle_noserialize")


def run(scope: Scope, acf: AcfInfo, root: model.ModuleModel, diags: Diagnostics) -> None:
    """Annotate ``root``'s interfaces with their context-handle facts (see module doc)."""
    _check_typedefs(scope, acf, diags)
    _check_members(root, diags)
    strict = attr(acf.interface_attrs, "strict_context_handle")
    type_strict = attr(acf.interface_attrs, "type_strict_context_handle")
    if strict and type_strict:
        diags.error("conflicting-attributes",
                    "[strict_context_handle] and [type_strict_context_handle] conflict",
                    type_strict.span)
    ops = {e.node.name: e.node for e in scope.operations}
    for iface in root.interfaces:
        iface.strict_context_handle = strict is not None
        iface.type_strict_context_handle = type_strict is not None
        for proc in iface.procs:
            _procedure(scope, acf, proc, ops.get(proc.name), diags)


def _procedure(scope: Scope, acf: AcfInfo, proc: model.ProcDef, op: ast.Operation | None,
               diags: Diagnostics) -> None:
    if op is not None and attr(op.attrs, "context_handle") and proc.returns is not None:
        proc.returns = model.ContextHandle()
    ret = context_of(proc.returns)
    if ret is not None:
        ret.root = _root(scope, ret.name)
    handles = [x for x in proc.params if context_of(x.type) is not None]
    proc_attr = _serialize_attr(acf.operations.get(proc.name, ()))
    if proc_attr is not None and not handles and ret is None:
        diags.error("not-context-handle",
                    f"[{proc_attr.name}] applies only to a procedure with a context handle; "
                    f"'{proc.name}' has none", proc_attr.span)
    for x in proc.params:
        if _misplaced(x.type):
            diags.error("bad-context-handle",
                        f"parameter '{x.name}' of '{proc.name}': a context handle cannot be an "
                        "array element or behind a [unique] or [ptr] pointer", x.span)
            continue
        ch = context_of(x.type)
        param_attr = _serialize_attr(acf.params.get((proc.name, x.name), ()))
        if ch is None:
            if param_attr is not None:
                diags.error("not-context-handle",
                            f"[{param_attr.name}] applies only to a context handle; parameter "
                            f"'{x.name}' of '{proc.name}' is not one", param_attr.span)
            continue
        ch.root = _root(scope, ch.name)
        chosen = param_attr or proc_attr or _typedef_attr(scope, acf, ch.name)
        if chosen is not None:
            x.ctx_serialize = chosen.name == "context_handle_serialize"


def context_of(t: model.WireType | None) -> model.ContextHandle | None:
    """The context handle ``t`` is, or points to with a [ref] pointer; else None."""
    if isinstance(t, model.Pointer) and t.kind == model.REF:
        t = t.target
    return t if isinstance(t, model.ContextHandle) else None


def _misplaced(t: model.WireType | None) -> bool:
    """Whether a parameter of type ``t`` holds a context handle anywhere but as itself or
    behind its top-level [ref] pointer (MIDL allows only those two shapes)."""
    return context_of(t) is None and _contains(t)


def _contains(t: model.WireType | None) -> bool:
    if isinstance(t, model.ContextHandle):
        return True
    if isinstance(t, model.Pointer):
        return _contains(t.target)
    if isinstance(t, model.Array):
        return _contains(t.element)
    return False


def _check_members(root: model.ModuleModel, diags: Diagnostics) -> None:
    """MIDL: context handles cannot be structure or union members (nor inside them)."""
    for d in root.types:
        fields = (d.fields if isinstance(d, model.StructDef) else
                  [a.field for a in d.arms if a.field] if isinstance(d, model.UnionDef) else [])
        for f in fields:
            if f is not None and _contains(f.type):
                kind = "structure" if isinstance(d, model.StructDef) else "union"
                diags.error("bad-context-handle",
                            f"member '{f.name}' of '{d.idl_name}': a context handle cannot be a "
                            f"{kind} member", f.span)


def _serialize_attr(attrs: ast.Attrs) -> ast.Attribute | None:
    return next((a for a in attrs if a.name in _SERIALIZE), None)


def _chain(scope: Scope, name: str | None) -> list[str]:
    """``name`` and the typedefs it is an alias of, nearest first."""
    out: list[str] = []
    while name is not None and name in scope.typedefs and name not in out:
        out.append(name)
        td = scope.typedefs[name]
        base = td.type
        while isinstance(base, ast.Qualified):
            base = base.type
        if td.declarator.ops or not isinstance(base, ast.TypeName):
            break
        name = base.name
    return out


def _is_context(scope: Scope, name: str) -> bool:
    return any(attr(scope.typedefs[n].attrs, "context_handle") for n in _chain(scope, name))


def _root(scope: Scope, name: str | None) -> str | None:
    """The context-handle typedef the chain from ``name`` starts from: H_SHARED in
    ``typedef [context_handle] H_EXCL H_SHARED`` has root H_EXCL, so both are one type."""
    roots = [n for n in _chain(scope, name) if attr(scope.typedefs[n].attrs, "context_handle")]
    return roots[-1] if roots else name


def _typedef_attr(scope: Scope, acf: AcfInfo, name: str | None) -> ast.Attribute | None:
    for n in _chain(scope, name):
        a = _serialize_attr(acf.typedefs.get(n, ()))
        if a is not None:
            return a
    return None


def _check_typedefs(scope: Scope, acf: AcfInfo, diags: Diagnostics) -> None:
    for name, attrs in acf.typedefs.items():
        a = _serialize_attr(attrs)
        if a is not None and not _is_context(scope, name):
            diags.error("not-context-handle",
                        f"[{a.name}] applies only to a context handle; type '{name}' is not one",
                        a.span)
