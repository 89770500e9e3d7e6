"""Referent-id numbering: Samba's (slot order) and Windows' (referent order).

Unique-pointer referent ids are opaque, but encoders number them
0x00020000 + 4k and the two numberings differ:

* Samba numbers pointers in the order their *slots* appear in the stream
  (flat part of a construct, then its deferred referents, recursively);
* Windows numbers them in the order their *referents* are written, i.e. in a
  depth-first walk of the pointer tree (PROVENANCE.md note 1; example E of
  the reference).

To check an encoding of a Samba-made vector without trusting our own
encoder, this module rebuilds the Windows form of the Samba bytes from two
independent sources: the JSON decode (which pointers are non-NULL and how
they nest, walked with a hand-written "pointer shape" per type below) and
the Samba bytes themselves (where its slots are: Samba writes id
0x00020000 + 4i in the i-th slot of the stream, so the slots are found by
scanning for those ids in increasing order).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Optional, Union

FIRST_ID = 0x00020000


@dataclass
class P:
    """A unique pointer; the JSON value at its place is the referent (None = NULL)."""
    referent: "Shape"


@dataclass
class S:
    """A structure: its pointer-bearing members in wire order (JSON key, shape)."""
    members: list = field(default_factory=list)


@dataclass
class A:
    """An array (JSON list) of elements of one shape."""
    element: "Shape"


Shape = Union[P, S, A, None]   # None: nothing pointer-bearing inside


def _flat(value: Any, shape: Shape, path: str, out: list) -> None:
    """The pointers whose slots lie in the flat part of ``value``, in order."""
    if shape is None or value is None and not isinstance(shape, P):
        return
    if isinstance(shape, P):
        if value is not None:
            out.append((path, value, shape.referent))
    elif isinstance(shape, S):
        for key, sub in shape.members:
            _flat(value[key], sub, f"{path}/{key}", out)
    elif isinstance(shape, A):
        for i, item in enumerate(value):
            _flat(item, shape.element, f"{path}/{i}", out)


def slot_order(value: Any, shape: Shape, path: str = "") -> list[str]:
    """Non-NULL pointers in stream order of their slots (Samba's numbering)."""
    nodes: list = []
    _flat(value, shape, path, nodes)
    out = [p for p, _, _ in nodes]
    for p, v, sh in nodes:
        out += slot_order(v, sh, p + "*")
    return out


def referent_order(value: Any, shape: Shape, path: str = "") -> list[str]:
    """Non-NULL pointers in the order their referents are written (Windows')."""
    nodes: list = []
    _flat(value, shape, path, nodes)
    out: list[str] = []
    for p, v, sh in nodes:
        out.append(p)
        out += referent_order(v, sh, p + "*")
    return out


def samba_slots(data: bytes, count: int, start: int = 16) -> list[int]:
    """Offsets of Samba's ``count`` referent-id slots in ``data`` (stream from ``start``)."""
    slots = []
    pos = start
    for i in range(count):
        want = struct.pack("<I", FIRST_ID + 4 * i)
        while True:
            pos = data.find(want, pos)
            if pos < 0:
                raise AssertionError(f"Samba referent id {FIRST_ID + 4 * i:#x} not found")
            if (pos - start) % 4 == 0:
                break
            pos += 1
        slots.append(pos)
        pos += 4
    return slots


def windows_form(samba: bytes, value: Any, shape: Shape, start: int = 16) -> bytes:
    """``samba`` with every referent id renumbered the Windows way."""
    samba_ids = slot_order(value, shape)
    win_ids = {p: FIRST_ID + 4 * k for k, p in enumerate(referent_order(value, shape))}
    assert sorted(samba_ids) == sorted(win_ids)
    out = bytearray(samba)
    for pos, p in zip(samba_slots(samba, len(samba_ids), start), samba_ids):
        out[pos:pos + 4] = struct.pack("<I", win_ids[p])
    return bytes(out)


# --- pointer shapes of the vector types (from the IDL, over the JSON form) ----

UNICODE_STRING = S([("Buffer", P(None))])

KERB_VALIDATION_INFO = S([
    ("EffectiveName", UNICODE_STRING), ("FullName", UNICODE_STRING),
    ("LogonScript", UNICODE_STRING), ("ProfilePath", UNICODE_STRING),
    ("HomeDirectory", UNICODE_STRING), ("HomeDirectoryDrive", UNICODE_STRING),
    ("GroupIds", P(A(None))),
    ("LogonServer", UNICODE_STRING), ("LogonDomainName", UNICODE_STRING),
    ("LogonDomainId", P(None)),
    ("ExtraSids", P(A(S([("Sid", P(None))])))),
    ("ResourceGroupDomainSid", P(None)),
    ("ResourceGroupIds", P(A(None))),
])
LOGON_INFO = P(KERB_VALIDATION_INFO)        # the pickled unique pointer

DELEGATION = P(S([
    ("S4U2proxyTarget", UNICODE_STRING),
    ("S4UTransitedServices", P(A(UNICODE_STRING))),
]))

CREDENTIAL_DATA = P(S([
    # An embedded conformant array of SECPKG_SUPPLEMENTAL_CRED, not a pointer.
    ("Credentials", A(S([("PackageName", UNICODE_STRING), ("Credentials", P(None))]))),
]))

# REPLENTINFLIST: the JSON flattens the linked list; nest_list() restores it
# under the key "pNextEntInf" so the shape can follow it.
_ENTRY = S()
_ENTRY.members = [
    ("pNextEntInf", P(_ENTRY)),
    ("pName", P(None)),
    ("Attrs", P(A(S([("pAVal", P(A(P(None))))])))),   # ATTRVAL shown as its bytes
    ("pParentGuid", P(None)),
    ("pMetaDataExt", P(None)),
]

DRS_GETCHGREPLY_V6 = S([
    ("pNC", P(None)),
    ("pUpToDateVecSrc", P(None)),
    ("PrefixTableSrc", S([("pPrefixEntry", P(A(S([("prefix", P(None))]))))])),
    ("pObjects", P(_ENTRY)),
    ("rgValues", P(A(S([("pName", P(None)), ("Aval", P(None))])))),
])


def nest_list(items: Optional[list]) -> Optional[dict]:
    """A flattened linked list back into nested dicts linked by "pNextEntInf"."""
    head = None
    for item in reversed(items or []):
        head = dict(item, pNextEntInf=head)
    return head


def drs_json_nested(value: dict) -> dict:
    return dict(value, pObjects=nest_list(value["pObjects"]))
