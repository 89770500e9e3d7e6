"""Client and server halves of remote procedure calls, and an in-process transport.

Generated modules describe each interface with an :class:`Interface` of :class:`Proc`
entries (the four marshalling functions of every procedure and where its context
handles sit) and subclass :class:`Client` and :class:`Dispatcher`.

The transport boundary
    A client transport has one method, ``call(opnum, request: bytes) -> bytes``: the
    NDR body of the request in, the NDR body of the response out, or :class:`RpcError`
    raised with the fault status. The server side is ``Dispatcher.dispatch(association,
    opnum, request) -> Reply``: ``Reply.status`` 0 means ``Reply.body`` is the response,
    any other value is a fault (the body is then empty) -- the two kinds of DCE/RPC reply
    PDU, which the TCP transport (``tcp.py``) maps one to one. Nothing else crosses: no
    Python object, no exception, no server state. ``Client.connect`` and
    ``Dispatcher.serve`` / :func:`serve` put the two halves on TCP.

Faults
    The implementation raises :class:`RpcError` to fault with its status; any other
    exception faults with RPC_S_CALL_FAILED (its text stays on the server, as in Windows;
    ``Dispatcher.errors`` keeps the last few for diagnosis). A request that does not
    decode faults with RPC_X_BAD_STUB_DATA, an unknown opnum with
    RPC_S_PROCNUM_OUT_OF_RANGE, a call on a closed association with RPC_S_CALL_FAILED.

Implementation objects
    One method per procedure, named as in the IDL, taking the ``[in]`` values in
    declaration order and returning the ``[out]`` values like a decoded pickled
    procedure: nothing, one value, or a tuple in declaration order with the return value
    last. Context handles arrive as the objects the implementation returned when it
    created them; returning None for an ``[in, out]`` handle closes it. For a
    context-handle type ``T`` the method ``T_rundown(obj)``, if present, runs when the
    association closes with the handle still open.

Context-handle locking (decided per parameter at compile time, see ``CtxParam``)
    An ``[in]`` handle is locked exclusively when the call is serialized and shared when
    it is not; ``[in, out]`` handles are always exclusive, because the call may destroy
    the handle; new handles need no lock (nobody else knows them yet). A call holding
    several handles takes their locks in creation order, so calls cannot deadlock.
"""

from __future__ import annotations

import collections
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Protocol, TypeVar
from uuid import UUID

from . import context as _context
from .cexpr import ExprError
from .context import ClientContext, ContextEntry, ContextTable
from .errors import (RPC_S_CALL_FAILED, RPC_S_INVALID_ARG, RPC_S_PROCNUM_OUT_OF_RANGE,
                     RPC_X_BAD_STUB_DATA, RPC_X_SS_CONTEXT_MISMATCH, RPC_X_SS_IN_NULL_CONTEXT,
                     DecodeError, EncodeError, RpcError)
from .ndr import ContextHandle, NdrReader, NdrWriter

__all__ = ["CtxParam", "Proc", "Interface", "Reply", "Transport", "Association", "Dispatcher",
           "Client", "InProcessTransport", "ClientContext", "RpcSsDontSerializeContext", "serve"]

if TYPE_CHECKING:
    from . import tcp
    from .pdu import SecurityContext

RpcSsDontSerializeContext = _context.RpcSsDontSerializeContext
_C = TypeVar("_C", bound="Client")

_NULL = ContextHandle()  # the NULL context handle: 20 zero bytes


@dataclass(frozen=True)
class CtxParam:
    """A context handle among a procedure's parameters (or its return value).

    ``in_pos``/``out_pos`` index the ``[in]`` values and the ``[out]`` values (the return
    value last); ``type`` is the context-handle typedef (None when declared on the
    parameter), ``root`` the type it ultimately names (for type-strict checks);
    ``serialize`` is the ACF decision: True, False, or None for the default.
    """

    name: str
    type: str | None = None
    root: str | None = None
    in_pos: int | None = None
    out_pos: int | None = None
    serialize: bool | None = None


@dataclass(frozen=True)
class Proc:
    """One remote procedure and its marshalling functions (generated)."""

    name: str
    opnum: int
    dec_in: Callable[[NdrReader], tuple[Any, ...]]
    enc_out: Callable[..., None]
    enc_in: Callable[..., None]
    dec_out: Callable[..., Any]  # (reader, *[in] values listed in out_ins)
    n_in: int
    n_out: int  # [out] values, the return value included
    ctx: tuple[CtxParam, ...] = ()
    out_ins: tuple[int, ...] = ()  # [in] values enc_out takes after the [out] ones (and dec_out)


@dataclass(frozen=True)
class Interface:
    """An RPC interface: identity, procedures, context-handle strictness."""

    name: str
    uuid: UUID | None
    version: tuple[int, int]
    procs: tuple[Proc, ...]
    strict: bool = False  # [strict_context_handle]
    type_strict: bool = False  # [type_strict_context_handle]
    by_opnum: dict[int, Proc] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_opnum", {p.opnum: p for p in self.procs})


class Reply(NamedTuple):
    """What the dispatcher answers: a response body (status 0) or a fault status."""

    status: int
    body: bytes = b""


class Transport(Protocol):
    """The client's view of a connection."""

    def call(self, opnum: int, request: bytes) -> bytes: ...


# ------------------------------------------------------------------------- marshalling

def _marshal(enc: Callable[..., None], args: list[Any]) -> bytes:
    w = NdrWriter()
    try:
        enc(w, *args)
    except ExprError as exc:  # a parameter's correlation, outside any member
        raise EncodeError(exc.status, exc.message) from None
    except RpcError:
        raise
    except RecursionError:
        raise EncodeError(RPC_S_INVALID_ARG, "value nested too deeply (or cyclic)") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError,
            struct.error) as exc:
        raise EncodeError(RPC_S_INVALID_ARG, f"cannot encode: {exc}") from exc
    return bytes(w.buf)


def _unmarshal(dec: Callable[..., Any], data: bytes, ins: list[Any] | None = None) -> Any:
    r = NdrReader(data)
    try:
        return dec(r, *ins) if ins else dec(r)
    except DecodeError as exc:
        if exc.offset is None:  # a correlation expression's error (cexpr)
            exc.offset = r.pos
        raise
    except RpcError:
        raise
    except RecursionError:
        raise DecodeError(RPC_X_BAD_STUB_DATA, "data nested too deeply", r.pos) from None
    except (ValueError, KeyError, IndexError, OverflowError, TypeError, MemoryError,
            struct.error) as exc:
        raise DecodeError(RPC_X_BAD_STUB_DATA, f"malformed data: {exc}", r.pos) from exc


def _as_list(value: Any, n: int, what: str) -> list[Any]:
    """Out values as a list of ``n`` (the pickled-procedure convention, reversed)."""
    if n == 0:
        return []
    if n == 1:
        return [value]
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise RpcError(RPC_S_CALL_FAILED, f"{what} must return a tuple of {n} values")
    return list(value)


def _from_list(values: list[Any]) -> Any:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return tuple(values)


# ------------------------------------------------------------------------- server side

class Association:
    """One client connection as the server sees it: its context-handle table.

    Several dispatchers (interfaces) may share one association, as several interfaces
    share a connection in Windows. :meth:`close` runs the rundowns.
    """

    def __init__(self) -> None:
        self.table = ContextTable()
        self.rundown_errors: list[BaseException] = []

    @property
    def closed(self) -> bool:
        return self.table.closed

    def close(self, on_wait: Callable[[], None] | None = None) -> None:
        """Close the connection: every handle still open is run down exactly once, after
        the calls in progress on it have finished (``on_wait`` is called before waiting
        for one). Closing again does nothing."""
        for entry in self.table.close():
            entry.lock.acquire_exclusive(on_wait)
            try:
                if not entry.closed:
                    entry.closed = True
                    self._rundown(entry.rundown, entry.obj)
            finally:
                entry.lock.release_exclusive()

    def _rundown(self, routine: Callable[[Any], Any] | None, obj: Any) -> None:
        if routine is None:
            return
        try:
            routine(obj)
        except Exception as exc:  # a failing rundown must not stop the others
            self.rundown_errors.append(exc)


class Dispatcher:
    """Runs an interface's calls on an implementation object; safe to call from many
    threads at once.

    ``serialize`` is this server's default for context handles without an ACF
    attribute: None follows the process (serialized unless RpcSsDontSerializeContext was
    called), True or False fixes it for this dispatcher only.
    ``on_wait(proc_name)``, if set, is called when a call is about to block on a
    context-handle lock (for tests and tracing).
    """

    interface: Interface

    def __init__(self, impl: Any, *, serialize: bool | None = None,
                 interface: Interface | None = None) -> None:
        if interface is not None:
            self.interface = interface
        elif not isinstance(getattr(self, "interface", None), Interface):
            raise TypeError("Dispatcher needs an interface: use a generated <name>Server class")
        missing = [p.name for p in self.interface.procs if not callable(getattr(impl, p.name, None))]
        if missing:
            raise TypeError(f"the implementation of {self.interface.name} has no method "
                            + ", ".join(repr(m) for m in missing))
        self.impl = impl
        self.serialize = serialize
        self.on_wait: Callable[[str], None] | None = None
        self.errors: collections.deque[BaseException] = collections.deque(maxlen=16)

    def serve(self, binding: str, **options: Any) -> "tcp.Server":
        """Serve this interface on ``binding`` (``ncacn_ip_tcp:HOST[PORT]``); see :func:`serve`."""
        return serve(binding, self, **options)

    def associate(self) -> Association:
        """A new association (client connection) for this server."""
        return Association()

    def dispatch(self, association: Association, opnum: int, request: bytes) -> Reply:
        """Run one call; never raises for anything the client or implementation does."""
        try:
            return Reply(0, self._call(association, opnum, request))
        except RpcError as exc:
            return Reply(exc.status)

    # -- the call -------------------------------------------------------------------------
    def _exclusive(self, c: CtxParam) -> bool:
        """Whether a call locks the [in] handle ``c`` exclusively (is serialized)."""
        if c.out_pos is not None:
            return True  # [in, out]: the call may destroy the handle
        if c.serialize is not None:
            return c.serialize  # the ACF decided
        default = self.serialize
        return _context.serialize_by_default() if default is None else default

    def _call(self, assoc: Association, opnum: int, request: bytes) -> bytes:
        if assoc.closed:
            raise RpcError(RPC_S_CALL_FAILED, "the association is closed")
        iface = self.interface
        proc = iface.by_opnum.get(opnum)
        if proc is None:
            raise RpcError(RPC_S_PROCNUM_OUT_OF_RANGE, f"{iface.name} has no procedure {opnum}")
        ins = list(_unmarshal(proc.dec_in, request))
        bound: dict[CtxParam, ContextEntry] = {}
        modes: dict[ContextEntry, bool] = {}  # entry -> exclusive
        for c in proc.ctx:
            if c.in_pos is None:
                continue
            token = ins[c.in_pos]
            if token.is_null:
                if c.out_pos is None:
                    raise RpcError(RPC_X_SS_IN_NULL_CONTEXT,
                                   f"{proc.name}: context handle '{c.name}' is NULL")
                ins[c.in_pos] = None
                continue
            entry = assoc.table.lookup(token)
            if (entry is None or (iface.strict and entry.iface != iface.uuid)
                    or (iface.type_strict and entry.root != c.root)):
                raise RpcError(RPC_X_SS_CONTEXT_MISMATCH,
                               f"{proc.name}: '{c.name}' is not a context handle of this "
                               "connection" if entry is None else
                               f"{proc.name}: '{c.name}' was created for another "
                               + ("type" if iface.type_strict else "interface"))
            bound[c] = entry
            modes[entry] = modes.get(entry, False) or self._exclusive(c)
        held: list[tuple[ContextEntry, bool]] = []
        try:
            for entry in sorted(modes, key=lambda e: e.serial):
                exclusive = modes[entry]
                hook = self.on_wait
                on_wait = (lambda: hook(proc.name)) if hook is not None else None
                if exclusive:
                    entry.lock.acquire_exclusive(on_wait)
                else:
                    entry.lock.acquire_shared(on_wait)
                held.append((entry, exclusive))
                if entry.closed:
                    raise RpcError(RPC_X_SS_CONTEXT_MISMATCH,
                                   f"{proc.name}: the context handle was closed")
            for c, entry in bound.items():
                ins[c.in_pos] = entry.obj  # type: ignore[index]
            correlated = [ins[i] for i in proc.out_ins]  # before the impl can touch them
            outs = _as_list(self._invoke(proc, ins), proc.n_out, proc.name)
            created = self._contexts_out(assoc, proc, bound, outs)
            try:
                return _marshal(proc.enc_out, outs + correlated)
            except RpcError as exc:
                for entry in created:  # the client will never see them: undo at once
                    entry.closed = True
                    assoc.table.remove(entry)
                    assoc._rundown(entry.rundown, entry.obj)
                # The implementation's values do not fit the IDL: the server's fault, so
                # the client gets RPC_S_CALL_FAILED (not a status blaming its arguments).
                self.errors.append(RpcError(exc.status, f"{proc.name}: the implementation "
                                            f"returned values that cannot be marshalled: {exc}"))
                raise RpcError(RPC_S_CALL_FAILED, f"{proc.name}: the server could not "
                               "marshal its reply") from exc
        finally:
            for entry, exclusive in reversed(held):
                if exclusive:
                    entry.lock.release_exclusive()
                else:
                    entry.lock.release_shared()

    def _invoke(self, proc: Proc, ins: list[Any]) -> Any:
        try:
            return getattr(self.impl, proc.name)(*ins)
        except RpcError:
            raise
        except Exception as exc:
            self.errors.append(exc)
            raise RpcError(RPC_S_CALL_FAILED, f"{proc.name} failed on the server") from exc

    def _contexts_out(self, assoc: Association, proc: Proc,
                      bound: dict[CtxParam, ContextEntry], outs: list[Any]) -> list[ContextEntry]:
        """Turn the context-handle objects the implementation returned into tokens:
        create, keep, or (``[in, out]`` returning None) destroy. Returns the new entries."""
        created: list[ContextEntry] = []
        for c in proc.ctx:
            if c.out_pos is None:
                continue
            value = outs[c.out_pos]
            entry = bound.get(c)
            if entry is not None:  # held exclusively
                if value is None:
                    entry.closed = True
                    assoc.table.remove(entry)
                    outs[c.out_pos] = _NULL
                else:
                    entry.obj = value
                    outs[c.out_pos] = entry.token
            elif value is None:
                outs[c.out_pos] = _NULL
            else:
                rundown = getattr(self.impl, f"{c.type}_rundown", None) if c.type else None
                new = assoc.table.create(value, c.type, c.root, self.interface.uuid, rundown)
                if new is None:  # the client went away during the call
                    assoc._rundown(rundown, value)
                    raise RpcError(RPC_S_CALL_FAILED, "the association closed during the call")
                created.append(new)
                outs[c.out_pos] = new.token
        return created


# ------------------------------------------------------------------------- client side

class Client:
    """Base of generated client classes: marshals calls over ``transport``.

    Methods return the ``[out]`` values like a decoded pickled procedure; context
    handles are :class:`ClientContext` objects (None for NULL).
    """

    interface: Interface

    def __init__(self, transport: Transport) -> None:
        if not callable(getattr(transport, "call", None)):
            raise TypeError("a transport needs a method call(opnum, request) -> bytes")
        self.transport = transport

    @classmethod
    def connect(cls: type[_C], binding: "str | Client | tcp.Connection", *,
                timeout: float | None = None, auth: "SecurityContext | None" = None) -> _C:
        """A client connected over TCP: ``binding`` is ``ncacn_ip_tcp:HOST[PORT]`` (without
        a port the endpoint mapper on HOST is asked), or a connected client or
        connection whose association this interface joins (alter_context).
        ``timeout`` bounds connecting and each call, in seconds."""
        from . import tcp
        if isinstance(binding, Client):
            binding = getattr(binding.transport, "connection", None)  # type: ignore[assignment]
            if not isinstance(binding, tcp.Connection):
                raise TypeError("that client is not connected over TCP")
        if isinstance(binding, tcp.Connection):
            return cls(binding.bind(cls.interface))
        conn = tcp.connect(binding, timeout=timeout, auth=auth, interface=cls.interface)
        try:
            return cls(conn.bind(cls.interface))
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        """Close the transport's connection (every interface on it)."""
        close = getattr(self.transport, "close", None)
        if close is not None:
            close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _invoke(self, proc: Proc, args: tuple[Any, ...]) -> Any:
        ins = list(args)
        passed: dict[CtxParam, ClientContext] = {}
        for c in proc.ctx:
            if c.in_pos is None:
                continue
            v = ins[c.in_pos]
            if v is None:
                if c.out_pos is None:
                    raise RpcError(RPC_X_SS_IN_NULL_CONTEXT,
                                   f"{proc.name}: context handle '{c.name}' is None")
                ins[c.in_pos] = _NULL
                continue
            if not isinstance(v, ClientContext):
                raise RpcError(RPC_S_INVALID_ARG, f"{proc.name}: '{c.name}' must be a context "
                               f"handle returned by a call, not {type(v).__name__}")
            passed[c] = v
            ins[c.in_pos] = v.token
        reply = self.transport.call(proc.opnum, _marshal(proc.enc_in, ins))
        outs = _as_list(_unmarshal(proc.dec_out, reply, [ins[i] for i in proc.out_ins]),
                        proc.n_out, proc.name)
        for c in proc.ctx:
            if c.out_pos is None:
                continue
            token: ContextHandle = outs[c.out_pos]
            prev = passed.get(c)
            if token.is_null:
                outs[c.out_pos] = None
                if prev is not None:
                    prev.closed = True
            elif prev is not None and prev.token == token:
                outs[c.out_pos] = prev
            else:
                outs[c.out_pos] = ClientContext(token)
        return _from_list(outs)


class InProcessTransport:
    """A client connection to a dispatcher in the same process: one association.

    Safe to share between threads (concurrent calls on one connection). ``close()``
    ends the association, running the rundowns of the handles still open; it is also
    a context manager. Pass ``association`` to put several interfaces on one connection.
    """

    def __init__(self, dispatcher: Dispatcher, association: Association | None = None) -> None:
        self.dispatcher = dispatcher
        self.association = association if association is not None else dispatcher.associate()

    def call(self, opnum: int, request: bytes) -> bytes:
        reply = self.dispatcher.dispatch(self.association, opnum, bytes(request))
        if reply.status:
            raise RpcError(reply.status)
        return reply.body

    def close(self) -> None:
        self.association.close()

    def __enter__(self) -> "InProcessTransport":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()



def serve(binding: str, *servers: Dispatcher, **options: Any) -> "tcp.Server":
    """Serve several interfaces (generated ``<I>Server`` objects) on one endpoint.

    ``binding`` is ``ncacn_ip_tcp:HOST[PORT]`` (no port or port 0: a free one, read it
    from the returned server's ``port``). The server runs in background threads until
    ``close()`` (it is also a context manager). ``options`` go to
    :class:`midlpy.runtime.tcp.Server` (limits, timeouts, ``auth``).
    """
    from . import tcp
    return tcp.serve(binding, *servers, **options)
