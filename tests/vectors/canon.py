"""Map midlpy values of the PAC and DRS examples to the vectors' JSON form.

The JSON decodes beside the vectors (tests/data/vectors/*/X.json) use one
canonical form: FILETIMEs as 64-bit integers, SIDs as ``S-1-...``, byte
arrays as lowercase hex, RPC_UNICODE_STRING as {Length, MaximumLength,
Buffer}, GUIDs in their string form, NULL pointers as None, and Samba's
names where the DRS structures differ from MS-DRSR.  These functions read
the generated values only through the field names of examples/pac/pac.idl
and examples/drs/drs.idl (the MS spec names), so they test the value model
as much as the bytes.
"""

from __future__ import annotations

import json
import struct
import uuid
from pathlib import Path
from typing import Any, Optional

VECTORS = Path(__file__).resolve().parents[1] / "data" / "vectors"


def load_json(path: Path) -> dict:
    """The JSON decode beside a vector."""
    return json.loads(path.read_text(encoding="utf-8"))


# --- primitives -------------------------------------------------------------

def sid_string(revision: int, authority: bytes, subs: list[int]) -> str:
    """The [MS-DTYP] 2.4.2.1 string form of a SID."""
    value = int.from_bytes(authority, "big")
    auth = str(value) if value < 2 ** 32 else "0x%012X" % value
    return "-".join(["S", str(revision), auth] + [str(s) for s in subs])


def sid_from_bytes(data: bytes) -> str:
    """A SID in its binary (non-NDR) form, as in NT4SID."""
    count = data[1]
    subs = list(struct.unpack_from("<%dI" % count, data, 8))
    return sid_string(data[0], data[2:8], subs)


def filetime(v: Any) -> int:
    return v.dwLowDateTime | v.dwHighDateTime << 32


def ustr(v: Any) -> dict:
    return {"Length": v.Length, "MaximumLength": v.MaximumLength, "Buffer": v.Buffer}


def rpc_sid(v: Any) -> Optional[str]:
    if v is None:
        return None
    assert v.SubAuthorityCount == len(v.SubAuthority)
    return sid_string(v.Revision, bytes(v.IdentifierAuthority.Value), list(v.SubAuthority))


def hexbytes(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else bytes(b).hex()


def guid(v: Any) -> Optional[str]:
    """A GUID value: the IDL struct (Data1..Data4) or a uuid.UUID."""
    if v is None:
        return None
    if isinstance(v, uuid.UUID):
        return str(v)
    raw = struct.pack("<IHH", v.Data1, v.Data2, v.Data3) + bytes(v.Data4)
    return str(uuid.UUID(bytes_le=raw))


def _list(xs: Optional[list], f) -> Optional[list]:
    return None if xs is None else [f(x) for x in xs]


# --- PAC ----------------------------------------------------------------------

def group(g: Any) -> dict:
    return {"RelativeId": g.RelativeId, "Attributes": g.Attributes}


def kerb_validation_info(v: Any) -> Optional[dict]:
    """KERB_VALIDATION_INFO -> the "value" of a logon_info JSON."""
    if v is None:
        return None
    return {
        "LogonTime": filetime(v.LogonTime),
        "LogoffTime": filetime(v.LogoffTime),
        "KickOffTime": filetime(v.KickOffTime),
        "PasswordLastSet": filetime(v.PasswordLastSet),
        "PasswordCanChange": filetime(v.PasswordCanChange),
        "PasswordMustChange": filetime(v.PasswordMustChange),
        "EffectiveName": ustr(v.EffectiveName),
        "FullName": ustr(v.FullName),
        "LogonScript": ustr(v.LogonScript),
        "ProfilePath": ustr(v.ProfilePath),
        "HomeDirectory": ustr(v.HomeDirectory),
        "HomeDirectoryDrive": ustr(v.HomeDirectoryDrive),
        "LogonCount": v.LogonCount,
        "BadPasswordCount": v.BadPasswordCount,
        "UserId": v.UserId,
        "PrimaryGroupId": v.PrimaryGroupId,
        "GroupCount": v.GroupCount,
        "GroupIds": _list(v.GroupIds, group),
        "UserFlags": v.UserFlags,
        # USER_SESSION_KEY is two CYPHER_BLOCKs of 8 CHARs each.
        "UserSessionKey": b"".join(bytes(c.data) for c in v.UserSessionKey.data).hex(),
        "LogonServer": ustr(v.LogonServer),
        "LogonDomainName": ustr(v.LogonDomainName),
        "LogonDomainId": rpc_sid(v.LogonDomainId),
        "Reserved1": struct.pack("<2I", *v.Reserved1).hex(),
        "UserAccountControl": v.UserAccountControl,
        "SubAuthStatus": v.SubAuthStatus,
        "LastSuccessfulILogon": filetime(v.LastSuccessfulILogon),
        "LastFailedILogon": filetime(v.LastFailedILogon),
        "FailedILogonCount": v.FailedILogonCount,
        "Reserved3": v.Reserved3,
        "SidCount": v.SidCount,
        "ExtraSids": _list(v.ExtraSids,
                           lambda e: {"Sid": rpc_sid(e.Sid), "Attributes": e.Attributes}),
        "ResourceGroupDomainSid": rpc_sid(v.ResourceGroupDomainSid),
        "ResourceGroupCount": v.ResourceGroupCount,
        "ResourceGroupIds": _list(v.ResourceGroupIds, group),
    }


def s4u_delegation_info(v: Any) -> Optional[dict]:
    if v is None:
        return None
    return {
        "S4U2proxyTarget": ustr(v.S4U2proxyTarget),
        "TransitedListSize": v.TransitedListSize,
        "S4UTransitedServices": _list(v.S4UTransitedServices, ustr),
    }


def pac_credential_data(v: Any) -> Optional[dict]:
    if v is None:
        return None
    return {
        "CredentialCount": v.CredentialCount,
        "Credentials": [{"PackageName": ustr(c.PackageName),
                         "CredentialSize": c.CredentialSize,
                         "Credentials": hexbytes(c.Credentials)} for c in v.Credentials],
    }


def claims_set_metadata_fixed(v: Any) -> dict:
    """The CLAIMS_SET_METADATA fields the claims JSONs document."""
    return {
        "ulClaimsSetSize": v.ulClaimsSetSize,
        "usCompressionFormat": int(v.usCompressionFormat),
        "ulUncompressedClaimsSetSize": v.ulUncompressedClaimsSetSize,
        "usReservedType": v.usReservedType,
        "ulReservedFieldSize": v.ulReservedFieldSize,
        "ReservedField": hexbytes(v.ReservedField),
    }


# --- DRS ----------------------------------------------------------------------

def dsname(v: Any) -> Optional[dict]:
    if v is None:
        return None
    name = v.StringName
    # StringName carries NameLen characters and the terminating zero.
    assert len(name) == v.NameLen + 1 and name[-1] == "\0", "DSNAME StringName not terminated"
    sid = bytes(v.Sid.Data)[:v.SidLen]
    return {"Guid": guid(v.Guid), "Sid": sid_from_bytes(sid) if v.SidLen else None,
            "StringName": name[:-1]}


def usn_vector(v: Any) -> dict:
    # The JSON uses Samba's names for USN_VECTOR's members.
    return {"tmpHighestUSN": v.usnHighObjUpdate, "reserved_usn": v.usnReserved,
            "highestUSN": v.usnHighPropUpdate}


def meta_data_ext(m: Any) -> dict:
    return {"dwVersion": m.dwVersion, "timeChanged": m.timeChanged,
            "uuidDsaOriginating": guid(m.uuidDsaOriginating), "usnOriginating": m.usnOriginating}


def attrval(a: Any) -> str:
    # Samba's JSON shows a DATA_BLOB: an empty value is "" whether or not
    # the pointer is NULL.
    return "" if a.pVal is None else bytes(a.pVal).hex()


def replentinflist(first: Any) -> Optional[list]:
    """The linked list of REPLENTINFLIST, flattened into a list as the JSON has it."""
    if first is None:
        return None
    out = []
    item = first
    while item is not None:
        e = item.Entinf
        out.append({
            "pName": dsname(e.pName),
            "ulFlags": e.ulFlags,
            "AttrCount": e.AttrBlock.attrCount,
            "Attrs": _list(e.AttrBlock.pAttr, lambda a: {
                "attrTyp": a.attrTyp, "valCount": a.AttrVal.valCount,
                "pAVal": _list(a.AttrVal.pAVal, attrval)}),
            "fIsNCPrefix": item.fIsNCPrefix,
            "pParentGuid": guid(item.pParentGuid),
            "pMetaDataExt": None if item.pMetaDataExt is None else
            [meta_data_ext(m) for m in item.pMetaDataExt.rgMetaData],
        })
        item = item.pNextEntInf
    return out


def drs_getchgreply_v6(v: Any) -> dict:
    utd = v.pUpToDateVecSrc
    return {
        "uuidDsaObjSrc": guid(v.uuidDsaObjSrc),
        "uuidInvocIdSrc": guid(v.uuidInvocIdSrc),
        "pNC": dsname(v.pNC),
        "usnvecFrom": usn_vector(v.usnvecFrom),
        "usnvecTo": usn_vector(v.usnvecTo),
        "pUpToDateVecSrc": None if utd is None else [
            {"uuidDsa": guid(c.uuidDsa), "usnHighPropUpdate": c.usnHighPropUpdate,
             "timeLastSyncSuccess": c.timeLastSyncSuccess} for c in utd.rgCursors],
        "PrefixTableSrc": {
            "PrefixCount": v.PrefixTableSrc.PrefixCount,
            "pPrefixEntry": _list(v.PrefixTableSrc.pPrefixEntry, lambda p: {
                "ndx": p.ndx, "prefix": hexbytes(p.prefix.elements)}),
        },
        "ulExtendedRet": v.ulExtendedRet,
        "cNumObjects": v.cNumObjects,
        "cNumBytes": v.cNumBytes,
        "pObjects": replentinflist(v.pObjects),
        "fMoreData": v.fMoreData,
        "cNumNcSizeObjects": v.cNumNcSizeObjects,
        "cNumNcSizeValues": v.cNumNcSizeValues,
        "cNumValues": v.cNumValues,
        "rgValues": _list(v.rgValues, lambda r: {
            "pName": dsname(r.pObject), "attrTyp": r.attrTyp, "Aval": attrval(r.Aval),
            "ulFlags": r.fIsPresent, "timeCreated": r.MetaData.timeCreated,
            "MetaData": meta_data_ext(r.MetaData.MetaData)}),
        "dwDRSError": v.dwDRSError,
    }


# --- claims ([MS-ADTS] 2.2.18) ---------------------------------------------------

_ARMS = {1: ("Int64", "Int64Values"), 2: ("Uint64", "Uint64Values"),
         3: ("String", "StringValues"), 6: ("Boolean", "BooleanValues")}


def claim_entry(e: Any) -> tuple:
    """(Id, Type, values) of a CLAIM_ENTRY, reading the union arm its Type selects."""
    kind = int(e.Type)
    assert int(e.Values.switch) == kind, "union discriminant differs from CLAIM_ENTRY.Type"
    arm_name, values_name = _ARMS[kind]
    for other, _ in _ARMS.values():
        if other != arm_name:
            assert getattr(e.Values, other) is None, f"arm {other} set beside {arm_name}"
    arm = getattr(e.Values, arm_name)
    values = list(getattr(arm, values_name))
    assert arm.ValueCount == len(values)
    return (e.Id, kind, values)


def claims_set(v: Any) -> list:
    """A CLAIMS_SET as [(usClaimsSourceType, [claim_entry, ...]), ...]."""
    assert v.ulClaimsArrayCount == len(v.ClaimsArrays)
    out = []
    for a in v.ClaimsArrays:
        assert a.ulClaimsCount == len(a.ClaimEntries)
        out.append((int(a.usClaimsSourceType), [claim_entry(e) for e in a.ClaimEntries]))
    return out
