"""The example runs: many client threads, one server, every rule held."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def test_demo_exits_0_with_a_summary() -> None:
    demo = ROOT / "examples" / "contexthandle" / "demo.py"
    done = subprocess.run([sys.executable, str(demo)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "ok"
    assert "serialized calls overlapping another call: 0" in done.stdout
    assert "run down 8 (left open: 8)" in done.stdout
