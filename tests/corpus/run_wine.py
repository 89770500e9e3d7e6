"""Run ``midlpy check`` over every IDL file Wine ships (libwine-dev).

Installs libwine-dev with apt-get when the IDL folder is missing (needs root), then checks
each file in-process with that folder on the include path (front end and semantic passes,
as ``midlpy check`` does) and prints how many pass and the first diagnostic of each failure.
``--parse-only`` runs the front end alone. Not part of ``make test``: ``make corpus``.

Two kinds of failure are expected and counted apart: Wine's WinRT files (MIDL 3.0, rejected
on purpose with one diagnostic), and fragments, files that another IDL file ``#include``s and
that lean on it for their types (oledb's pieces, sapiaut.idl in sapi.idl).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from midlpy.compiler.frontend import load_program  # noqa: E402
from midlpy.diagnostics import Diagnostics, SourceCache  # noqa: E402

CANDIDATES = ("/usr/include/wine/windows", "/usr/include/wine/wine/windows",
              "/usr/local/include/wine/windows")

# Failures that are not front-end bugs: Wine's WinRT files (windows.*.idl) are written in the
# namespace/runtimeclass dialect, which midlpy rejects on purpose with one diagnostic.
EXPECTED_CODES = frozenset({"midl3-unsupported"})


def find_wine_dir() -> str | None:
    for d in CANDIDATES:
        if len(glob.glob(os.path.join(d, "*.idl"))) > 50:
            return d
    for root, _dirs, files in os.walk("/usr/include"):
        if sum(f.endswith(".idl") for f in files) > 50:
            return root
    return None


def install_wine() -> None:
    if os.geteuid() != 0:
        sys.exit("libwine-dev is not installed and installing it needs root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "libwine-dev"], check=True, env=env)


_CACHE: dict = {}


def included_files(folder: str) -> set[str]:
    """Names of the IDL files that another IDL file of ``folder`` pulls in with #include:
    fragments, whose types come from the file that includes them."""
    pattern = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+\.idl)[>"]', re.M)
    out: set[str] = set()
    for path in glob.glob(os.path.join(folder, "*.idl")):
        with open(path, encoding="latin-1") as f:
            out |= {os.path.basename(m) for m in pattern.findall(f.read())}
    return out


def check_one(path: str, include: list[str], sema: bool) -> tuple[bool, str, str]:
    if sema:
        from midlpy.compiler.api import check_file

        res = check_file(path, include_dirs=include)
        diags, sources = res.diagnostics, res.sources
    else:
        diags, sources = Diagnostics(), SourceCache()
        load_program(path, include_dirs=include, diags=diags, sources=sources,
                     parse_cache=_CACHE)
    if not diags.has_errors:
        return True, "", ""
    first = next(d for d in diags if d.severity.value == "error")
    return False, first.code, first.render(sources)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--parse-only", action="store_true",
                    help="the front end alone (no semantic passes)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each file's time")
    ap.add_argument("files", nargs="*", help="only these files (default: all)")
    args = ap.parse_args()
    wine = find_wine_dir()
    if wine is None:
        install_wine()
        wine = find_wine_dir()
    if wine is None:
        print("no Wine IDL folder found", file=sys.stderr)
        return 1
    files = args.files or sorted(glob.glob(os.path.join(wine, "*.idl")))
    include = [wine, os.path.dirname(wine)]
    passed, failed, expected, fragments = 0, [], [], []
    included = included_files(wine)
    t0 = time.perf_counter()
    for path in files:
        t1 = time.perf_counter()
        ok, code, first = check_one(path, include, not args.parse_only)
        name = os.path.basename(path)
        if args.verbose:
            print(f"{time.perf_counter() - t1:7.2f}s {'ok  ' if ok else 'FAIL'} {name}",
                  flush=True)
        if ok:
            passed += 1
        elif code in EXPECTED_CODES:
            expected.append(name)
        elif name in included:
            fragments.append(name)
        else:
            failed.append((name, first))
    dt = time.perf_counter() - t0
    for name, first in failed:
        print(f"FAIL {name}\n{first}\n")
    if expected:
        print(f"expected failures ({', '.join(sorted(EXPECTED_CODES))}): {' '.join(expected)}")
    if fragments:
        print(f"fragments (#included by another IDL file): {' '.join(fragments)}")
    print(f"{passed}/{len(files)} Wine IDL files pass `midlpy check`"
          f"{' (front end only)' if args.parse_only else ''} ({len(expected)} MIDL 3.0, "
          f"{len(fragments)} fragments, {len(failed)} unexpected) in {dt:.1f}s; folder {wine}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
