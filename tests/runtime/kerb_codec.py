"""A hand-written KERB_VALIDATION_INFO codec ([MS-PAC] 2.5), shaped like generated code.

Values are dicts in the canonical JSON form of tests/data/vectors (FILETIMEs as 64-bit
ints, SIDs as ``S-1-...``, byte arrays as hex, RPC_UNICODE_STRING as
``{"Length", "MaximumLength", "Buffer"}``), so a decode compares directly with Samba's.
It exists to prove that the runtime's slot()/unique() back-patching numbers referents
the way Windows does (PROVENANCE.md note 1).
"""

from __future__ import annotations

from typing import Any

from midlpy.runtime.errors import RPC_S_INVALID_BOUND, DecodeError
from midlpy.runtime.ndr import Fixed, NdrReader, NdrWriter

_FILETIMES = [
    "LogonTime", "LogoffTime", "KickOffTime", "PasswordLastSet", "PasswordCanChange",
    "PasswordMustChange",
]
_STRINGS1 = ["EffectiveName", "FullName", "LogonScript", "ProfilePath", "HomeDirectory",
             "HomeDirectoryDrive"]
_FT6 = Fixed("12I")
_USTR = Fixed("HHI")          # Length, MaximumLength, Buffer id
_MID = Fixed("HHIIII")        # LogonCount, BadPasswordCount, UserId, PrimaryGroupId, GroupCount, GroupIds id
# LogonDomainId id, Reserved1, UserAccountControl, SubAuthStatus, two FILETIMEs,
# FailedILogonCount, Reserved3, SidCount, ExtraSids id, ResourceGroupDomainSid id,
# ResourceGroupCount, ResourceGroupIds id
_TAIL = Fixed("I8s13I")


# --- SID: struct { u8 Revision; u8 SubAuthorityCount; u8 Auth[6]; [size_is(count)] u32 Sub[]; }
def _read_sid(r: NdrReader) -> str:
    n = r.conformance()
    rev, count, auth = r.fixed(Fixed("BB6s"))
    if count != n:
        raise r.error(RPC_S_INVALID_BOUND, "SubAuthorityCount disagrees with max_count")
    r.check_count(n, 4)
    subs = r.prim_array("I", n)
    return "-".join(["S", str(rev), str(int.from_bytes(auth, "big"))] + [str(s) for s in subs])


def _write_sid(w: NdrWriter, sid: str) -> None:
    parts = sid.split("-")
    subs = [int(p) for p in parts[3:]]
    w.conformance(len(subs))
    w.fixed(Fixed("BB6s"), int(parts[1]), len(subs), int(parts[2]).to_bytes(6, "big"))
    w.prim_array("I", subs)


# --- RPC_UNICODE_STRING ------------------------------------------------------------------
def _read_ustr_flat(r: NdrReader) -> dict:
    length, maximum, ref = r.fixed(_USTR)
    return {"Length": length, "MaximumLength": maximum, "Buffer": ref or None}


def _read_ustr_deferred(r: NdrReader, v: dict) -> None:
    if v["Buffer"] is None:
        return
    size = r.conformance()
    offset, actual = r.variance()
    r.check_varying(offset, actual, size)
    if size != v["MaximumLength"] // 2 or actual != v["Length"] // 2:
        raise r.error(RPC_S_INVALID_BOUND, "counts disagree with Length/MaximumLength")
    v["Buffer"] = r.wchars(actual)


def _write_ustr_flat(w: NdrWriter, v: dict) -> int | None:
    w.u16(v["Length"])
    w.u16(v["MaximumLength"])
    return w.slot() if v["Buffer"] is not None else w.null()


def _write_ustr_deferred(w: NdrWriter, v: dict, slot: int | None) -> None:
    if v["Buffer"] is None:
        return
    w.unique(slot)  # type: ignore[arg-type]
    w.conformance(v["MaximumLength"] // 2)
    w.variance(0, v["Length"] // 2)
    w.wchars(v["Buffer"])


# --- GROUP_MEMBERSHIP arrays ------------------------------------------------------------
def _read_groups(r: NdrReader) -> list:
    n = r.conformance()
    r.check_count(n, 8)
    flat = r.prim_array("I", 2 * n)
    return [{"RelativeId": flat[i], "Attributes": flat[i + 1]} for i in range(0, 2 * n, 2)]


def _write_groups(w: NdrWriter, groups: list) -> None:
    w.conformance(len(groups))
    w.prim_array("I", [x for g in groups for x in (g["RelativeId"], g["Attributes"])])


# --- KERB_VALIDATION_INFO ----------------------------------------------------------------
def read_kvi(r: NdrReader) -> dict:
    """The referent of the top-level unique pointer (flat part, then deferred)."""
    v: dict[str, Any] = {}
    ft = r.fixed(_FT6)
    for i, name in enumerate(_FILETIMES):
        v[name] = ft[2 * i] | ft[2 * i + 1] << 32
    for name in _STRINGS1:
        v[name] = _read_ustr_flat(r)
    (v["LogonCount"], v["BadPasswordCount"], v["UserId"], v["PrimaryGroupId"],
     v["GroupCount"], v["GroupIds"]) = r.fixed(_MID)
    v["GroupIds"] = v["GroupIds"] or None
    v["UserFlags"] = r.u32()
    v["UserSessionKey"] = r.byte_array(16).hex()
    v["LogonServer"] = _read_ustr_flat(r)
    v["LogonDomainName"] = _read_ustr_flat(r)
    (dom_id, res1, v["UserAccountControl"], v["SubAuthStatus"], s_lo, s_hi, f_lo, f_hi,
     v["FailedILogonCount"], v["Reserved3"], v["SidCount"], extra, res_dom,
     v["ResourceGroupCount"], res_ids) = r.fixed(_TAIL)
    v["LogonDomainId"] = dom_id or None
    v["Reserved1"] = res1.hex()
    v["LastSuccessfulILogon"] = s_lo | s_hi << 32
    v["LastFailedILogon"] = f_lo | f_hi << 32
    v["ExtraSids"] = extra or None
    v["ResourceGroupDomainSid"] = res_dom or None
    v["ResourceGroupIds"] = res_ids or None
    # Deferred part, in member order.
    for name in _STRINGS1:
        _read_ustr_deferred(r, v[name])
    if v["GroupIds"] is not None:
        v["GroupIds"] = _read_groups(r)
        if len(v["GroupIds"]) != v["GroupCount"]:
            raise r.error(RPC_S_INVALID_BOUND, "GroupCount disagrees")
    _read_ustr_deferred(r, v["LogonServer"])
    _read_ustr_deferred(r, v["LogonDomainName"])
    if v["LogonDomainId"] is not None:
        v["LogonDomainId"] = _read_sid(r)
    if v["ExtraSids"] is not None:
        n = r.conformance()
        r.check_count(n, 8)
        flat = r.prim_array("I", 2 * n)
        items = [{"Sid": flat[i] or None, "Attributes": flat[i + 1]} for i in range(0, 2 * n, 2)]
        for i, item in enumerate(items):
            if item["Sid"] is not None:
                try:
                    item["Sid"] = _read_sid(r)
                except DecodeError as e:
                    raise e.push("Sid").push_index(i).push("ExtraSids")
        v["ExtraSids"] = items
    if v["ResourceGroupDomainSid"] is not None:
        v["ResourceGroupDomainSid"] = _read_sid(r)
    if v["ResourceGroupIds"] is not None:
        v["ResourceGroupIds"] = _read_groups(r)
    return v


def write_kvi(w: NdrWriter, v: dict) -> None:
    ft = []
    for name in _FILETIMES:
        ft += [v[name] & 0xFFFFFFFF, v[name] >> 32]
    w.fixed(_FT6, *ft)
    slots = {name: _write_ustr_flat(w, v[name]) for name in _STRINGS1}
    w.fixed(Fixed("HHIII"), v["LogonCount"], v["BadPasswordCount"], v["UserId"],
            v["PrimaryGroupId"], v["GroupCount"])
    s_groups = w.slot() if v["GroupIds"] is not None else w.null()
    w.u32(v["UserFlags"])
    w.byte_array(bytes.fromhex(v["UserSessionKey"]))
    slots["LogonServer"] = _write_ustr_flat(w, v["LogonServer"])
    slots["LogonDomainName"] = _write_ustr_flat(w, v["LogonDomainName"])
    s_dom = w.slot() if v["LogonDomainId"] is not None else w.null()
    w.byte_array(bytes.fromhex(v["Reserved1"]))
    w.fixed(Fixed("IIIIIIIII"), v["UserAccountControl"], v["SubAuthStatus"],
            v["LastSuccessfulILogon"] & 0xFFFFFFFF, v["LastSuccessfulILogon"] >> 32,
            v["LastFailedILogon"] & 0xFFFFFFFF, v["LastFailedILogon"] >> 32,
            v["FailedILogonCount"], v["Reserved3"], v["SidCount"])
    s_extra = w.slot() if v["ExtraSids"] is not None else w.null()
    s_rdom = w.slot() if v["ResourceGroupDomainSid"] is not None else w.null()
    w.u32(v["ResourceGroupCount"])
    s_rids = w.slot() if v["ResourceGroupIds"] is not None else w.null()
    # Deferred part: each referent is numbered as it is marshalled (depth first).
    for name in _STRINGS1:
        _write_ustr_deferred(w, v[name], slots[name])
    if v["GroupIds"] is not None:
        w.unique(s_groups)  # type: ignore[arg-type]
        _write_groups(w, v["GroupIds"])
    _write_ustr_deferred(w, v["LogonServer"], slots["LogonServer"])
    _write_ustr_deferred(w, v["LogonDomainName"], slots["LogonDomainName"])
    if v["LogonDomainId"] is not None:
        w.unique(s_dom)  # type: ignore[arg-type]
        _write_sid(w, v["LogonDomainId"])
    if v["ExtraSids"] is not None:
        w.unique(s_extra)  # type: ignore[arg-type]
        w.conformance(len(v["ExtraSids"]))
        elem_slots = []
        for item in v["ExtraSids"]:  # all flat parts, then every deferred part
            elem_slots.append(w.slot() if item["Sid"] is not None else w.null())
            w.u32(item["Attributes"])
        for item, slot in zip(v["ExtraSids"], elem_slots):
            if item["Sid"] is not None:
                w.unique(slot)  # type: ignore[arg-type]
                _write_sid(w, item["Sid"])
    if v["ResourceGroupDomainSid"] is not None:
        w.unique(s_rdom)  # type: ignore[arg-type]
        _write_sid(w, v["ResourceGroupDomainSid"])
    if v["ResourceGroupIds"] is not None:
        w.unique(s_rids)  # type: ignore[arg-type]
        _write_groups(w, v["ResourceGroupIds"])


def read_pkvi(r: NdrReader) -> dict | None:
    """``typedef [unique] KERB_VALIDATION_INFO *PKERB_VALIDATION_INFO`` (the pickled type)."""
    return read_kvi(r) if r.ref_id() else None


def write_pkvi(w: NdrWriter, v: dict | None) -> None:
    if v is None:
        w.null()
        return
    w.unique(w.slot())
    write_kvi(w, v)
