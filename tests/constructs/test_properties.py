"""Hypothesis properties over every pickled type of constructs.idl and hooks.idl:
decode(encode(v)) == v, AlignSize agrees with Encode, and decoding arbitrary or mutated
bytes either returns a value or raises DecodeError, nothing else."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midlpy.runtime import DecodeError, MesEncodeDynBufferHandleCreate
from tests.constructs.strategies import HOOK_STRATEGIES, STRATEGIES
from tests.helpers import decode, encode

HERE = Path(__file__).resolve().parent
COMMON = bytes.fromhex("01 10 08 00 cc cc cc cc")
PRIMITIVE = {"MYLONG", "COLOR"}

FAST = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def pickled_types(acf: str) -> list[str]:
    text = (HERE / acf).read_text()
    return re.findall(r"typedef \[encode, decode\] (\w+);", text)



def test_every_pickled_type_has_a_strategy() -> None:
    assert sorted(pickled_types("constructs.acf")) == sorted(STRATEGIES)
    assert sorted(pickled_types("hooks.acf")) == sorted(HOOK_STRATEGIES)


@pytest.mark.parametrize("tname", sorted(STRATEGIES))
@FAST
@given(data=st.data())
def test_roundtrip(constructs: ModuleType, tname: str, data: st.DataObject) -> None:
    v = data.draw(STRATEGIES[tname](constructs))
    blob = encode(constructs, tname, v)
    assert len(blob) % 8 == 0
    assert getattr(constructs, tname + "_AlignSize")(MesEncodeDynBufferHandleCreate(), v) == len(blob)
    assert decode(constructs, tname, blob) == v
    if tname not in PRIMITIVE:
        assert struct.unpack_from("<I", blob, 8)[0] == len(blob) - 16


@pytest.mark.parametrize("tname", sorted(HOOK_STRATEGIES))
@FAST
@given(data=st.data())
def test_roundtrip_hooks(hooks: ModuleType, tname: str, data: st.DataObject) -> None:
    v = data.draw(HOOK_STRATEGIES[tname](hooks))
    blob = encode(hooks, tname, v)
    assert decode(hooks, tname, blob) == v


def _decode_or_decode_error(m: ModuleType, tname: str, blob: bytes) -> None:
    try:
        decode(m, tname, blob)
    except DecodeError:
        pass


@pytest.mark.parametrize("tname", sorted(STRATEGIES))
@FAST
@given(body=st.binary(max_size=96), big=st.booleans())
def test_arbitrary_bytes_only_decode_error(constructs: ModuleType, tname: str,
                                           body: bytes, big: bool) -> None:
    """Well-formed headers around random data, so the NDR reader itself is exercised."""
    head = bytes([1, 0x00 if big else 0x10]) + COMMON[2:]
    if tname in PRIMITIVE:
        blob = head + body
    else:
        pad = body + bytes(-len(body) % 8)
        blob = head + len(pad).to_bytes(4, "big" if big else "little") + bytes(4) + pad
    _decode_or_decode_error(constructs, tname, blob)


@pytest.mark.parametrize("tname", sorted(STRATEGIES))
@FAST
@given(data=st.data())
def test_mutated_encoding_only_decode_error(constructs: ModuleType, tname: str,
                                            data: st.DataObject) -> None:
    v = data.draw(STRATEGIES[tname](constructs))
    blob = bytearray(encode(constructs, tname, v))
    start = 8 if tname in PRIMITIVE else 16
    if len(blob) > start:
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(start, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    _decode_or_decode_error(constructs, tname, bytes(blob[:cut]))


@FAST
@given(blob=st.binary(max_size=64))
def test_raw_bytes_only_decode_error(constructs: ModuleType, blob: bytes) -> None:
    _decode_or_decode_error(constructs, "STRINGS", blob)
    _decode_or_decode_error(constructs, "MYLONG", blob)
