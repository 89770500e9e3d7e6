"""Encoders under bad values (issue 8, part 2): a value of the wrong type, out of range, a
count that disagrees with its list or a cycle through unique pointers raises a clear
EncodeError naming the field path, and nothing is half-written into a fixed buffer."""

from __future__ import annotations

import dataclasses
import random
from types import ModuleType
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midlpy.runtime import (EncodeError, MesDecodeBufferHandleCreate,
                            MesEncodeFixedBufferHandleCreate, RpcError)
from midlpy.runtime.errors import (RPC_S_INVALID_ARG, RPC_S_INVALID_BOUND,
                                   RPC_X_ENUM_VALUE_OUT_OF_RANGE)
from tests.constructs.strategies import STRATEGIES
from tests.fuzz.targets import constructs_module, pac_module, pac_targets

FILL = 0xCD


def encode_fixed(m: ModuleType, tname: str, value: Any, size: int = 4096) -> bytearray:
    """Encode into a fixed buffer prefilled with 0xCD; on failure, prove it untouched."""
    buf = bytearray([FILL]) * size
    h = MesEncodeFixedBufferHandleCreate(buf)
    try:
        getattr(m, tname + "_Encode")(h, value)
    except RpcError:
        assert buf == bytearray([FILL]) * size and h.encoded_size == 0
        raise
    return buf[:h.encoded_size]


C = constructs_module


BAD = {
    # name: (type, value builder, status, text the message must contain)
    "enum16_above_32767": ("ENUMS", lambda m: m.ENUMS(e16=40000, e32=1),
                           RPC_X_ENUM_VALUE_OUT_OF_RANGE, "ENUMS.e16"),
    "enum16_wrong_type": ("ENUMS", lambda m: m.ENUMS(e16="red", e32=1),
                          RPC_X_ENUM_VALUE_OUT_OF_RANGE, "ENUMS.e16"),
    "small_above_127": ("BASE_TYPES", lambda m: _base(m, sm=128), RPC_S_INVALID_ARG,
                        "BASE_TYPES.sm"),
    "long_wrong_type": ("BASE_TYPES", lambda m: _base(m, l="1"), RPC_S_INVALID_ARG,
                        "BASE_TYPES.l"),
    "hyper_above_range": ("BASE_TYPES", lambda m: _base(m, uh=2**64), RPC_S_INVALID_ARG,
                          "BASE_TYPES.uh"),
    "range_violated": ("RANGED", lambda m: m.RANGED(r=11, n=2, arr=[1, 2]),
                       RPC_S_INVALID_BOUND, "RANGED.r"),
    "count_disagrees_with_list": ("RANGED", lambda m: m.RANGED(r=1, n=3, arr=[1, 2]),
                                  RPC_S_INVALID_BOUND, "RANGED.arr"),
    "length_is_disagrees": ("CVPTR", lambda m: m.CVPTR(m=3, l=2, cv=[1, 2, 3]),
                            RPC_S_INVALID_BOUND, "CVPTR.cv"),
    "string_longer_than_size_is": ("SSTR", lambda m: m.SSTR(n=2, s="abc"),
                                   RPC_S_INVALID_BOUND, "SSTR.s"),
    "unique_cycle": ("PNODE", lambda m: _cycle(m), RPC_S_INVALID_ARG, "NODE.next"),
    "struct_of_the_wrong_type": ("PTRS", lambda m: m.POINT(x=1, y=2), RPC_S_INVALID_ARG, "PTRS"),
    "list_of_the_wrong_type": ("RANGED", lambda m: m.RANGED(r=1, n=2, arr="ab"),
                               RPC_S_INVALID_ARG, "RANGED.arr"),
}


def _base(m: ModuleType, **bad: Any) -> Any:
    zero = {f.name: 0 for f in dataclasses.fields(m.BASE_TYPES)}
    return m.BASE_TYPES(**{**zero, "f": 0.0, "d": 0.0, **bad})


def _cycle(m: ModuleType) -> Any:
    a = m.NODE(v=1, next=None)
    a.next = m.NODE(v=2, next=a)
    return a


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_value_is_a_clear_error_naming_the_field(case: str) -> None:
    tname, build, status, path = BAD[case]
    m = C()
    with pytest.raises(EncodeError) as err:
        encode_fixed(m, tname, build(m))
    assert err.value.status == status, err.value
    assert path in str(err.value), err.value


def test_regression_string_longer_than_its_size_is_is_refused() -> None:
    """It used to encode max count 2 with actual count 4: bytes no decoder accepts."""
    m = C()
    ok = encode_fixed(m, "SSTR", m.SSTR(n=4, s="abc"))
    assert m.SSTR_Decode(MesDecodeBufferHandleCreate(bytes(ok))) == m.SSTR(n=4, s="abc")
    with pytest.raises(EncodeError, match="exceeds its size_is"):
        encode_fixed(m, "SSTR", m.SSTR(n=3, s="abc"))


def test_a_full_fixed_buffer_is_left_untouched() -> None:
    m = C()
    value = m.RANGED(r=1, n=2, arr=[1, 2])
    size = len(encode_fixed(m, "RANGED", value))
    with pytest.raises(RpcError):
        encode_fixed(m, "RANGED", value, size=size - 8)


def _fields(v: Any, path: str = "") -> list[tuple[Any, str, str]]:
    """Every (owner, attribute, path) reachable through dataclasses and lists, no cycles."""
    out: list[tuple[Any, str, str]] = []
    seen: set[int] = set()
    stack = [(v, path)]
    while stack:
        x, p = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            for f in dataclasses.fields(x):
                out.append((x, f.name, f"{p}.{f.name}"))
                stack.append((getattr(x, f.name), f"{p}.{f.name}"))
        elif isinstance(x, list):
            stack += [(e, f"{p}[{i}]") for i, e in enumerate(x)]
    return out


WRONG: list[Callable[[Any], Any]] = [
    lambda old: "text", lambda old: b"\xff" * 3, lambda old: -1, lambda old: 2**70,
    lambda old: 1.5, lambda old: [], lambda old: [old, old], lambda old: object(),
    lambda old: None, lambda old: {"a": 1},
]


def _spoil_and_encode(m: ModuleType, tname: str, value: Any, rng: random.Random) -> None:
    fields = _fields(value)
    if fields:
        owner, name, _ = rng.choice(fields)
        setattr(owner, name, rng.choice(WRONG)(getattr(owner, name)))
    try:
        out = encode_fixed(m, tname, value, size=1 << 16)
    except RpcError:
        return
    # it was still encodable (None on an optional pointer, a float for a float): then
    # it decodes back as bytes a decoder accepts
    getattr(m, tname + "_Decode")(MesDecodeBufferHandleCreate(bytes(out)))


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data(), tname=st.sampled_from(sorted(STRATEGIES)), seed=st.integers(0, 2**32))
def test_a_spoiled_generated_value_encodes_or_fails_cleanly(data: st.DataObject, tname: str,
                                                            seed: int) -> None:
    m = C()
    value = data.draw(STRATEGIES[tname](m))
    _spoil_and_encode(m, tname, value, random.Random(seed))


@pytest.mark.parametrize("target", pac_targets(), ids=lambda t: t.name)
def test_spoiled_pac_values_encode_or_fail_cleanly(target: Any) -> None:
    m = pac_module()
    tname = target.name.split(".")[1]
    rng = random.Random(8)
    for _ in range(60):
        value = target.decode(rng.choice(target.seeds))
        _spoil_and_encode(m, tname, value, rng)
