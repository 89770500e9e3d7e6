"""Front-end throughput: preprocess + parse + AST for a large generated IDL, and the time to
read every IDL file of libwine-dev (when installed). Prints figures; asserts nothing."""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from midlpy.compiler.frontend import load_program  # noqa: E402
from midlpy.compiler.parser import get_parser  # noqa: E402
from midlpy.diagnostics import Diagnostics, SourceCache  # noqa: E402

WINE_DIRS = ("/usr/include/wine/wine/windows", "/usr/include/wine/windows")


def generated_idl(n: int) -> str:
    """An IDL file with n blocks of typical declarations (structs, unions, enums, procs)."""
    out = ["#define MAXN 64", "[uuid(12345678-1234-abcd-ef00-0123456789ab), version(1.0),",
           " pointer_default(unique)]", "interface bench", "{"]
    for i in range(n):
        out += [
            f"    /* block {i} */",
            f"    typedef struct _S{i} {{",
            "        unsigned long count;",
            "        [size_is(count)] unsigned short *data;",
            "        [string, unique] wchar_t *name;",
            "        hyper stamp;",
            "        long fixed[MAXN];",
            f"    }} S{i}, *PS{i};",
            f"    typedef [switch_type(short)] union _U{i} {{",
            f"        [case(1)] S{i} s;",
            "        [case(2)] long l;",
            "        [default] ;",
            f"    }} U{i};",
            f"    typedef enum {{ E{i}_A = 1, E{i}_B = E{i}_A << 2, E{i}_C }} E{i};",
            f"    const unsigned long K{i} = ({i} * 2 + 1) | 0x100;",
            f"    long Proc{i}([in] handle_t h, [in, ref] S{i} *in{i},",
            f"                 [out] short *sw, [out, switch_is(*sw)] U{i} *out{i});",
        ]
    out.append("}")
    return "\n".join(out) + "\n"


def bench_generated(blocks: int = 2000) -> None:
    text = generated_idl(blocks)
    lines = text.count("\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.idl")
        with open(path, "w") as fh:
            fh.write(text)
        t0 = time.perf_counter()
        get_parser("midl")
        t_build = time.perf_counter() - t0
        diags = Diagnostics()
        t0 = time.perf_counter()
        prog = load_program(path, diags=diags, sources=SourceCache())
        dt = time.perf_counter() - t0
    assert prog is not None and not diags.has_errors, diags.render()
    print(f"front end: parser build {t_build:.2f}s; generated IDL {lines} lines in {dt:.2f}s "
          f"= {lines / dt:,.0f} lines/s")


def bench_wine() -> None:
    wine = next((d for d in WINE_DIRS if glob.glob(os.path.join(d, "*.idl"))), None)
    if wine is None:
        print("front end: libwine-dev not installed, Wine set skipped (make corpus installs it)")
        return
    files = sorted(glob.glob(os.path.join(wine, "*.idl")))
    cache: dict = {}
    ok = 0
    t0 = time.perf_counter()
    for f in files:
        diags = Diagnostics()
        load_program(f, include_dirs=[wine], diags=diags, sources=SourceCache(),
                     parse_cache=cache)
        ok += not diags.has_errors
    dt = time.perf_counter() - t0
    print(f"front end: Wine IDL set, {len(files)} files ({ok} clean) in {dt:.1f}s "
          "(imports parsed once across files)")


if __name__ == "__main__":
    bench_generated(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
    if "--no-wine" not in sys.argv:
        bench_wine()
