"""Authenticated RPC throughput: EchoData through NTLM at each level, and impacket's client.

One server (midlpy, in this process, on 127.0.0.1) and one connection per contender; every
contender echoes the same 64 KiB payload, interleaved round by round. Figures are wall-clock
medians (client and server share the two cores, so CPU time would count both), reported as
payload bytes echoed per second. Sealing costs four RC4 passes over the payload per call
(client seal, server unseal, server seal, client unseal), in pure Python.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

from harness import SCALE, Report

ROOT = Path(__file__).resolve().parents[2]
SIZE = 64 * 1024
USER, PASSWORD = "bench", "bench-pw"


def _payload() -> bytes:
    return bytes(range(256)) * (SIZE // 256)


def _midlpy(echo: Any, port: int, level: int | None) -> tuple[Callable[[], object], Any]:
    from midlpy.runtime import ntlm, rpcauth
    auth = None
    if level is not None:
        auth = rpcauth.NtlmClientAuth(ntlm.Credentials(USER, "", password=PASSWORD), level)
    client = echo.rpcechoClient.connect(f"ncacn_ip_tcp:127.0.0.1[{port}]", auth=auth)
    data = _payload()

    def call() -> object:
        out = client.EchoData(len(data), data)
        assert len(out) == SIZE
        return out
    return call, client


def _impacket(port: int) -> tuple[Callable[[], object], Any]:
    from impacket.dcerpc.v5 import transport
    from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT
    sys.path.insert(0, str(ROOT))
    from tests.tcp.test_impacket import ECHO, EchoData
    t = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:127.0.0.1[{port}]")
    t.set_credentials(USER, PASSWORD, "")
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(ECHO)
    items = list(_payload())

    def call() -> object:
        r = EchoData()
        r["len"] = SIZE
        r["in_data"] = items
        out = dce.request(r, checkError=False)["out_data"]
        assert len(out) == SIZE
        return out

    class Closer:
        def close(self) -> None:
            dce.disconnect()
    return call, Closer()


def rpc_auth(rep: Report) -> None:
    import midlpy
    from midlpy.runtime import ntlm, rpcauth
    rep.section(f"Authenticated RPC: EchoData of {SIZE // 1024} KiB, one connection, "
                "wall clock (payload MB/s; higher is better)")
    echo: Any = midlpy.load(str(ROOT / "examples" / "rpcecho" / "rpcecho.idl"))
    sys.path.insert(0, str(ROOT / "examples" / "rpcecho"))
    import server as echo_server  # type: ignore[import-not-found]
    table = {USER: ntlm.nt_hash(PASSWORD)}
    factory = rpcauth.ntlm_server(lambda u, d: table.get(u.lower()))
    with echo.rpcechoServer(echo_server.Echo()).serve("ncacn_ip_tcp:127.0.0.1[0]",
                                                        auth=factory) as srv:
        contenders: list[tuple[str, Callable[[], object], Any]] = []
        for name, level in (("midlpy, no auth", None),
                            ("midlpy, NTLM integrity", rpcauth.AUTHN_LEVEL_PKT_INTEGRITY),
                            ("midlpy, NTLM privacy", rpcauth.AUTHN_LEVEL_PKT_PRIVACY)):
            call, closer = _midlpy(echo, srv.port, level)
            contenders.append((name, call, closer))
        try:
            call, closer = _impacket(srv.port)
            contenders.append(("impacket, NTLM privacy", call, closer))
        except ImportError:
            rep.note("impacket is not installed: its client is not measured")
        try:
            rates = _measure([(n, c) for n, c, _ in contenders])
        finally:
            for _, _, closer in contenders:
                closer.close()
    sealed = rates["midlpy, NTLM privacy"]
    for name, rate in rates.items():
        ratio = rate / sealed
        extra = "" if name == "midlpy, NTLM privacy" else f"  ({ratio:.2f}x the sealed midlpy client)"
        rep.note(f"{name:<26} {rate / 1e6:8.2f} MB/s{extra}")
    if "impacket, NTLM privacy" in rates:
        ratio = sealed / rates["impacket, NTLM privacy"]
        rep.target("sealed EchoData, midlpy client vs impacket's sealed client", f"{ratio:.2f}x",
                   ratio >= 1.0, ">= 1x")


def _measure(contenders: list[tuple[str, Callable[[], object]]]) -> dict[str, float]:
    """Payload bytes per second, median over interleaved rounds of about 0.5 s each."""
    budget = 0.5 * SCALE
    loops = {}
    for name, fn in contenders:
        t = time.perf_counter()
        fn()
        loops[name] = max(1, int(budget / max(time.perf_counter() - t, 1e-6)))
    samples: dict[str, list[float]] = {name: [] for name, _ in contenders}
    for rnd in range(5):
        order = contenders[rnd % len(contenders):] + contenders[:rnd % len(contenders)]
        for name, fn in order:
            t = time.perf_counter()
            for _ in range(loops[name]):
                fn()
            samples[name].append(loops[name] * SIZE / (time.perf_counter() - t))
    return {name: statistics.median(v) for name, v in samples.items()}


ALL = [rpc_auth]
