"""midlpy: a MIDL-compatible IDL/ACF compiler that emits Python NDR codecs.

Importing this package is cheap: the compiler (lark, jinja2) loads only when used.
Generated modules need nothing but :mod:`midlpy.runtime`.

``midlpy.load("x.idl")`` compiles an IDL file at run time and returns its module;
``midlpy.install_import_hook()`` makes ``import x_idl`` do the same for ``x.idl`` on
``sys.path``. Both are loaded on first use (PEP 562).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds; generated modules import this package
    from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load", "install_import_hook"]

_LAZY = {"load": "midlpy.importer", "install_import_hook": "midlpy.importer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'midlpy' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
