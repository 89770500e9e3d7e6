"""An implementation of the Alpha test interface that reports who is inside which handle.

Every call carries a ``tag``. A test can hold the call with that tag inside (``hold``),
make several calls meet inside (``meet``), and wait until a call is inside (``inside``);
``Probe.overlaps`` lists every serialized call that met another call on its handle, and
every shared call that met a serialized one. Waits have timeouts, so nothing hangs.
"""

from __future__ import annotations

import collections
import threading
from pathlib import Path
from typing import Any, Callable

from midlpy.runtime import rpc
from tests.helpers import load_idl

DATA = Path(__file__).parent / "data"
TIMEOUT = 10.0  # seconds; only ever reached when a test is failing

# Alpha's procedures that hold their handle exclusively and shared (from alpha.acf);
# Plain follows the server default, which Probe learns from ``serialized_default``.
EXCLUSIVE = {"Write", "ForceSerial", "Pair", "CloseExcl", "CloseOther", "CloseRaw"}
SHARED = {"Read", "ForceShared", "ParamShared"}


def alpha() -> Any:
    return load_idl(DATA / "alpha.idl")


class Obj:
    """What a context handle stands for on the server."""

    def __init__(self, kind: str, tag: int) -> None:
        self.kind = kind
        self.tag = tag
        self.closed = 0
        self.rundowns = 0

    def __repr__(self) -> str:
        return f"Obj({self.kind}, {self.tag})"


class Probe:
    """Alpha's implementation, instrumented."""

    def __init__(self, serialized_default: bool = True) -> None:
        self.serialized_default = serialized_default
        self.lock = threading.Lock()
        self.inside_now: dict[int, list[tuple[str, bool]]] = collections.defaultdict(list)
        self.overlaps: list[str] = []
        self.created: list[Obj] = []
        self.entered: dict[int, threading.Event] = collections.defaultdict(threading.Event)
        self.holds: dict[int, threading.Event] = {}
        self.meets: dict[int, threading.Barrier] = {}
        self.rundown_log: list[Obj] = []

    # -- test controls ---------------------------------------------------------------------
    def hold(self, tag: int) -> threading.Event:
        """Calls with ``tag`` stay inside until the returned event is set."""
        ev = threading.Event()
        self.holds[tag] = ev
        return ev

    def meet(self, *tags: int) -> None:
        """Calls with these tags must all be inside at once, or they fail."""
        b = threading.Barrier(len(tags), timeout=TIMEOUT)
        for t in tags:
            self.meets[t] = b

    def inside(self, tag: int) -> bool:
        return self.entered[tag].wait(TIMEOUT)

    # -- the body of every call ------------------------------------------------------------
    def _run(self, proc: str, objs: list[Obj], tag: int) -> None:
        exclusive = proc in EXCLUSIVE or (proc in ("Plain", "UseRaw") and self.serialized_default)
        with self.lock:
            for o in objs:
                others = self.inside_now[id(o)]
                if others and (exclusive or any(x for _, x in others)):
                    self.overlaps.append(f"{proc}({tag}) met {others} on {o}")
                others.append((proc, exclusive))
        self.entered[tag].set()
        try:
            if tag in self.meets:
                self.meets[tag].wait()
            if tag in self.holds:
                assert self.holds[tag].wait(TIMEOUT), "held call never released"
        finally:
            with self.lock:
                for o in objs:
                    self.inside_now[id(o)].remove((proc, exclusive))

    def _new(self, kind: str, tag: int) -> Obj:
        o = Obj(kind, tag)
        with self.lock:
            self.created.append(o)
        self._run("Open" + kind, [], tag)
        return o

    def _close(self, proc: str, o: Obj) -> None:
        self._run(proc, [o], -1)
        with self.lock:
            o.closed += 1

    # -- Alpha -----------------------------------------------------------------------------
    def OpenExcl(self, tag: int) -> Obj:
        return self._new("Excl", tag)

    def OpenOther(self, tag: int) -> Obj:
        return self._new("Other", tag)

    def OpenRaw(self, tag: int) -> Obj:
        return self._new("Raw", tag)

    def OpenChecked(self, tag: int) -> tuple[Obj, Any]:
        """Tag 1 returns a status that cannot be marshalled (a str)."""
        return self._new("Excl", 0), "bad" if tag == 1 else 0

    def Write(self, h: Obj, tag: int) -> int:
        self._run("Write", [h], tag)
        return h.tag

    def Read(self, h: Obj, tag: int) -> int:
        self._run("Read", [h], tag)
        return h.tag

    def Plain(self, o: Obj, tag: int) -> int:
        self._run("Plain", [o], tag)
        return o.tag

    def ForceSerial(self, o: Obj, tag: int) -> int:
        self._run("ForceSerial", [o], tag)
        return o.tag

    def ForceShared(self, o: Obj, tag: int) -> int:
        self._run("ForceShared", [o], tag)
        return o.tag

    def ParamShared(self, h: Obj, tag: int) -> int:
        self._run("ParamShared", [h], tag)
        return h.tag

    def Pair(self, a: Obj, b: Obj, tag: int) -> int:
        self._run("Pair", [a] if a is b else [a, b], tag)
        return a.tag + b.tag

    def UseRaw(self, p: Obj, tag: int) -> int:
        self._run("UseRaw", [p], tag)
        return p.tag

    def CloseExcl(self, h: Obj) -> None:
        self._close("CloseExcl", h)
        return None

    def CloseOther(self, o: Obj) -> None:
        self._close("CloseOther", o)
        return None

    def CloseRaw(self, p: Obj | None) -> None:
        if p is not None:
            self._close("CloseRaw", p)
        return None

    def _rundown(self, o: Obj) -> None:
        with self.lock:
            o.rundowns += 1
            self.rundown_log.append(o)

    H_EXCL_rundown = _rundown
    OTHER_rundown = _rundown


def connect(server: rpc.Dispatcher, association: rpc.Association | None = None
            ) -> tuple[Any, rpc.InProcessTransport]:
    """A client of Alpha over a new in-process connection to ``server``."""
    t = rpc.InProcessTransport(server, association)
    return alpha().AlphaClient(t), t


def call_in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``fn`` on a thread; the dict gets ``result`` or ``error`` when it ends."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = fn()
        except BaseException as exc:  # handed to the test
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def join(*threads: threading.Thread) -> None:
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a call did not finish"


class WaitLog:
    """A dispatcher ``on_wait`` hook: one event per procedure that had to wait."""

    def __init__(self) -> None:
        self.events: dict[str, threading.Event] = collections.defaultdict(threading.Event)

    def __call__(self, proc: str) -> None:
        self.events[proc].set()

    def blocked(self, proc: str) -> bool:
        return self.events[proc].wait(TIMEOUT)
