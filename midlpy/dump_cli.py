"""What ``midlpy dump`` and ``midlpy encode`` do, behind their click commands in cli.py.

Each function returns the exit code (0 ok, 1 bad input) and prints to stdout/stderr;
the click layer only parses options and turns unexpected exceptions into exit 3.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import types
import warnings
from typing import Mapping, Sequence

import click

from midlpy import dump, jsonmap

EXIT_OK, EXIT_INPUT = 0, 1


def _load(idl: str, acf: str | None, include_dirs: Sequence[str],
          defines: Mapping[str, str | None], undefines: Sequence[str]) -> types.ModuleType | None:
    """The generated module (cached like ``midlpy.load``), or None after printing why not."""
    from midlpy.diagnostics import CompileError

    if undefines:  # -U changes what the compiler sees; the cache key does not cover it
        from midlpy.compiler.api import compile_file

        result = compile_file(idl, acf=acf, include_dirs=include_dirs, defines=defines,
                              undefines=undefines)
        if not result.ok:
            click.echo(result.diagnostics.render(result.sources), err=True)
            return None
        from midlpy.importer import _install

        return _install([(f.path, f.module_name, f.text) for f in result.files], idl)
    from midlpy.importer import load

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            module = load(idl, acf=acf, include_dirs=include_dirs, defines=defines)
        except CompileError as e:
            click.echo(str(e), err=True)
            return None
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    return module


def _read_input(path: str, as_hex: bool, offset: int | None) -> tuple[bytes, int]:
    """The bytes to decode and where they start in the file; ValueError/OSError on bad input."""
    if path == "-":
        raw = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as fh:
            raw = fh.read()
    if as_hex:
        text = re.sub(r"0x|[\s:,]", "", raw.decode("ascii", "replace"), flags=re.I)
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"{path}: not hex text") from None
    base = offset or 0
    if base < 0 or base > len(raw):
        raise ValueError(f"--offset {base} is outside the {len(raw)} bytes of {path}")
    return raw[base:], base


def parse_offset(text: str | None) -> int | None:
    """``--offset`` in decimal or 0x-hex."""
    if text is None:
        return None
    try:
        return int(text, 0)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a number (decimal or 0x...)",
                                 param_hint="--offset") from None


def run_dump(idl: str, type_name: str | None, blob: str, *, acf: str | None,
             include_dirs: Sequence[str], defines: Mapping[str, str | None],
             undefines: Sequence[str], fmt: str, validate: bool, proc: str | None, raw: bool,
             offset: int | None, as_hex: bool, big_endian: bool) -> int:
    try:
        data, base = _read_input(blob, as_hex, offset)
    except OSError as e:
        click.echo(f"error: {blob}: {e.strerror}", err=True)
        return EXIT_INPUT
    except ValueError as e:
        click.echo(f"error: {e}", err=True)
        return EXIT_INPUT
    module = _load(idl, acf, include_dirs, defines, undefines)
    if module is None:
        return EXIT_INPUT
    try:
        if proc is not None:
            value = dump.decode_proc(module, proc, data, base)
            name = proc
        else:
            assert type_name is not None
            codec = dump.find_type(module, type_name)
            value = dump.decode(codec, data, raw=raw, base=base, big_endian=big_endian)
            name = type_name
        click.echo(jsonmap.dumps(value) if fmt == "json" else dump.to_text(value, name),
                   nl=fmt == "json")
        if validate and proc is None:
            found = dump.validate(codec, data, value, raw=raw, base=base)
            if found is not None:
                click.echo(f"validate: re-encoding differs at offset {found.offset} "
                           f"({_byte(found.expected)} in the input, {_byte(found.actual)} "
                           f"re-encoded) in {found.path}", err=True)
                return EXIT_INPUT
            click.echo("validate: re-encoding gives back the same bytes", err=True)
    except dump.DumpError as e:
        click.echo(f"error: {e}", err=True)
        return EXIT_INPUT
    return EXIT_OK


def _byte(b: int | None) -> str:
    return "end of data" if b is None else f"0x{b:02x}"


def run_encode(idl: str, type_name: str, json_path: str, out: str, *, acf: str | None,
               include_dirs: Sequence[str], defines: Mapping[str, str | None],
               undefines: Sequence[str], raw: bool, as_hex: bool) -> int:
    try:
        if json_path == "-":
            text = sys.stdin.read()
        else:
            with open(json_path, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as e:
        click.echo(f"error: {json_path}: {e.strerror}", err=True)
        return EXIT_INPUT
    except UnicodeDecodeError:
        click.echo(f"error: {json_path}: not UTF-8 text", err=True)
        return EXIT_INPUT
    module = _load(idl, acf, include_dirs, defines, undefines)
    if module is None:
        return EXIT_INPUT
    try:
        codec = dump.find_type(module, type_name)
        blob = dump.encode(codec, dump.value_from_json(codec, text), raw=raw)
    except dump.DumpError as e:
        click.echo(f"error: {e}", err=True)
        return EXIT_INPUT
    payload = (blob.hex() + "\n").encode() if as_hex else blob
    if out == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return EXIT_OK
    try:
        _write_atomic(out, payload)
    except OSError as e:
        click.echo(f"error: {out}: {e.strerror}", err=True)
        return EXIT_INPUT
    return EXIT_OK


def _write_atomic(path: str, payload: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".midlpy-")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # an ordinary new file, not mkstemp's 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
