"""Module names from file names never reach an ``import`` statement (issue: code ran while
decoding). Python folds identifiers with NFKC, so an imported IDL file named ``ｏｓ.idl``
used to generate ``import ｏｓ`` -- which is ``import os`` -- and a struct named ``system``
in it made the decoder call ``os.system(<bytes from the wire>)``.

Each test drives a real attack end to end: the decoded string is a shell command that
would create a marker file, and the marker must not exist afterwards."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

import midlpy
from midlpy.compiler.api import compile_file
from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate

# Stems whose NFKC form is a standard-library module with a callable named ``system`` or
# that an attacker would like to shadow: fullwidth, long s, modifier letter, math bold,
# math sans-serif, and a ligature.
NFKC_STEMS = ["ｏｓ", "oſ", "ᵒs", "𝐨𝐬", "𝗈𝗌", "ｐｌａｔｆｏｒｍ", "ﬁleinput", "ｓｙｓ"]
# Installed third-party packages and the runtime's own imports, by their real names.
PACKAGE_STEMS = ["hypothesis", "pytest", "click", "midlpy", "struct", "os"]

# What a generated module may import at run time, whatever the IDL says.
FIXED_IMPORTS = {"__future__", "enum", "dataclasses", "itertools", "typing", "uuid",
                 "midlpy.runtime", "midlpy.runtime.errors", "midlpy.runtime.values"}

EVIL = """\
[uuid(6b1e2c3a-0000-4000-8000-00000000aa01), version(1.0)]
interface evil { typedef struct { [string] char *cmd; } system; }
"""
ROOT = """\
import "{stem}.idl";
[uuid(6b1e2c3a-0000-4000-8000-00000000aa02), version(1.0)]
interface victim {{ typedef struct {{ system s; }} T; }}
"""
ACF = "[explicit_handle] interface victim { typedef [encode, decode] T; }\n"


def _write(tmp: Path, stem: str) -> Path:
    (tmp / f"{stem}.idl").write_text(EVIL, encoding="utf-8")
    (tmp / "victim.idl").write_text(ROOT.format(stem=stem), encoding="utf-8")
    (tmp / "victim.acf").write_text(ACF, encoding="utf-8")
    return tmp / "victim.idl"


def _blob(tmp: Path, marker: Path) -> bytes:
    """A pickled T whose string is a shell command that creates ``marker``, encoded by
    hand: type header, 4-byte body length, filler, then the body (a unique pointer's
    referent id, then the conformant varying string)."""
    cmd = f"touch {marker}".encode() + b"\0"
    body = (b"\x00\x00\x02\x00" + len(cmd).to_bytes(4, "little") + b"\0\0\0\0"
            + len(cmd).to_bytes(4, "little") + cmd)
    body += b"\0" * (-len(body) % 8)
    header = bytes.fromhex("01100800cccccccc") + len(body).to_bytes(4, "little") + b"\0" * 4
    blob = header + body
    (tmp / "blob.bin").write_bytes(blob)
    return blob


@pytest.mark.parametrize("stem", NFKC_STEMS)
def test_nfkc_file_names_get_ascii_modules_and_nothing_runs(tmp_path: Path, stem: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    result = compile_file(str(_write(tmp_path, stem)))
    assert result.ok, result.diagnostics.render(result.sources)
    names = [f.module_name for f in result.files]
    assert all(n.isascii() and n.replace("_", "a").isalnum() for n in names), names
    assert unicodedata.normalize("NFKC", names[0]) == names[0]
    warnings = [d for d in result.diagnostics.items if d.code == "module-name"]
    assert len(warnings) == 1 and stem in warnings[0].message
    # nothing in the generated text can alias a module by name
    for f in result.files:
        imported = re.findall(r"^(?:from|import) ([\w.]+)", f.text, re.M)
        assert set(imported) <= FIXED_IMPORTS, set(imported) - FIXED_IMPORTS

    marker = tmp_path / "PWNED"
    mod = midlpy.load(tmp_path / "victim.idl")
    value = mod.T_Decode(MesDecodeBufferHandleCreate(_blob(tmp_path, marker)))
    assert value.s.cmd == f"touch {marker}" and not calls and not marker.exists()
    assert type(value.s).__module__.endswith("." + names[0])
    h = MesEncodeDynBufferHandleCreate()
    mod.T_Encode(h, value)
    assert h.buffer == (tmp_path / "blob.bin").read_bytes()


@pytest.mark.parametrize("stem", ["ｏｓ", "𝐨𝐬"])
def test_midlpy_dump_does_not_run_the_wire(tmp_path: Path, stem: str) -> None:
    """The CLI path of the original report, in a fresh interpreter where os.system is real."""
    _write(tmp_path, stem)
    marker = tmp_path / "PWNED"
    _blob(tmp_path, marker)
    env = dict(os.environ, MIDLPY_NO_CACHE="1")
    out = subprocess.run([sys.executable, "-m", "midlpy", "dump", "victim.idl", "T", "blob.bin"],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "touch" in out.stdout and not marker.exists()


@pytest.mark.parametrize("stem", NFKC_STEMS[:3])
def test_import_hook_does_not_run_the_wire(tmp_path: Path, stem: str) -> None:
    _write(tmp_path, stem)
    marker = tmp_path / "PWNED"
    _blob(tmp_path, marker)
    probe = ("import midlpy, midlpy.runtime as r; midlpy.install_import_hook(); import victim_idl; "
             "v = victim_idl.T_Decode(r.MesDecodeBufferHandleCreate(open('blob.bin','rb').read())); "
             "print(v.s.cmd)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                         text=True, env=dict(os.environ, MIDLPY_NO_CACHE="1"), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"touch {marker}" and not marker.exists()


@pytest.mark.parametrize("stem", PACKAGE_STEMS)
def test_an_idl_named_like_a_package_never_replaces_it(tmp_path: Path, stem: str) -> None:
    """Loaded modules live in a namespace of their own: ``hypothesis.idl`` is not
    ``sys.modules['hypothesis']``, before or after the real package is imported."""
    _write(tmp_path, stem)
    probe = (
        "import sys, midlpy\n"
        "m = midlpy.load('victim.idl')\n"
        f"import {stem} as real\n"
        "assert '__midlpy_namespace__' not in vars(real) and real.__name__ != 'system', real\n"
        f"assert sys.modules[{stem!r}] is real\n"
        "assert all(not k.startswith(('victim', 'evil')) for k in sys.modules)\n"
        "print(type(m.T().s).__module__)\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                         text=True, env=dict(os.environ, MIDLPY_NO_CACHE="1"), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("midlpy._generated.")


def test_written_modules_find_their_sibling_by_path_not_by_name(tmp_path: Path) -> None:
    """``midlpy compile -o`` output: a top-level generated module loads the file beside it,
    even when a module of the sibling's name is already imported from elsewhere."""
    _write(tmp_path, "hypothesis")
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "midlpy", "compile", "victim.idl", "-o", str(out)],
                   cwd=tmp_path, check=True, capture_output=True, timeout=120)
    probe = (f"import sys; sys.path.append({str(out)!r})\n"
             "import hypothesis, victim\n"
             "assert not hasattr(hypothesis, 'system')\n"
             "print(victim._m_hypothesis.__file__, type(victim.T().s).__name__)\n")
    got = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    assert got.stdout.split() == [str(out / "hypothesis.py"), "system"]


def test_tracebacks_name_the_generated_file(tmp_path: Path) -> None:
    """In-memory modules have a clear pseudo file name, with their lines for tracebacks."""
    import linecache
    import traceback

    mod = midlpy.load(_write(tmp_path, "evil"))
    try:
        mod.T_Decode(MesDecodeBufferHandleCreate(b"\x01\x10\x08\x00" + b"\xcc" * 12))
    except Exception as e:  # noqa: BLE001 - any error: we look at its traceback
        frames = traceback.extract_tb(e.__traceback__)
    else:
        raise AssertionError("a truncated buffer decoded")
    generated = [f for f in frames if f.filename.startswith("<midlpy: ")]
    assert generated and f"from {tmp_path / 'victim.idl'}>" in generated[-1].filename
    assert linecache.getline(generated[-1].filename, generated[-1].lineno).strip()
