"""Server-side context handles: the per-association table and the per-handle lock.

A context handle travels as a 20-byte token (``ndr.ContextHandle``); the server maps the
token to the object its implementation returned. Each association (one client
connection) has its own :class:`ContextTable`, so a token is meaningless on any other
connection. Each entry carries a reader/writer lock: a serialized call holds it
exclusively, a nonserialized call shares it (Windows XP "mixed mode"); creation and
destruction are exclusive. Closing the association runs the rundown routine once for
every entry still open, after the calls in progress on it have finished.

:func:`RpcSsDontSerializeContext` is process-wide and irreversible, as in Windows; a
dispatcher may instead be given its own default (see ``rpc.Dispatcher``), which is what
tests use so that one test cannot change the rules for the next.
"""

from __future__ import annotations

import itertools

from .ndr import ContextHandle

# ``import midlpy.runtime`` re-exports RpcSsDontSerializeContext and must stay cheap:
# typing is for the checker only; threading and uuid are loaded when a server first
# needs them (a cached import after that).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["RpcSsDontSerializeContext", "serialize_by_default", "RWLock", "ContextEntry",
           "ContextTable", "ClientContext"]

_dont_serialize = False


def RpcSsDontSerializeContext() -> None:
    """Make calls on context handles nonserialized by default, for the whole process.

    As in Windows the switch cannot be undone; ``[context_handle_serialize]`` still wins
    for the handles, procedures and parameters it is written on.
    """
    global _dont_serialize
    _dont_serialize = True


def serialize_by_default() -> bool:
    """True unless :func:`RpcSsDontSerializeContext` has been called in this process."""
    return not _dont_serialize


class RWLock:
    """A reader/writer lock that prefers writers, so a stream of shared calls cannot
    starve a serialized one. ``on_wait`` (optional) is called just before a thread
    blocks, which lets tests observe contention without timing guesses."""

    __slots__ = ("_cond", "_readers", "_writer", "_writers_waiting")

    def __init__(self) -> None:
        import threading
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_shared(self, on_wait: Callable[[], None] | None = None) -> None:
        with self._cond:
            if (self._writer or self._writers_waiting) and on_wait is not None:
                on_wait()
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_shared(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_exclusive(self, on_wait: Callable[[], None] | None = None) -> None:
        with self._cond:
            if (self._writer or self._readers) and on_wait is not None:
                on_wait()
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True

    def release_exclusive(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


_serials = itertools.count(1)


class ContextEntry:
    """One open context handle on the server.

    ``obj`` is what the implementation returned; ``type_name`` the context-handle type it
    was created as (its rundown is ``<type_name>_rundown``; None for a handle declared
    on a parameter, which has none); ``root`` the type's identity for
    ``[type_strict_context_handle]``; ``iface`` the creating interface's UUID for
    ``[strict_context_handle]``; ``rundown`` the routine to run if the association closes
    first. ``serial`` orders lock acquisition when one call holds several handles.
    """

    __slots__ = ("token", "obj", "type_name", "root", "iface", "rundown", "lock", "closed",
                 "serial")

    def __init__(self, token: ContextHandle, obj: Any, type_name: str | None, root: str | None,
                 iface: Any, rundown: Callable[[Any], Any] | None) -> None:
        self.token = token
        self.obj = obj
        self.type_name = type_name
        self.root = root
        self.iface = iface
        self.rundown = rundown
        self.lock = RWLock()
        self.closed = False
        self.serial = next(_serials)


class ContextTable:
    """The open context handles of one association, keyed by their token."""

    def __init__(self) -> None:
        import threading
        self._lock = threading.Lock()
        self._entries: dict[ContextHandle, ContextEntry] = {}
        self.closed = False

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def create(self, obj: Any, type_name: str | None, root: str | None, iface: Any,
               rundown: Callable[[Any], Any] | None) -> ContextEntry | None:
        """A new entry with a fresh random token, or None once the table is closed (the
        caller then runs the rundown itself: the client is gone)."""
        from uuid import uuid4
        with self._lock:
            if self.closed:
                return None
            while True:
                token = ContextHandle(0, uuid4())
                if token not in self._entries:
                    break
            entry = ContextEntry(token, obj, type_name, root, iface, rundown)
            self._entries[token] = entry
            return entry

    def lookup(self, token: ContextHandle) -> ContextEntry | None:
        with self._lock:
            return self._entries.get(token)

    def remove(self, entry: ContextEntry) -> None:
        """Forget ``entry`` (the caller holds its lock exclusively and marks it closed)."""
        with self._lock:
            if self._entries.get(entry.token) is entry:
                del self._entries[entry.token]

    def close(self) -> list[ContextEntry]:
        """Refuse new entries and hand back the ones still open, for rundown."""
        with self._lock:
            self.closed = True
            entries = sorted(self._entries.values(), key=lambda e: e.serial)
            self._entries.clear()
            return entries


class ClientContext:
    """The client's opaque context handle: it only remembers the server's token.

    Pass it back to the procedures that take the handle; after the close procedure
    returns NULL for it, ``closed`` is True.
    """

    __slots__ = ("token", "closed")

    def __init__(self, token: ContextHandle) -> None:
        self.token = token
        self.closed = False

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<ClientContext {self.token.uuid}{state}>"
