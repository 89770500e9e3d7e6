"""Creating, using, closing and running down context handles; faults and their statuses."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midlpy.runtime import errors, rpc
from midlpy.runtime.context import ClientContext
from midlpy.runtime.ndr import ContextHandle
from tests.contexthandle.probe import (DATA, Probe, WaitLog, alpha, call_in_thread, connect,
                                       join)
from tests.helpers import load_idl


def _status(fn: object, *args: object) -> int:
    with pytest.raises(rpc.RpcError) as err:
        fn(*args)  # type: ignore[operator]
    return err.value.status


def _opnum(name: str) -> int:
    return next(p.opnum for p in alpha().AlphaClient.interface.procs if p.name == name)


def test_open_use_close() -> None:
    probe = Probe()
    client, t = connect(alpha().AlphaServer(probe))
    h = client.OpenExcl(7)
    assert isinstance(h, ClientContext) and not h.token.is_null
    assert client.Write(h, 1) == 7 and client.Read(h, 2) == 7
    assert client.CloseExcl(h) is None and h.closed
    assert _status(client.Write, h, 3) == errors.RPC_X_SS_CONTEXT_MISMATCH
    assert _status(client.CloseExcl, h) == errors.RPC_X_SS_CONTEXT_MISMATCH
    assert len(t.association.table) == 0
    t.close()
    assert probe.rundown_log == []  # closed handles are never run down
    assert [o.closed for o in probe.created] == [1]


def test_handles_declared_on_parameters_and_returned() -> None:
    probe = Probe()
    client, t = connect(alpha().AlphaServer(probe))
    p = client.OpenRaw(5)  # [context_handle] void *OpenRaw(...)
    assert isinstance(p, ClientContext)
    assert client.UseRaw(p, 1) == 5
    assert client.CloseRaw(p) is None and p.closed
    assert client.CloseRaw(None) is None  # [in, out] may be NULL
    p2 = client.OpenRaw(6)
    t.close()
    assert probe.rundown_log == []  # no typedef, so no rundown routine
    assert [o.tag for o in probe.created] == [5, 6] and probe.created[1].closed == 0
    del p2


def test_unknown_handle_is_a_context_mismatch() -> None:
    client, t = connect(alpha().AlphaServer(Probe()))
    client.OpenExcl(1)
    forged = ClientContext(ContextHandle(0, uuid.uuid4()))
    assert _status(client.Write, forged, 1) == errors.RPC_X_SS_CONTEXT_MISMATCH
    t.close()


def test_handle_of_another_association_is_a_context_mismatch() -> None:
    server = alpha().AlphaServer(Probe())
    c1, t1 = connect(server)
    c2, t2 = connect(server)
    h = c1.OpenExcl(1)
    assert _status(c2.Write, h, 1) == errors.RPC_X_SS_CONTEXT_MISMATCH
    assert c1.Write(h, 1) == 1
    t1.close()
    t2.close()


def test_null_in_handle() -> None:
    client, t = connect(alpha().AlphaServer(Probe()))
    assert _status(client.Write, None, 1) == errors.RPC_X_SS_IN_NULL_CONTEXT  # client side
    request = bytes(20) + (1).to_bytes(4, "little")  # a NULL handle sent anyway
    assert _status(t.call, _opnum("Write"), request) == errors.RPC_X_SS_IN_NULL_CONTEXT
    t.close()


def test_bad_requests_and_arguments() -> None:
    client, t = connect(alpha().AlphaServer(Probe()))
    h = client.OpenExcl(1)
    assert _status(t.call, 99, b"") == errors.RPC_S_PROCNUM_OUT_OF_RANGE
    assert _status(t.call, _opnum("Write"), b"\0" * 7) == errors.RPC_X_BAD_STUB_DATA
    assert _status(client.Write, "not a handle", 1) == errors.RPC_S_INVALID_ARG
    with pytest.raises(rpc.EncodeError):
        client.Write(h, "not a long")
    assert client.Write(h, 2) == 1  # the connection is still fine
    t.close()


class _Failing(Probe):
    def Write(self, h: object, tag: int) -> int:
        if tag == 1:
            raise rpc.RpcError(5, "access denied")
        raise ValueError("a bug in the server")

    def Read(self, h: object, tag: int) -> Any:
        return (1, 2)  # one [out] value expected, not a tuple


def test_implementation_failures_become_faults() -> None:
    server = alpha().AlphaServer(_Failing())
    client, t = connect(server)
    h = client.OpenExcl(1)
    assert _status(client.Write, h, 1) == 5
    assert _status(client.Write, h, 2) == errors.RPC_S_CALL_FAILED
    assert isinstance(server.errors[-1], ValueError)  # kept on the server for diagnosis
    # a reply that cannot be marshalled is the server's failure, recorded with its cause
    assert _status(client.Read, h, 3) == errors.RPC_S_CALL_FAILED
    assert "cannot be marshalled" in str(server.errors[-1])
    assert server.errors[-1].status == errors.RPC_S_INVALID_ARG
    assert client.Pair(h, h, 4) == 2  # the handle was released after every fault
    t.close()


def test_an_implementation_must_have_every_procedure() -> None:
    with pytest.raises(TypeError, match="'Write'"):
        alpha().AlphaServer(object())
    with pytest.raises(TypeError, match="call"):
        alpha().AlphaClient(object())
    with pytest.raises(TypeError, match="interface"):
        rpc.Dispatcher(Probe())


def test_rundown_runs_once_for_every_open_handle() -> None:
    probe = Probe()
    server = alpha().AlphaServer(probe)
    client, t = connect(server)
    hs = [client.OpenExcl(i) for i in range(5)]
    o = client.OpenOther(10)
    client.CloseExcl(hs[1])
    client.CloseExcl(hs[3])
    other_client, t2 = connect(server)
    other_client.OpenExcl(20)
    t.close()
    t.close()  # a second close runs nothing
    assert sorted(x.tag for x in probe.rundown_log) == [0, 2, 4, 10]
    assert all(x.rundowns == 1 for x in probe.rundown_log)
    assert _status(client.Write, hs[0], 1) == errors.RPC_S_CALL_FAILED  # connection gone
    assert _status(client.OpenExcl, 1) == errors.RPC_S_CALL_FAILED
    t2.close()
    assert sorted(x.tag for x in probe.rundown_log) == [0, 2, 4, 10, 20]
    assert all(x.rundowns + x.closed == 1 for x in probe.created)
    del o


def test_rundown_waits_for_the_call_in_progress() -> None:
    probe = Probe()
    client, t = connect(alpha().AlphaServer(probe))
    h = client.OpenExcl(1)
    release = probe.hold(30)
    caller, c_out = call_in_thread(lambda: client.Read(h, 30))
    assert probe.inside(30)
    waiting = WaitLog()
    closer, _ = call_in_thread(lambda: t.association.close(lambda: waiting("close")))
    assert waiting.blocked("close")
    assert probe.rundown_log == []  # not while the call is inside
    release.set()
    join(caller, closer)
    assert c_out == {"result": 1}
    assert [x.tag for x in probe.rundown_log] == [1]


def test_a_handle_created_after_the_client_left_is_run_down_at_once() -> None:
    probe = Probe()
    client, t = connect(alpha().AlphaServer(probe))
    release = probe.hold(40)
    opener, o_out = call_in_thread(lambda: client.OpenExcl(40))
    assert probe.inside(40)
    t.close()
    release.set()
    join(opener)
    assert o_out["error"].status == errors.RPC_S_CALL_FAILED
    assert [(x.tag, x.rundowns) for x in probe.rundown_log] == [(40, 1)]


def test_a_handle_whose_response_cannot_be_sent_is_run_down_at_once() -> None:
    probe = Probe()
    client, t = connect(alpha().AlphaServer(probe))
    h, status = client.OpenChecked(0)
    assert status == 0 and client.Write(h, 1) == 0
    with pytest.raises(rpc.RpcError) as err:
        client.OpenChecked(1)
    assert err.value.status == errors.RPC_S_CALL_FAILED  # the server's reply did not fit
    assert [(x.kind, x.rundowns) for x in probe.rundown_log] == [("Excl", 1)]
    assert len(t.association.table) == 1  # only the first one
    t.close()
    assert [x.rundowns for x in probe.created] == [1, 1]


class _BadRundown(Probe):
    def H_EXCL_rundown(self, o: object) -> None:
        raise RuntimeError("rundown failed")


def test_a_failing_rundown_does_not_stop_the_others() -> None:
    probe = _BadRundown()
    client, t = connect(alpha().AlphaServer(probe))
    client.OpenExcl(1)
    client.OpenOther(2)
    t.close()
    assert [x.tag for x in probe.rundown_log] == [2]
    assert [type(e) for e in t.association.rundown_errors] == [RuntimeError]


def test_strict_interface_rejects_handles_of_other_interfaces() -> None:
    beta = load_idl(DATA / "beta.idl")

    class Beta:
        def OpenB(self) -> str:
            return "b"

        def UseB(self, h: str) -> int:
            return len(h)

    a_client, a_t = connect(alpha().AlphaServer(Probe()))
    shared = a_t.association  # one connection carrying both interfaces
    b_t = rpc.InProcessTransport(beta.BetaServer(Beta()), shared)
    b_client = beta.BetaClient(b_t)
    mine = b_client.OpenB()
    assert b_client.UseB(mine) == 1
    foreign = a_client.OpenExcl(1)
    assert _status(b_client.UseB, foreign) == errors.RPC_X_SS_CONTEXT_MISMATCH
    # Alpha is not strict: it takes Beta's handle (and hands its object over)
    with pytest.raises(rpc.RpcError):
        a_client.Write(mine, 1)  # ... which is a str, so Probe fails: a fault, not a crash
    a_t.close()


def test_type_strict_interface_rejects_handles_of_other_types() -> None:
    gamma = load_idl(DATA / "gamma.idl")

    class Gamma:
        def OpenA(self) -> str:
            return "a"

        def OpenB(self) -> str:
            return "b"

        def UseA(self, h: str) -> int:
            return 1

        def UseAShared(self, h: str) -> int:
            return 2

        def UseB(self, h: str) -> int:
            return 3

    client = gamma.GammaClient(rpc.InProcessTransport(gamma.GammaServer(Gamma())))
    a, b = client.OpenA(), client.OpenB()
    assert client.UseA(a) == 1 and client.UseB(b) == 3
    assert client.UseAShared(a) == 2  # GA_SHARED is built from GA: the same type
    assert _status(client.UseA, b) == errors.RPC_X_SS_CONTEXT_MISMATCH
    assert _status(client.UseB, a) == errors.RPC_X_SS_CONTEXT_MISMATCH
    client.transport.close()


def test_a_non_strict_interface_takes_any_of_its_handles() -> None:
    client, t = connect(alpha().AlphaServer(Probe()))
    o = client.OpenOther(3)
    assert client.Write(o, 1) == 3  # an OTHER where an H_EXCL is declared
    t.close()


# RPC_S_CALL_FAILED: Probe's answer to some requests does not marshal (the server's fault).
_SERVER_FAULTS = {errors.RPC_X_BAD_STUB_DATA, errors.RPC_S_PROCNUM_OUT_OF_RANGE,
                  errors.RPC_X_SS_IN_NULL_CONTEXT, errors.RPC_X_SS_CONTEXT_MISMATCH,
                  errors.RPC_S_INVALID_BOUND, errors.RPC_S_CALL_FAILED}


@settings(max_examples=200, deadline=None)
@given(st.integers(-1, 16), st.binary(max_size=48))
def test_any_request_gets_a_reply_never_an_exception(opnum: int, body: bytes) -> None:
    server = alpha().AlphaServer(Probe())
    assoc = server.associate()
    reply = server.dispatch(assoc, opnum, body)
    assert isinstance(reply, rpc.Reply)
    assert reply.status == 0 or reply.status in _SERVER_FAULTS, reply
    assoc.close()
