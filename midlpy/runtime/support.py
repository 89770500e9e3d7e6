"""Small helpers that generated modules call, kept out of the hot reader/writer classes."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds at import; annotations are strings
    from typing import Any, Callable

from codecs import utf_16_le_encode as _utf16le_encode
from struct import error as StructError

from .cexpr import ExprError, sdiv, smod, sshl, sshr, udiv, umod, ushl, ushr
from .errors import (RPC_S_INVALID_ARG, RPC_S_INVALID_BOUND, RPC_S_INVALID_TAG,
                     RPC_X_ENUM_VALUE_OUT_OF_RANGE, RPC_X_NULL_REF_POINTER, DecodeError,
                     EncodeError)

__all__ = ["sibling", "fields_of", "value_repr", "value_eq", "StructError", "utf16", "check_len", "check_fixed", "check_string_size", "check_enum16",
           "check_range", "null_ref",
           "bad_tag", "encode_failure", "missing_hook", "bad_value",
           "ExprError", "udiv", "sdiv", "umod", "smod", "ushl", "sshl", "ushr", "sshr"]


# ---------------------------------------------------------------------------- siblings

NAMESPACE = "__midlpy_namespace__"  # set by midlpy's loaders in the modules they execute


def sibling(module_globals: dict[str, Any], name: str) -> Any:
    """The generated module of an IDL file that the calling module's IDL imports.

    Never ``import name``: a generated name could be an installed package's, and Python
    folds identifiers with NFKC. Modules loaded by midlpy (``midlpy.load``, the import
    hook, ``midlpy dump``) find their siblings by exact key in the private namespace the
    loader gave them; modules of a package by ``package.name``; a top-level file on disk by
    path, the ``name.py`` beside it, kept under a private key unless the user already
    imported that very file."""
    import sys

    namespace = module_globals.get(NAMESPACE)
    if namespace:
        try:
            return sys.modules[f"{namespace}.{name}"]
        except KeyError:
            raise ImportError(f"generated module {name!r} was not loaded before its "
                              f"importer {module_globals.get('__name__')!r}") from None
    package = module_globals.get("__package__")
    if package:
        import importlib

        return importlib.import_module(f"{package}.{name}")
    return _sibling_file(module_globals.get("__file__"), name)


def _sibling_file(origin: str | None, name: str) -> Any:
    import hashlib
    import importlib.util
    import os
    import sys

    if not origin:
        raise ImportError(f"cannot find generated module {name!r}: its importer has no file")
    path = os.path.join(os.path.dirname(os.path.abspath(origin)), name + ".py")
    digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    key = f"midlpy._generated.f{digest}"
    for candidate in (name, key):
        mod = sys.modules.get(candidate)
        where = getattr(mod, "__file__", None)
        if mod is not None and where and os.path.abspath(where) == path:
            return mod
    spec = importlib.util.spec_from_file_location(key, path)
    if spec is None or spec.loader is None or not os.path.isfile(path):
        raise ImportError(f"cannot find generated module {name!r} at {path}")
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = ""  # its own siblings are files beside it too
    sys.modules[key] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(key, None)
        raise
    return mod


# ---------------------------------------------------------------------------- walking values
#
# Full pointers let decoded values share objects: a 500-byte pickle can hold a DAG that, read
# as a tree, has 2**40 nodes, and a linked list can be 100,000 nodes deep. So every walker
# over values (repr, ==, and midlpy's dump and JSON) is iterative and visits each object once.

def fields_of(value: Any) -> tuple[str, ...] | None:
    """The field names of a struct or union value, in declaration order; None for anything
    else. A generated class lists them in ``__match_args__`` (as a dataclass does)."""
    cls = type(value)
    try:
        return _FIELDS[cls]
    except KeyError:
        names = getattr(cls, "__match_args__", None)
        if not isinstance(names, tuple) or issubclass(cls, (tuple, type)):
            names = None
        _FIELDS[cls] = names
        return names


_FIELDS: dict[type, tuple[str, ...] | None] = {
    t: None for t in (int, bool, float, str, bytes, type(None))}


def _children(x: Any) -> Any:
    """The values inside a struct, union, list or tuple (None: ``x`` is a leaf)."""
    names = fields_of(x)
    if names is not None:
        return [getattr(x, n) for n in names]
    if isinstance(x, (list, tuple)):
        return x
    return None


def shared_objects(root: Any) -> set[int]:
    """The ids of the structs and lists reached more than once from ``root``."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        x = stack.pop()
        kids = _children(x)
        if kids is None:
            continue
        if id(x) in seen:
            shared.add(id(x))
            continue
        seen.add(id(x))
        stack.extend(kids)
    return shared


def value_repr(value: Any) -> str:
    """``repr()`` of a generated struct or union, as a dataclass prints it, except that an
    object reached more than once is shown in full once, tagged ``Name#k``, and later as
    ``<see Name#k>``."""
    shared = shared_objects(value)
    tags: dict[int, str] = {}
    out: list[str] = []
    # Work items: (True, text to write) or (False, value to write).
    stack: list[tuple[bool, Any]] = [(False, value)]
    while stack:
        is_text, x = stack.pop()
        if is_text:
            out.append(x)
            continue
        names = fields_of(x)
        kids = _children(x)
        if kids is None:
            out.append(repr(x))
            continue
        tag = ""
        if id(x) in shared:
            if id(x) in tags:
                out.append(f"<see {tags[id(x)]}>")
                continue
            tag = tags[id(x)] = f"{type(x).__qualname__}#{len(tags) + 1}"
        if names is not None:
            out.append(f"{tag or type(x).__qualname__}(")
            labels = [f"{n}=" for n in names]
            stack.append((True, ")"))
        else:
            out.append(f"{tag}{'[' if isinstance(x, list) else '('}")
            labels = [""] * len(kids)
            stack.append((True, "]" if isinstance(x, list) else ",)" if len(x) == 1 else ")"))
        for i in range(len(kids) - 1, -1, -1):
            stack.append((False, kids[i]))
            stack.append((True, f"{', ' if i else ''}{labels[i]}"))
    return "".join(out)


def value_eq(a: Any, b: Any) -> Any:
    """``a == b`` for generated structs and unions: field by field through the whole value,
    each pair of objects compared once (a shared or cyclic value takes linear time).
    NotImplemented when ``b`` is not of ``a``'s class, as a dataclass answers."""
    if type(a) is not type(b):
        return NotImplemented
    assumed: set[tuple[int, int]] = set()
    pending: list[tuple[Any, Any]] = [(a, b)]
    while pending:
        x, y = pending.pop()
        if x is y:
            continue
        kx, ky = _children(x), _children(y)
        if kx is None or ky is None:
            if kx is not ky or not x == y:
                return False
            continue
        if type(x) is not type(y) or len(kx) != len(ky):
            return False
        key = (id(x), id(y))
        if key not in assumed:
            assumed.add(key)
            pending.extend(zip(kx, ky))
    return True


# ---------------------------------------------------------------------------- values

def utf16(s: Any) -> bytes:
    """UTF-16LE code units of ``s`` (lone surrogates pass through, as decoded)."""
    try:
        return _utf16le_encode(s, "surrogatepass")[0]
    except (AttributeError, UnicodeEncodeError, TypeError) as exc:
        raise EncodeError(RPC_S_INVALID_ARG, f"cannot encode {s!r} as UTF-16: {exc}") from None


def check_len(actual: int, expected: int, what: str) -> None:
    """The data's length disagrees with its correlated field: a clear error, not bad bytes."""
    if actual != expected:
        raise EncodeError(RPC_S_INVALID_BOUND,
                          f"{what} says {expected} elements but the value has {actual}")


def check_fixed(x: Any, n: int) -> None:
    """A fixed array written element by element must have exactly ``n`` elements."""
    if len(x) != n:
        raise EncodeError(RPC_S_INVALID_BOUND, f"a fixed array of {n} elements got {len(x)}")


def check_string_size(units: int, size: Any) -> None:
    """A ``[string, size_is(n)]`` text must fit its max count, terminator included (the
    decoder rejects offset + actual > max, so writing it would make unreadable bytes)."""
    if not isinstance(size, int) or units > size:
        raise EncodeError(RPC_S_INVALID_BOUND,
                          f"string of {units} units with its NUL exceeds its size_is {size!r}")


def check_variance(first: Any, length: Any, size: Any) -> None:
    """A varying array's transmitted part must lie inside its max count (the decoder
    rejects offset + actual > max, so writing it would make unreadable bytes)."""
    if first + length > size:
        raise EncodeError(RPC_S_INVALID_BOUND, f"first_is {first} + length_is {length} "
                          f"exceeds the array's size {size}")


def check_enum16(v: Any) -> None:
    if not isinstance(v, int) or not 0 <= v <= 32767:
        raise EncodeError(RPC_X_ENUM_VALUE_OUT_OF_RANGE,
                          f"16-bit enum value {v!r} is outside 0..32767")


def check_range(v: Any, lo: int, hi: int) -> None:
    if not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise EncodeError(RPC_S_INVALID_BOUND, f"value {v!r} is outside [range({lo}, {hi})]")


def null_ref() -> EncodeError:
    return EncodeError(RPC_X_NULL_REF_POINTER, "a [ref] pointer is None")


def bad_tag(r: Any, d: int) -> DecodeError:
    return r.error(RPC_S_INVALID_TAG, f"union discriminant {d} selects no arm")


def bad_value(message: str) -> EncodeError:
    return EncodeError(RPC_S_INVALID_ARG, message)


def encode_failure(exc: BaseException) -> EncodeError:
    """A Python error raised while encoding a user value, as an EncodeError."""
    if isinstance(exc, EncodeError):
        return exc
    if isinstance(exc, ExprError):  # a correlation expression C cannot evaluate
        return EncodeError(exc.status, exc.message)
    return EncodeError(RPC_S_INVALID_ARG, f"{type(exc).__name__}: {exc}")


def missing_hook(name: str) -> Callable[..., Any]:
    """The default for a conversion hook the user has not supplied yet."""

    def hook(*_: Any) -> Any:
        raise EncodeError(RPC_S_INVALID_ARG,
                          f"conversion hook {name} is not set: assign module.{name} = function")

    hook.__name__ = name
    return hook


def elem_count(x: Any, wide: bool) -> int:
    """Elements in an array value: UTF-16 code units for a wide string, else its length."""
    if wide and isinstance(x, str):
        return len(utf16(x)) // 2
    try:
        return len(x)
    except TypeError:
        raise EncodeError(RPC_S_INVALID_ARG,
                          f"expected a sequence, got {type(x).__name__}") from None


def pipe_procedure(proc: str) -> Callable[..., Any]:
    """The marshalling of a procedure with pipe parameters, which midlpy's stubs do not
    transfer yet: a clear RPC_S_CANNOT_SUPPORT on the client, a fault on the server."""

    def marshal(*_: Any) -> Any:
        from .errors import RpcError
        raise RpcError(1764, f"procedure {proc} has pipe parameters, which midlpy's RPC "
                       "stubs do not transfer yet")

    return marshal


def is_decoding(h: Any) -> bool:
    """Whether a serialization handle decodes (a procedure stub then reads, not writes)."""
    return getattr(h, "operation", None) == 1


def wrong_action(proc: str, what: str) -> Exception:
    """A procedure pickled only one way, used the other way (RPC_X_INVALID_ES_ACTION)."""
    from .errors import RpcError
    return RpcError(1827, f"procedure {proc} cannot be {what}: the ACF does not allow it")
