"""Decode targets shared by the hostile-input tests and the ``make fuzz`` run.

A target is one generated decoder plus the real encodings it is seeded with: every PAC
buffer type (split out of the real PACs and the Samba-made vectors), the DRS reply, every
pickled type of constructs.idl and hooks.idl (seeded from generated values), and the
procedure pickles Wine wrote. ``decode(data)`` goes through a buffer handle,
``decode_incremental(data)`` through an incremental one, so both handle styles see the
same inputs.
"""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from midlpy.runtime import (MesDecodeBufferHandleCreate, MesDecodeIncrementalHandleCreate,
                            MesEncodeDynBufferHandleCreate)
from tests.helpers import ROOT, VECTORS, load_idl

PRIMITIVE = {"MYLONG", "COLOR"}  # constructs.idl types pickled without a private header
PAC_DIR = ROOT / "examples" / "pac"
WINE = VECTORS / "wine-proc"
CONSTRUCTS = ROOT / "tests" / "constructs"

#: PAC_INFO_BUFFER ulType -> the pickled pac.idl type that buffer holds.
PAC_BUFFERS = {1: "PKERB_VALIDATION_INFO", 11: "PS4U_DELEGATION_INFO",
               13: "PCLAIMS_SET_METADATA", 14: "PPAC_DEVICE_INFO", 15: "PCLAIMS_SET_METADATA"}
_SYNTHETIC_KIND = {"logon_info": "PKERB_VALIDATION_INFO", "delegation": "PS4U_DELEGATION_INFO",
                   "credential_data": "PPAC_CREDENTIAL_DATA"}


@dataclass
class Target:
    """One decoder: ``call(handle)`` decodes the next record from a decoding handle."""

    name: str
    call: Callable[[Any], Any]
    seeds: list[bytes] = field(default_factory=list)
    kind: str = "type"  # "type" pickle (16-byte headers) or "proc" pickle (56 bytes)

    def decode(self, data: bytes) -> Any:
        return self.call(MesDecodeBufferHandleCreate(data))

    def decode_incremental(self, data: bytes) -> Any:
        stream = io.BytesIO(data)
        return self.call(MesDecodeIncrementalHandleCreate(stream, lambda s, n: s.read(n)))


def pac_module() -> ModuleType:
    return load_idl(PAC_DIR / "pac.idl", PAC_DIR / "pac.acf")


def constructs_module() -> ModuleType:
    return load_idl(CONSTRUCTS / "constructs.idl", CONSTRUCTS / "constructs.acf")


def oracle_module() -> ModuleType:
    return load_idl(WINE / "mes_oracle.idl")


def _pac_seeds() -> dict[str, list[bytes]]:
    if str(PAC_DIR) not in sys.path:
        sys.path.insert(0, str(PAC_DIR))
    from pacfile import PacFormatError, parse_pac  # examples/pac, not a package

    seeds: dict[str, list[bytes]] = {t: [] for t in set(PAC_BUFFERS.values()) | {
        "PPAC_CREDENTIAL_DATA", "PCLAIMS_SET"}}
    for path in sorted((VECTORS / "real").glob("*.bin")):
        if path.name.count(".") > 1:  # a buffer cut out of a PAC: already in its PAC
            continue
        if "_claims_" in path.name:  # a PAC_CLIENT_CLAIMS_INFO buffer on its own
            seeds["PCLAIMS_SET_METADATA"].append(path.read_bytes())
            continue
        try:
            pac = parse_pac(path.read_bytes())
        except PacFormatError:
            continue
        for buf in pac.Buffers:
            if buf.ulType in PAC_BUFFERS and buf.data[:1] == b"\x01":
                seeds[PAC_BUFFERS[buf.ulType]].append(buf.data)
    index = json.loads((VECTORS / "synthetic" / "index.json").read_text())
    for v in index["vectors"]:
        if v["kind"] in _SYNTHETIC_KIND:
            data = (VECTORS / "synthetic" / f"{v['name']}.bin").read_bytes()
            seeds[_SYNTHETIC_KIND[v["kind"]]].append(data)
    from tests.vectors.test_device_info import EXPECTED  # derived by hand: no vector has one
    seeds["PPAC_DEVICE_INFO"].append(EXPECTED)
    return seeds


def _dedupe_small(seeds: list[bytes], keep: int = 8) -> list[bytes]:
    """The distinct seeds, smallest first (mutating a 20 KiB PAC is slow and adds little)."""
    return sorted(set(seeds), key=len)[:keep]


def pac_targets() -> list[Target]:
    m = pac_module()
    seeds = _pac_seeds()
    # the claims metadata wraps a compressed or plain CLAIMS_SET: seed PCLAIMS_SET from them
    for blob in list(seeds["PCLAIMS_SET_METADATA"]):
        meta = m.PCLAIMS_SET_METADATA_Decode(MesDecodeBufferHandleCreate(blob))
        if meta is not None and meta.usCompressionFormat == 0 and meta.ClaimsSet:
            seeds["PCLAIMS_SET"].append(bytes(meta.ClaimsSet))
    return [Target(f"pac.{t}", getattr(m, t + "_Decode"), _dedupe_small(s))
            for t, s in sorted(seeds.items())]


def drs_targets() -> list[Target]:
    m = load_idl(ROOT / "examples" / "drs" / "drs.idl", ROOT / "examples" / "drs" / "drs.acf")
    blob = (VECTORS / "synthetic" / "drs_getchgreply_v6.bin").read_bytes()
    return [Target("drs.DRS_MSG_GETCHGREPLY_V6", m.DRS_MSG_GETCHGREPLY_V6_Decode, [blob])]


def constructs_targets(examples: int = 4) -> list[Target]:
    """Every pickled constructs.idl type, seeded with encodings of generated values."""
    from tests.constructs.strategies import STRATEGIES

    m = constructs_module()
    out = []
    for tname, strategy in sorted(STRATEGIES.items()):
        seeds = _encodings(m, tname, strategy(m), examples)
        out.append(Target(f"constructs.{tname}", getattr(m, tname + "_Decode"),
                          _dedupe_small(seeds), kind="prim" if tname in PRIMITIVE else "type"))
    return out


def _encodings(m: ModuleType, tname: str, strategy: Any, examples: int) -> list[bytes]:
    from hypothesis import HealthCheck, given, settings

    seeds: list[bytes] = []

    @settings(max_examples=examples, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        h = MesEncodeDynBufferHandleCreate()
        getattr(m, tname + "_Encode")(h, value)
        seeds.append(bytes(h.buffer))

    collect()
    return seeds


def hooks_targets(examples: int = 4) -> list[Target]:
    """The pickled types of hooks.idl ([transmit_as], [represent_as], [wire_marshal],
    [user_marshal]), decoded through the test suite's conversion functions."""
    from tests.constructs.cases import install_hooks
    from tests.constructs.strategies import HOOK_STRATEGIES

    m = load_idl(CONSTRUCTS / "hooks.idl", CONSTRUCTS / "hooks.acf")
    install_hooks(m)
    return [Target(f"hooks.{t}", getattr(m, t + "_Decode"),
                   _dedupe_small(_encodings(m, t, s(m), examples)))
            for t, s in sorted(HOOK_STRATEGIES.items())]


def wine_bytes(name: str) -> bytes:
    text = (WINE / f"proc.{name}.txt").read_text()
    section = text.split("buffer[0 ..")[1].split("next 8 bytes")[0]
    rows = re.findall(r"^\s+[0-9a-f]{4}: ((?:[0-9a-f]{2} ?)+)", section, re.M)
    return bytes.fromhex("".join(rows).replace(" ", ""))


def proc_targets() -> list[Target]:
    """The procedure pickles of mes_oracle.idl, seeded with the bytes Wine wrote."""
    m = oracle_module()
    out = []
    for path in sorted(WINE.glob("proc.*.txt")):
        name = path.name.split(".")[1]
        proc = getattr(m, "P_" + name.split("_")[0])
        out.append(Target(f"proc.{name}", proc, [wine_bytes(name)], kind="proc"))
    return out


def all_targets() -> list[Target]:
    return (pac_targets() + drs_targets() + constructs_targets() + hooks_targets()
            + proc_targets())


def seed_pairs() -> list[tuple[Path, Path | None]]:
    """(IDL, ACF) files the compiler fuzzing starts from."""
    hostile = ROOT / "tests" / "hostile"
    return [(PAC_DIR / "pac.idl", PAC_DIR / "pac.acf"),
            (ROOT / "examples" / "drs" / "drs.idl", ROOT / "examples" / "drs" / "drs.acf"),
            (CONSTRUCTS / "constructs.idl", CONSTRUCTS / "constructs.acf"),
            (WINE / "mes_oracle.idl", WINE / "mes_oracle.acf"),
            (ROOT / "examples" / "pickle" / "journal.idl", ROOT / "examples" / "pickle" / "journal.acf"),
            (ROOT / "examples" / "contexthandle" / "contexthandle.idl",
             ROOT / "examples" / "contexthandle" / "contexthandle.acf"),
            (hostile / "names.idl", hostile / "names.acf"),
            (hostile / "deep.idl", hostile / "deep.acf")]
