"""RpcError / DecodeError / EncodeError: Windows numbers, paths and messages."""

from __future__ import annotations

import pickle

from midlpy.runtime import errors
from midlpy.runtime.errors import DecodeError, EncodeError, RpcError


def test_status_numbers_are_the_windows_ones() -> None:
    # winerror.h values as listed in ndr-mes.md 4.1.
    expected = {
        "RPC_S_OK": 0, "RPC_S_OUT_OF_MEMORY": 14, "RPC_S_INVALID_ARG": 87,
        "RPC_S_BUFFER_TOO_SMALL": 122, "RPC_S_UNKNOWN_IF": 1717,
        "RPC_S_UNSUPPORTED_TRANS_SYN": 1730, "RPC_S_INVALID_TAG": 1733,
        "RPC_S_INVALID_BOUND": 1734, "RPC_S_INTERNAL_ERROR": 1766,
        "RPC_X_SS_IN_NULL_CONTEXT": 1775, "RPC_X_SS_CONTEXT_DAMAGED": 1777,
        "RPC_X_SS_HANDLES_MISMATCH": 1778, "RPC_X_NULL_REF_POINTER": 1780,
        "RPC_X_ENUM_VALUE_OUT_OF_RANGE": 1781, "RPC_X_BYTE_COUNT_TOO_SMALL": 1782,
        "RPC_X_BAD_STUB_DATA": 1783, "RPC_X_INVALID_BUFFER": 1784,
        "RPC_X_INVALID_ES_ACTION": 1827, "RPC_X_WRONG_ES_VERSION": 1828,
        "RPC_X_WRONG_STUB_VERSION": 1829, "RPC_X_SS_CONTEXT_MISMATCH": 6,
    }
    for name, value in expected.items():
        assert getattr(errors, name) == value, name


def test_decode_error_path_is_built_innermost_first() -> None:
    e = DecodeError(1734, "bad count", 40)
    e.push("RelativeId").push_index(3).push("GroupIds").push("KERB_VALIDATION_INFO")
    assert e.path == "KERB_VALIDATION_INFO.GroupIds[3].RelativeId"
    assert str(e) == ("bad count at offset 40 in KERB_VALIDATION_INFO.GroupIds[3].RelativeId "
                      "[RPC_S_INVALID_BOUND 1734]")
    assert isinstance(e, RpcError) and e.status == 1734 and e.offset == 40


def test_nested_indexes_and_empty_path() -> None:
    e = EncodeError(87, "x")
    assert e.path == "" and str(e) == "x [RPC_S_INVALID_ARG 87]"
    e.push_index(1).push_index(0).push("m")
    assert e.path == "m[0][1]"


def test_rpc_error_defaults_and_pickling() -> None:
    e = RpcError(1783)
    assert e.status == 1783 and "RPC_X_BAD_STUB_DATA" in str(e)
    back = pickle.loads(pickle.dumps(DecodeError(1783, "m", 5)))
    assert isinstance(back, DecodeError) and back.status == 1783
