"""Generated modules need nothing but midlpy.runtime, and compiling is deterministic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

PAC = ROOT / "examples" / "pac" / "pac.idl"


def _compile(outdir: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "midlpy", "compile", str(PAC), "-o", str(outdir)],
                   check=True, env=env, capture_output=True)


def test_generated_module_imports_without_compiler_dependencies(tmp_path: Path) -> None:
    _compile(tmp_path)
    probe = ("import sys, pac; "
             "bad = [m for m in ('lark', 'jinja2', 'click', 'midlpy.compiler') if m in sys.modules]; "
             "print(bad)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == "[]"


def test_output_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    texts = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        _compile(out, env={**os.environ, "PYTHONHASHSEED": seed})
        texts.append((out / "pac.py").read_bytes())
    assert texts[0] == texts[1]
    assert b"/work" not in texts[0] and str(ROOT).encode() not in texts[0]
