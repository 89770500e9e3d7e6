"""MD4 and RC4 against their published test vectors."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from midlpy.runtime.md4 import md4
from midlpy.runtime.rc4 import RC4

# RFC 1320, appendix A.5 ("test suite").
RFC1320 = [
    (b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
    (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
    (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
    (b"message digest", "d9130a8164549fe818874806e1c7014b"),
    (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
    (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
     "043f8582f241db351ce627e153e7f0e4"),
    (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
]


@pytest.mark.parametrize("data,digest", RFC1320)
def test_md4_rfc1320(data: bytes, digest: str) -> None:
    assert md4(data).hex() == digest


def test_md4_nt_hash_of_password() -> None:
    # [MS-NLMP] 4.2.2.1.2 NTOWFv1("Password").
    assert md4("Password".encode("utf-16-le")).hex() == "a4f49c406510bdcab6824ee7c30fd852"


@pytest.mark.parametrize("n", [55, 56, 57, 63, 64, 65, 119, 120, 128])
def test_md4_padding_boundaries_match_a_second_implementation(n: int) -> None:
    Cryptodome = pytest.importorskip("Cryptodome.Hash.MD4")  # pycryptodomex, impacket's dependency
    data = bytes(range(n))
    assert md4(data) == Cryptodome.new(data).digest()


# RFC 6229 section 2: keystream of the 40-bit key 0x0102030405 at offsets 0 and 16, and of
# the 128-bit key 0x0102...10 at offset 0.
def test_rc4_rfc6229_40bit() -> None:
    ks = RC4(bytes([1, 2, 3, 4, 5])).update(bytes(32))
    assert ks.hex() == ("b2396305f03dc027ccc3524a0a1118a8"
                        "6982944f18fc82d589c403a47a0d0919")


def test_rc4_stream_continues_across_calls() -> None:
    r = RC4(bytes([1, 2, 3, 4, 5]))
    parts = b"".join(r.update(bytes(n)) for n in (1, 2, 13, 16))
    assert parts == RC4(bytes([1, 2, 3, 4, 5])).update(bytes(32))


@given(st.binary(min_size=1, max_size=64), st.binary(max_size=300))
def test_rc4_matches_a_second_implementation(key: bytes, data: bytes) -> None:
    from Cryptodome.Cipher import ARC4
    if len(key) < 5:  # pycryptodome refuses keys under 40 bits
        key = key + bytes(5 - len(key))
    assert RC4(key).update(data) == ARC4.new(key).encrypt(data)


def test_rc4_key_bounds_and_repr() -> None:
    with pytest.raises(ValueError):
        RC4(b"")
    assert "RC4" in repr(RC4(b"secretkey")) and "secret" not in repr(RC4(b"secretkey"))
