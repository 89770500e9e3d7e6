"""``mypy --strict`` over the examples' generated modules and a script that uses one.

The generated modules are written to a temporary folder and checked as user code; the
runtime is type-checked where it is used but its own findings are its tests' business
(``ignore_errors`` for ``midlpy.*``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from midlpy.compiler.api import compile_file
from tests.helpers import ROOT

pytest.importorskip("mypy", reason="mypy is in the [test] extra")

EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.idl"))

USAGE = '''\
"""Typed use of a generated module: decode a PAC's logon info and put it back."""

from __future__ import annotations

import sys

import pac
from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate


def group_rids(data: bytes) -> list[int]:
    info = pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))
    if info is None:
        return []
    name: str | None = info.EffectiveName.Buffer
    print(name, info.UserId + 0)
    return [g.RelativeId for g in info.GroupIds or []]


def reencode(data: bytes) -> bytes:
    info = pac.PKERB_VALIDATION_INFO_Decode(MesDecodeBufferHandleCreate(data))
    h = MesEncodeDynBufferHandleCreate()
    pac.PKERB_VALIDATION_INFO_Encode(h, info)
    out: bytes = h.buffer
    return out


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as fh:
        print(group_rids(fh.read()))
'''

CONFIG = """\
[mypy]
strict = True
warn_unused_ignores = False

[mypy-midlpy.*]
ignore_errors = True
"""


def test_generated_modules_pass_mypy_strict(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    out.mkdir()
    for idl in EXAMPLES:
        result = compile_file(str(idl))
        assert result.ok, result.diagnostics.render(result.sources)
        for f in result.files:
            (out / f.path).write_text(f.text, encoding="utf-8")
    (out / "use_pac.py").write_text(USAGE)
    (tmp_path / "mypy.ini").write_text(CONFIG)
    files = sorted(p.name for p in out.glob("*.py"))
    env = dict(os.environ, MYPYPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(tmp_path / "mypy.ini"),
         "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", *files],
        cwd=out, env=env, capture_output=True, text=True, timeout=600)
    errors = [x for x in done.stdout.splitlines() if ": error:" in x]
    kinds = Counter(re.sub(r"^(\w+)\.py:\d+: error: .*\[([\w-]+)\]$", r"\1 [\2]", x)
                    for x in errors)
    summary = "\n".join(f"{n:4} {k}" for k, n in kinds.most_common())
    assert done.returncode == 0 and not errors, (
        f"mypy --strict: {len(errors)} errors\n{summary}\nfirst ones:\n"
        + "\n".join(errors[:15]) + done.stderr[-2000:])
