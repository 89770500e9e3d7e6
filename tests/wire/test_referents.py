"""Re-encoding with the referent ids a buffer was decoded with (``keep_referents``).

The real ODJ blob (a djoin.exe ODJ_PROVISION_DATA from Windows Server 2019, see
tests/data/odj/PROVENANCE.md) holds an ODJ_WIN7BLOB pickle whose unique-pointer ids
look like addresses (0x934f9c80, ...) rather than 0x00020000 + 4k. midlpy numbers as
Windows' rpcrt4 does; keep_referents reuses the ids of the bytes a value came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from midlpy.cli import main
from midlpy.runtime import (MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate,
                            keep_referents)
from tests.helpers import DATA, VECTORS, load_idl

ODJ = DATA / "odj"
BLOB = VECTORS / "real" / "samba_odj_w2k19_provision.bin"


@pytest.fixture(scope="module")
def odj():
    return load_idl(ODJ / "odj.idl", ODJ / "odj.acf")


@pytest.fixture(scope="module")
def win7(odj) -> bytes:
    provision = odj.PODJ_PROVISION_DATA_Decode(MesDecodeBufferHandleCreate(BLOB.read_bytes()))
    first = provision.pBlobs[0]
    assert first.ulODJFormat == 1  # ODJ_WIN7_FORMAT: an ODJ_WIN7BLOB pickle
    return first.pBlob


def test_the_blob_numbers_its_pointers_like_addresses(odj, win7: bytes) -> None:
    value = odj.PODJ_WIN7BLOB_Decode(MesDecodeBufferHandleCreate(win7))
    # Samba's ndrdump of the same bytes (tests/data/vectors/real/*.json)
    assert (value.lpDomain, value.lpMachineName) == ("w2k19dom.ber.redhat.com", "wurst2")
    assert win7[16:20] == bytes.fromhex("809c4f93")  # the top-level pointer's id
    h = MesEncodeDynBufferHandleCreate()
    odj.PODJ_WIN7BLOB_Encode(h, value)
    assert h.buffer[16:20] == bytes.fromhex("00000200")
    assert len(h.buffer) == len(win7) and h.buffer != win7


def test_keep_referents_gives_back_the_same_bytes(odj, win7: bytes) -> None:
    value = odj.PODJ_WIN7BLOB_Decode(MesDecodeBufferHandleCreate(win7))
    h = MesEncodeDynBufferHandleCreate()
    keep_referents(h, win7)
    odj.PODJ_WIN7BLOB_Encode(h, value)
    assert h.buffer == win7
    # NULL pointers stay NULL, and a changed value still encodes (ids reused where found)
    value.lpMachinePassword = None
    h = MesEncodeDynBufferHandleCreate()
    keep_referents(h, win7)
    odj.PODJ_WIN7BLOB_Encode(h, value)
    again = odj.PODJ_WIN7BLOB_Decode(MesDecodeBufferHandleCreate(h.buffer))
    assert again == value


def test_dump_validate_says_only_the_referent_ids_differ(tmp_path: Path, win7: bytes,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "win7.bin").write_bytes(win7)
    out = CliRunner().invoke(main, ["dump", str(ODJ / "odj.idl"), "PODJ_WIN7BLOB",
                                    str(tmp_path / "win7.bin"), "--validate"])
    assert out.exit_code == 1  # the bytes differ, but only there:
    assert "differs only in referent ids (first at offset 16: 0x80 in the input" in out.stderr
    # a pad byte after lpMachineName ("wurst2" and its NUL at 200..213) made non-zero
    at = win7.index("wurst2".encode("utf-16-le")) + 14
    (tmp_path / "bad.bin").write_bytes(win7[:at] + b"\x01" + win7[at + 1:])
    bad = CliRunner().invoke(main, ["dump", str(ODJ / "odj.idl"), "PODJ_WIN7BLOB",
                                    str(tmp_path / "bad.bin"), "--validate"])
    assert bad.exit_code == 1
    assert f"differs at offset {at} (0x01 in the input, 0x00" in bad.stderr
