"""Where the time of the generated codecs goes: a tool for whoever optimises them.

    python tests/bench/profile_codecs.py [--cprofile] [--only kvi|sections|bulk|micro]

Four views, in CPU time except the second:
- a breakdown of one call into nested layers (public API -> envelope -> NDR body
  -> flat part), each layer timed on its own, interleaved with the floor;
- the logon-info deferred reader and writer, field by field: the generated
  function is recompiled with a clock reading at each ``_f = ...`` marker
  (perf_counter_ns, median of 3000 calls, the clock's own cost subtracted);
- micro-costs of the constructs generated code is made of (dataclass
  construction, a runtime method call against an inlined ``unpack_from``, the
  ``_f = ...`` field markers, UTF-16 decoding routes);
- with --cprofile, the top functions by own time (cProfile inflates calls of
  Python functions relative to C ones, so read its ratios with the breakdown).

It reaches into generated internals (``_read_T``, ``_dec_T``, ``_Fn``; see
docs/internals.md) and skips what a given version does not have.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from harness import compare, fmt_time  # noqa: E402

from midlpy.runtime import (MesDecodeBufferHandleCreate,  # noqa: E402
                            MesEncodeDynBufferHandleCreate, mes, ndr)


def show(title: str, results, ref: str) -> None:
    base = next(r.median for r in results if r.name == ref)
    print(f"  {title}")
    for r in results:
        print(f"    {r.name:<44} {fmt_time(r.median):>10}  {r.median / base * 100:5.0f}%")


def kvi() -> None:
    import floor_kvi as floor

    pac = common.load(common.PAC_IDL)
    if isinstance(pac, str):
        print(pac)
        return
    read, write = pac._read_PKERB_VALIDATION_INFO, pac._write_PKERB_VALIDATION_INFO
    dec_flat = getattr(pac, "_dec_KERB_VALIDATION_INFO", None)
    for size in ("g10", "g300"):
        data = common.vector(f"logon_info_{size}")
        body = memoryview(data)[16:]
        value = pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))
        fv = floor.decode(data)

        def flat():
            r = ndr.NdrReader(body)
            r.pos = 4
            return dec_flat(r)

        def encode():
            h = MesEncodeDynBufferHandleCreate()
            pac.PKERB_VALIDATION_INFO_Encode(h, value)
            return h.buffer

        def body_write():
            w = ndr.NdrWriter()
            write(w, value)
            return w.buf

        print(f"\n== logon info {size} ({len(data)} bytes)")
        dec = [("public: T_Decode(MesDecodeBufferHandleCreate)",
                lambda: pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))),
               ("mes.unpickle_type (envelope fast path)",
                lambda: mes.unpickle_type(data, read)),
               ("body: _read_T(NdrReader(view))", lambda: read(ndr.NdrReader(body))),
               ("NdrReader(view) alone", lambda: ndr.NdrReader(body)),
               ("floor.decode", lambda: floor.decode(data))]
        if dec_flat is not None:
            dec.insert(3, ("flat part only: _dec_T (reader included)", flat))
        show("decode", compare(dec, rounds=9, budget=0.01), "public: T_Decode(MesDecodeBufferHandleCreate)")
        enc = [("public: T_Encode(dynamic handle) + .buffer", encode),
               ("mes.pickle_type", lambda: mes.pickle_type(write, value)),
               ("body: _write_T(NdrWriter())", body_write),
               ("NdrWriter() alone", ndr.NdrWriter),
               ("floor.encode", lambda: floor.encode(fv))]
        show("encode", compare(enc, rounds=9, budget=0.01), "public: T_Encode(dynamic handle) + .buffer")


def bulk() -> None:
    import random

    mod = common.load(common.BULK_IDL)
    rnd = random.Random(7)
    n = 100_000
    items = mod.ITEMS(n, [mod.ITEM(rnd.getrandbits(32), rnd.getrandbits(32),
                                   rnd.getrandbits(16), rnd.getrandbits(16)) for _ in range(n)])
    h = MesEncodeDynBufferHandleCreate()
    mod.PITEMS_Encode(h, items)
    data = h.buffer
    elems = memoryview(data)[28:28 + 12 * n]  # after headers, referent, max count, Count
    item, f = mod.ITEM, getattr(mod, "_F1", None)
    print("\n== 100,000 structs of 12 bytes: per element")
    contenders = [("midlpy decode", lambda: mod.PITEMS_Decode(MesDecodeBufferHandleCreate(data)))]
    if f is not None:
        s = f.le
        contenders += [
            ("iter_unpack alone (tuples, no objects)", lambda: list(s.iter_unpack(elems))),
            ("ITEM(a, b, c, d) x n, from tuples",
             lambda: [item(a, b, c, d) for a, b, c, d in s.iter_unpack(elems)])]
    res = compare(contenders, rounds=5, budget=0.05)
    for r in res:
        print(f"    {r.name:<44} {r.median / n * 1e9:7.0f} ns/element")


def micro() -> None:
    import codecs
    import dataclasses

    pac = common.load(common.PAC_IDL)
    print("\n== micro-costs (per operation)")
    ft, us, kv = pac.FILETIME, pac.RPC_UNICODE_STRING, pac.KERB_VALIDATION_INFO
    nf = len(dataclasses.fields(kv))
    args = list(range(nf))

    @dataclasses.dataclass(slots=True)
    class Plain2:
        a: int
        b: int

    class Slots2:
        __slots__ = ("a", "b")

        def __init__(self, a, b):
            self.a = a
            self.b = b

    tup = tuple
    res = compare([("tuple (1, 2) (baseline)", lambda: (1, 2)),
                   ("FILETIME(1, 2) (slotted dataclass)", lambda: ft(1, 2)),
                   ("hand __slots__ class, 2 fields", lambda: Slots2(1, 2)),
                   ("int a | b << 32 (the floor's FILETIME)", lambda a=5, b=7: a | b << 32),
                   ("RPC_UNICODE_STRING(1, 2, 3)", lambda: us(1, 2, 3)),
                   (f"KERB_VALIDATION_INFO(*{nf} args)", lambda: kv(*args)),
                   ("tuple(list of 35) (baseline)", lambda: tup(args))], rounds=7, budget=0.01)
    show("object construction", res, "tuple (1, 2) (baseline)")

    body = memoryview(common.vector("logon_info_g10"))[16:]
    r = ndr.NdrReader(body)
    f0 = getattr(pac, "_F0", None)
    if f0 is not None:
        unpack_from = f0.le.unpack_from

        def method():
            r.pos = 4
            return r.fixed(f0)

        def inline():
            r.pos = 4
            pos = (r.pos + 3) & -4
            v = unpack_from(r.buf, pos)
            r.pos = pos + 8
            return v
        show("a run of two u32", compare([("r.fixed(F)", method), ("inlined unpack_from", inline)],
                                         rounds=7, budget=0.01), "r.fixed(F)")

    def markers():
        _f = ""
        _f = "a"; _f = "b"; _f = "c"; _f = "d"; _f = "e"  # noqa: E702
        _f = "f"; _f = "g"; _f = "h"; _f = "i"; _f = "j"  # noqa: E702
        return _f

    def no_markers():
        _f = ""
        return _f
    res = compare([("no _f markers", no_markers), ("10 _f = '...' markers", markers)],
                  rounds=7, budget=0.01)
    print(f"  one `_f = ...` marker: {(res[1].median - res[0].median) / 10 * 1e9:.1f} ns")

    s = "DOMAIN\\someone" * 2
    text = s.encode("utf-16-le")
    view = memoryview(text)
    dec16, enc16 = codecs.utf_16_le_decode, codecs.utf_16_le_encode
    # str(x, "utf-16-le") goes through the codec registry and a Python-level wrapper
    # (encodings/utf_16_le.py); the codecs functions are the C code underneath
    show("decode 28 UTF-16 code units", compare([
        ("str(view, 'utf-16-le', 'surrogatepass')", lambda: str(view, "utf-16-le", "surrogatepass")),
        ("bytes.decode('utf-16-le', 'surrogatepass')", lambda: text.decode("utf-16-le", "surrogatepass")),
        ("codecs.utf_16_le_decode(view, 'surrogatepass', True)[0]",
         lambda: dec16(view, "surrogatepass", True)[0])], rounds=7, budget=0.01),
        "str(view, 'utf-16-le', 'surrogatepass')")
    show("encode 28 UTF-16 code units", compare([
        ("s.encode('utf-16-le', 'surrogatepass')", lambda: s.encode("utf-16-le", "surrogatepass")),
        ("codecs.utf_16_le_encode(s, 'surrogatepass')[0]", lambda: enc16(s, "surrogatepass")[0])],
        rounds=7, budget=0.01), "s.encode('utf-16-le', 'surrogatepass')")
    arrays(pac)


def arrays(pac) -> None:
    """Ways to convert arrays of small structs and of integers."""
    import struct
    from array import array
    from itertools import starmap

    data = common.vector("logon_info_g300")
    groups = pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data)).GroupIds
    g, n = pac.GROUP_MEMBERSHIP, len(groups)
    rows = list(struct.iter_unpack("<II", struct.pack(f"<{2 * n}I", *range(2 * n))))
    show(f"construct {n} GROUP_MEMBERSHIP from unpacked rows", compare([
        ("[G(a, b) for a, b in rows]", lambda: [g(a, b) for a, b in rows]),
        ("list(starmap(G, rows))", lambda: list(starmap(g, rows)))], rounds=7, budget=0.01),
        "[G(a, b) for a, b in rows]")
    pk = struct.Struct("<II").pack

    def join():
        return b"".join([pk(e.RelativeId, e.Attributes) for e in groups])

    def flat():
        out = []
        for e in groups:
            out.append(e.RelativeId)
            out.append(e.Attributes)
        return struct.pack(f"<{2 * n}I", *out)

    def iadd():
        buf = bytearray()
        for e in groups:
            buf += pk(e.RelativeId, e.Attributes)
        return buf
    show(f"encode {n} GROUP_MEMBERSHIP", compare([
        ("b''.join([pack(e.a, e.b) for e in xs])", join),
        ("flat list + one struct.pack", flat),
        ("buf += pack(e.a, e.b) per element", iadd)], rounds=7, budget=0.01),
        "b''.join([pack(e.a, e.b) for e in xs])")
    ints = list(range(1 << 31, (1 << 31) + 4096))
    show("encode 4096 unsigned long", compare([
        ("buf += struct.pack(f'<{n}I', *values)",
         lambda: bytearray(8).__iadd__(struct.pack(f"<{len(ints)}I", *ints))),
        ("buf += array('I', values)", lambda: bytearray(8).__iadd__(array("I", ints)))],
        rounds=7, budget=0.01), "buf += struct.pack(f'<{n}I', *values)")
    subs = [21, 1, 2, 3, 1105]
    w = ndr.NdrWriter()
    s5 = struct.Struct("<5I")

    def prim():
        w.buf = bytearray(4)
        w.prim_array("I", subs)

    def cached():
        w.buf = bytearray(4)
        w.buf += s5.pack(*subs)
    show("encode a SID's 5 sub-authorities", compare([
        ("w.prim_array('I', subs)", prim), ("w.buf += cached Struct.pack(*subs)", cached)],
        rounds=7, budget=0.01), "w.prim_array('I', subs)")


def _instrument(text: str, fname: str, namespace: dict, log: list):
    """``fname`` from generated ``text`` with a clock reading before every top-level
    ``_f = '...'`` field marker and at the end of its ``try`` body: line-level timing
    by hand, at the granularity of fields."""
    import ast
    import re
    import time

    tree = ast.parse(text)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fname)
    lines = ast.get_source_segment(text, node).splitlines()
    marks = [(i, m) for i, ln in enumerate(lines) if (m := re.match(r"( +)_f = '(.*)'$", ln))]
    indent = min(len(m.group(1)) for _, m in marks)
    out = []
    for i, ln in enumerate(lines):
        m = re.match(r"( +)_f = '(.*)'$", ln)
        if m and len(m.group(1)) == indent:
            out.append(f"{m.group(1)}_mark({m.group(2)!r})")
        if re.match(rf" {{{indent - 4}}}except ", ln) and not any(
                o.strip().startswith("_mark(None)") for o in out):
            out.append(" " * indent + "_mark(None)")
        out.append(ln)
    clock = time.perf_counter_ns

    def _mark(name, _log=log, _clock=clock):
        _log.append((name, _clock()))
    ns = dict(namespace, _mark=_mark)
    exec(compile("\n".join(out), f"<instrumented {fname}>", "exec"), ns)
    return ns[fname]


def sections() -> None:
    """Per-field cost of the logon-info deferred readers and writers."""
    import statistics

    from midlpy.compiler.api import compile_file

    res = compile_file(str(common.PAC_IDL))
    pac = common.load(common.PAC_IDL)
    if not res.ok or isinstance(pac, str):
        return
    text = res.files[-1].text
    for size in ("g10", "g300"):
        data = common.vector(f"logon_info_{size}")
        value = pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))
        for fname, call in (
                ("_dec_KERB_VALIDATION_INFO_deferred",
                 lambda: pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))),
                ("_enc_KERB_VALIDATION_INFO_deferred",
                 lambda: pac.PKERB_VALIDATION_INFO_Encode(MesEncodeDynBufferHandleCreate(), value))):
            if fname not in pac.__dict__:
                continue
            log: list = []
            original = pac.__dict__[fname]
            pac.__dict__[fname] = _instrument(text, fname, pac.__dict__, log)
            per: dict = {}
            try:
                for _ in range(3000):
                    log.clear()
                    call()
                    for (name, t0), (_, t1) in zip(log, log[1:]):
                        per.setdefault(name, []).append(t1 - t0)
            finally:
                pac.__dict__[fname] = original
            log.clear()
            for _ in range(3000):  # the cost of one reading, subtracted below
                pac.__dict__  # noqa: B018
            empty = []
            mark = _instrument("def f():\n    try:\n        _f = 'a'\n    except E:\n        pass\n",
                               "f", {}, log)
            for _ in range(3000):
                log.clear()
                mark()
                empty.append(log[1][1] - log[0][1])
            base = min(empty)
            total = sum(statistics.median(v) - base for v in per.values())
            print(f"\n== {fname}, logon info {size}: median ns per field "
                  f"(total {total / 1000:.1f} us; clock overhead {base} ns subtracted)")
            for name, v in per.items():
                t = statistics.median(v) - base
                print(f"    {name:<28} {t:8.0f} ns  {t / total * 100:4.0f}%")


def cprofile() -> None:
    pac = common.load(common.PAC_IDL)
    for size in ("g10", "g300"):
        data = common.vector(f"logon_info_{size}")
        value = pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))

        def dec():
            pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))

        def enc():
            pac.PKERB_VALIDATION_INFO_Encode(MesEncodeDynBufferHandleCreate(), value)
        for name, fn in (("decode", dec), ("encode", enc)):
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(2000):
                fn()
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
            lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
            start = next(i for i, ln in enumerate(lines) if "ncalls" in ln)
            print(f"\n== cProfile {size} {name}, 2000 calls, by own time")
            print("\n".join(lines[start:]))


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--only", choices=["kvi", "sections", "bulk", "micro"])
    args = ap.parse_args(argv)
    for name, fn in (("kvi", kvi), ("sections", sections), ("bulk", bulk), ("micro", micro)):
        if args.only in (None, name):
            fn()
    if args.cprofile:
        cprofile()


if __name__ == "__main__":
    main(sys.argv[1:])
