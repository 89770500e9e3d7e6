"""midlpy's NTLM client against its server, and against impacket's NTLM (both directions):
logons, wrong passwords, signing and sealing both ways, tampering, hostile messages, and
credentials that never leak into repr, logs or errors."""

from __future__ import annotations

import logging
import pickle

import pytest
from hypothesis import given, settings, strategies as st

from midlpy.runtime import ntlm
from midlpy.runtime.ntlm import Credentials, NtlmClient, NtlmError, NtlmServer

USER, DOMAIN, PASSWORD = "alice", "EXAMPLE", "S3cret-Pa55!"
TABLE = {"alice": ntlm.nt_hash(PASSWORD)}


def lookup(user: str, domain: str) -> bytes | None:
    return TABLE.get(user.lower())


def _handshake(password: str = PASSWORD) -> tuple[NtlmClient, NtlmServer]:
    client = NtlmClient(Credentials(USER, DOMAIN, password=password))
    server = NtlmServer(lookup)
    msg = client.authenticate(server.challenge(client.negotiate()))
    server.authenticate(msg)
    return client, server


def test_logon_signs_and_seals_both_ways() -> None:
    client, server = _handshake()
    assert server.identity == ntlm.Identity(USER, DOMAIN)
    c, s = client.session, server.session
    assert c is not None and s is not None
    for i in range(3):  # sequence numbers and RC4 streams advance in step
        msg = f"request {i}".encode()
        s.verify(msg, c.sign(msg))
        sealed, sig = c.seal(msg)
        assert sealed != msg and s.unseal(sealed, sig) == msg
        reply, rsig = s.seal(b"reply" * i)
        assert c.unseal(reply, rsig) == b"reply" * i


def test_the_client_sends_a_mic_and_the_server_checks_it() -> None:
    client = NtlmClient(Credentials(USER, DOMAIN, password=PASSWORD))
    server = NtlmServer(lookup)
    msg = bytearray(client.authenticate(server.challenge(client.negotiate())))
    assert any(msg[72:88])
    msg[80] ^= 1
    with pytest.raises(NtlmError):
        server.authenticate(bytes(msg))


def test_wrong_password_unknown_user_and_v1_are_refused() -> None:
    with pytest.raises(NtlmError) as err:
        _handshake("wrong")
    assert err.value.status == 5
    client = NtlmClient(Credentials("mallory", DOMAIN, password=PASSWORD))
    server = NtlmServer(lookup)
    with pytest.raises(NtlmError):
        server.authenticate(client.authenticate(server.challenge(client.negotiate())))


def test_a_replayed_authenticate_fails_against_a_fresh_challenge() -> None:
    client = NtlmClient(Credentials(USER, DOMAIN, password=PASSWORD))
    server = NtlmServer(lookup)
    msg = client.authenticate(server.challenge(client.negotiate()))
    server.authenticate(msg)
    with pytest.raises(NtlmError):  # the same server context: one AUTHENTICATE per CHALLENGE
        server.authenticate(msg)
    other = NtlmServer(lookup)
    other.challenge(client.negotiate())
    with pytest.raises(NtlmError):
        other.authenticate(msg)


def test_tampered_or_replayed_messages_fail_verification() -> None:
    client, server = _handshake()
    assert client.session and server.session
    sig = client.session.sign(b"pay 10")
    with pytest.raises(NtlmError):
        server.session.verify(b"pay 99", sig)
    client.session.sign(b"again")
    with pytest.raises(NtlmError):  # replaying the first signature: wrong sequence number
        server.session.verify(b"pay 10", sig)


def test_nt_hash_credentials_work_like_the_password() -> None:
    client = NtlmClient(Credentials(USER, DOMAIN, nt_hash=ntlm.nt_hash(PASSWORD)))
    server = NtlmServer(lookup)
    server.authenticate(client.authenticate(server.challenge(client.negotiate())))
    assert server.identity and server.identity.user == USER


def test_credentials_never_leak(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    creds = Credentials(USER, DOMAIN, password=PASSWORD)
    secrets = [USER, DOMAIN, PASSWORD, ntlm.nt_hash(PASSWORD).hex()]
    texts = [repr(creds), str(creds)]
    with pytest.raises(TypeError):
        pickle.dumps(creds)
    client = NtlmClient(creds)
    texts.append(repr(client))
    server = NtlmServer(lookup)
    try:
        NtlmServer(lookup).authenticate(b"garbage")
    except NtlmError as e:
        texts.append(str(e))
    bad = NtlmClient(Credentials(USER, DOMAIN, password="nope" + PASSWORD))
    try:
        server.authenticate(bad.authenticate(server.challenge(bad.negotiate())))
    except NtlmError as e:
        texts += [str(e), repr(e), repr(e.args)]
    client2, server2 = _handshake()
    texts += [repr(client2.session), repr(server2.session), repr(server2)]
    texts += [r.getMessage() for r in caplog.records]
    for text in texts:
        for secret in secrets:
            assert secret.lower() not in text.lower(), (secret, text)


def test_credentials_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        Credentials(USER, DOMAIN)
    with pytest.raises(ValueError):
        Credentials(USER, DOMAIN, password="x", nt_hash=bytes(16))
    with pytest.raises(ValueError) as err:
        Credentials(USER, DOMAIN, nt_hash=b"\x01" * 15)
    assert "0101" not in str(err.value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_hostile_messages_raise_ntlm_errors_only(data: bytes) -> None:
    server = NtlmServer(lookup)
    for msg in (data, b"NTLMSSP\x00" + data, b"NTLMSSP\x00\x01\x00\x00\x00" + data):
        try:
            server.challenge(msg)
        except NtlmError:
            pass
    server.challenge(NtlmClient(Credentials(USER, DOMAIN, password=PASSWORD)).negotiate())
    for msg in (data, b"NTLMSSP\x00\x03\x00\x00\x00" + data):
        with pytest.raises(NtlmError):
            server.authenticate(msg)
    client = NtlmClient(Credentials(USER, DOMAIN, password=PASSWORD))
    client.negotiate()
    for msg in (data, b"NTLMSSP\x00\x02\x00\x00\x00" + data):
        try:
            client.authenticate(msg)
        except NtlmError:
            pass


# --- impacket's NTLM, an implementation no one here wrote ------------------------------------

def test_impacket_client_against_midlpy_server() -> None:
    from Cryptodome.Cipher import ARC4
    from impacket import ntlm as imp
    neg = imp.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=True)
    server = NtlmServer(lookup)
    chal = server.challenge(neg.getData())
    auth, exported = imp.getNTLMSSPType3(neg, chal, USER, PASSWORD, DOMAIN, use_ntlmv2=True)
    session = server.authenticate(auth.getData())
    assert server.identity == ntlm.Identity(USER, DOMAIN)
    flags = auth["flags"]
    assert flags & ntlm.NEGOTIATE_EXTENDED_SESSIONSECURITY and flags & ntlm.NEGOTIATE_KEY_EXCH
    # impacket's client-to-server keys sign and seal; midlpy's server unseals and verifies.
    c_sign, c_seal = imp.SIGNKEY(flags, exported), imp.SEALKEY(flags, exported)
    c_rc4 = ARC4.new(c_seal).encrypt
    for seq, text in enumerate([b"hello server", b"second message"]):
        sealed, sig = imp.SEAL(flags, c_sign, c_seal, text, text, seq, c_rc4)
        assert session.unseal(sealed, sig.getData()) == text
    # midlpy's server-to-client signature equals impacket's for the same key and sequence.
    s_sign = imp.SIGNKEY(flags, exported, "Server")
    s_rc4 = ARC4.new(imp.SEALKEY(flags, exported, "Server")).encrypt
    for seq, text in enumerate([b"hello client", b"reply two"]):
        assert session.sign(text) == imp.MAC(flags, s_rc4, s_sign, seq, text).getData()
