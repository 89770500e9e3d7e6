"""Hand-written codecs shaped like generated code (docs/internals.md "Generated code
shape"), used to drive the runtime in tests. Each follows the IDL quoted above it; the
expected bytes the tests compare against come from the reference or from Windows, never
from these codecs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from midlpy.runtime.errors import RPC_S_INVALID_BOUND, RPC_S_INVALID_TAG, DecodeError, EncodeError
from midlpy.runtime.ndr import Fixed, NdrReader, NdrWriter

# --- A. struct { small a; long b; short c; hyper d; } ------------------------------------
_A = Fixed("bxxxih6xq")


@dataclass
class A:
    a: int
    b: int
    c: int
    d: int


def read_A(r: NdrReader) -> A:
    return A(*r.fixed(_A))


def write_A(w: NdrWriter, v: A) -> None:
    w.fixed(_A, v.a, v.b, v.c, v.d)


# --- B. struct { long n; [size_is(n)] short data[]; }  (conformant) ----------------------
@dataclass
class B:
    n: int
    data: list


def read_B(r: NdrReader) -> B:
    size = r.conformance()
    n = r.i32()
    if n != size:
        raise r.error(RPC_S_INVALID_BOUND, f"max_count {size} disagrees with n={n}")
    r.check_count(size, 2)
    return B(n, r.prim_array("h", size))


def write_B(w: NdrWriter, v: B) -> None:
    if v.n != len(v.data):
        raise EncodeError(RPC_S_INVALID_BOUND, f"n={v.n} but data has {len(v.data)} items")
    w.conformance(v.n)
    w.i32(v.n)
    w.prim_array("h", v.data)


# --- C. top-level [in, unique, string] wchar_t *s -----------------------------------------
def write_C(w: NdrWriter, s: str | None) -> None:
    if s is None:
        w.null()
        return
    w.unique(w.slot())
    w.string_w(s)


def read_C(r: NdrReader) -> str | None:
    return r.string_w() if r.ref_id() else None


# --- D. struct { long a; [unique] long *p; [unique, string] char *s; } ---------------------
@dataclass
class D:
    a: int
    p: Any
    s: Any


def read_D_flat(r: NdrReader) -> D:
    return D(r.i32(), r.ref_id() or None, r.ref_id() or None)


def read_D_deferred(r: NdrReader, v: D) -> None:
    if v.p is not None:
        v.p = r.i32()
    if v.s is not None:
        try:
            v.s = r.string_c()
        except DecodeError as e:
            raise e.push("s")


def read_D(r: NdrReader) -> D:
    try:
        v = read_D_flat(r)
        read_D_deferred(r, v)
    except DecodeError as e:
        raise e.push("D")
    return v


def write_D_flat(w: NdrWriter, v: D) -> tuple:
    w.i32(v.a)
    sp = w.slot() if v.p is not None else w.null()
    ss = w.slot() if v.s is not None else w.null()
    return sp, ss


def write_D_deferred(w: NdrWriter, v: D, slots: tuple) -> None:
    if v.p is not None:
        w.unique(slots[0])
        w.i32(v.p)
    if v.s is not None:
        w.unique(slots[1])
        w.string_c(v.s)


def write_D(w: NdrWriter, v: D) -> None:
    write_D_deferred(w, v, write_D_flat(w, v))


# --- E. struct A { B *p1; B *p2; }  struct B { long v; B2 *q; }  (B2 = long, unique) --------
@dataclass
class EB:
    v: int
    q: Any


@dataclass
class EA:
    p1: Any
    p2: Any


def _write_EB_flat(w: NdrWriter, v: EB) -> int | None:
    w.i32(v.v)
    return w.slot() if v.q is not None else w.null()


def _write_EB_deferred(w: NdrWriter, v: EB, slot: int | None) -> None:
    if v.q is not None:
        w.unique(slot)  # type: ignore[arg-type]
        w.i32(v.q)


def write_EA(w: NdrWriter, v: EA) -> None:
    s1 = w.slot() if v.p1 is not None else w.null()
    s2 = w.slot() if v.p2 is not None else w.null()
    for ptr, slot in ((v.p1, s1), (v.p2, s2)):
        if ptr is not None and slot is not None:
            w.unique(slot)
            _write_EB_deferred(w, ptr, _write_EB_flat(w, ptr))


def read_EA(r: NdrReader) -> EA:
    v = EA(r.ref_id() or None, r.ref_id() or None)
    for name in ("p1", "p2"):
        if getattr(v, name) is not None:
            b = EB(r.i32(), r.ref_id() or None)
            if b.q is not None:
                b.q = r.i32()
            setattr(v, name, b)
    return v


# --- F. struct { [ptr] long *a; [ptr] long *b; }  full pointers ------------------------------
class Box:
    """A pointee with identity (Python ints are shared, so aliasing needs an object)."""

    def __init__(self, value: int) -> None:
        self.value = value


def write_F(w: NdrWriter, a: Box | None, b: Box | None) -> None:
    slots = [w.slot() if p is not None else w.null() for p in (a, b)]
    for p, slot in zip((a, b), slots):
        if p is not None and slot is not None and w.full(slot, p):
            w.i32(p.value)


def read_F(r: NdrReader) -> tuple:
    ids = (r.ref_id(), r.ref_id())
    out: list[Box | None] = []
    for ref in ids:
        if ref == 0:
            out.append(None)
        elif ref in r.refs:
            out.append(r.refs[ref])
        else:
            box = r.refs[ref] = Box(r.i32())
            out.append(box)
    return tuple(out)


# --- G. struct { short x[3]; long y; } --------------------------------------------------
_G = Fixed("3h2xi")


def write_G(w: NdrWriter, x: list, y: int) -> None:
    w.fixed(_G, *x, y)


def read_G(r: NdrReader) -> tuple:
    *x, y = r.fixed(_G)
    return x, y


# --- H. [in] long len, [in, length_is(len)] long v[4] -------------------------------------
def write_H(w: NdrWriter, length: int, v: list) -> None:
    w.i32(length)
    w.variance(0, length)
    w.prim_array("i", v[:length])


def read_H(r: NdrReader) -> tuple:
    length = r.i32()
    offset, actual = r.variance()
    r.check_varying(offset, actual, 4)
    if actual != length:
        raise r.error(RPC_S_INVALID_BOUND, f"actual count {actual} but len={length}")
    return length, r.prim_array("i", actual)


# --- I. struct { long max; long len; [size_is(max), length_is(len)] char s[]; } -----------
_I2 = Fixed("ii")


def write_I(w: NdrWriter, mx: int, s: bytes) -> None:
    w.conformance(mx)
    w.fixed(_I2, mx, len(s))
    w.variance(0, len(s))
    w.byte_array(s)


def read_I(r: NdrReader) -> tuple:
    size = r.conformance()
    mx, ln = r.fixed(_I2)
    offset, actual = r.variance()
    r.check_varying(offset, actual, size)
    if mx != size or ln != actual:
        raise r.error(RPC_S_INVALID_BOUND, "counts disagree with max/len")
    return mx, r.byte_array(actual)


# --- J. [size_is(2,)] short a[][3] -------------------------------------------------------
def write_J(w: NdrWriter, rows: list) -> None:
    w.conformance(len(rows))
    w.prim_array("h", [x for row in rows for x in row])


def read_J(r: NdrReader) -> list:
    n = r.conformance()
    r.check_count(n, 6)
    flat = r.prim_array("h", n * 3)
    return [flat[i:i + 3] for i in range(0, len(flat), 3)]


# --- L. [switch_type(long)] union { case 1: short s; case 2: hyper h; } ------------------
def write_L(w: NdrWriter, disc: int, arm: int) -> None:
    w.u32(disc)
    w.align(8)  # arm aligned to the largest arm (midlpy default, ndr-mes.md 1.9)
    if disc == 1:
        w.i16(arm)
    elif disc == 2:
        w.i64(arm)
    else:
        raise EncodeError(RPC_S_INVALID_TAG, f"no arm for {disc}")


def read_L(r: NdrReader) -> tuple:
    disc = r.u32()
    r.align(8)
    if disc == 1:
        return disc, r.i16()
    if disc == 2:
        return disc, r.i64()
    raise r.error(RPC_S_INVALID_TAG, f"no arm for discriminant {disc}")


# --- a self-nesting union for the depth limit: union U switch(long k) { case 1: U *next; } --
def read_nested(r: NdrReader) -> int:
    """Counts levels of ``struct N { long k; [unique] N *next; }`` read recursively."""
    r.enter()
    r.i32()
    depth = 1 + (read_nested(r) if r.ref_id() else 0)
    r.leave()
    return depth


def read_nested_unguarded(r: NdrReader) -> int:
    """The same without enter/leave: only the MES layer's RecursionError guard helps."""
    r.i32()
    return 1 + (read_nested_unguarded(r) if r.ref_id() else 0)
