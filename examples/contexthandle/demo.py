"""Context handles end to end: clients on many threads, one server, the in-process
transport. Prints a summary and exits 0 when every rule held.

    .venv/bin/python examples/contexthandle/demo.py
"""

from __future__ import annotations

import random
import sys
import threading
from pathlib import Path

from counter_server import CounterImpl

from midlpy.compiler.api import load_module
from midlpy.runtime import rpc

HERE = Path(__file__).resolve().parent
CLIENTS, THREADS, HANDLES, CALLS = 4, 4, 4, 100


def client_thread(client: object, handles: list, rng: random.Random, expected: dict,
                  lock: threading.Lock, failures: list) -> None:
    """Random writes (serialized) and reads (shared) on this client's handles."""
    try:
        for _ in range(CALLS):
            h = rng.choice(handles)
            op = rng.random()
            if op < 0.3:
                delta = rng.randint(1, 9)
                assert client.RemoteFunc(h, delta) == 0  # type: ignore[attr-defined]
                with lock:
                    expected[h] += delta
            elif op < 0.8:
                value, rc = client.GetValue(h)  # type: ignore[attr-defined]
                assert rc == 0 and value >= 0
            else:
                name, rc = client.GetName(h)  # type: ignore[attr-defined]
                assert rc == 0 and name.startswith("counter")
    except BaseException as exc:  # reported by the main thread
        failures.append(exc)


def readers_meet(client: object, handle: object, impl: CounterImpl, n: int = 3) -> bool:
    """``n`` GetName calls on one handle, each waiting inside for the others: they only
    get through because [context_handle_noserialize] lets them share the handle."""
    impl.rendezvous = threading.Barrier(n, timeout=10)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(
        client.GetName(handle))) for _ in range(n)]  # type: ignore[attr-defined]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    impl.rendezvous = None
    return len(results) == n


def main() -> int:
    mod = load_module(str(HERE / "contexthandle.idl"))  # finds contexthandle.acf beside it
    impl = CounterImpl()
    server = mod.CounterServiceServer(impl)
    failures: list[BaseException] = []
    left_open = 0
    for c in range(CLIENTS):
        transport = rpc.InProcessTransport(server)  # one association per client
        client = mod.CounterServiceClient(transport)
        handles = [client.Open(f"counter-{c}-{i}")[0] for i in range(HANDLES)]
        if not readers_meet(client, handles[0], impl):
            failures.append(AssertionError("shared readers could not meet inside a handle"))
        expected = {h: 0 for h in handles}
        lock = threading.Lock()
        threads = [threading.Thread(target=client_thread,
                                    args=(client, handles, random.Random(c * 100 + t),
                                          expected, lock, failures))
                   for t in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
            if t.is_alive():
                failures.append(TimeoutError("a client thread did not finish"))
        for h in handles:
            if client.GetValue(h)[0] != expected[h]:
                failures.append(AssertionError(f"{h}: lost an update"))
        for h in handles[: HANDLES // 2]:  # close half, leave the rest to the rundown
            if client.Close(h) != (None, 0) or not h.closed:
                failures.append(AssertionError("Close did not return a NULL handle"))
        left_open += HANDLES - HANDLES // 2
        transport.close()

    s = impl.stats
    calls = CLIENTS * (THREADS * CALLS + 2 * HANDLES + HANDLES // 2 + 3)
    print(f"{CLIENTS} clients x {THREADS} threads, {CLIENTS * HANDLES} handles, {calls} calls")
    print(f"opened {s.opened}, closed {s.closed}, run down {len(s.rundowns)} "
          f"(left open: {left_open})")
    print(f"serialized calls overlapping another call: {s.overlaps}; "
          f"most shared readers inside one handle at once: {s.max_readers}")
    if len(s.rundowns) != left_open or len(set(s.rundowns)) != left_open:
        failures.append(AssertionError("rundown count is wrong"))
    if s.overlaps:
        failures.append(AssertionError("a serialized call overlapped another call"))
    for f in failures:
        print(f"FAILED: {f!r}", file=sys.stderr)
    print("ok" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
