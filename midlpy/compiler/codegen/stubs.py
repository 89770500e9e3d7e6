"""RPC client and server stubs for every interface that is not pickling-only.

For interface ``I`` the module gets ``_RPC_I`` (an ``rpc.Interface`` listing each
procedure's four marshalling functions and where its context handles sit), a client
class ``IClient(transport)`` with one method per procedure, and a dispatcher class
``IServer(impl, serialize=None)``. The runtime (midlpy/runtime/rpc.py) does the rest;
the ACF serialization decisions are baked in here as ``CtxParam.serialize``.
"""

from __future__ import annotations

from typing import Any

from midlpy.compiler import model
from midlpy.compiler.sema.contexts import context_of
from midlpy.compiler.sema.naming import pyname

# Attributes of rpc.Client that a procedure's method must not hide.
_CLIENT_NAMES = frozenset({"transport", "interface", "connect", "close"})


def render(mod: model.ModuleModel, em: Any, pe: Any) -> list[str]:
    """The code blocks (marshallers, interface description, classes) for ``mod``."""
    blocks: list[str] = []
    taken = {getattr(d, "name", "") for d in mod.types} | {c.pyname for c in mod.consts}
    for iface in mod.interfaces:
        procs = [p for p in iface.procs if not (p.encode or p.decode)]
        if iface.pickling_only or iface.object or not procs:
            continue
        for p in procs:
            if p.pipes:
                names = " = ".join(f"_{op}_{p.name}_{d}" for d in ("in", "out")
                                   for op in ("enc", "dec"))
                blocks.append(f"# {p.name} streams pipes, which the stubs do not transfer yet\n"
                              f"{names} = _support.pipe_procedure({p.name!r})")
                continue
            blocks += [pe.enc(p, "in"), pe.dec(p, "in"), pe.enc(p, "out"), pe.dec(p, "out")]
        blocks.append(_interface(iface, procs, _free(f"{iface.name}Client", taken),
                                 _free(f"{iface.name}Server", taken), pe.out_ins))
    return blocks


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _ctx_param(name: str, ch: model.ContextHandle, in_pos: int | None, out_pos: int | None,
               serialize: bool | None) -> str:
    """``_rpc.CtxParam(...)`` with only the facts that differ from its defaults."""
    facts = [repr(name)]
    if ch.name is not None:
        facts += [repr(ch.name), f"root={ch.root!r}"]
    facts += [f"{k}={v!r}" for k, v in (("in_pos", in_pos), ("out_pos", out_pos))
              if v is not None]
    if in_pos is not None and out_pos is None and serialize is not None:
        facts.append(f"serialize={serialize!r}")  # only [in]-only handles have a choice
    return f"_rpc.CtxParam({', '.join(facts)})"


def _ctx_params(p: model.ProcDef) -> list[str]:
    ins = [x for x in p.params if x.direction_in and not x.is_handle]
    outs = [x for x in p.params if x.direction_out and not x.is_handle]
    out: list[str] = []
    for x in p.params:
        ch = context_of(x.type)
        if ch is None or x.is_handle:
            continue
        out.append(_ctx_param(x.name, ch, ins.index(x) if x in ins else None,
                              outs.index(x) if x in outs else None, x.ctx_serialize))
    ret = context_of(p.returns)
    if ret is not None:
        out.append(_ctx_param("return value", ret, None, len(outs), None))
    return out


def _interface(iface: model.InterfaceDef, procs: list[model.ProcDef], client: str,
               server: str, out_ins: dict[str, tuple[int, ...]]) -> str:
    spec = f"_RPC_{iface.name}"
    lines = [f"#: Interface {iface.name} for RPC: its procedures and their context handles.",
             f"{spec} = _rpc.Interface(",
             f"    {iface.name!r}, {_uuid(iface)}, {iface.version!r},",
             "    ("]
    for p in procs:
        n_in = sum(1 for x in p.params if x.direction_in and not x.is_handle)
        n_out = sum(1 for x in p.params if x.direction_out and not x.is_handle)
        n_out += p.returns is not None
        ctx = _ctx_params(p)
        extra = f", out_ins={out_ins[p.name]!r}" if out_ins.get(p.name) else ""
        lines += [f"        _rpc.Proc({p.name!r}, {p.opnum}, _dec_{p.name}_in, _enc_{p.name}_out,",
                  f"                  _enc_{p.name}_in, _dec_{p.name}_out, n_in={n_in}, "
                  f"n_out={n_out}{extra}" + (", ctx=(" if ctx else "),")]
        if ctx:
            lines += [f"                      {c}," for c in ctx] + ["                  )),"]
    lines += ["    ),",
              f"    strict={iface.strict_context_handle}, "
              f"type_strict={iface.type_strict_context_handle})",
              "", "",
              f"class {client}(_rpc.Client):",
              f'    """Client of interface {iface.name}: each method is one call through the',
              '    transport (any object with ``call(opnum, request) -> bytes``)."""',
              "",
              f"    interface = {spec}"]
    for i, p in enumerate(procs):
        lines += [""] + _client_method(p, spec, i)
    lines += ["", "",
              f"class {server}(_rpc.Dispatcher):",
              f'    """Server of interface {iface.name}: ``{server}(impl)`` runs calls on ``impl``,',
              "    which has one method per procedure named as in the IDL (and ``T_rundown`` for",
              '    each context-handle type T). See midlpy.runtime.rpc for the conventions."""',
              "",
              f"    interface = {spec}",
              "", "",
              f"__all__ += [{client!r}, {server!r}]"]
    return "\n".join(lines)


def _client_method(p: model.ProcDef, spec: str, index: int) -> list[str]:
    ins = [x.pyname if x.pyname != "self" else "self_"
           for x in p.params if x.direction_in and not x.is_handle]
    outs = [x.name for x in p.params if x.direction_out and not x.is_handle]
    if p.returns is not None:
        outs.append("the return value")
    name = pyname(p.name)
    if name in _CLIENT_NAMES or name.startswith("_"):
        name += "_"
    returns = ("nothing" if not outs else outs[0] if len(outs) == 1
               else "(" + ", ".join(outs) + ")")
    args = "".join(f", {a}: Any" for a in ins)
    tup = f"({ins[0]},)" if len(ins) == 1 else "(" + ", ".join(ins) + ")"
    return [f"    def {name}(self{args}) -> Any:",
            f'        """Call {p.name} (opnum {p.opnum}); returns {returns}."""',
            f"        return self._invoke({spec}.procs[{index}], {tup})"]


def _uuid(iface: model.InterfaceDef) -> str:
    return "None" if iface.uuid is None else f"_UUID({str(iface.uuid)!r})"
