"""examples/pac/decode_pac.py runs and prints the MS-PAC worked example's logon info.

The expected facts are those of the example's JSON decode (Samba's).
"""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

SCRIPT = ROOT / "examples" / "pac" / "decode_pac.py"


def test_decode_pac_prints_the_example():
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "NTDEV\\lzhu" in text
    assert "S-1-5-21-397955417-626881126-188441444-2914711" in text
    assert "'NTDEV-DC-05'" in text
    assert "groups (26):" in text and "extra SIDs (13):" in text
    assert "LOGON_INFO, CLIENT_INFO, SERVER_CHECKSUM, PRIVSVR_CHECKSUM" in text


def test_decode_pac_rejects_a_broken_pac(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00")   # 5 buffers announced, none there
    out = subprocess.run([sys.executable, str(SCRIPT), str(bad)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "5 buffers" in out.stdout + out.stderr
