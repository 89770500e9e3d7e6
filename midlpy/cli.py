"""The ``midlpy`` command line: ``check`` and ``compile``.

Exit codes: 0 ok, 1 errors in the input, 2 usage errors (click's own), 3 internal error.
Diagnostics go to stderr; a successful ``check`` prints nothing. No input ever produces a
Python traceback: anything unexpected is reported as an internal error.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any, Callable, Sequence

import click

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _parse_defines(values: Sequence[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for v in values:
        name, eq, value = v.partition("=")
        if not name.isidentifier():
            raise click.BadParameter(f"'{v}' is not NAME or NAME=VALUE", param_hint="-D")
        out[name] = value if eq else None
    return out


def _report(result: Any) -> int:
    """Print a result's diagnostics; the exit code its errors call for."""
    diags = result.diagnostics
    if len(diags):
        click.echo(diags.render(result.sources), err=True)
    return EXIT_INPUT if diags.has_errors else EXIT_OK


def _guarded(fn: Callable[[], int]) -> None:
    try:
        code = fn()
    except click.exceptions.ClickException:
        raise
    except RecursionError:
        click.echo("error: input nested too deeply to process", err=True)
        code = EXIT_INPUT
    except MemoryError:
        click.echo("error: out of memory while processing the input", err=True)
        code = EXIT_INPUT
    except Exception as e:  # noqa: BLE001 - the one place that turns bugs into exit 3
        click.echo(f"internal error: {type(e).__name__}: {e}; please report this "
                   "(with the input) to the midlpy maintainers", err=True)
        if os.environ.get("MIDLPY_TRACEBACK"):
            traceback.print_exc()
        code = EXIT_INTERNAL
    sys.exit(code)


_common = [
    click.option("--acf", "acf", type=click.Path(dir_okay=False),
                 help="ACF file (default: <stem>.acf beside the IDL, if present)."),
    click.option("-I", "include_dirs", multiple=True, type=click.Path(file_okay=False),
                 metavar="DIR", help="Add DIR to the import/include search path."),
    click.option("-D", "defines", multiple=True, metavar="NAME[=VALUE]",
                 help="Define a preprocessor macro."),
    click.option("-U", "undefines", multiple=True, metavar="NAME",
                 help="Undefine a preprocessor macro (such as __midl)."),
]


_env = click.option("--env", "target", type=click.Choice(["win32", "win64"]), default="win32",
                    show_default=True,
                    help="Target environment, as MIDL's /env: win64 predefines _WIN64 "
                    "(_WIN32 and __midl are always predefined).")


def _with_common(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(_common):
        f = opt(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="midlpy", message="midlpy %(version)s")
def main() -> None:
    """A MIDL-compatible IDL/ACF compiler emitting Python NDR (MES pickling) codecs."""


@main.command()
@click.argument("idls", nargs=-1, required=True, type=click.Path(dir_okay=False),
                metavar="FILE.idl...")
@_with_common
@_env
def check(idls: tuple[str, ...], acf: str | None, include_dirs: tuple[str, ...],
          defines: tuple[str, ...], undefines: tuple[str, ...], target: str) -> None:
    """Parse and check each FILE.idl (and its imports and ACF) without generating code.

    With several files, each is reported as it is checked (its diagnostics, then
    "FILE: ok" or "FILE: N errors" on stdout); files they import in common are parsed
    once. The exit code is the worst of all: 0, 1 if any file has errors, 3 if any
    failed internally."""
    from midlpy.compiler.preprocess import target_defines

    defs = {**target_defines(target), **_parse_defines(defines)}
    if acf is not None and len(idls) > 1:
        raise click.UsageError("--acf applies to one IDL file; with several, each uses "
                               "the <stem>.acf beside it")

    def run() -> int:
        from midlpy.compiler import api

        if len(idls) == 1:
            result = api.check_file(idls[0], acf=acf, include_dirs=include_dirs, defines=defs,
                                    undefines=undefines)
            return _report(result)
        return _check_batch(api, idls, include_dirs, defs, undefines)

    _guarded(run)


def _check_batch(api: Any, idls: Sequence[str], include_dirs: Sequence[str],
                 defines: dict[str, str | None], undefines: Sequence[str]) -> int:
    worst = EXIT_OK
    counts = {"ok": 0, "errors": 0, "internal": 0}
    results = api.check_files(idls, include_dirs=include_dirs, defines=defines,
                              undefines=undefines)
    for idl in idls:
        try:
            _, result = next(results)
        except Exception as e:  # noqa: BLE001 - one file's bug must not stop the batch
            click.echo(f"{idl}: internal error: {type(e).__name__}: {e}", err=True)
            counts["internal"] += 1
            worst = EXIT_INTERNAL
            results = api.check_files(idls[idls.index(idl) + 1:], include_dirs=include_dirs,
                                      defines=defines, undefines=undefines)
            continue
        code = _report(result)
        n = sum(1 for d in result.diagnostics if d.severity.name == "ERROR")
        click.echo(f"{idl}: ok" if code == EXIT_OK else
                   f"{idl}: {n} error{'s' if n != 1 else ''}")
        counts["ok" if code == EXIT_OK else "errors"] += 1
        worst = max(worst, code)
    click.echo(f"{len(idls)} files: {counts['ok']} ok, {counts['errors']} with errors"
               + (f", {counts['internal']} internal errors" if counts["internal"] else ""))
    return worst


@main.command()
@click.argument("idl", type=click.Path(dir_okay=False))
@_with_common
@_env
@click.option("-o", "outdir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the generated modules.")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 if any generated file differs from the one on disk.")
def compile(idl: str, acf: str | None, include_dirs: tuple[str, ...], defines: tuple[str, ...],
            undefines: tuple[str, ...], target: str, outdir: str, check_only: bool) -> None:
    """Compile FILE.idl into Python modules in OUTDIR."""
    defs = _parse_defines(defines)

    def run() -> int:
        from midlpy.compiler import api

        result = api.compile_file(idl, acf=acf, include_dirs=include_dirs, defines=defs,
                                  undefines=undefines, target=target)
        code = _report(result)
        if code != EXIT_OK:
            return code
        from midlpy.compiler import writer

        if check_only:
            stale = writer.stale_files(outdir, result.files)
            for path in stale:
                click.echo(f"{os.path.join(outdir, path)}: out of date", err=True)
            return EXIT_INPUT if stale else EXIT_OK
        writer.write_files(outdir, result.files)
        return EXIT_OK

    _guarded(run)


# --------------------------------------------------------------------------- dump / encode
# The work is in midlpy/dump_cli.py; these only declare the options.

@main.command()
@click.argument("idl", type=click.Path(dir_okay=False))
@click.argument("names", nargs=-1, required=True, metavar="TYPE BLOB")
@_with_common
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Readable text, or the JSON that `encode` reads.")
@click.option("--validate", is_flag=True,
              help="Re-encode and compare byte for byte; exit 1 at the first difference.")
@click.option("--proc", "proc", metavar="NAME",
              help="BLOB is a procedure pickle of NAME (give no TYPE): print its [out] values.")
@click.option("--type", "type_opt", metavar="NAME",
              help="TYPE as an option (give no TYPE argument).")
@click.option("--raw", is_flag=True, help="BLOB is a bare NDR stream (no MES headers).")
@click.option("--big-endian", is_flag=True, help="With --raw: the stream is big-endian.")
@click.option("--offset", "offset", metavar="N", help="Start N bytes into BLOB (0x... allowed).")
@click.option("--hex", "as_hex", is_flag=True, help="BLOB holds hex text, not bytes.")
def dump(idl: str, names: tuple[str, ...], acf: str | None, include_dirs: tuple[str, ...],
         defines: tuple[str, ...], undefines: tuple[str, ...], fmt: str, validate: bool,
         proc: str | None, type_opt: str | None, raw: bool, big_endian: bool,
         offset: str | None, as_hex: bool) -> None:
    """Decode BLOB (a file, or - for stdin) as pickled TYPE of FILE.idl and print it.

    TYPE may be any typedef: one the ACF does not pickle is pickled for the run, as
    MIDL's [encode, decode] would (no ACF needed)."""
    defs = _parse_defines(defines)
    if proc and type_opt:
        raise click.UsageError("give --proc or --type, not both")
    want = 1 if proc or type_opt else 2
    if len(names) != want:
        raise click.UsageError("give BLOB and --proc NAME" if proc else
                               "give BLOB and --type NAME" if type_opt else "give TYPE and BLOB")
    if type_opt:
        names = (type_opt,) + names
    if proc and (raw or validate):
        raise click.UsageError("--proc decodes a procedure pickle: no --raw or --validate")
    if big_endian and not raw:
        raise click.UsageError("--big-endian is for --raw streams (a pickle says its order)")
    start = None
    if offset is not None:
        from midlpy.dump_cli import parse_offset

        start = parse_offset(offset)

    def run() -> int:
        from midlpy.dump_cli import run_dump

        return run_dump(idl, None if proc else names[0], names[-1], acf=acf,
                        include_dirs=include_dirs, defines=defs, undefines=undefines, fmt=fmt,
                        validate=validate, proc=proc, raw=raw, offset=start, as_hex=as_hex,
                        big_endian=big_endian)

    _guarded(run)


@main.command()
@click.argument("idl", type=click.Path(dir_okay=False))
@click.argument("type_name", metavar="TYPE")
@click.argument("json_file", metavar="JSON")
@_with_common
@click.option("-o", "out", required=True, metavar="BLOB", help="Output file (- for stdout).")
@click.option("--raw", is_flag=True, help="Write a bare NDR stream (no MES headers).")
@click.option("--hex", "as_hex", is_flag=True, help="Write hex text instead of bytes.")
def encode(idl: str, type_name: str, json_file: str, acf: str | None,
           include_dirs: tuple[str, ...], defines: tuple[str, ...], undefines: tuple[str, ...],
           out: str, raw: bool, as_hex: bool) -> None:
    """Pickle the TYPE value described by JSON (as `dump --format json` prints it) into BLOB."""
    defs = _parse_defines(defines)

    def run() -> int:
        from midlpy.dump_cli import run_encode

        return run_encode(idl, type_name, json_file, out, acf=acf, include_dirs=include_dirs,
                          defines=defs, undefines=undefines, raw=raw, as_hex=as_hex)

    _guarded(run)


if __name__ == "__main__":  # pragma: no cover
    main()
