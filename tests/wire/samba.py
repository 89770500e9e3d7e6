"""Samba's NDR encoder as an independent oracle: ``ndr_pack`` run by the system Python.

Debian's python3-samba is importable only from /usr/bin/python3 (the venv's Python is
another build), so each use runs a short script in a subprocess. `.ci/run` installs the
package; when it is missing the test fails and says so, it is never skipped.
"""

from __future__ import annotations

import subprocess

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"


def samba_pack(script: str) -> bytes:
    """Run ``script`` (which must print one hex string: the packed bytes) with Samba's
    bindings imported and return those bytes."""
    prelude = ("import sys\ntry:\n    import samba.ndr\nexcept ImportError as e:\n"
               "    sys.exit('python3-samba is missing: ' + str(e))\n"
               "from samba.ndr import ndr_pack\n")
    try:
        done = subprocess.run([SYSTEM_PYTHON, "-c", prelude + script], capture_output=True,
                              text=True, timeout=60)
    except FileNotFoundError:
        pytest.fail(f"{SYSTEM_PYTHON} is missing: these tests need Debian's python3-samba "
                    "(`.ci/run` installs it)")
    if done.returncode != 0:
        pytest.fail("Samba's encoder could not run (install python3-samba for "
                    f"{SYSTEM_PYTHON}; `.ci/run` does): {done.stderr.strip()}")
    return bytes.fromhex(done.stdout.strip())
