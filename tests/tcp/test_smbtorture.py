"""Samba's own torture client against the rpcecho example server (a separate process)."""

from __future__ import annotations

import subprocess

from .helpers import echo_process, have

SMBTORTURE = "/usr/bin/smbtorture"
TESTS = ["addone", "sinkdata", "echodata", "sourcedata", "testcall", "testcall2", "enum",
         "surrounding", "doublepointer", "sleep"]


def smb_conf(tmp) -> str:
    """A client smb.conf keeping Samba's state, lock and cache files under ``tmp``."""
    conf = tmp / "smb.conf"
    dirs = {k: tmp / k.replace(" ", "_") for k in
            ("lock directory", "state directory", "cache directory", "private dir",
             "ncalrpc dir")}
    for d in dirs.values():
        d.mkdir(exist_ok=True)
    conf.write_text("[global]\n" + "".join(f"  {k} = {v}\n" for k, v in dirs.items()))
    return str(conf)


def rpc_echo(tmp, binding: str, user: str = "%") -> str:
    """Run ``smbtorture BINDING -U USER rpc.echo``; check every test passed; its output."""
    assert have(SMBTORTURE), "smbtorture is missing: .ci/run installs samba-testsuite"
    done = subprocess.run([SMBTORTURE, binding, "-U", user, "-s", smb_conf(tmp), "rpc.echo"],
                          cwd=tmp, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    for name in TESTS:
        assert f"success: echo.{name}\n" in out, out[-4000:]
    assert "failure:" not in out and "error:" not in out and "skip:" not in out
    return out


def test_smbtorture_rpc_echo_passes(tmp_path):
    with echo_process(tmp_path) as port:
        out = rpc_echo(tmp_path, f"ncacn_ip_tcp:127.0.0.1[{port}]")
    assert "sunk 20" in out  # the 200,000-byte SinkData went through fragmented
