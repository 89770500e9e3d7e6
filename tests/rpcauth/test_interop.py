"""Authenticated RPC against implementations no one here wrote: Samba's smbtorture and
samba-dcerpcd, and impacket's DCE/RPC client."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.rpcrt import (RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                      RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT,
                                      DCERPCException)

import midlpy
from midlpy.runtime import ntlm, rpcauth
from midlpy.runtime.errors import RpcError
from midlpy.runtime.rpcauth import NtlmClientAuth

from . import samba
from ..tcp import helpers
from ..tcp.helpers import Echo, echo
from ..tcp.test_impacket import ECHO, AddOne, add_one_and_echo
from ..tcp.test_smbtorture import SMBTORTURE, rpc_echo, smb_conf

HERE = Path(__file__).resolve().parent
USER, PASSWORD = "torture", "T0rture-pw!"


@pytest.fixture
def echo_server() -> Iterator[Any]:
    table = {USER: ntlm.nt_hash(PASSWORD)}
    factory = rpcauth.ntlm_server(lambda u, d: table.get(u.lower()))
    with echo.rpcechoServer(Echo()).serve("ncacn_ip_tcp:127.0.0.1[0]", auth=factory) as s:
        yield s


# --- smbtorture against the rpcecho example, signed and sealed ------------------------------

@pytest.fixture(scope="module")
def echo_process() -> Iterator[int]:
    """``examples/rpcecho/server.py --user torture%PASSWORD`` (a separate process)."""
    with tempfile.TemporaryDirectory() as d, \
            helpers.echo_process(Path(d), "--user", f"{USER}%{PASSWORD}") as port:
        yield port


# Without an auth option smbtorture offers SPNEGO; "ntlm" makes it bind with bare NTLM.
@pytest.mark.parametrize("option", ["sign", "seal", "spnego,seal", "ntlm,sign"])
def test_smbtorture_rpc_echo_signed_and_sealed(echo_process: int, option: str,
                                               tmp_path: Path) -> None:
    rpc_echo(tmp_path, f"ncacn_ip_tcp:127.0.0.1[{echo_process},{option}]",
             f"{USER}%{PASSWORD}")


def test_smbtorture_with_a_wrong_password_fails(echo_process: int, tmp_path: Path) -> None:
    done = subprocess.run([SMBTORTURE, f"ncacn_ip_tcp:127.0.0.1[{echo_process},seal]",
                           "-U", f"{USER}%not-the-password", "-s", smb_conf(tmp_path),
                           "rpc.echo.addone"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "success: echo.addone" not in out, out[-3000:]


# --- impacket as the client ----------------------------------------------------------------

@pytest.mark.parametrize("level", [RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                   RPC_C_AUTHN_LEVEL_PKT_PRIVACY])
def test_impacket_client_with_ntlm(echo_server: Any, level: int) -> None:
    t = transport.DCERPCTransportFactory(echo_server.binding)
    t.set_credentials(USER, PASSWORD, "SOMEDOMAIN")
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.set_auth_level(level)
    dce.set_max_fragment_size(1024)  # many sealed fragments in each direction
    dce.connect()
    try:
        dce.bind(ECHO)
        add_one_and_echo(dce, 16 * 1024)
    finally:
        dce.disconnect()


def test_impacket_client_with_a_wrong_password(echo_server: Any) -> None:
    t = transport.DCERPCTransportFactory(echo_server.binding)
    t.set_credentials(USER, "wrong", "SOMEDOMAIN")
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    try:
        dce.bind(ECHO)
        r = AddOne()
        r["in_data"] = 1
        with pytest.raises((DCERPCException, OSError, Exception)) as err:
            dce.request(r, checkError=False)
        assert "42" not in str(err.value)
    finally:
        dce.disconnect()


# --- samba-dcerpcd: authenticated SAMR calls -----------------------------------------------

# [MS-SAMR]'s IDL as Microsoft publishes it (tests/data/ms-spec, with its provenance).
samr: Any = midlpy.load(str(HERE.parent / "data" / "ms-spec" / "ms-samr.idl"))
SAM_SERVER_CONNECT, SAM_SERVER_ENUMERATE_DOMAINS = 0x1, 0x10


@pytest.fixture(scope="module")
def samba_server() -> Iterator[samba.Samba]:
    why = samba.available()
    assert why is None, f"{why}; .ci/run installs it"
    with tempfile.TemporaryDirectory() as d, samba.samba(Path(d)) as s:
        yield s


def _names(buf: Any) -> list[str]:
    return [e.Name.Buffer for e in buf.Buffer]


@pytest.mark.parametrize("level", [rpcauth.AUTHN_LEVEL_PKT_INTEGRITY,
                                   rpcauth.AUTHN_LEVEL_PKT_PRIVACY])
def test_samr_calls_against_samba(samba_server: samba.Samba, level: int) -> None:
    creds = ntlm.Credentials(samba_server.user, samba_server.domain,
                             password=samba_server.password)
    with samr.samrClient.connect(samba_server.binding, timeout=30,
                                     auth=NtlmClientAuth(creds, level)) as c:
        handle, status = c.SamrConnect(None, SAM_SERVER_CONNECT | SAM_SERVER_ENUMERATE_DOMAINS)
        assert status == 0
        context, buf, count, status = c.SamrEnumerateDomainsInSamServer(handle, 0, 0xFFFF)
        assert status == 0 and count == 2
        assert sorted(_names(buf)) == ["Builtin", samba.NETBIOS]
        assert c.SamrCloseHandle(handle) == (None, 0)


def test_samr_with_a_wrong_password_fails_cleanly(samba_server: samba.Samba) -> None:
    creds = ntlm.Credentials(samba_server.user, samba_server.domain, password="wrong")
    with samr.samrClient.connect(samba_server.binding, timeout=30,
                                     auth=NtlmClientAuth(creds)) as c:
        with pytest.raises(RpcError) as err:
            c.SamrConnect(None, SAM_SERVER_CONNECT)
    # Samba answers the first call after a refused AUTHENTICATE with a fault
    # (nca_s_proto_error); the client raises it and never returns a handle.
    assert err.value.status in (5, 1728)
    # A correct logon on a new connection still works.
    good = ntlm.Credentials(samba_server.user, samba_server.domain,
                            password=samba_server.password)
    with samr.samrClient.connect(samba_server.binding, timeout=30,
                                     auth=NtlmClientAuth(good)) as c:
        handle, status = c.SamrConnect(None, SAM_SERVER_CONNECT)
        assert status == 0
        c.SamrCloseHandle(handle)
