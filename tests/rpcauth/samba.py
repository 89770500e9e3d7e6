"""A throwaway Samba for the authenticated-RPC tests: ``samba-dcerpcd`` serving SAMR on one
TCP port, with a user in its own temporary passdb.

The user exists only inside the temporary directory: nss_wrapper (Samba's own test
helper, Debian package libnss-wrapper) gives pdbedit and the RPC daemons a passwd file
there, so nothing on the machine changes. Only ``rpcd_lsad`` (LSA and SAMR) is started, on
a port picked at run time, so no endpoint mapper claims port 135.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..tcp.samba import stop_group

DCERPCD = "/usr/libexec/samba/samba-dcerpcd"
RPCD_LSAD = "/usr/libexec/samba/rpcd_lsad"
NSS_WRAPPER = "libnss_wrapper.so"
USER, PASSWORD, WORKGROUP, NETBIOS = "rpcuser", "Corr3ct-h0rse!", "MIDLDOM", "MIDLTEST"


def available() -> str | None:
    """Why this Samba cannot run here, or None."""
    for path in (DCERPCD, RPCD_LSAD):
        if not os.path.exists(path):
            return f"{path} is missing (Debian package samba)"
    if shutil.which("pdbedit") is None:
        return "pdbedit is missing (Debian package samba)"
    if not any(Path(d, NSS_WRAPPER).exists() for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib",
                                                       "/usr/lib/aarch64-linux-gnu")):
        return "libnss_wrapper.so is missing (Debian package libnss-wrapper)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Samba:
    port: int
    user: str = USER
    password: str = PASSWORD
    domain: str = WORKGROUP

    @property
    def binding(self) -> str:
        return f"ncacn_ip_tcp:127.0.0.1[{self.port}]"


@contextlib.contextmanager
def samba(tmp: Path) -> Iterator[Samba]:
    dirs = {name: tmp / name for name in ("state", "cache", "lock", "private", "pid", "log",
                                         "ncalrpc")}
    for d in dirs.values():
        d.mkdir()
    (tmp / "passwd").write_text("root:x:0:0:root:/root:/bin/false\n"
                                "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                                f"{USER}:x:20001:20001:rpc test user:/nonexistent:/bin/false\n")
    (tmp / "group").write_text("root:x:0:\nnogroup:x:65534:\n" f"{USER}:x:20001:\n")
    port = free_port()
    conf = tmp / "smb.conf"
    conf.write_text(f"""[global]
  netbios name = {NETBIOS}
  workgroup = {WORKGROUP}
  server role = standalone server
  interfaces = 127.0.0.1
  bind interfaces only = yes
  rpc start on demand helpers = no
  rpc server dynamic port range = {port}-{port}
  passdb backend = tdbsam:{dirs['private']}/passdb.tdb
  state directory = {dirs['state']}
  cache directory = {dirs['cache']}
  lock directory = {dirs['lock']}
  private dir = {dirs['private']}
  pid directory = {dirs['pid']}
  ncalrpc dir = {dirs['ncalrpc']}
  log file = {dirs['log']}/%m.log
  load printers = no
  disable spoolss = yes
""")
    env = dict(os.environ, NSS_WRAPPER_PASSWD=str(tmp / "passwd"),
               NSS_WRAPPER_GROUP=str(tmp / "group"), LD_PRELOAD=NSS_WRAPPER)
    add = subprocess.run(["pdbedit", "-s", str(conf), "-a", "-u", USER, "-t"],
                         input=f"{PASSWORD}\n{PASSWORD}\n", env=env, capture_output=True,
                         text=True, timeout=60)
    assert add.returncode == 0, add.stdout + add.stderr
    log = open(tmp / "dcerpcd.out", "wb")
    proc = subprocess.Popen([DCERPCD, "-s", str(conf), "-F", "--debug-stdout", "-d1",
                             RPCD_LSAD], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("samba-dcerpcd did not start: "
                                       + (tmp / "dcerpcd.out").read_text()[-2000:])
                time.sleep(0.1)
        yield Samba(port)
    finally:
        stop_group(proc)
        log.close()
