"""Hypothesis strategies, written by hand, for every pickled type of constructs.idl and
hooks.idl. They respect the correlations the IDL declares (size_is, length_is,
first_is/last_is, switch_is, [range]) so every generated value is encodable.

``STRATEGIES[type_name](module)`` returns the strategy; the dataclasses come from the
generated module.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from hypothesis import strategies as st

from tests.constructs.cases import encap, encu, union

SI = st.SearchStrategy

i8 = st.integers(-(1 << 7), (1 << 7) - 1)
u8 = st.integers(0, (1 << 8) - 1)
i16 = st.integers(-(1 << 15), (1 << 15) - 1)
u16 = st.integers(0, (1 << 16) - 1)
i32 = st.integers(-(1 << 31), (1 << 31) - 1)
u32 = st.integers(0, (1 << 32) - 1)
i64 = st.integers(-(1 << 63), (1 << 63) - 1)
u64 = st.integers(0, (1 << 64) - 1)
f32 = st.floats(width=32, allow_nan=False)
f64 = st.floats(allow_nan=False)

# [string] text: no NUL inside (the terminator ends it). char strings: every octet
# 1..255 (latin-1); wchar_t strings: BMP code units without surrogates.
cchar = st.characters(min_codepoint=1, max_codepoint=255)
wchar = st.characters(min_codepoint=1, max_codepoint=0xFFFF, exclude_categories=["Cs"])


def cstr(max_size: int = 12) -> SI:
    return st.text(cchar, max_size=max_size)


def wstr(max_size: int = 12) -> SI:
    return st.text(wchar, max_size=max_size)


def opt(s: SI) -> SI:
    return st.none() | s


def color(m: ModuleType) -> SI:
    return st.sampled_from(list(m.COLOR)) | st.integers(0, 32767)


def color32(m: ModuleType) -> SI:
    return st.sampled_from(list(m.COLOR32)) | st.integers(0, (1 << 31) - 1)


def base_types(m: ModuleType) -> SI:
    return st.builds(
        m.BASE_TYPES, b=st.booleans(), by=u8, c=u8, sm=i8, usm=u8, i8=i8,
        wc=u16, s=i16, us=u16, i16=i16, l=i32, ul=u32, i=i32, i32=i32, i3264=i32, f=f32,
        h=i64, uh=u64, i64=i64, d=f64, st=u32, hr=i32)


def example_a(m: ModuleType) -> SI:
    return st.builds(m.EXAMPLE_A, a=i8, b=i32, c=i16, d=i64)


def conf(m: ModuleType) -> SI:
    return st.lists(i16, max_size=8).map(lambda d: m.CONF(n=len(d), data=d))


def ex_e_b(m: ModuleType) -> SI:
    return st.builds(m.EX_E_B, v=i32, q=opt(i32))


def point(m: ModuleType) -> SI:
    return st.builds(m.POINT, x=i32, y=i32)


@st.composite
def varying(draw: Callable[[SI], Any], m: ModuleType) -> Any:
    v = draw(st.lists(i32, max_size=4))
    first = draw(st.integers(0, 6))
    w = draw(st.lists(i16, max_size=6 - first))
    f2 = draw(st.integers(0, 5))
    b = draw(st.binary(max_size=5 - f2))
    return m.VARYING(len=len(v), v=v, first=first, last=first + len(w) - 1, w=w,
                     f2=f2, l2=len(b), b=b)


@st.composite
def cvstruct(draw: Callable[[SI], Any], m: ModuleType) -> Any:
    s = draw(st.binary(max_size=8))
    extra = draw(st.integers(0, 4))
    return m.CVSTRUCT(max=len(s) + extra, len=len(s), s=s)


@st.composite
def corr(draw: Callable[[SI], Any], m: ModuleType) -> Any:
    text = draw(wstr(8))
    extra = draw(st.integers(0, 3))
    return m.CORR(Length=2 * len(text), MaximumLength=2 * (len(text) + extra), Buffer=text)


@st.composite
def corr2(draw: Callable[[SI], Any], m: ModuleType) -> Any:
    a = draw(st.integers(0, 4))
    b = draw(st.integers(0, 4))
    return m.CORR2(a=a, b=b, data=draw(st.binary(min_size=a * b + 1, max_size=a * b + 1)))


def example_d(m: ModuleType) -> SI:
    return st.builds(m.EXAMPLE_D, a=i32, p=opt(i32), s=opt(cstr()))


@st.composite
def sstr(draw: Callable[[SI], Any], m: ModuleType) -> Any:
    text = draw(opt(wstr(8)))
    n = draw(st.integers(0 if text is None else len(text) + 1, 12))
    return m.SSTR(n=n, s=text)


@st.composite
def cvptr(draw: Callable[[SI], Any], m: ModuleType) -> Any:
    cv = draw(st.lists(i32, max_size=6))
    return m.CVPTR(m=len(cv) + draw(st.integers(0, 3)), l=len(cv), cv=cv)


@st.composite
def full_points(draw: Callable[[SI], Any], m: ModuleType) -> Any:
    if draw(st.booleans()):
        p = draw(point(m))
        return m.FULL_POINTS(a=p, b=p)
    return m.FULL_POINTS(a=draw(opt(point(m))), b=draw(opt(point(m))))


def chain(cls: Any, values: list[int]) -> Any:
    node = None
    for v in reversed(values):
        node = cls(v=v, next=node)
    return node


def neu_holder(m: ModuleType) -> SI:
    arms = st.one_of(
        i16.map(lambda x: (1, union(m.NEU, 1, s=x))),
        i64.map(lambda x: (2, union(m.NEU, 2, h=x))),
        st.tuples(st.sampled_from([3, 4]), i32).map(lambda t: (t[0], union(m.NEU, t[0], l=t[1]))),
        st.just((5, union(m.NEU, 5))),
        st.tuples(i32.filter(lambda k: not 1 <= k <= 5), u8).map(
            lambda t: (t[0], union(m.NEU, t[0], b=t[1]))),
    )
    return arms.map(lambda t: m.NEU_HOLDER(kind=t[0], u=t[1]))


def nodef_holder(m: ModuleType) -> SI:
    return st.one_of(
        i32.map(lambda x: m.NODEF_HOLDER(k=1, u=union(m.NODEF, 1, a=x))),
        opt(i32).map(lambda x: m.NODEF_HOLDER(k=2, u=union(m.NODEF, 2, p=x))),
    )


def msu_holder(m: ModuleType) -> SI:
    return st.one_of(
        st.tuples(i16, i16).map(lambda t: m.MSU_HOLDER(
            kind=1, plain=union(m.SHU, 1, s=t[0]), ms=union(m.MSU, 1, s=t[1]))),
        st.tuples(i64, i64).map(lambda t: m.MSU_HOLDER(
            kind=2, plain=union(m.SHU, 2, h=t[0]), ms=union(m.MSU, 2, h=t[1]))),
    )


def encu_value(m: ModuleType) -> SI:
    return st.one_of(
        i16.map(lambda x: encu(m, 1, s=x)),
        f64.map(lambda x: encu(m, 2, d=x)),
        i32.filter(lambda k: k not in (1, 2)).map(lambda k: encu(m, k)),
    )


STRATEGIES: dict[str, Callable[[ModuleType], SI]] = {
    "BASE_TYPES": base_types,
    "EXAMPLE_A": example_a,
    "NESTED": lambda m: st.builds(m.NESTED, c=u8, a=example_a(m)),
    "MYLONG": lambda m: i32,
    "COLOR": lambda m: st.sampled_from(list(m.COLOR)),
    "ENUMS": lambda m: st.builds(m.ENUMS, e16=color(m), e32=color32(m)),
    "EXAMPLE_G": lambda m: st.builds(m.EXAMPLE_G, x=st.lists(i16, min_size=3, max_size=3), y=i32),
    "FIXED_ARRAYS": lambda m: st.builds(
        m.FIXED_ARRAYS,
        m=st.lists(st.lists(i16, min_size=3, max_size=3), min_size=2, max_size=2),
        raw=st.binary(min_size=3, max_size=3), tag=st.binary(min_size=2, max_size=2),
        l=st.lists(i32, min_size=2, max_size=2)),
    "PCONF": lambda m: opt(conf(m)),
    "PMAXIS": lambda m: opt(st.lists(i32, min_size=1, max_size=6).map(
        lambda v: m.MAXIS(m=len(v) - 1, v=v))),
    "POUTER_CONF": lambda m: opt(st.builds(m.OUTER_CONF, tag=i16, inner=conf(m))),
    "POUTER_CONF8": lambda m: opt(st.builds(m.OUTER_CONF8, h=i64, inner=conf(m))),
    "PCVSTRUCT": lambda m: opt(cvstruct(m)),
    "PCONFMULTI": lambda m: opt(st.lists(st.lists(i16, min_size=3, max_size=3), max_size=4).map(
        lambda a: m.CONFMULTI(n=len(a), a=a))),
    "VARYING": varying,
    "STRINGS": lambda m: st.builds(m.STRINGS, cs=opt(cstr()), ws=opt(wstr()),
                                   fixed=cstr(7), wfixed=wstr(3)),
    "USTR": lambda m: opt(wstr()),
    "EXAMPLE_D": example_d,
    "EX_E_A": lambda m: st.builds(m.EX_E_A, p1=opt(ex_e_b(m)), p2=opt(ex_e_b(m))),
    "EXAMPLE_F": lambda m: st.builds(m.EXAMPLE_F, a=opt(i32), b=opt(i32)),
    "FULL_POINTS": full_points,
    "PTRS": lambda m: st.builds(m.PTRS, r=i32, u=opt(i32), pp=opt(i32)),
    "SIZE2": lambda m: st.lists(i32, max_size=6).map(lambda v: m.SIZE2(n=len(v), pa=v)),
    "GROUPS": lambda m: st.lists(st.builds(m.GROUP_MEMBERSHIP, RelativeId=u32, Attributes=u32),
                                 max_size=5).map(lambda g: m.GROUPS(GroupCount=len(g), GroupIds=g)),
    "PTR_ARRAY": lambda m: st.builds(m.PTR_ARRAY, ptrs=st.lists(opt(i32), min_size=3, max_size=3)),
    "ITEMS": lambda m: st.builds(m.ITEMS, items=st.lists(
        st.builds(m.ITEM, k=i16, b=opt(ex_e_b(m))), min_size=2, max_size=2)),
    "NODE": lambda m: st.lists(i32, min_size=1, max_size=20).map(lambda v: chain(m.NODE, v)),
    "PNODE": lambda m: st.lists(i32, max_size=20).map(lambda v: chain(m.NODE, v)),
    "FNODE": lambda m: st.lists(i32, min_size=1, max_size=20).map(lambda v: chain(m.FNODE, v)),
    "PFNODE": lambda m: st.lists(i32, max_size=20).map(lambda v: chain(m.FNODE, v)),
    "RANGED": lambda m: st.builds(m.RANGED, r=st.integers(1, 10), n=st.just(0),
                                  arr=st.just([])) | st.integers(0, 4).flatmap(
        lambda n: st.builds(m.RANGED, r=st.integers(1, 10), n=st.just(n),
                            arr=st.lists(i16, min_size=n, max_size=n))),
    "CORR": corr,
    "CORR2": corr2,
    "NEU_HOLDER": neu_holder,
    "NODEF_HOLDER": nodef_holder,
    "MSU_HOLDER": msu_holder,
    "ENCU": encu_value,
    "ENCU_HOLDER": lambda m: st.builds(m.ENCU_HOLDER, tag=u8, e=encu_value(m)),
    "PITEMSC": lambda m: opt(st.lists(st.builds(m.ITEM, k=i16, b=opt(ex_e_b(m))), max_size=4).map(
        lambda items: m.ITEMSC(n=len(items), items=items))),
    "TWO_D": lambda m: st.builds(m.TWO_D, d1=example_d(m), tail=i16, d2=example_d(m)),
    "PCSTRS": lambda m: opt(st.builds(m.CSTRS, n=i32, s=cstr())),
    "SSTR": sstr,
    "EU_HOLDER": lambda m: st.one_of(
        i32.map(lambda x: m.EU_HOLDER(c=m.COLOR.RED, u=union(m.EU, m.COLOR.RED, r=x))),
        i16.map(lambda x: m.EU_HOLDER(c=m.COLOR.BLUE, u=union(m.EU, m.COLOR.BLUE, b=x)))),
    "ENCP_HOLDER": lambda m: st.builds(m.ENCP_HOLDER, after=i32, e=st.one_of(
        opt(i32).map(lambda x: encap(m.ENCP, "k", 1, p=x)),
        i16.filter(lambda k: k != 1).map(lambda k: encap(m.ENCP, "k", k)))),
    "UINTS": lambda m: st.builds(m.UINTS, a=u8, b=u16, c=u32, e=u32, f=u32, d=u64),
    "CVPTR": cvptr,
    "UARR": lambda m: st.builds(m.UARR, arr=st.lists(encu_value(m), min_size=2, max_size=2),
                                pu=opt(encu_value(m))),
    "NAMES": lambda m: st.builds(m.NAMES, names=st.lists(opt(wstr()), min_size=2, max_size=2)),
    "SLIST": lambda m: st.lists(opt(wstr(6)), max_size=4).map(lambda v: m.SLIST(n=len(v), list=v)),
    "FULL_MIXED": lambda m: st.builds(m.FULL_MIXED, a=opt(i32), b=opt(point(m))),
    "EMB_CONF": lambda m: st.builds(m.EMB_CONF, x=i16, pc=opt(conf(m)), y=i16),
}

# hooks.idl: Python-side values as the hooks in cases.install_hooks define them.
HOOK_STRATEGIES: dict[str, Callable[[ModuleType], SI]] = {
    "XM_HOLDER": lambda m: st.builds(m.XM_HOLDER, tag=u8, p=st.tuples(i16, i16)),
    "REP_HOLDER": lambda m: st.builds(m.REP_HOLDER, r=i32.map(str), s=i16),
    "WM_HOLDER": lambda m: st.builds(m.WM_HOLDER, s=i16, blob=u64),
    "UM_HOLDER": lambda m: st.builds(m.UM_HOLDER, x=i32, w=st.tuples(i16, i16)),
}
