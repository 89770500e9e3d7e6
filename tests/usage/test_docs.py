"""The tested snippets of README.md ("Decode a PAC") run as written: decoding a PAC takes at most five
lines of Python, or one command line."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

DOC = ROOT / "README.md"


def snippets() -> list[tuple[str, str]]:
    """(language, code) of each fenced block right after a ``<!-- tested -->`` line."""
    text = DOC.read_text(encoding="utf-8")
    return re.findall(r"<!-- tested -->\n```(\w+)\n(.*?)```", text, flags=re.S)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"),
                PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def test_python_snippet_decodes_a_pac_in_five_lines(env: dict[str, str]) -> None:
    (code,) = [c for lang, c in snippets() if lang == "python"]
    assert len(code.strip().splitlines()) <= 5
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "W2003FINAL$ 1005 [516]\n"


def test_command_line_decodes_a_pac(env: dict[str, str]) -> None:
    (code,) = [c for lang, c in snippets() if lang == "sh"]
    (line,) = code.strip().splitlines()
    argv = shlex.split(line)
    assert argv[0] == "midlpy"
    done = subprocess.run([sys.executable, "-m", "midlpy", *argv[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "PKERB_VALIDATION_INFO: KERB_VALIDATION_INFO"
    assert "    Buffer: 'W2003FINAL$'" in lines
    assert "  UserId: 1005 (0x3ed)" in lines
