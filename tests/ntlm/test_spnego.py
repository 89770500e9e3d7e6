"""SPNEGO around NTLM (server side), with impacket's SPNEGO encoder and decoder as the
independent client; smbtorture's [spnego] runs are in tests/rpcauth."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from impacket import spnego as imp

from midlpy.runtime import ntlm
from midlpy.runtime.rpcauth import AUTHN_LEVEL_PKT_PRIVACY, SpnegoServerAuth

NTLM_MECH = imp.TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]
KRB5_MECH = imp.TypesMech["MS KRB5 - Microsoft Kerberos 5"]
USERS = {"alice": ntlm.nt_hash("pw")}


def server() -> SpnegoServerAuth:
    return SpnegoServerAuth(lambda u, d: USERS.get(u), AUTHN_LEVEL_PKT_PRIVACY)


def _mech_list(mechs: list[bytes]) -> bytes:
    init = imp.SPNEGO_NegTokenInit()
    init["MechTypes"] = mechs
    data = init.getData()
    # impacket's encoding: 60 .. 06 <spnego> a0 .. 30 .. a0 <len> <MechTypeList>
    inner = data[data.index(b"\xa0", 2) + 2:]
    inner = inner[inner.index(b"\xa0") + 2:]
    return inner[:2 + inner[1]]


@pytest.mark.parametrize("optimistic", [True, False])
def test_ntlm_inside_spnego_with_mech_list_mics(optimistic: bool) -> None:
    mechs = [NTLM_MECH] if optimistic else [KRB5_MECH, NTLM_MECH]
    client = ntlm.NtlmClient(ntlm.Credentials("alice", "D", password="pw"))
    srv = server()
    init = imp.SPNEGO_NegTokenInit()
    init["MechTypes"] = mechs
    if optimistic:
        init["MechToken"] = client.negotiate()
    answer = srv.step(init.getData())
    if not optimistic:  # Kerberos was first: NTLM starts on the next leg
        # NegTokenResp { negState [0] accept-incomplete, supportedMech [1] NTLMSSP }, DER
        # by hand from RFC 4178 4.2.2 (impacket's decoder wants a token after the mech).
        assert answer == bytes.fromhex("a115" "3013" "a0030a0101" "a10c060a2b06010401823702020a")
        first = imp.SPNEGO_NegTokenResp()
        first["ResponseToken"] = client.negotiate()
        answer = srv.step(first.getData())
    resp = imp.SPNEGO_NegTokenResp(answer)
    assert resp["NegState"] == b"\x01"
    if optimistic:
        assert resp["SupportedMech"] == NTLM_MECH
    auth = client.authenticate(resp["ResponseToken"])
    session = client.session
    assert session is not None
    mech_list = _mech_list(mechs)
    mic = session.keeping_rc4(lambda: session.sign(mech_list))
    last = imp.SPNEGO_NegTokenResp()
    last["ResponseToken"] = auth
    last["mechListMIC"] = mic
    done = srv.step(last.getData())
    # NegTokenResp { negState [0] accept-completed, mechListMIC [3] OCTET STRING (16) },
    # DER by hand from RFC 4178 4.2.2 (impacket's decoder wants a token before the MIC).
    assert done[:13] == bytes.fromhex("a11b" "3019" "a0030a0100" "a3120410")
    assert len(done) == 13 + 16
    assert srv.established and srv.identity == ntlm.Identity("alice", "D")
    session.keeping_rc4(lambda: session.verify(mech_list, done[13:]))
    # Sequence numbers moved past the MICs; the RC4 streams did not.
    assert srv.session is not None
    sealed, sig = session.seal(b"first call")
    assert sig[12:] == b"\x01\x00\x00\x00"
    assert srv.session.unseal(sealed, sig) == b"first call"


def test_a_bad_mech_list_mic_is_refused() -> None:
    client = ntlm.NtlmClient(ntlm.Credentials("alice", "D", password="pw"))
    srv = server()
    init = imp.SPNEGO_NegTokenInit()
    init["MechTypes"] = [NTLM_MECH]
    init["MechToken"] = client.negotiate()
    resp = imp.SPNEGO_NegTokenResp(srv.step(init.getData()))
    last = imp.SPNEGO_NegTokenResp()
    last["ResponseToken"] = client.authenticate(resp["ResponseToken"])
    last["mechListMIC"] = b"\x01\x00\x00\x00" + bytes(12)
    with pytest.raises(ntlm.NtlmError):
        srv.step(last.getData())
    assert not srv.established


def test_spnego_without_ntlm_is_refused() -> None:
    init = imp.SPNEGO_NegTokenInit()
    init["MechTypes"] = [KRB5_MECH]
    with pytest.raises(ntlm.NtlmError):
        server().step(init.getData())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_hostile_tokens_raise_ntlm_errors_only(data: bytes) -> None:
    for token in (data, b"\x60" + bytes([len(data)]) + data if len(data) < 128 else data):
        try:
            server().step(token)
        except ntlm.NtlmError:
            pass
