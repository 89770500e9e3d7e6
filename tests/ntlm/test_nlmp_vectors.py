"""[MS-NLMP] 4.2.4, "NTLMv2 Authentication" (with extended session security), reproduced.

Every expected value below is the specification's published example (sections 4.2.1 for the
common inputs, 4.2.4.1.x for keys, 4.2.4.2.x for responses, 4.2.4.3 for the messages and
4.2.4.4 for GSS_WrapEx); none was produced by midlpy.
"""

from __future__ import annotations

import pytest

from midlpy.runtime import ntlm
from midlpy.runtime.ntlm import Credentials, NtlmClient, NtlmServer

H = bytes.fromhex

# 4.2.1 common values.
USER, DOMAIN, PASSWORD, WORKSTATION = "User", "Domain", "Password", "COMPUTER"
RANDOM_SESSION_KEY = b"\x55" * 16
CLIENT_CHALLENGE = b"\xaa" * 8
SERVER_CHALLENGE = H("0123456789abcdef")

# 4.2.4: challenge flags 0xe28a8233; the AUTHENTICATE carries 0xe2888235.
CHALLENGE_FLAGS = 0xE28A8233
AUTH_FLAGS = 0xE2888235
TARGET_INFO = H("02000c0044006f006d00610069006e00"   # MsvAvNbDomainName "Domain"
                "01000c00530065007200760065007200"   # MsvAvNbComputerName "Server"
                "00000000")                          # MsvAvEOL

# 4.2.4.3 CHALLENGE_MESSAGE.
CHALLENGE_MESSAGE = H(
    "4e544c4d53535000020000000c000c003800000033828ae2"
    "0123456789abcdef0000000000000000"
    "2400240044000000"
    "060070170000000f"
    "530065007200760065007200"
    "02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000")

# 4.2.4.3 AUTHENTICATE_MESSAGE.
AUTHENTICATE_MESSAGE = H(
    "4e544c4d535350000300000018001800"
    "6c00000054005400840000000c000c00"
    "48000000080008005400000010001000"
    "5c00000010001000d8000000358288e2"
    "0501280a0000000f44006f006d006100"
    "69006e00550073006500720043004f00"
    "4d005000550054004500520086c35097"
    "ac9cec102554764a57cccc19aaaaaaaa"
    "aaaaaaaa68cd0ab851e51c96aabc927b"
    "ebef6a1c010100000000000000000000"
    "00000000aaaaaaaaaaaaaaaa00000000"
    "02000c0044006f006d00610069006e00"
    "01000c00530065007200760065007200"
    "0000000000000000c5dad2544fc97990"
    "94ce1ce90bc9d03e")

NTOWFV2 = H("0c868a403bfd7a93a3001ef22ef02e3f")              # 4.2.4.1.1
SESSION_BASE_KEY = H("8de40ccadbc14a82f15cb0ad0de95ca3")     # 4.2.4.1.2
LMV2_RESPONSE = H("86c35097ac9cec102554764a57cccc19") + CLIENT_CHALLENGE  # 4.2.4.2.1
NT_PROOF_STR = H("68cd0ab851e51c96aabc927bebef6a1c")         # 4.2.4.2.2
ENCRYPTED_SESSION_KEY = H("c5dad2544fc9799094ce1ce90bc9d03e")  # 4.2.4.2.3
SEAL_KEY = H("59f600973cc4960a25480a7c196e4c58")             # 4.2.4.4 client-to-server
SIGN_KEY = H("4788dc861b4782f35d43fd98fe1a2d39")
PLAINTEXT = "Plaintext".encode("utf-16-le")
SEALED = H("54e50165bf1936dc996020c1811b0f06fb5f")
SIGNATURE = H("010000007fb38ec5c55d497600000000")
VERSION = H("0501280a0000000f")
TIME_ZERO = 0.0 - 11644473600  # the example's all-zero timestamp


def _random_feed() -> object:
    """os.urandom's stand-in: the client challenge, then the random session key."""
    feed = [CLIENT_CHALLENGE, RANDOM_SESSION_KEY]
    return lambda n: feed.pop(0)


def _client() -> NtlmClient:
    creds = Credentials(USER, DOMAIN, password=PASSWORD)
    return NtlmClient(creds, workstation=WORKSTATION, flags=AUTH_FLAGS, version=VERSION,
                      random=_random_feed(), clock=lambda: TIME_ZERO)  # type: ignore[arg-type]


def test_keys() -> None:
    assert ntlm.ntowfv2(ntlm.nt_hash(PASSWORD), USER, DOMAIN) == NTOWFV2


def test_filetime_of_the_zero_timestamp() -> None:
    assert ntlm.filetime(TIME_ZERO) == bytes(8)


def test_challenge_message_builds_byte_exact() -> None:
    built = ntlm.build_challenge(CHALLENGE_FLAGS, "Server", SERVER_CHALLENGE, TARGET_INFO,
                                 version=H("060070170000000f"))
    assert built == CHALLENGE_MESSAGE


def test_client_reproduces_the_authenticate_message() -> None:
    client = _client()
    assert client.authenticate(CHALLENGE_MESSAGE) == AUTHENTICATE_MESSAGE
    # The pieces, named: LMv2 response, NTProofStr, encrypted session key.
    assert AUTHENTICATE_MESSAGE[0x6C:0x6C + 24] == LMV2_RESPONSE
    assert AUTHENTICATE_MESSAGE[0x84:0x84 + 16] == NT_PROOF_STR
    assert AUTHENTICATE_MESSAGE[0xD8:] == ENCRYPTED_SESSION_KEY


def test_client_seals_plaintext_like_4_2_4_4() -> None:
    client = _client()
    client.authenticate(CHALLENGE_MESSAGE)
    assert client.session is not None
    assert client.session.seal(PLAINTEXT) == (SEALED, SIGNATURE)


def test_server_accepts_the_example_and_derives_the_same_keys() -> None:
    seen = []

    def lookup(user: str, domain: str) -> bytes | None:
        seen.append((user, domain))
        return ntlm.nt_hash(PASSWORD) if user.lower() == "user" else None

    server = NtlmServer(lookup, random=lambda n: SERVER_CHALLENGE)
    # A NEGOTIATE offering what the example's client used.
    server.challenge(ntlm.build_negotiate(AUTH_FLAGS | ntlm.NEGOTIATE_KEY_EXCH))
    session = server.authenticate(AUTHENTICATE_MESSAGE)
    assert seen == [(USER, DOMAIN)]
    assert server.identity is not None and server.identity.principal == "Domain\\User"
    # The server unseals what the client sealed in 4.2.4.4.
    assert session.unseal(SEALED, SIGNATURE) == PLAINTEXT


def test_session_keys_match_4_2_4_4() -> None:
    session = ntlm.NtlmSession(RANDOM_SESSION_KEY, CHALLENGE_FLAGS, client=True)
    direction = session._out
    assert direction.sign_key == SIGN_KEY
    # The sealing key is checked through RC4: keystream of SEAL_KEY encrypts like the session.
    assert ntlm.RC4(SEAL_KEY).update(PLAINTEXT) == SEALED


def test_encrypted_session_key() -> None:
    assert ntlm.RC4(SESSION_BASE_KEY).update(RANDOM_SESSION_KEY) == ENCRYPTED_SESSION_KEY


def test_session_base_key() -> None:
    import hashlib
    import hmac
    assert hmac.new(NTOWFV2, NT_PROOF_STR, hashlib.md5).digest() == SESSION_BASE_KEY


# Bytes the NTLMv2 proof covers: the domain and user names and the NT response. (The LM
# response is unused with NTLMv2; version, workstation and key are not part of the proof.)
COVERED = [*range(0x48, 0x5C, 3), *range(0x84, 0xD8, 5)]


@pytest.mark.parametrize("offset", COVERED)
def test_server_refuses_an_altered_response_or_name(offset: int) -> None:
    msg = bytearray(AUTHENTICATE_MESSAGE)
    msg[offset] ^= 0x01
    server = NtlmServer(lambda u, d: ntlm.nt_hash(PASSWORD), random=lambda n: SERVER_CHALLENGE)
    server.challenge(ntlm.build_negotiate(AUTH_FLAGS))
    with pytest.raises(ntlm.NtlmError) as err:
        server.authenticate(bytes(msg))
    assert err.value.status in (5, 1825)
