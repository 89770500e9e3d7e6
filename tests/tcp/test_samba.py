"""midlpy clients compiled from Microsoft's published IDL against Samba's real server,
samba-dcerpcd (standalone, anonymous), every port found through its endpoint mapper."""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

import pytest

import midlpy
from midlpy.runtime import rpc
from midlpy.runtime.errors import RPC_S_UNKNOWN_IF, RPC_X_SS_CONTEXT_MISMATCH, RpcError

from . import samba
from .helpers import ROOT

MS_SPEC = ROOT / "tests" / "data" / "ms-spec"
BINDING = "ncacn_ip_tcp:127.0.0.1"  # no port: the endpoint mapper on 135 is asked


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert os.path.exists(samba.DCERPCD), "samba-dcerpcd is missing: .ci/run installs samba"
    with samba.dcerpcd(tmp_path_factory.mktemp("samba")) as proc:
        yield proc


@pytest.fixture(scope="module")
def wkst() -> Any:
    return midlpy.load(str(MS_SPEC / "ms-wkst.idl"))


@pytest.fixture(scope="module")
def srvs() -> Any:
    return midlpy.load(str(MS_SPEC / "ms-srvs.idl"))


@pytest.fixture(scope="module")
def samr() -> Any:
    return midlpy.load(str(MS_SPEC / "ms-samr.idl"))


def test_netr_wksta_get_info_100(server, wkst):
    with wkst.wkssvcClient.connect(BINDING, timeout=30) as c:
        info, status = c.NetrWkstaGetInfo(None, 100)
    assert status == 0 and info.switch == 100
    w = info.WkstaInfo100
    assert w.wki100_platform_id == 500  # PLATFORM_ID_NT ([MS-WKST] 2.2.5.1)
    assert w.wki100_computername == samba.NETBIOS_NAME
    assert w.wki100_langroup == samba.WORKGROUP


def test_netr_server_get_info_101(server, srvs):
    with srvs.srvsvcClient.connect(BINDING, timeout=30) as c:
        info, status = c.NetrServerGetInfo(None, 101)
    assert status == 0 and info.switch == 101
    s = info.ServerInfo101
    assert s.sv101_platform_id == 500 and s.sv101_name == samba.NETBIOS_NAME
    assert s.sv101_version_type & 0x2  # SV_TYPE_SERVER ([MS-SRVS] 2.2.2.7)
    assert s.sv101_comment.startswith("Samba")


def test_netr_share_enum_1(server, srvs):
    m = srvs
    request = m.SHARE_ENUM_STRUCT(Level=1, ShareInfo=m.SHARE_ENUM_UNION(
        switch=1, Level1=m.SHARE_INFO_1_CONTAINER(EntriesRead=0, Buffer=None)))
    with m.srvsvcClient.connect(BINDING, timeout=30) as c:
        info, total, resume, status = c.NetrShareEnum(None, request, 0xFFFFFFFF, None)
    assert status == 0
    shares = {s.shi1_netname: s for s in info.ShareInfo.Level1.Buffer}
    assert total == info.ShareInfo.Level1.EntriesRead == len(shares)
    assert shares[samba.SHARE].shi1_remark == samba.SHARE_COMMENT
    assert shares[samba.SHARE].shi1_type == 0  # STYPE_DISKTREE
    assert shares["IPC$"].shi1_type & 0xFF == 3  # STYPE_IPC


def test_samr_context_handle_round_trip(server, samr):
    with samr.samrClient.connect(BINDING, timeout=30) as c:
        # SAM_SERVER_CONNECT | SAM_SERVER_ENUMERATE_DOMAINS | SAM_SERVER_LOOKUP_DOMAIN
        handle, status = c.SamrConnect(None, 0x31)
        assert status == 0 and handle is not None
        resume, buf, count, status = c.SamrEnumerateDomainsInSamServer(handle, 0, 0xFFFFFFFF)
        assert status == 0 and count == buf.EntriesRead == 2
        names = sorted(e.Name.Buffer for e in buf.Buffer)
        assert names == sorted(["Builtin", samba.NETBIOS_NAME])
        closed, status = c.SamrCloseHandle(handle)
        assert status == 0 and closed is None and handle.closed
        with pytest.raises(RpcError) as err:  # the server forgot the handle
            c.SamrEnumerateDomainsInSamServer(handle, 0, 0xFFFFFFFF)
        assert err.value.status == RPC_X_SS_CONTEXT_MISMATCH  # nca_s_fault_context_mismatch


def test_several_interfaces_on_one_samba_connection(server, wkst, srvs):
    with wkst.wkssvcClient.connect(BINDING, timeout=30) as w:
        s = srvs.srvsvcClient.connect(w)  # alter_context on the same association
        assert s.NetrServerGetInfo(None, 100)[1] == 0
        assert w.NetrWkstaGetInfo(None, 100)[1] == 0


def test_samba_refuses_an_interface_it_does_not_serve_there(server, wkst):
    bogus = rpc.Interface("bogus", UUID("12345678-1234-abcd-ef00-0123456789ab"), (9, 9), ())
    with wkst.wkssvcClient.connect(BINDING, timeout=30) as w:
        with pytest.raises(RpcError) as err:
            w.transport.connection.bind(bogus)  # alter_context, refused
        assert err.value.status == RPC_S_UNKNOWN_IF
        assert w.NetrWkstaGetInfo(None, 100)[1] == 0
