"""Decoders under hostile input (issue 8, part 1): attacker-controlled bytes give a value or
DecodeError, in linear time and memory bounded by the input, whatever the handle style.

Every generated decoder of tests/fuzz/targets.py is exercised: the PAC buffers, the DRS
reply, every pickled constructs.idl and hooks.idl type and the procedure pickles Wine
wrote.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import tracemalloc
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midlpy.runtime import (DecodeError, EncodeError, MesDecodeBufferHandleCreate,
                            MesDecodeIncrementalHandleCreate, MesEncodeDynBufferHandleCreate,
                            RpcError)
from midlpy.runtime.errors import (RPC_S_INVALID_BOUND, RPC_S_INVALID_TAG, RPC_S_OUT_OF_MEMORY,
                                   RPC_X_BAD_STUB_DATA, RPC_X_ENUM_VALUE_OUT_OF_RANGE)
from midlpy.runtime.ndr import DEFAULT_MAX_DEPTH
from tests.fuzz.mutate import mutate
from tests.fuzz.targets import Target, all_targets, constructs_module
from tests.helpers import ROOT, load_idl

TARGETS = all_targets()
BY_NAME = {t.name: t for t in TARGETS}
HEAD = bytes.fromhex("01100800cccccccc")


def type_pickle(body: bytes) -> bytes:
    """Common and private headers around ``body`` (padded to 8)."""
    body += bytes(-len(body) % 8)
    return HEAD + struct.pack("<II", len(body), 0) + body


def decode_or_error(t: Target, data: bytes, incremental: bool = False) -> object:
    try:
        return (t.decode_incremental if incremental else t.decode)(data)
    except RpcError as e:
        return e


@pytest.fixture(scope="module")
def deep() -> ModuleType:
    return load_idl(ROOT / "tests/hostile/deep.idl", ROOT / "tests/hostile/deep.acf")


def test_targets_cover_pac_drs_constructs_and_procedures() -> None:
    kinds = {t.name.split(".")[0] for t in TARGETS}
    assert kinds == {"pac", "drs", "constructs", "hooks", "proc"}
    assert all(t.seeds for t in TARGETS)
    for t in TARGETS:  # the seeds are real encodings: they decode, both ways
        for s in t.seeds:
            assert not isinstance(decode_or_error(t, s), RpcError)
            assert not isinstance(decode_or_error(t, s, incremental=True), RpcError)


FAST = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@FAST
@given(target=st.sampled_from(TARGETS), seed=st.integers(0, 2**32), incremental=st.booleans())
def test_mutated_real_encodings_give_a_value_or_decode_error(target: Target, seed: int,
                                                             incremental: bool) -> None:
    """Mutations of the real vectors and of generated values: counts inflated, ids
    reused, words set to boundary values, bytes flipped, cut, inserted."""
    rng = random.Random(seed)
    data = mutate(rng, rng.choice(target.seeds), target.kind)
    decode_or_error(target, data, incremental)  # anything but RpcError propagates


@FAST
@given(target=st.sampled_from(TARGETS), data=st.data())
def test_every_truncation_gives_a_value_or_decode_error(target: Target, data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(target.seeds))
    cut = data.draw(st.integers(0, len(seed)))
    result = decode_or_error(target, seed[:cut])
    if cut < len(seed.rstrip(b"\0")):  # the envelope says how long the record is
        assert isinstance(result, RpcError)


def _inflated(seed: bytes, start: int) -> list[bytes]:
    out = []
    for i in range(start, len(seed) - 3, 4):
        for v in (0xFFFFFFFF, 0x7FFFFFFF, 0x10000000):
            b = bytearray(seed)
            struct.pack_into("<I", b, i, v)
            out.append(bytes(b))
    return out


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_count_inflation_fails_fast_without_allocating(name: str) -> None:
    """Every aligned word of every seed's body set to a huge count in turn: the decoder
    returns or raises DecodeError, and never allocates more than a small multiple of the
    input (tracemalloc's peak, measured per input)."""
    t = BY_NAME[name]
    start = 56 if t.kind == "proc" else 16
    seeds = t.seeds[:2] if name.startswith("pac.") else t.seeds
    tracemalloc.start()
    try:
        for seed in seeds:
            for data in _inflated(seed, start):
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                decode_or_error(t, data)
                peak = tracemalloc.get_traced_memory()[1] - base
                assert peak < 64 * len(data) + 65536, (name, peak, len(data))
    finally:
        tracemalloc.stop()


def test_24_byte_buffer_claiming_2_32_elements_fails_at_once_using_no_memory() -> None:
    """A PCONF pickle: headers, a referent id, then max_count 0xFFFFFFFF (2**32 - 1, the
    largest a count can claim) with nothing behind it."""
    m = constructs_module()
    data = HEAD + struct.pack("<II", 8, 0) + struct.pack("<II", 0x20000, 0xFFFFFFFF)
    assert len(data) == 24
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError) as err:
            m.PCONF_Decode(MesDecodeBufferHandleCreate(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.value.status == RPC_X_BAD_STUB_DATA
    assert peak < 16384  # the error object and its message, no array
    # the same claim through an incremental handle: nothing is read past the record
    stream = io.BytesIO(data + type_pickle(struct.pack("<IIi", 0x20000, 1, 1)))
    h = MesDecodeIncrementalHandleCreate(stream, lambda s, n: s.read(n))
    with pytest.raises(DecodeError):
        m.PCONF_Decode(h)
    assert stream.tell() == 24


def _tree_left_chain(depth: int) -> bytes:
    """A PTREE whose left pointers nest ``depth`` levels (each TREE: left id, v, right)."""
    rows = [struct.pack("<IiI", 0x20004 + 4 * k if k < depth - 1 else 0, k, 0)
            for k in range(depth)]
    return type_pickle(struct.pack("<I", 0x20000) + b"".join(rows))


def _spine(m: ModuleType, n: int) -> bytes:
    """A PTREE of ``n`` nodes down the right (a loop), each with a leaf on the left (a
    recursion one level deep)."""
    root = None
    for k in range(n):
        root = m.TREE(left=m.TREE(left=None, v=-k, right=None), v=k, right=root)
    h = MesEncodeDynBufferHandleCreate()
    m.PTREE_Encode(h, root)
    return h.buffer


def _chain(n: int) -> bytes:
    """A PCHAIN (v, next) of ``n`` nodes: a linked list, followed in a loop."""
    words = [0x20000]
    for k in range(n):
        words += [k, 0x20004 + 4 * k if k < n - 1 else 0]
    return type_pickle(struct.pack(f"<{len(words)}I", *words))


def test_million_deep_pointer_chain_decodes_without_recursion(deep: ModuleType) -> None:
    n = 1_000_000
    v = deep.PCHAIN_Decode(MesDecodeBufferHandleCreate(_chain(n)))
    count = 0
    while v is not None:
        assert v.v == count
        count += 1
        v = v.next
    assert count == n


def test_million_deep_recursion_fails_cleanly_at_the_limit(deep: ModuleType) -> None:
    data = _tree_left_chain(1_000_000)
    with pytest.raises(DecodeError) as err:
        deep.PTREE_Decode(MesDecodeBufferHandleCreate(data))
    assert err.value.status == RPC_X_BAD_STUB_DATA
    assert f"nesting deeper than {DEFAULT_MAX_DEPTH}" in str(err.value)
    ok = deep.PTREE_Decode(MesDecodeBufferHandleCreate(_tree_left_chain(DEFAULT_MAX_DEPTH - 1)))
    assert ok.left.left.v == 2


def test_nesting_limit_is_configured_on_the_handle(deep: ModuleType) -> None:
    h = MesDecodeBufferHandleCreate(_tree_left_chain(60))
    h.max_depth = 50
    with pytest.raises(DecodeError, match="nesting deeper than 50"):
        deep.PTREE_Decode(h)
    h = MesDecodeBufferHandleCreate(_tree_left_chain(60))
    h.max_depth = 80
    assert deep.PTREE_Decode(h).v == 0
    # a limit beyond what the Python stack holds is still a clean error, not a crash
    h = MesDecodeBufferHandleCreate(_tree_left_chain(sys.getrecursionlimit() + 10))
    h.max_depth = 10 ** 9
    with pytest.raises(DecodeError, match="nested too deeply"):
        deep.PTREE_Decode(h)


def test_full_pointer_chain_100000_deep_stops_cleanly_at_the_limit(deep: ModuleType) -> None:
    """A [ptr] list is followed by recursion (only [unique] lists loop): past max_depth
    it is a clean error both ways, never a RecursionError."""
    n = 100_000
    words = [1]
    for k in range(n):
        words += [k, k + 2 if k < n - 1 else 0]
    data = type_pickle(struct.pack(f"<{len(words)}I", *words))
    with pytest.raises(DecodeError, match=f"nesting deeper than {DEFAULT_MAX_DEPTH}"):
        deep.PFCHAIN_Decode(MesDecodeBufferHandleCreate(data))
    root = None
    for k in range(n):
        root = deep.FCHAIN(v=k, next=root)
    with pytest.raises(EncodeError):
        deep.PFCHAIN_Encode(MesEncodeDynBufferHandleCreate(), root)


def test_full_pointer_cycle_terminates(deep: ModuleType) -> None:
    # FCHAIN 1 -> FCHAIN 1: the second pointer reuses the id, so nothing follows
    data = type_pickle(struct.pack("<III", 1, 7, 1))
    v = deep.PFCHAIN_Decode(MesDecodeBufferHandleCreate(data))
    assert v.v == 7 and v.next is v


def _profile_calls(fn: object) -> int:
    """Python and C function calls made by ``fn()``: an instruction-independent measure
    of work that a loaded machine cannot make flaky."""
    calls = 0

    def prof(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(prof)
    try:
        fn()  # type: ignore[operator]
    except RpcError:
        pass
    finally:
        sys.setprofile(None)
    return calls


def _logon_info(m: ModuleType, groups: int) -> bytes:
    t = BY_NAME["pac.PKERB_VALIDATION_INFO"]
    v = t.decode(t.seeds[0])
    v.GroupCount = groups
    v.GroupIds = [m.GROUP_MEMBERSHIP(RelativeId=1000 + i, Attributes=7) for i in range(groups)]
    v.SidCount = groups
    v.ExtraSids = [m.KERB_SID_AND_ATTRIBUTES(Sid=v.LogonDomainId, Attributes=7)
                   for _ in range(groups)]
    h = MesEncodeDynBufferHandleCreate()
    m.PKERB_VALIDATION_INFO_Encode(h, v)
    return h.buffer


@pytest.mark.parametrize("make", ["logon_info", "chain", "tree", "bad_tail"])
def test_decoding_work_grows_linearly(deep: ModuleType, make: str) -> None:
    pac = load_idl(ROOT / "examples/pac/pac.idl", ROOT / "examples/pac/pac.acf")
    build = {
        "logon_info": lambda n: (_logon_info(pac, n), pac.PKERB_VALIDATION_INFO_Decode),
        "chain": lambda n: (_chain(n), deep.PCHAIN_Decode),
        "tree": lambda n: (_spine(deep, n), deep.PTREE_Decode),
        # a valid prefix with a failure at its very end (error paths must be linear too)
        "bad_tail": lambda n: (_chain(n)[:-9], deep.PCHAIN_Decode),
    }[make]
    costs = []
    for n in (40, 160) if make == "tree" else (200, 800):  # a tree nests: under max_depth
        data, decode = build(n)
        costs.append(_profile_calls(lambda: decode(MesDecodeBufferHandleCreate(data))))
    assert costs[1] <= 4.5 * costs[0] + 200, costs


# -- reference section 1.17: every consistency check, one crafted input each --------------

def _patched(tname: str, value_fn: object, patches: list[tuple[int, str, int]]) -> bytes:
    m = constructs_module()
    h = MesEncodeDynBufferHandleCreate()
    getattr(m, tname + "_Encode")(h, value_fn(m))  # type: ignore[operator]
    b = bytearray(h.buffer)
    for off, fmt, v in patches:
        struct.pack_into("<" + fmt, b, 16 + off, v)
    return bytes(b)


CHECKS = {
    # name: (type, value, patches (body offset, struct code, value), status)
    "range_above": ("RANGED", lambda m: m.RANGED(r=5, n=2, arr=[7, 8]), [(0, "I", 11)],
                    RPC_S_INVALID_BOUND),
    "range_on_a_count": ("RANGED", lambda m: m.RANGED(r=5, n=2, arr=[7, 8]),
                         [(4, "I", 5), (12, "I", 5)], RPC_S_INVALID_BOUND),
    "max_count_disagrees_with_size_is": ("CVPTR", lambda m: m.CVPTR(m=3, l=2, cv=[1, 2]),
                                         [(12, "I", 2)], RPC_S_INVALID_BOUND),
    "offset_plus_actual_above_max": ("CVPTR", lambda m: m.CVPTR(m=3, l=2, cv=[1, 2]),
                                     [(16, "I", 2)], RPC_S_INVALID_BOUND),
    "actual_above_max": ("CVPTR", lambda m: m.CVPTR(m=3, l=2, cv=[1, 2]),
                         [(20, "I", 4)], RPC_S_INVALID_BOUND),
    "actual_disagrees_with_length_is": ("CVPTR", lambda m: m.CVPTR(m=3, l=2, cv=[1, 2]),
                                        [(20, "I", 3)], RPC_S_INVALID_BOUND),
    "string_actual_zero": ("SSTR", lambda m: m.SSTR(n=4, s="ab"), [(16, "I", 0)],
                           RPC_S_INVALID_BOUND),
    "string_not_terminated": ("SSTR", lambda m: m.SSTR(n=4, s="ab"), [(24, "H", 0x41)],
                              RPC_S_INVALID_BOUND),
    "union_tag_without_arm": ("NODEF_HOLDER", lambda m: m.NODEF_HOLDER(k=1, u=m.NODEF(switch=1, a=5)),
                              [(0, "H", 3), (2, "H", 3)], RPC_S_INVALID_TAG),
    "enum16_above_32767": ("ENUMS", lambda m: m.ENUMS(e16=1, e32=2), [(0, "H", 0x8000)],
                           RPC_X_ENUM_VALUE_OUT_OF_RANGE),
    "full_pointer_id_of_another_type": ("FULL_MIXED",
                                        lambda m: m.FULL_MIXED(a=5, b=m.POINT(x=1, y=2)),
                                        [(4, "I", 1)], RPC_X_BAD_STUB_DATA),
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_consistency_check_is_enforced(check: str) -> None:
    tname, value, patches, status = CHECKS[check]
    data = _patched(tname, value, patches)
    t = BY_NAME["constructs." + tname]
    for incremental in (False, True):
        with pytest.raises(DecodeError) as err:
            (t.decode_incremental if incremental else t.decode)(data)
        assert err.value.status == status, (check, err.value)


def test_running_past_the_end_is_bad_stub_data() -> None:
    data = _patched("CVPTR", lambda m: m.CVPTR(m=3, l=2, cv=[1, 2]), [])
    # the envelope claims the full length, the body stops after the pointer's counts
    cut = data[:16 + 24]
    with pytest.raises(DecodeError) as err:
        BY_NAME["constructs.CVPTR"].decode(cut[:8] + struct.pack("<II", 24, 0) + cut[16:])
    assert err.value.status == RPC_X_BAD_STUB_DATA


# -- incremental handles: a bad record does not eat the next one -----------------------------

def test_bad_record_through_incremental_handle_leaves_the_next_record() -> None:
    m = constructs_module()
    h = MesEncodeDynBufferHandleCreate()
    m.CVPTR_Encode(h, m.CVPTR(m=3, l=2, cv=[1, 2]))
    m.CVPTR_Encode(h, m.CVPTR(m=1, l=1, cv=[9]))
    stream = bytearray(h.buffer)
    struct.pack_into("<I", stream, 16 + 20, 4)  # first record: actual count above max
    for style in ("buffer", "incremental"):
        if style == "buffer":
            dh = MesDecodeBufferHandleCreate(bytes(stream))
        else:
            dh = MesDecodeIncrementalHandleCreate(io.BytesIO(stream), lambda s, n: s.read(n))
        with pytest.raises(DecodeError):
            m.CVPTR_Decode(dh)
        assert m.CVPTR_Decode(dh) == m.CVPTR(m=1, l=1, cv=[9])


def test_truncated_stream_through_incremental_handle_is_a_clean_error() -> None:
    t = BY_NAME["constructs.CVPTR"]
    seed = t.seeds[-1]
    for cut in range(len(seed)):
        err = decode_or_error(t, seed[:cut], incremental=True)
        assert isinstance(err, RpcError)
        assert err.status in (RPC_S_OUT_OF_MEMORY, RPC_X_BAD_STUB_DATA)


# -- RPC: a server stub fed hostile request bodies faults, it never raises -------------------

@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(opnum=st.integers(-1, 8), body=st.binary(max_size=64), prefix=st.booleans())
def test_server_stub_turns_any_request_into_a_reply(opnum: int, body: bytes, prefix: bool) -> None:
    sys.path.insert(0, str(ROOT / "examples" / "contexthandle"))
    from counter_server import CounterImpl  # examples/contexthandle, not a package

    m = load_idl(ROOT / "examples/contexthandle/contexthandle.idl",
                 ROOT / "examples/contexthandle/contexthandle.acf")
    server = m.CounterServiceServer(CounterImpl())
    assoc = server.associate()
    name = struct.pack("<III", 4, 0, 4) + "abc\0".encode("utf-16-le")  # [in, string] name
    opened = server.dispatch(assoc, 0, name)
    assert opened.status == 0
    reply = server.dispatch(assoc, opnum, (opened.body if prefix else b"") + body)
    assert isinstance(reply.status, int) and (reply.status == 0 or reply.body == b"")
