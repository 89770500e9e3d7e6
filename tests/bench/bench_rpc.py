"""DCE/RPC over TCP: calls per second and bulk throughput (wall clock, 127.0.0.1).

- calls/s, one connection and eight (one thread each): a midlpy client against a midlpy
  rpcecho server (AddOne), and midlpy against impacket as clients of the same Samba call
  (NetrWkstaGetInfo level 100 on a standalone samba-dcerpcd).
- 1 MB EchoData and SinkData through fragmentation, MB/s, against a raw socket that
  moves the same bytes with ``sendall`` (the floor: echoed back for EchoData, one
  acknowledging byte for SinkData).
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import common
from harness import Report

import midlpy

ROOT = common.ROOT
MB = 1 << 20


def _rate(work: Callable[[int], object], n: int, threads: int = 1, rounds: int = 3) -> float:
    """Median over ``rounds`` of total calls per second, ``threads`` each doing ``n``."""
    rates = []
    for _ in range(rounds):
        barrier = threading.Barrier(threads + 1)

        def run(k: int) -> None:
            barrier.wait()
            work(n)

        ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
        for t in ts:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in ts:
            t.join()
        rates.append(threads * n / (time.perf_counter() - t0))
    return statistics.median(rates)


def _clients(make: Callable[[], Any], k: int) -> list[Any]:
    return [make() for _ in range(k)]


def _per_thread(clients: list[Any], call: Callable[[Any], object]) -> Callable[[int], object]:
    """A work function that takes the next client for each thread that runs it."""
    lock = threading.Lock()
    free = list(clients)
    mine = threading.local()

    def work(n: int) -> None:
        c = getattr(mine, "c", None)
        if c is None:
            with lock:
                c = mine.c = free.pop() if free else clients[0]
        for _ in range(n):
            call(c)

    def reset() -> None:
        free[:] = clients

    work.reset = reset  # type: ignore[attr-defined]
    return work


def _run(clients: list[Any], call: Callable[[Any], object], n: int) -> float:
    rates = []
    for _ in range(3):
        work = _per_thread(clients, call)
        rates.append(_rate(work, n, threads=len(clients), rounds=1))
    return statistics.median(rates)


def echo_module() -> Any:
    return midlpy.load(str(ROOT / "examples" / "rpcecho" / "rpcecho.idl"))


def loopback_calls(rep: Report, n: int = 2000) -> dict[str, float]:
    import sys
    sys.path.insert(0, str(ROOT / "examples" / "rpcecho"))
    from server import Echo  # examples/rpcecho/server.py
    sys.path.pop(0)
    m = echo_module()
    out = {}
    with m.rpcechoServer(Echo()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s:
        for k in (1, 8):
            cs = _clients(lambda: m.rpcechoClient.connect(s.binding, timeout=60), k)
            try:
                out[k] = _run(cs, lambda c: c.AddOne(1), max(50, n // k))
            finally:
                for c in cs:
                    c.close()
    rep.note(f"midlpy client -> midlpy server, AddOne: {out[1]:,.0f} calls/s on one connection,"
             f" {out[8]:,.0f} calls/s on eight")
    return out


def samba_calls(rep: Report, n: int = 1000) -> dict[str, float] | None:
    import os
    sys_path_added = str(ROOT)
    import sys
    if sys_path_added not in sys.path:
        sys.path.insert(0, sys_path_added)
    from tests.tcp import samba
    if not os.path.exists(samba.DCERPCD):
        rep.note("samba-dcerpcd not installed: no Samba figures")
        return None
    try:
        from impacket.dcerpc.v5 import transport, wkst as iwkst
    except ImportError:
        transport = None
    m = midlpy.load(str(ROOT / "tests" / "data" / "ms-spec" / "ms-wkst.idl"))
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, samba.dcerpcd(Path(tmp)):
        from midlpy.runtime.epm import ept_map_port
        port = ept_map_port("127.0.0.1", samba.WKSSVC, (1, 0))
        binding = f"ncacn_ip_tcp:127.0.0.1[{port}]"

        def mid() -> Any:
            return m.wkssvcClient.connect(binding, timeout=60)

        def imp() -> Any:
            dce = transport.DCERPCTransportFactory(binding).get_dce_rpc()
            dce.connect()
            dce.bind(iwkst.MSRPC_UUID_WKST)
            return dce

        contenders = [("midlpy", mid, lambda c: c.NetrWkstaGetInfo(None, 100))]
        if transport is not None:
            contenders.append(("impacket", imp,
                               lambda d: iwkst.hNetrWkstaGetInfo(d, 100)))
        for name, make, call in contenders:
            for k in (1, 8):
                cs = _clients(make, k)
                try:
                    out[f"{name}/{k}"] = _run(cs, call, max(20, n // k))
                finally:
                    for c in cs:
                        (c.close if hasattr(c, "close") else c.disconnect)()
    for k in (1, 8):
        line = f"NetrWkstaGetInfo(100) on Samba, {k} connection(s): midlpy {out[f'midlpy/{k}']:,.0f}"
        if f"impacket/{k}" in out:
            ratio = out[f"midlpy/{k}"] / out[f"impacket/{k}"]
            line += f", impacket {out[f'impacket/{k}']:,.0f} calls/s: {ratio:.1f}x"
            rep.target(f"Samba NetrWkstaGetInfo calls/s vs impacket, {k} conn", f"{ratio:.1f}x",
                       ratio >= 3, ">= 3x")
        rep.note(line)
    return out


def _raw_pair() -> tuple[socket.socket, socket.socket]:
    lst = socket.create_server(("127.0.0.1", 0))
    a = socket.create_connection(lst.getsockname())
    b, _ = lst.accept()
    lst.close()
    for s in (a, b):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return a, b


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = s.recv_into(view[got:])
        if not k:
            raise ConnectionError
        got += k
    return bytes(buf)


class RawPeer:
    """A socket pair tuned like midlpy's; the far end echoes ``size`` bytes back or acks
    them with one byte."""

    def __init__(self, size: int, echo_back: bool) -> None:
        from midlpy.runtime.tcp import _tune
        self.size, self.echo_back = size, echo_back
        self.a, self.b = _raw_pair()
        for s in (self.a, self.b):
            _tune(s)
        self.thread = threading.Thread(target=self._peer, daemon=True)
        self.thread.start()

    def _peer(self) -> None:
        try:
            while True:
                data = _recv_exact(self.b, self.size)
                self.b.sendall(data if self.echo_back else b"k")
        except (ConnectionError, OSError):
            pass

    def once(self, data: bytes) -> None:
        self.a.sendall(data)
        _recv_exact(self.a, self.size if self.echo_back else 1)

    def close(self) -> None:
        self.a.close()
        self.thread.join(5)
        self.b.close()


def bulk(rep: Report, size: int = MB, rounds: int = 9) -> dict[str, float]:
    import sys
    sys.path.insert(0, str(ROOT / "examples" / "rpcecho"))
    from server import Echo
    sys.path.pop(0)
    m = echo_module()
    data = bytes(range(256)) * (size // 256)
    out = {}
    with m.rpcechoServer(Echo()).serve("ncacn_ip_tcp:127.0.0.1[0]") as s, \
            m.rpcechoClient.connect(s.binding, timeout=60) as c:
        for name, call, echo_back in (
                ("EchoData", lambda: c.EchoData(size, data), True),
                ("SinkData", lambda: c.SinkData(size, data), False)):
            raw = RawPeer(size, echo_back)
            times: list[float] = []
            floors: list[float] = []
            try:
                for _ in range(rounds):  # interleaved, so load on the machine hits both
                    t0 = time.perf_counter()
                    call()
                    t1 = time.perf_counter()
                    raw.once(data)
                    times.append(t1 - t0)
                    floors.append(time.perf_counter() - t1)
            finally:
                raw.close()
            mid, floor = statistics.median(times), statistics.median(floors)
            ratio = mid / floor
            out[name] = ratio
            rep.note(f"{name} {size >> 20} MB: {size / mid / MB:,.0f} MB/s, raw sendall "
                     f"{size / floor / MB:,.0f} MB/s: {ratio:.2f}x the floor's time")
            rep.target(f"{name} 1 MB vs raw sendall", f"{ratio:.2f}x", ratio <= 3, "<= 3x")
    return out


def rpc(rep: Report) -> None:
    rep.section("DCE/RPC over TCP (wall clock on 127.0.0.1)")
    loopback_calls(rep)
    samba_calls(rep)
    bulk(rep)


ALL = [rpc]
