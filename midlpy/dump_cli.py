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
          defines: Mapping[str, str | None], undefines: Sequence[str],
          pickle_types: Sequence[str] = ()) -> types.ModuleType | None:
    """The generated module (cached like ``midlpy.load``), or None after printing why not.
    ``pickle_types`` are pickled as if the ACF said so (compiled apart, not cached)."""
    from midlpy.diagnostics import CompileError

    if undefines or pickle_types:  # the cache key covers neither
        from midlpy.compiler.api import compile_file

        result = compile_file(idl, acf=acf, include_dirs=include_dirs, defines=defines,
                              undefines=undefines, pickle_types=pickle_types)
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
            if not callable(getattr(module, proc, None)) and _procedure_of(module, proc):
                _explain_procedure(proc, _procedure_of(module, proc) or "", idl)
                return EXIT_INPUT
            value = dump.decode_proc(module, proc, data, base)
            name = proc
        else:
            assert type_name is not None
            implied = _find_or_imply(module, type_name, idl, acf, include_dirs, defines,
                                     undefines)
            if implied is None:
                return EXIT_INPUT
            codec = implied
            value = dump.decode(codec, data, raw=raw, base=base, big_endian=big_endian)
            name = type_name
        click.echo(jsonmap.dumps(value) if fmt == "json" else dump.to_text(value, name),
                   nl=fmt == "json")
        if validate and proc is None:
            found = dump.validate(codec, data, value, raw=raw, base=base)
            if found is not None and found.referents_only:
                click.echo("validate: re-encoding differs only in referent ids (first at "
                           f"offset {found.offset}: {_byte(found.expected)} in the input, "
                           f"{_byte(found.actual)} re-encoded, in {found.path}); "
                           "keep_referents reuses the input's ids and gives back the same "
                           "bytes", err=True)
                return EXIT_INPUT
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


def _find_or_imply(module: types.ModuleType, type_name: str, idl: str, acf: str | None,
                   include_dirs: Sequence[str], defines: Mapping[str, str | None],
                   undefines: Sequence[str]) -> dump.TypeCodec | None:
    """The codec of ``type_name``: pickled by the ACF, or else pickled for this run as
    MIDL's ``[encode, decode]`` would (no ACF needed). None after saying why not."""
    try:
        return dump.find_type(module, type_name)
    except dump.DumpError as e:
        if e.suggestion is not None:  # KERB_VALIDATION_INFO for PKERB_VALIDATION_INFO
            raise
    interface = _procedure_of(module, type_name)
    if interface is not None:
        _explain_procedure(type_name, interface, idl)
        return None
    implied = _load(idl, acf, include_dirs, defines, undefines, pickle_types=(type_name,))
    if implied is None:
        return None  # the diagnostics say why (an unknown name, a type that cannot travel)
    return dump.find_type(implied, type_name)


def _explain_procedure(name: str, interface: str, idl: str) -> None:
    click.echo(f"error: {name} is a remote procedure of interface {interface}, not a type; "
               "to decode its procedure pickles, pickle the interface's procedures in an ACF "
               "(MIDL pickles all of an interface's procedures or none) and use --proc:\n"
               f"    [explicit_handle, encode, decode] interface {interface} {{ }}\n"
               f"saved as {os.path.splitext(idl)[0]}.acf beside the IDL, or given with --acf",
               err=True)


def _procedure_of(module: types.ModuleType, name: str) -> str | None:
    """The interface whose client stub has a procedure ``name``, if any."""
    for attr, cls in vars(module).items():
        if (attr.endswith("Client") and isinstance(cls, type) and not name.startswith("_")
                and callable(getattr(cls, name, None))):
            return attr[:-len("Client")]
    return None


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
