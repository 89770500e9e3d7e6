"""Python names for IDL names: kept verbatim (users cross-check them against the specs)
except where Python forbids them, which get a trailing underscore."""

from __future__ import annotations

import builtins
import keyword
import re
import sys

# Names the generated module itself defines or imports at top level; an IDL name equal to
# one of these gets a trailing underscore too.
RESERVED = frozenset({
    "annotations", "dataclass", "field", "IntEnum", "Optional", "Any", "TYPE_CHECKING",
})


def pyname(name: str) -> str:
    """``class`` -> ``class_``; ``GroupIds`` -> ``GroupIds``; ``__tagVARIANT`` ->
    ``m__tagVARIANT`` (Python would mangle a name that starts with two underscores wherever
    it appears in a class body, as a type in a field's annotation does; enum members get
    the same ``m``)."""
    if name.startswith("__"):
        return "m" + name
    if keyword.iskeyword(name) or name in RESERVED:
        return name + "_"
    return name


# Module-level names (types, constants, enumerators) must also leave alone the builtins the
# generated code calls (len, range, int...), its imports, and its private helpers, which
# are named after the types (_dec_T, _enc_T, _read_T, _write_T, _T_member, _F0...)
_MODULE_TAKEN = frozenset(dir(builtins)) | {
    "Callable", "_enum", "_Value", "_FACTORY", "_starmap", "_UUID", "_API_LEVEL", "_mes",
    "_ndr", "_support", "_DecodeError", "_EncodeError", "_rpc", "_PICKLED",
    "_dataclass", "_field"}  # (these two no longer used: kept so that names stay as they were)
# (and the routines of pickled types: T_AlignSize, T_Encode, T_Decode, T_Free).
_INTERNAL = re.compile(r"_(dec|enc|read|write|m|IFACE|RPC)_|_F\d+$|_.*_member$"
                       r"|.*_(AlignSize|Encode|Decode|Free)$")


# ...nor the locals of the generated functions, which would hide a class of that name
# inside them: parameters (r, w, v, s, h, value), fixed locals, numbered temporaries (x1,
# ref2, mc3...) and procedure parameters (v_NAME).
_LOCALS = frozenset({"_", "_f", "arr", "d", "e", "h", "mc", "n", "ns", "nxt", "p", "pl", "r",
                     "s", "seen", "sl", "stack", "u", "v", "value", "w", "x", "self"})
_TEMP = re.compile(r"(a|arm|d|e|i|k|known|mc|n|off|p|pk|raw|ref|s|sl|t|w|x)\d+$|v_")


def module_pyname(name: str) -> str:
    """``pyname`` for a name defined at module level: ``len`` -> ``len_``."""
    if name in _MODULE_TAKEN or name in _LOCALS or _INTERNAL.match(name) or _TEMP.match(name):
        return name + "_"
    return pyname(name)


def type_pyname(name: str) -> str:
    """``module_pyname`` for a type: its codecs are ``_dec_T``/``_dec_T_deferred`` and a
    procedure P's are ``_dec_P_in``/``_dec_P_out``, so a type named ``X_deferred``,
    ``P_in`` or ``P_out`` would share a codec name with X or P."""
    out = module_pyname(name)
    # (and conversion hooks are T_to_xmit, T_from_wire, T_to_local...)
    hooks = r"|(to|from)_(xmit|wire|local)"
    return out + "_" if re.search(rf"_(deferred|in|out{hooks})$", out) else out


def routine_base(name: str) -> str:
    """The stem of a pickled type's routines (``T_Decode``) and of its top-level codecs
    (``_read_T``): a type named ``_read_X`` would otherwise make ``_read_X_Decode`` the
    name of both its own routine and type ``X_Decode``'s reader."""
    return name + "_" if re.match(r"_(read|write)_", name) else name


def param_pyname(name: str, is_handle: bool) -> str:
    """``pyname`` for a procedure parameter: a local of the generated function, which also
    uses ``h`` (the handle) and module-level names that begin with ``_``."""
    out = pyname(name)
    if out.startswith("_") or (out == "h" and not is_handle):
        out += "_"
    return out


def module_name(stem: str) -> str:
    """A valid ASCII module identifier from a file stem (``ms-dtyp`` -> ``ms_dtyp``).

    Only ``[A-Za-z0-9_]`` survives: Python folds identifiers with NFKC, so a Unicode stem
    such as ``ｏｓ`` or ``oſ`` would *be* ``os`` once written into generated code."""
    out = re.sub(r"[^A-Za-z0-9_]", _ascii_for, stem)
    if not out or out[0].isdigit():
        out = "_" + out
    if keyword.iskeyword(out) or out in _TAKEN_MODULES:
        out += "_"
    return out


def _ascii_for(m: re.Match[str]) -> str:
    """``-``, ``.`` and spaces become ``_``; anything else its code point (``ｏ`` -> ``_uff4f``),
    so that distinct file names keep distinct module names."""
    ch = m.group()
    return "_" if ch in "-. " else f"_u{ord(ch):x}"


def unusable_stem(stem: str) -> bool:
    """A file stem that ``module_name`` had to rewrite beyond the usual ``-``/``.`` -> ``_``
    (non-ASCII letters, spaces, symbols): worth telling the user which name it got."""
    return re.fullmatch(r"[A-Za-z0-9_.\-]*", stem) is None


# Generated modules are imported by name (and load_module puts them in sys.modules): an
# IDL file named struct.idl or types.idl must not replace the standard library module,
# nor one the compiler itself imports.
_TAKEN_MODULES = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names) | {
    "midlpy", "lark", "jinja2", "click", "markupsafe", "interegular"}
