"""README.md stays true: its CLI reference is click's current help, and every code block
marked ``<!-- runnable -->`` runs as written (and prints exactly the ``<!-- output -->``
block that follows it, when there is one).

Runnable blocks run from a scratch folder that links ``examples/`` and ``tests/`` of this
checkout, so they use the repository's files by the same relative paths and whatever
they write stays out of the checkout. ``sh`` blocks run under ``bash -e`` with
``midlpy`` meaning ``python -m midlpy``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs import cli_reference
from tests.helpers import ROOT

README = ROOT / "README.md"

_BLOCK = re.compile(
    r"<!-- runnable -->\n```(?P<lang>python|sh)\n(?P<code>.*?)```\n"
    r"(?:\n?<!-- output -->\n```text\n(?P<out>.*?)```\n)?", re.S)


def _blocks() -> list[tuple[str, str, str, str | None]]:
    """(id, language, code, expected output or None) of every runnable block."""
    text = README.read_text(encoding="utf-8")
    out = []
    for m in _BLOCK.finditer(text):
        line = text.count("\n", 0, m.start()) + 2
        out.append((f"README.md:{line}", m["lang"], m["code"], m["out"]))
    return out


BLOCKS = _blocks()


def test_cli_reference_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    current = cli_reference.current(text)
    assert current is not None, (f"README.md lacks the markers {cli_reference.BEGIN} / "
                                 f"{cli_reference.END}")
    assert current == cli_reference.render(), (
        "README.md's CLI reference differs from the commands' help; run: "
        + cli_reference.FIX)


def test_readme_has_runnable_blocks() -> None:
    langs = [lang for _, lang, _, _ in BLOCKS]
    assert langs.count("python") >= 5 and "sh" in langs


def test_quick_start_is_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```\w*\n(.*?)```", section, re.S)
    assert block is not None and block[1] == "make demo\nmake test\n"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("readme")
    for name in ("examples", "tests"):
        (base / name).symlink_to(ROOT / name, target_is_directory=True)
    env = dict(os.environ, XDG_CACHE_HOME=str(base / ".cache"), PYTHON=sys.executable,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    env.pop("MIDLPY_NO_CACHE", None)
    return base, env


@pytest.mark.parametrize("block", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_runnable_block(block: tuple[str, str, str, str | None],
                        scratch: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    where, lang, code, expected = block
    base, env = scratch
    work = tmp_path / "work"
    work.mkdir()
    for name in ("examples", "tests"):
        (work / name).symlink_to(base / name)
    if lang == "python":
        argv = [sys.executable, "-c", code]
    else:
        prelude = 'set -e\nmidlpy() { "$PYTHON" -m midlpy "$@"; }\npython() { "$PYTHON" "$@"; }\n'
        argv = ["bash", "-c", prelude + code]
    done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
    if expected is not None:
        assert done.stdout == expected, f"{where}: the output differs from the README"


def test_every_mes_name_is_documented() -> None:
    import midlpy.runtime as runtime

    text = README.read_text(encoding="utf-8")
    names = [n for n in runtime.__all__ if n.startswith(("Mes", "MES_")) and n != "MesHandle"]
    names += ["RpcError", "DecodeError", "EncodeError", "RpcSsDontSerializeContext"]
    assert [n for n in names if f"`{n}" not in text] == []
