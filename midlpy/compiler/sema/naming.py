"""Python names for IDL names: kept verbatim (users cross-check them against the specs)
except where Python forbids them, which get a trailing underscore."""

from __future__ import annotations

import keyword

# Names the generated module itself defines or imports at top level; an IDL name equal to
# one of these gets a trailing underscore too.
RESERVED = frozenset({
    "annotations", "dataclass", "field", "IntEnum", "Optional", "Any", "TYPE_CHECKING",
})


def pyname(name: str) -> str:
    """``class`` -> ``class_``; ``GroupIds`` -> ``GroupIds``."""
    if keyword.iskeyword(name) or name in RESERVED or name.startswith("__"):
        return name + "_"
    return name


def module_name(stem: str) -> str:
    """A valid module identifier from a file stem (``ms-dtyp`` -> ``ms_dtyp``)."""
    out = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in stem)
    if not out or out[0].isdigit():
        out = "_" + out
    if keyword.iskeyword(out):
        out += "_"
    return out
