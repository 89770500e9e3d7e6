"""The examples/pickle program runs end to end and reads back what it wrote."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def test_journal_example_round_trips() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "pickle" / "run.py"), "300"],
                         check=True, capture_output=True, text=True).stdout
    assert "wrote 300 records" in out
    assert "journal from 'run.py': 300 records" in out
    assert "read back: 200 LogMessage, 100 LogMeasurement" in out
    assert "'event number 1'" in out
