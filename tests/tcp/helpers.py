"""Shared pieces of the TCP tests: the rpcecho module and servers started for a test."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import midlpy

ROOT = Path(__file__).resolve().parents[2]
ECHO_DIR = ROOT / "examples" / "rpcecho"
echo: Any = midlpy.load(str(ECHO_DIR / "rpcecho.idl"))
sys.path.insert(0, str(ECHO_DIR))
import server as echo_server  # noqa: E402  (examples/rpcecho/server.py)

sys.path.remove(str(ECHO_DIR))
Echo = echo_server.Echo


def have(program: str) -> bool:
    return shutil.which(program) is not None or os.path.exists(program)


@contextlib.contextmanager
def echo_process(tmp: Path, *options: str) -> Iterator[int]:
    """``python examples/rpcecho/server.py --port 0 [options]`` in ``tmp``; yields its port,
    stops it."""
    proc = subprocess.Popen([sys.executable, str(ECHO_DIR / "server.py"), "--port", "0",
                             *options], cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on" in line, line + proc.stdout.read()
        yield int(line.rsplit("[", 1)[1].rstrip("]\n"))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_threads(work: Callable[[int], None], n: int) -> list[BaseException]:
    """``work(k)`` on ``n`` threads at once; what they raised."""
    errors: list[BaseException] = []

    def guarded(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def wait_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
