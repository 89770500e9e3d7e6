"""32 threads, a random mix of calls over many handles and four connections: every
locking rule holds, nothing hangs, and every handle ends closed or run down, once."""

from __future__ import annotations

import random
import threading
from typing import Any

from midlpy.runtime import errors, rpc
from tests.contexthandle.probe import Probe, alpha, connect

THREADS, CONNECTIONS, HANDLES, CALLS = 32, 4, 6, 150
DEADLINE = 60.0  # seconds for the whole run; reached only if something hangs


class _Pool:
    """One connection's client and the handles its threads share."""

    def __init__(self, server: rpc.Dispatcher) -> None:
        self.client, self.transport = connect(server)
        self.lock = threading.Lock()
        self.handles = [self.client.OpenExcl(0) for _ in range(HANDLES)]
        self.others = [self.client.OpenOther(0) for _ in range(HANDLES // 2)]

    def pick(self, rng: random.Random) -> Any:
        with self.lock:
            return rng.choice(self.handles)

    def replace(self, old: Any, new: Any) -> None:
        with self.lock:
            if old in self.handles:
                self.handles[self.handles.index(old)] = new
            else:
                self.handles.append(new)


def _worker(pools: list[_Pool], n: int, start: threading.Barrier, counts: dict[str, int],
            failures: list[BaseException]) -> None:
    rng = random.Random(n)
    pool = pools[n % CONNECTIONS]
    c = pool.client
    start.wait()
    for _ in range(CALLS):
        op = rng.randrange(10)
        h = pool.pick(rng)
        try:
            if op == 0:
                c.Write(h, 0)
            elif op in (1, 2):
                c.Read(h, 0)
            elif op == 3:
                c.ParamShared(h, 0)
            elif op == 4:
                c.Pair(h, pool.pick(rng), 0)
            elif op == 5:
                o = rng.choice(pool.others)
                (c.ForceShared if rng.random() < 0.5 else c.ForceSerial)(o, 0)
                c.Plain(o, 0)
            elif op == 6:
                c.CloseExcl(h)
                pool.replace(h, c.OpenExcl(0))
            elif op == 7:
                p = c.OpenRaw(0)
                c.UseRaw(p, 0)
                if rng.random() < 0.5:
                    c.CloseRaw(p)
            elif op == 8:  # someone else's handle: always refused
                foreign = pools[(n + 1) % CONNECTIONS].pick(rng)
                c.Read(foreign, 0)
                raise AssertionError("a handle of another connection was accepted")
            else:
                c.Write(h, 0)
                c.Read(h, 0)
            key = "ok"
        except rpc.RpcError as exc:
            if exc.status != errors.RPC_X_SS_CONTEXT_MISMATCH:
                failures.append(exc)
            key = "mismatch"  # closed by another thread, or another connection's
        except BaseException as exc:
            failures.append(exc)
            return
        with pool.lock:
            counts[key] = counts.get(key, 0) + 1


def test_random_mix_keeps_every_invariant() -> None:
    probe = Probe()
    server = alpha().AlphaServer(probe)
    pools = [_Pool(server) for _ in range(CONNECTIONS)]
    start = threading.Barrier(THREADS, timeout=DEADLINE)
    counts: dict[str, int] = {}
    failures: list[BaseException] = []
    threads = [threading.Thread(target=_worker, args=(pools, n, start, counts, failures),
                                daemon=True) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
        assert not t.is_alive(), "the stress run did not finish in time"
    assert failures == []
    assert probe.overlaps == []
    assert counts.get("ok", 0) > THREADS * CALLS // 2
    assert counts.get("mismatch", 0) > 0  # the foreign-handle calls at least
    open_before = sum(len(p.transport.association.table) for p in pools)
    for p in pools:
        p.transport.close()
    assert all(len(p.transport.association.table) == 0 for p in pools)
    # every handle ended exactly once: closed by the client or run down by the server
    typed = [o for o in probe.created if o.kind != "Raw"]
    assert all(o.closed + o.rundowns == 1 for o in typed)
    assert all(o.closed <= 1 and o.rundowns == 0 for o in probe.created if o.kind == "Raw")
    assert len(probe.rundown_log) == len(typed) - sum(o.closed for o in typed)
    assert open_before >= len(probe.rundown_log)
