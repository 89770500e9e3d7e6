"""Print the logon information of a Kerberos PAC, decoded with midlpy.

    python examples/pac/decode_pac.py [PAC_FILE]

pac.idl is compiled at run time; the PAC container is cut up by pacfile.py and
the LOGON_INFO buffer (a type pickle of a unique pointer to
KERB_VALIDATION_INFO) is decoded by the generated PKERB_VALIDATION_INFO_Decode.
Without an argument it reads ms_pac_example.bin, the PAC of [MS-PAC] section 3.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pacfile import PacFormatError, client_info, parse_pac  # noqa: E402

from midlpy.compiler.api import load_module  # noqa: E402
from midlpy.runtime import MesDecodeBufferHandleCreate, RpcError  # noqa: E402

NEVER = 0x7FFFFFFFFFFFFFFF


def filetime(ft) -> str:
    """A FILETIME (100 ns since 1601) as UTC text."""
    value = ft if isinstance(ft, int) else ft.dwLowDateTime | ft.dwHighDateTime << 32
    if value in (0, NEVER):
        return "never" if value == NEVER else "not set"
    stamp = datetime.datetime(1601, 1, 1) + datetime.timedelta(microseconds=value // 10)
    return stamp.isoformat(sep=" ") + " UTC"


def sid(s) -> str:
    if s is None:
        return "-"
    auth = int.from_bytes(bytes(s.IdentifierAuthority.Value), "big")
    return "-".join(["S", str(s.Revision), str(auth)] + [str(x) for x in s.SubAuthority])


def text(u) -> str:
    return "-" if u.Buffer is None else repr(u.Buffer)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else HERE / "ms_pac_example.bin"
    try:
        pac = parse_pac(path.read_bytes())
    except (OSError, PacFormatError) as e:
        print(f"{path}: {e}")
        return 1
    mod = load_module(str(HERE / "pac.idl"), acf=str(HERE / "pac.acf"))
    print(f"{path.name}: PAC version {pac.Version}, {len(pac.Buffers)} buffers:",
          ", ".join(b.type_name for b in pac.Buffers))
    ci = pac.first(10)
    if ci is not None:
        client_id, name = client_info(ci.data)
        print(f"client: {name!r}, authenticated {filetime(client_id)}")
    buf = pac.first(1)
    if buf is None:
        print("no LOGON_INFO buffer")
        return 1
    try:
        info = mod.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(buf.data))
    except RpcError as e:
        print(f"LOGON_INFO does not decode: {e}")
        return 1
    if info is None:
        print("LOGON_INFO holds a NULL pointer")
        return 0
    domain = info.LogonDomainId
    print(f"user:            {info.LogonDomainName.Buffer}\\{info.EffectiveName.Buffer}"
          f" (full name {text(info.FullName)})")
    print(f"user SID:        {sid(domain)}-{info.UserId}")
    print(f"primary group:   {sid(domain)}-{info.PrimaryGroupId}")
    print(f"logon server:    {text(info.LogonServer)}")
    print(f"logon time:      {filetime(info.LogonTime)}")
    print(f"password set:    {filetime(info.PasswordLastSet)};"
          f" must change {filetime(info.PasswordMustChange)}")
    print(f"logon count:     {info.LogonCount}, bad passwords {info.BadPasswordCount}")
    print(f"flags:           UserFlags {info.UserFlags:#x}, UserAccountControl {info.UserAccountControl:#x}")
    print(f"groups ({info.GroupCount}):", ", ".join(str(g.RelativeId) for g in info.GroupIds or []))
    if info.ExtraSids:
        print(f"extra SIDs ({info.SidCount}):")
        for extra in info.ExtraSids:
            print(f"  {sid(extra.Sid)}  attributes {extra.Attributes:#x}")
    if info.ResourceGroupIds:
        print(f"resource groups in {sid(info.ResourceGroupDomainSid)}:",
              ", ".join(str(g.RelativeId) for g in info.ResourceGroupIds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
