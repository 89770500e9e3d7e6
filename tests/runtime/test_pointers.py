"""Pointers: referent numbering as Windows does it, deferral order, full-pointer aliasing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midlpy.runtime import (
    DecodeError,
    EncodeError,
    MesDecodeBufferHandleCreate,
    MesEncodeDynBufferHandleCreate,
    mes,
)
from midlpy.runtime.ndr import NdrReader, NdrWriter

from . import handcodecs as hc
from .kerb_codec import read_pkvi, write_pkvi

VECTORS = Path(__file__).resolve().parent.parent / "data" / "vectors"


def test_example_E_numbering_follows_marshalling_order() -> None:
    # ndr-mes.md 1.16 E: p1's referent's own pointer q is numbered before p2.
    expected = bytes.fromhex(
        "00000200 08000200"   # A: id(p1)=0x20000, id(p2)=0x20008
        "0a000000 04000200"   # *p1: v=10, id(q)=0x20004
        "11000000"            # *p1->q
        "0b000000 0c000200"   # *p2: v=11, id(q)=0x2000c
        "22000000")           # *p2->q
    w = NdrWriter()
    value = hc.EA(hc.EB(10, 0x11), hc.EB(11, 0x22))
    hc.write_EA(w, value)
    assert bytes(w.buf) == expected
    assert hc.read_EA(NdrReader(expected)) == value


def test_example_D_null_pointers_are_zero_and_take_no_referent() -> None:
    w = NdrWriter()
    hc.write_D(w, hc.D(1, None, "ab"))
    assert bytes(w.buf) == bytes.fromhex(
        "01000000 00000000 00000200 03000000 00000000 03000000 616200")


def test_example_F_full_pointer_alias_sends_one_referent() -> None:
    box = hc.Box(7)
    w = NdrWriter()
    hc.write_F(w, box, box)
    assert bytes(w.buf) == bytes.fromhex("01000000 01000000 07000000")
    a, b = hc.read_F(NdrReader(bytes(w.buf)))
    assert a is b and a.value == 7


def test_full_pointers_distinct_objects_get_distinct_ids() -> None:
    w = NdrWriter()
    hc.write_F(w, hc.Box(7), hc.Box(7))  # equal values, different objects
    assert bytes(w.buf) == bytes.fromhex("01000000 02000000 07000000 07000000")
    a, b = hc.read_F(NdrReader(bytes(w.buf)))
    assert a is not b


def test_full_pointer_cycle_terminates_both_ways() -> None:
    # [ptr] struct N { long v; [ptr] struct N *next; } *top, with a two-node cycle.
    class N:
        def __init__(self, v: int) -> None:
            self.v = v
            self.next: N | None = None

    def write_chain(w: NdrWriter, node: N | None) -> None:
        slot = w.slot()
        while node is not None and w.full(slot, node):  # a loop, not recursion
            w.i32(node.v)
            slot, node = w.slot(), node.next

    def read_chain(r: NdrReader) -> N | None:
        first: N | None = None
        prev: N | None = None
        ref = r.ref_id()
        while ref:
            node = r.refs.get(ref)
            fresh = node is None
            if fresh:
                node = r.refs[ref] = N(r.i32())
            if prev is None:
                first = node
            else:
                prev.next = node
            if not fresh:
                break
            prev, ref = node, r.ref_id()
        return first

    a, b = N(1), N(2)
    a.next, b.next = b, a
    w = NdrWriter()
    write_chain(w, a)
    # ids: a=1, b=2; b->next refers back to id 1 and sends no referent.
    assert bytes(w.buf) == bytes.fromhex("01000000 01000000 02000000 02000000 01000000")
    head = read_chain(NdrReader(bytes(w.buf)))
    assert head is not None and head.next is not None
    assert (head.v, head.next.v) == (1, 2) and head.next.next is head


def _w2k12() -> tuple[bytes, dict]:
    base = VECTORS / "real" / "samba_torture_w2k12_admin.logon_info"
    return (Path(f"{base}.bin").read_bytes(),
            json.loads(Path(f"{base}.json").read_text())["value"])


def test_w2k12_referent_ids_match_windows() -> None:
    data, value = _w2k12()
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_type(h, write_pkvi, value)
    out = h.buffer
    assert out == data
    # PROVENANCE.md note 1: ExtraSids=0x2002c, its element's Sid=0x20030,
    # ResourceGroupDomainSid=0x20034, ResourceGroupIds=0x20038 (Samba would use 0x30/0x34/0x38
    # for the top-level ones and 0x38 for the element).
    ids = {int.from_bytes(out[i:i + 4], "little") for i in range(16, len(out) - 3, 4)}
    for ref in (0x2002C, 0x20030, 0x20034, 0x20038):
        assert ref in ids
    stream = out[16:]
    extra_at = stream.index((0x2002C).to_bytes(4, "little"))
    assert stream[extra_at + 4:extra_at + 8] == (0x20034).to_bytes(4, "little")
    assert stream[extra_at + 12:extra_at + 16] == (0x20038).to_bytes(4, "little")
    # The element's Sid id comes after the array's max_count (1), in the deferred part.
    assert (b"\x01\x00\x00\x00" + (0x20030).to_bytes(4, "little") + b"\x07\x00\x00\x00") in stream


REAL_LOGON = sorted((VECTORS / "real").glob("*logon_info.bin"))


@pytest.mark.parametrize("path", REAL_LOGON, ids=lambda p: p.stem)
def test_real_logon_info_decodes_to_samba_values_and_reencodes_exactly(path: Path) -> None:
    data = path.read_bytes()
    expected = json.loads(path.with_suffix(".json").read_text())["value"]
    value = mes.decode_type(MesDecodeBufferHandleCreate(data), read_pkvi)
    assert value == expected
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_type(h, write_pkvi, value)
    assert h.buffer == data


SYNTH_LOGON = sorted((VECTORS / "synthetic").glob("logon_info_*.bin"))


@pytest.mark.parametrize("path", SYNTH_LOGON, ids=lambda p: p.stem)
def test_samba_logon_info_decodes_and_reencodes_same_length(path: Path) -> None:
    # Samba numbers in stream order, so bytes may differ only in referent ids.
    data = path.read_bytes()
    expected = json.loads(path.with_suffix(".json").read_text())["value"]
    value = mes.decode_type(MesDecodeBufferHandleCreate(data), read_pkvi)
    assert value == expected
    h = MesEncodeDynBufferHandleCreate()
    mes.encode_type(h, write_pkvi, value)
    out = h.buffer
    assert len(out) == len(data)
    assert mes.decode_type(MesDecodeBufferHandleCreate(out), read_pkvi) == expected
    differing = [i for i in range(len(data)) if data[i] != out[i]]
    for i in differing:  # only inside 4-byte ids of the 0x0002xxxx form
        start = i & ~3
        assert out[start + 2:start + 4] == b"\x02\x00" == data[start + 2:start + 4]


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_mutated_windows_buffer_decodes_or_raises_decode_error(data: st.DataObject) -> None:
    original, _ = _w2k12()
    buf = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(buf) - 1))
        buf[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        del buf[data.draw(st.integers(0, len(buf))):]
    try:
        mes.unpickle_type(bytes(buf), read_pkvi)
    except DecodeError:
        pass


def test_writer_depth_limit_is_an_encode_error() -> None:
    w = NdrWriter(max_depth=3)
    for _ in range(3):
        w.enter()
    with pytest.raises(EncodeError):
        w.enter()
