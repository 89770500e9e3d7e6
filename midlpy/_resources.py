"""Locate the data folders (grammars/, templates/) shipped beside the package.

An installed wheel carries them inside the package (hatchling force-include); a
checkout or editable install has them at the repository top level.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def resource_dir(name: str) -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"midlpy data folder {name!r} not found: broken installation?")
