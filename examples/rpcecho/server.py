"""The rpcecho server: Samba's test interface, served by midlpy over TCP.

    python examples/rpcecho/server.py --port PORT

listens on 127.0.0.1:PORT until interrupted; ``smbtorture 'ncacn_ip_tcp:127.0.0.1[PORT]'
-U% rpc.echo`` runs Samba's test suite against it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from typing import Any

import midlpy

HERE = os.path.dirname(os.path.abspath(__file__))
rpcecho: Any = midlpy.load(os.path.join(HERE, "rpcecho.idl"))


class Echo:
    """The implementation: one method per procedure of rpcecho.idl."""

    def AddOne(self, in_data: int) -> int:
        return (in_data + 1) & 0xFFFFFFFF

    def EchoData(self, len: int, in_data: bytes) -> bytes:
        return in_data

    def SinkData(self, len: int, data: bytes) -> None:
        return None

    def SourceData(self, len: int) -> bytes:
        return bytes(range(256)) * (len // 256) + bytes(range(len % 256))

    def TestCall(self, s1: str) -> str:
        return s1

    def TestCall2(self, level: int) -> tuple[Any, int]:
        m = rpcecho
        arms = {1: ("info1", m.echo_info1(v=1)), 2: ("info2", m.echo_info2(v=2)),
                3: ("info3", m.echo_info3(v=3)), 4: ("info4", m.echo_info4(v=4)),
                5: ("info5", m.echo_info5(v1=5, v2=5)),
                6: ("info6", m.echo_info6(v1=6, info1=m.echo_info1(v=6))),
                7: ("info7", m.echo_info7(v1=7, info4=m.echo_info4(v=7)))}
        if level not in arms:
            return None, 0xC0000003  # STATUS_INVALID_INFO_CLASS
        name, value = arms[level]
        return m.echo_Info(switch=level, **{name: value}), 0

    def TestSleep(self, seconds: int) -> int:
        time.sleep(seconds)  # on a worker thread: other calls go on meanwhile
        return seconds

    def TestEnum(self, foo1: Any, foo2: Any, foo3: Any) -> tuple[Any, Any, Any]:
        return foo1, foo2, foo3

    def TestSurrounding(self, data: Any) -> Any:
        return rpcecho.echo_Surrounding(x=data.x * 2, surrounding=[0] * (data.x * 2))

    def TestDoublePointer(self, data: int | None) -> int:
        return data or 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--user", action="append", default=[], metavar="NAME%PASSWORD",
                    help="accept NTLM logons of this user (repeatable); without it, anonymous")
    args = ap.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    options: dict[str, Any] = {}
    if args.user:
        from midlpy.runtime import ntlm, rpcauth
        users = {}
        for spec in args.user:
            name, _, password = spec.partition("%")
            users[name.lower()] = ntlm.nt_hash(password)
        options["auth"] = rpcauth.ntlm_server(lambda user, domain: users.get(user.lower()))
    with rpcecho.rpcechoServer(Echo()).serve(f"ncacn_ip_tcp:{args.host}[{args.port}]",
                                             **options) as server:
        print(f"rpcecho listening on {server.binding}", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
