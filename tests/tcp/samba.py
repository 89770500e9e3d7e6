"""A standalone samba-dcerpcd for a test: its own smb.conf and every directory under the
test's temporary folder, listening on 127.0.0.1 only (the endpoint mapper on 135).

Port 135 cannot be moved, so concurrent test runs on one machine take turns: an abstract
Unix socket (no file) named ``midlpy-samba-epm`` is held while the server runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator
from uuid import UUID

from midlpy.runtime.epm import ept_map_port
from midlpy.runtime.errors import RpcError

DCERPCD = next((p for p in ("/usr/libexec/samba/samba-dcerpcd", "/usr/sbin/samba-dcerpcd")
                if os.path.exists(p)), "/usr/libexec/samba/samba-dcerpcd")
NETBIOS_NAME = "MIDLPYTEST"
WORKGROUP = "MIDLPYGROUP"
SHARE = "midlpyshare"
SHARE_COMMENT = "a share of the midlpy tests"
WKSSVC = UUID("6bffd098-a112-3610-9833-46c3f87e345a")


def write_conf(tmp: Path) -> Path:
    dirs = {k: tmp / k.replace(" ", "_") for k in (
        "lock directory", "state directory", "cache directory", "private dir",
        "pid directory", "ncalrpc dir", "binddns dir")}
    for d in dirs.values():
        d.mkdir(exist_ok=True)
    (tmp / "share").mkdir(exist_ok=True)
    lines = ["[global]",
             "  server role = standalone server",
             f"  netbios name = {NETBIOS_NAME}",
             f"  workgroup = {WORKGROUP}",
             "  interfaces = 127.0.0.1",
             "  bind interfaces only = yes",
             "  rpc start on demand helpers = no",
             f"  passdb backend = tdbsam:{dirs['private dir'] / 'passdb.tdb'}",
             f"  log file = {tmp / 'log.%m'}",
             "  load printers = no",
             "  printcap name = /dev/null",
             "  disable spoolss = yes"]
    lines += [f"  {k} = {v}" for k, v in dirs.items()]
    lines += [f"[{SHARE}]", f"  path = {tmp / 'share'}", f"  comment = {SHARE_COMMENT}"]
    conf = tmp / "smb.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


@contextlib.contextmanager
def _epm_turn(timeout: float = 600) -> Iterator[None]:
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + timeout
    while True:
        try:
            lock.bind("\0midlpy-samba-epm")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        yield
    finally:
        lock.close()


@contextlib.contextmanager
def dcerpcd(tmp: Path) -> Iterator[subprocess.Popen[bytes]]:
    """samba-dcerpcd running for the duration; stops its whole process group after."""
    conf = write_conf(tmp)
    with _epm_turn():
        log = open(tmp / "dcerpcd.out", "wb")
        proc = subprocess.Popen([DCERPCD, "-s", str(conf), "-F", "--no-process-group",
                                 "--libexec-rpcds", "--debug-stdout", "-d1"],
                                cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            _wait_ready(proc, tmp)
            yield proc
        finally:
            stop_group(proc)
            log.close()


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started with ``start_new_session`` and every helper in its group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with contextlib.suppress(ProcessLookupError):  # helpers left in the group
        os.killpg(proc.pid, signal.SIGKILL)


def _wait_ready(proc: subprocess.Popen[bytes], tmp: Path, timeout: float = 60) -> None:
    """Until the endpoint mapper answers for wkssvc (the helpers have registered)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("samba-dcerpcd exited: "
                               + (tmp / "dcerpcd.out").read_text(errors="replace")[-3000:])
        try:
            ept_map_port("127.0.0.1", WKSSVC, (1, 0), timeout=2)
            return
        except (RpcError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
