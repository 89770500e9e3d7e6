"""Codec benchmarks: generated decoders/encoders against the comparators.

Run through run.py (``make bench``); ``python tests/bench/bench_codecs.py``
runs only this part.  Every comparison checks first that the contenders
agree on the value or the bytes, so a fast wrong answer cannot win.
"""

from __future__ import annotations

import gc
import random
import tracemalloc

import common
import handwritten as hw
from harness import Report, compare, fmt_bytes

from midlpy.runtime import (MesDecodeBufferHandleCreate, MesDecodeIncrementalHandleCreate,
                            MesEncodeDynBufferHandleCreate, MesEncodeFixedBufferHandleCreate,
                            MesEncodeIncrementalHandleCreate)


def _decode(fn):
    return lambda data: fn(MesDecodeBufferHandleCreate(data))


def _encode(fn):
    def enc(value):
        h = MesEncodeDynBufferHandleCreate()
        fn(h, value)
        return h.buffer
    return enc


def _impacket():
    try:
        from impacket.krb5.pac import VALIDATION_INFO
    except ImportError:
        return None

    def decode(data):
        v = VALIDATION_INFO()
        v.fromStringReferents(data, v.fromString(data))
        return v

    def encode(v):
        return v.getData() + v.getDataReferents()
    return decode, encode


def logon_info(rep: Report) -> None:
    import floor_kvi as floor
    from tests.vectors import canon

    rep.section("Kerberos logon info (KERB_VALIDATION_INFO type pickle)")
    pac = common.load(common.PAC_IDL)
    if isinstance(pac, str):
        rep.note(f"SKIPPED: {pac}")
        for size in ("g10", "g300"):
            for op in ("decode", "encode"):
                rep.target(f"logon-info {size} {op} vs floor", "not measured", None, "<= 1.5x")
                rep.target(f"logon-info {size} {op} vs impacket", "not measured", None, ">= 50x faster")
        return
    imp = _impacket()
    if imp is None:
        rep.note("impacket is not installed (pip install impacket): no impacket figures")
    m_dec = _decode(pac.PKERB_VALIDATION_INFO_Decode)
    m_enc = _encode(pac.PKERB_VALIDATION_INFO_Encode)
    for size in ("g10", "g300"):
        data = common.vector(f"logon_info_{size}")
        fv, mv = floor.decode(data), m_dec(data)
        want = canon.load_json(canon.VECTORS / "synthetic" / f"logon_info_{size}.json")
        if canon.kerb_validation_info(mv) != want["value"]:
            rep.note("WARNING: midlpy does not decode the vector's JSON value")
        if m_enc(mv) != floor.encode(fv):
            rep.note("WARNING: midlpy and the floor encode different bytes")
        dec = [("floor (struct, by hand)", lambda: floor.decode(data)),
               ("midlpy", lambda: m_dec(data))]
        enc = [("floor (struct, by hand)", lambda: floor.encode(fv)),
               ("midlpy", lambda: m_enc(mv))]
        if imp:
            iv = imp[0](data)
            dec.append(("impacket", lambda: imp[0](data)))
            enc.append(("impacket", lambda: imp[1](iv)))
        for op, contenders in (("decode", dec), ("encode", enc)):
            res = compare(contenders)
            rep.table(f"{size} {op} ({len(data)} bytes)", res, ref="floor (struct, by hand)")
            t = {r.name: r.median for r in res}
            ratio = t["midlpy"] / t["floor (struct, by hand)"]
            rep.target(f"logon-info {size} {op} vs floor", f"{ratio:.2f}x", ratio <= 1.5, "<= 1.5x")
            if imp:
                speed = t["impacket"] / t["midlpy"]
                rep.target(f"logon-info {size} {op} vs impacket", f"{speed:.0f}x faster",
                           speed >= 50, ">= 50x faster")
            else:
                rep.target(f"logon-info {size} {op} vs impacket", "not measured", None,
                           ">= 50x faster")


def _bulk():
    bulk = common.load(common.BULK_IDL)
    if isinstance(bulk, str):
        raise RuntimeError(bulk)
    return bulk


def bulk_arrays(rep: Report) -> None:
    bulk = _bulk()
    rnd = random.Random(7)
    rep.section("Bulk arrays (bulk.idl: unique pointer to a conformant struct)")

    n = 1_000_000
    value = bulk.ULONGS(n, [rnd.getrandbits(32) for _ in range(n)])
    m_dec, m_enc = _decode(bulk.PULONGS_Decode), _encode(bulk.PULONGS_Encode)
    data = m_enc(value)
    if data != hw.enc_ulongs_array(value) or hw.ulongs_array(data, bulk.ULONGS) != m_dec(data):
        rep.note("WARNING: midlpy and array disagree on the 1M unsigned long pickle")
    res = compare([("array+tolist", lambda: hw.ulongs_array(data, bulk.ULONGS)),
                   ("memoryview.cast+tolist", lambda: hw.ulongs_cast(data, bulk.ULONGS)),
                   ("struct.unpack_from", lambda: hw.ulongs_unpack(data, bulk.ULONGS)),
                   ("midlpy", lambda: m_dec(data))], rounds=7, budget=0.05)
    rep.table(f"decode {n:,} unsigned long ({fmt_bytes(len(data))})", res, ref="array+tolist")
    t = {r.name: r.median for r in res}
    ratio = t["midlpy"] / t["array+tolist"]
    rep.target("1M unsigned long decode vs array+tolist", f"{ratio:.2f}x", ratio <= 2, "<= 2x")
    res = compare([("array.tobytes", lambda: hw.enc_ulongs_array(value)),
                   ("struct.pack", lambda: hw.enc_ulongs_pack(value)),
                   ("midlpy", lambda: m_enc(value))], rounds=7, budget=0.05)
    rep.table(f"encode {n:,} unsigned long", res, ref="array.tobytes")
    t = {r.name: r.median for r in res}
    ratio = t["midlpy"] / t["array.tobytes"]
    rep.target("1M unsigned long encode vs array.tobytes", f"{ratio:.2f}x", ratio <= 2, "<= 2x")
    _memory(rep, "1M unsigned long", data, m_dec, lambda d: hw.ulongs_array(d, bulk.ULONGS),
            target=True)
    kept, peak = _traced(m_enc, value)
    h_kept, h_peak = _traced(hw.enc_ulongs_array, value)
    rep.note(f"memory, encode 1M unsigned long: output {fmt_bytes(len(data))}; midlpy peak "
             f"{fmt_bytes(peak)} ({peak / len(data):.1f}x the output); array.tobytes peak "
             f"{fmt_bytes(h_peak)} ({h_peak / len(data):.1f}x)")
    del value, data

    n = 100_000
    items = [bulk.ITEM(rnd.getrandbits(32), rnd.getrandbits(32), rnd.getrandbits(16),
                       rnd.getrandbits(16)) for _ in range(n)]
    value = bulk.ITEMS(n, items)
    m_dec, m_enc = _decode(bulk.PITEMS_Decode), _encode(bulk.PITEMS_Encode)
    data = m_enc(value)
    if (data != hw.enc_items_loop(value)
            or hw.items_loop(data, bulk.ITEMS, bulk.ITEM) != m_dec(data)):
        rep.note("WARNING: midlpy and the hand-written loop disagree on the 100k struct pickle")
    res = compare([("hand loop (unpack_from)", lambda: hw.items_loop(data, bulk.ITEMS, bulk.ITEM)),
                   ("iter_unpack+starmap", lambda: hw.items_starmap(data, bulk.ITEMS, bulk.ITEM)),
                   ("midlpy", lambda: m_dec(data))], rounds=7, budget=0.05)
    rep.table(f"decode {n:,} structs of 12 bytes ({fmt_bytes(len(data))})", res,
              ref="hand loop (unpack_from)")
    t = {r.name: r.median for r in res}
    ratio = t["midlpy"] / t["hand loop (unpack_from)"]
    rep.target("100k structs decode vs hand loop", f"{ratio:.2f}x", ratio <= 1.5, "<= 1.5x")
    res = compare([("hand loop (pack, +=)", lambda: hw.enc_items_loop(value)),
                   ("pack list + join", lambda: hw.enc_items_join(value)),
                   ("midlpy", lambda: m_enc(value))], rounds=7, budget=0.05)
    rep.table(f"encode {n:,} structs", res, ref="hand loop (pack, +=)")
    t = {r.name: r.median for r in res}
    ratio = t["midlpy"] / t["hand loop (pack, +=)"]
    rep.target("100k structs encode vs hand loop", f"{ratio:.2f}x", ratio <= 1.5, "<= 1.5x")
    _memory(rep, "100k structs", data, m_dec,
            lambda d: hw.items_loop(d, bulk.ITEMS, bulk.ITEM), target=False)


def _traced(fn, data) -> tuple[int, int]:
    """(bytes the result keeps, peak bytes above the start) while ``fn(data)`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn(data)
        cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return cur - base, peak - base


def _memory(rep: Report, what: str, data: bytes, m_dec, hand, target: bool) -> None:
    kept, peak = _traced(m_dec, data)
    h_kept, h_peak = _traced(hand, data)
    rep.note(f"memory, decode {what}: input {fmt_bytes(len(data))}; midlpy result "
             f"{fmt_bytes(kept)}, peak {fmt_bytes(peak)} ({peak / kept:.2f}x), transient "
             f"{fmt_bytes(peak - kept)}; by hand: result {fmt_bytes(h_kept)}, peak "
             f"{fmt_bytes(h_peak)} ({h_peak / h_kept:.2f}x)")
    if target:
        rep.target(f"{what} decode peak / result size", f"{peak / kept:.2f}x", peak < 3 * kept,
                   "< 3x")
        rep.target(f"{what} decode transient memory vs input", f"{fmt_bytes(peak - kept)} for "
                   f"{fmt_bytes(len(data))} input", peak - kept < len(data),
                   "< one copy of the input")


def drs(rep: Report) -> None:
    rep.section("DRS_MSG_GETCHGREPLY_V6 (examples/drs, 2,248-byte vector)")
    mod = common.load(common.DRS_IDL)
    if isinstance(mod, str):
        rep.note(f"SKIPPED: {mod}")
        return
    data = common.vector("drs_getchgreply_v6")
    m_dec = _decode(mod.DRS_MSG_GETCHGREPLY_V6_Decode)
    m_enc = _encode(mod.DRS_MSG_GETCHGREPLY_V6_Encode)
    value = m_dec(data)
    res = compare([("midlpy decode", lambda: m_dec(data)),
                   ("midlpy encode", lambda: m_enc(value))])
    rep.table("midlpy only (impacket's drsuapi stops short of the vector's end)", res)


def procedure(rep: Report) -> None:
    bulk = _bulk()
    rep.section("Procedure pickle round trip (bulk.idl P_Record: hyper, string, 100 structs)")
    items = [bulk.ITEM(i, i * 7, i & 0xFFFF, 3) for i in range(100)]
    rec = bulk.RECORD(0x0102030405060708, "a record name", len(items), items)

    def encode():
        h = MesEncodeDynBufferHandleCreate()
        bulk.P_Record(h, 42, rec)
        return h.buffer

    data = encode()
    if bulk.P_Record(MesDecodeBufferHandleCreate(data)) != (42, rec):
        rep.note("WARNING: the procedure pickle does not round-trip")
    type_data = _encode(bulk.PITEMS_Encode)(bulk.ITEMS(len(items), items))
    res = compare([("encode", encode),
                   ("decode", lambda: bulk.P_Record(MesDecodeBufferHandleCreate(data))),
                   ("round trip", lambda: bulk.P_Record(MesDecodeBufferHandleCreate(encode()))),
                   ("type pickle, same items", lambda: bulk.PITEMS_Decode(
                       MesDecodeBufferHandleCreate(type_data)))])
    rep.table(f"{len(data)} bytes", res, ref="round trip")


def handles(rep: Report) -> None:
    """The same encode through the fixed, dynamic and incremental handle styles."""
    pac = common.load(common.PAC_IDL)
    if isinstance(pac, str):
        mod = common.load(common.DRS_IDL)
        enc, dec = mod.DRS_MSG_GETCHGREPLY_V6_Encode, mod.DRS_MSG_GETCHGREPLY_V6_Decode
        data, what = common.vector("drs_getchgreply_v6"), "DRS reply (PAC does not compile)"
    else:
        enc, dec = pac.PKERB_VALIDATION_INFO_Encode, pac.PKERB_VALIDATION_INFO_Decode
        data, what = common.vector("logon_info_g10"), "logon info g10"
    rep.section(f"Handle styles, {what}")
    value = dec(MesDecodeBufferHandleCreate(data))
    size = len(_encode(enc)(value))
    fixed_buf = bytearray(size)
    sink: list = []

    def fixed():
        enc(MesEncodeFixedBufferHandleCreate(fixed_buf), value)

    def dynamic():
        h = MesEncodeDynBufferHandleCreate()
        enc(h, value)
        return h.buffer

    def incremental():
        sink.clear()
        enc(MesEncodeIncrementalHandleCreate(None, lambda st, n: bytearray(n),
                                             lambda st, b: sink.append(b)), value)

    def inc_read(state, n):
        pos = state[0]
        state[0] = pos + n
        return data[pos:pos + n]

    res = compare([("encode fixed", fixed), ("encode dynamic", dynamic),
                   ("encode incremental", incremental),
                   ("decode buffer", lambda: dec(MesDecodeBufferHandleCreate(data))),
                   ("decode incremental", lambda: dec(MesDecodeIncrementalHandleCreate(
                       [0], inc_read)))])
    rep.table(f"{size}-byte record", res, ref="encode dynamic")


ALL = [logon_info, bulk_arrays, drs, procedure, handles]

if __name__ == "__main__":
    r = Report()
    for bench in ALL:
        bench(r)
    r.summary()
