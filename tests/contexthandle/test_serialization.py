"""context_handle_serialize / noserialize: who may be inside a handle at the same time.

A call that must wait is seen waiting through the dispatcher's ``on_wait`` hook, and a
call that must not wait proves it by meeting the other call at a barrier inside.
"""

from __future__ import annotations

import pytest

from midlpy.runtime import context, rpc
from tests.contexthandle.probe import Probe, WaitLog, alpha, call_in_thread, connect, join


def _server(serialize: bool | None = None, default: bool = True) -> tuple[Probe, rpc.Dispatcher,
                                                                          WaitLog]:
    probe = Probe(serialized_default=default)
    server = alpha().AlphaServer(probe, serialize=serialize)
    log = WaitLog()
    server.on_wait = log
    return probe, server, log


@pytest.mark.parametrize("second", ["Read", "Write", "ParamShared"])
def test_a_serialized_call_excludes_every_other_call(second: str) -> None:
    probe, server, log = _server()
    client, t = connect(server)
    h = client.OpenExcl(1)
    release = probe.hold(10)
    writer, w_out = call_in_thread(lambda: client.Write(h, 10))
    assert probe.inside(10)
    other, o_out = call_in_thread(lambda: getattr(client, second)(h, 11))
    assert log.blocked(second)  # it reached the lock and had to wait ...
    assert not probe.entered[11].is_set()  # ... and is not inside
    release.set()
    join(writer, other)
    assert w_out == {"result": 1} and o_out == {"result": 1}
    assert probe.overlaps == []
    t.close()


def test_a_serialized_call_waits_for_shared_calls_to_leave() -> None:
    probe, server, log = _server()
    client, t = connect(server)
    h = client.OpenExcl(1)
    release = probe.hold(20)
    reader, _ = call_in_thread(lambda: client.Read(h, 20))
    assert probe.inside(20)
    writer, w_out = call_in_thread(lambda: client.Write(h, 21))
    assert log.blocked("Write")
    assert not probe.entered[21].is_set()
    release.set()
    join(reader, writer)
    assert w_out == {"result": 1} and probe.overlaps == []
    t.close()


@pytest.mark.parametrize("procs", [("Read", "Read"), ("Read", "ParamShared"),
                                   ("ParamShared", "ParamShared")])
def test_nonserialized_calls_on_one_handle_are_inside_together(procs: tuple[str, str]) -> None:
    probe, server, _ = _server()
    client, t = connect(server)
    h = client.OpenExcl(1)
    probe.meet(30, 31)  # both must be inside at once to get past the barrier
    a, a_out = call_in_thread(lambda: getattr(client, procs[0])(h, 30))
    b, b_out = call_in_thread(lambda: getattr(client, procs[1])(h, 31))
    join(a, b)
    assert a_out == {"result": 1} and b_out == {"result": 1}
    t.close()


def test_procedure_attribute_makes_calls_shared() -> None:
    probe, server, _ = _server()
    client, t = connect(server)
    o = client.OpenOther(2)
    probe.meet(32, 33)
    a, a_out = call_in_thread(lambda: client.ForceShared(o, 32))
    b, b_out = call_in_thread(lambda: client.ForceShared(o, 33))
    join(a, b)
    assert a_out == {"result": 2} and b_out == {"result": 2}
    t.close()


def test_calls_on_different_handles_never_wait_for_each_other() -> None:
    probe, server, log = _server()
    client, t = connect(server)
    h1, h2 = client.OpenExcl(1), client.OpenExcl(2)
    probe.meet(40, 41, 42)
    a, a_out = call_in_thread(lambda: client.Write(h1, 40))
    b, b_out = call_in_thread(lambda: client.Write(h2, 41))
    # a third connection too: tables are per association, locks per handle
    client2, t2 = connect(server)
    h3 = client2.OpenExcl(3)
    c, c_out = call_in_thread(lambda: client2.Write(h3, 42))
    join(a, b, c)
    assert (a_out, b_out, c_out) == ({"result": 1}, {"result": 2}, {"result": 3})
    assert not log.events
    t.close()
    t2.close()


def test_a_call_holding_two_handles_locks_both() -> None:
    probe, server, log = _server()
    client, t = connect(server)
    h1, h2 = client.OpenExcl(1), client.OpenExcl(2)
    release = probe.hold(50)
    pair, p_out = call_in_thread(lambda: client.Pair(h1, h2, 50))
    assert probe.inside(50)
    reader, r_out = call_in_thread(lambda: client.Read(h2, 51))
    assert log.blocked("Read")
    release.set()
    join(pair, reader)
    assert p_out == {"result": 3} and r_out == {"result": 2}
    assert client.Pair(h1, h1, 52) == 2  # the same handle twice is locked once
    assert probe.overlaps == []
    t.close()


def test_the_default_is_serialized() -> None:
    probe, server, log = _server()
    client, t = connect(server)
    o = client.OpenOther(1)
    release = probe.hold(60)
    a, _ = call_in_thread(lambda: client.Plain(o, 60))
    assert probe.inside(60)
    b, b_out = call_in_thread(lambda: client.Plain(o, 61))
    assert log.blocked("Plain") and not probe.entered[61].is_set()
    release.set()
    join(a, b)
    assert b_out == {"result": 1} and probe.overlaps == []
    t.close()


def _dont_serialize_default_checks(probe: Probe, server: rpc.Dispatcher, log: WaitLog) -> None:
    client, t = connect(server)
    o = client.OpenOther(1)
    # no attribute: now shared
    probe.meet(70, 71)
    a, a_out = call_in_thread(lambda: client.Plain(o, 70))
    b, b_out = call_in_thread(lambda: client.Plain(o, 71))
    join(a, b)
    assert a_out == {"result": 1} and b_out == {"result": 1}
    # [context_handle_serialize] on the procedure still wins
    release = probe.hold(72)
    c, _ = call_in_thread(lambda: client.ForceSerial(o, 72))
    assert probe.inside(72)
    d, d_out = call_in_thread(lambda: client.Plain(o, 73))
    assert log.blocked("Plain") and not probe.entered[73].is_set()
    release.set()
    join(c, d)
    # ... and on the typedef (H_EXCL) too
    h = client.OpenExcl(2)
    release = probe.hold(74)
    e, _ = call_in_thread(lambda: client.Write(h, 74))
    assert probe.inside(74)
    f, _ = call_in_thread(lambda: client.Write(h, 75))
    assert log.blocked("Write") and not probe.entered[75].is_set()
    release.set()
    join(e, f)
    assert probe.overlaps == []
    t.close()


def test_RpcSsDontSerializeContext_changes_the_default_not_the_attribute(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "_dont_serialize", False)  # undone after the test
    probe, server, log = _server(default=False)
    assert context.serialize_by_default()
    rpc.RpcSsDontSerializeContext()
    assert not context.serialize_by_default()
    _dont_serialize_default_checks(probe, server, log)


def test_a_server_can_have_its_own_default() -> None:
    probe, server, log = _server(serialize=False, default=False)
    _dont_serialize_default_checks(probe, server, log)
    assert context.serialize_by_default()  # the process default is untouched


def test_explicit_noserialize_wins_over_a_serializing_server() -> None:
    probe, server, _ = _server(serialize=True)
    client, t = connect(server)
    h = client.OpenExcl(1)
    probe.meet(80, 81)
    a, a_out = call_in_thread(lambda: client.Read(h, 80))
    b, b_out = call_in_thread(lambda: client.Read(h, 81))
    join(a, b)
    assert a_out == {"result": 1} and b_out == {"result": 1}
    t.close()


def test_close_is_exclusive_and_later_calls_see_the_handle_closed() -> None:
    probe, server, log = _server()
    client, t = connect(server)
    h = client.OpenExcl(1)
    release = probe.hold(90)
    reader, _ = call_in_thread(lambda: client.Read(h, 90))
    assert probe.inside(90)
    closer, c_out = call_in_thread(lambda: client.CloseExcl(h))
    assert log.blocked("CloseExcl")
    release.set()
    join(reader, closer)
    assert c_out == {"result": None} and h.closed
    with pytest.raises(rpc.RpcError) as err:
        client.Read(h, 91)
    assert err.value.status == 6  # RPC_X_SS_CONTEXT_MISMATCH
    t.close()
