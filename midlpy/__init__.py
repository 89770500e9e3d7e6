"""midlpy: a MIDL-compatible IDL/ACF compiler that emits Python NDR codecs.

Importing this package is cheap: the compiler (lark, jinja2) loads only when used.
Generated modules need nothing but :mod:`midlpy.runtime`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
