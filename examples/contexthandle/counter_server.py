"""The server side of the counter example: an implementation of CounterService.

Each context handle is a :class:`Counter`. The implementation trusts the runtime's
locking: RemoteFunc and Close are serialized (exclusive), GetValue and GetName are
[context_handle_noserialize] (shared), so the counter needs no lock of its own. The
probes count how many calls are inside each handle at once, to show the rules held.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Counter:
    """One open handle: a named value, and who is inside it right now."""

    name: str
    value: int = 0
    readers: int = 0
    writers: int = 0


@dataclass
class Stats:
    """What the server saw, for the summary and the checks."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    opened: int = 0
    closed: int = 0
    rundowns: list[str] = field(default_factory=list)
    max_readers: int = 0  # most shared calls seen inside one handle at once
    overlaps: int = 0  # a serialized call that met another call inside (must stay 0)


class CounterImpl:
    """CounterService: method names as in the IDL; returns follow the [out] order."""

    def __init__(self) -> None:
        self.stats = Stats()
        # when set, GetName waits here: readers that share a handle can all get inside
        self.rendezvous: threading.Barrier | None = None

    def _enter(self, c: Counter, writer: bool) -> None:
        with self.stats.lock:
            if c.writers or (writer and c.readers):
                self.stats.overlaps += 1
            if writer:
                c.writers += 1
            else:
                c.readers += 1
                self.stats.max_readers = max(self.stats.max_readers, c.readers)

    def _leave(self, c: Counter, writer: bool) -> None:
        with self.stats.lock:
            if writer:
                c.writers -= 1
            else:
                c.readers -= 1

    def Open(self, name: str) -> tuple[Counter, int]:
        with self.stats.lock:
            self.stats.opened += 1
        return Counter(name), 0

    def RemoteFunc(self, c: Counter, delta: int) -> int:
        self._enter(c, writer=True)
        try:
            value = c.value  # a read-modify-write that only exclusivity keeps exact
            c.value = value + delta
        finally:
            self._leave(c, writer=True)
        return 0

    def GetValue(self, c: Counter) -> tuple[int, int]:
        self._enter(c, writer=False)
        try:
            return c.value, 0
        finally:
            self._leave(c, writer=False)

    def GetName(self, c: Counter) -> tuple[str, int]:
        self._enter(c, writer=False)
        try:
            if self.rendezvous is not None:
                self.rendezvous.wait()
            return c.name, 0
        finally:
            self._leave(c, writer=False)

    def Close(self, c: Counter) -> tuple[None, int]:
        with self.stats.lock:
            self.stats.closed += 1
        return None, 0

    def PCONTEXT_HANDLE_TYPE_rundown(self, c: Counter) -> None:
        """The client went away with ``c`` still open."""
        with self.stats.lock:
            self.stats.rundowns.append(c.name)
