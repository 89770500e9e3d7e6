"""Write generated files: atomically, with LF line ends, and only when they changed.

A file is written to a temporary name in the same folder and renamed over the target, so
a reader never sees half a module and an interrupted run leaves the old file intact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable, Protocol


class _File(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def text(self) -> str: ...


def stale_files(outdir: str | os.PathLike[str], files: Iterable[_File]) -> list[str]:
    """Relative paths of the files whose content on disk differs (or that are missing)."""
    out = Path(outdir)
    stale = []
    for f in files:
        target = out / f.path
        try:
            if target.read_bytes() == f.text.encode("utf-8"):
                continue
        except OSError:
            pass
        stale.append(f.path)
    return stale


def write_files(outdir: str | os.PathLike[str], files: Iterable[_File]) -> list[str]:
    """Write ``files`` under ``outdir`` (created if needed); returns the paths written."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        data = f.text.encode("utf-8")
        target = out / f.path
        try:
            if target.read_bytes() == data:
                continue  # unchanged: keep the timestamp, so build tools see no change
        except OSError:
            pass
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        written.append(f.path)
    return written
