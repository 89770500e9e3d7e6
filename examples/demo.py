"""`make demo`: midlpy end to end on the examples.

1. checks every example IDL/ACF (the front end and semantic passes),
2. decodes a real Kerberos PAC made by Windows (examples/pac),
3. writes and reads back a journal of pickled records (examples/pickle),
4. runs the context-handle client and server from many threads (examples/contexthandle).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def step(title: str, argv: list[str]) -> None:
    print(f"\n=== {title}\n$ {' '.join(argv)}", flush=True)
    if subprocess.run(argv, cwd=HERE.parent).returncode != 0:
        sys.exit(f"demo step failed: {title}")


def main() -> None:
    py = sys.executable
    for idl in sorted(HERE.glob("*/*.idl")):
        step(f"check {idl.relative_to(HERE.parent)}",
             [py, "-m", "midlpy", "check", str(idl.relative_to(HERE.parent))])
    step("decode a real PAC (MS-PAC section 3 example)", [py, "examples/pac/decode_pac.py"])
    step("pickle a journal through incremental handles", [py, "examples/pickle/run.py", "2000"])
    step("context handles: serialized and shared calls", [py, "examples/contexthandle/demo.py"])
    print("\ndemo finished")


if __name__ == "__main__":
    main()
