"""The JSON form of decoded values, and back, for ``midlpy dump`` and ``midlpy encode``.

The mapping (documented in README.md, "The JSON mapping") is lossless for everything a generated module
decodes, so that ``encode(dump(blob)) == blob``:

====================  ==========================================================
Python value          JSON
====================  ==========================================================
``None`` (NULL ptr)   ``null``
``bool``              ``true`` / ``false``
``int``               a number
enum member           ``{"name": "CLAIM_TYPE_INT64", "value": 1}`` (on input a
                      bare number or name is accepted too)
``float``             a number; ``"NaN"``, ``"Infinity"``, ``"-Infinity"``
``bytes``             lowercase hex text, ``"0a1b"``
``str``               a string; a lone UTF-16 surrogate is written as its
                      ``\\udXXX`` escape, which JSON allows and Python reads back
list                  an array
struct / union        an object of its fields in declaration order (a union has
                      its discriminant field and one field per arm)
``uuid.UUID``         ``"12345678-..."``
context handle        ``{"attributes": 0, "uuid": "..."}``
====================  ==========================================================

Going from JSON to values is driven by the classes' type annotations, so a field
left out of an object takes its default. Full-pointer aliasing is kept: a struct reached
more than once is written in full once with an ``"$id": k`` member and then as
``{"$ref": k}`` (a shared list as ``{"$id": k, "$items": [...]}``), and reading rebuilds
the same sharing, so the re-encoded full pointers are the original ones. Writing and
reading structures go without recursion; nesting deeper than 32 levels is not indented
further.
"""

from __future__ import annotations

import enum
import json
import math
import sys
import types
import typing
import uuid
from typing import Any

from midlpy.runtime import support as _support
from midlpy.runtime.ndr import ContextHandle

__all__ = ["JsonMapError", "to_json", "from_json", "dumps", "loads"]


class JsonMapError(ValueError):
    """A JSON document that does not fit the type; ``path`` names the field."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{message} (at {path})" if path else message)
        self.message = message
        self.path = path


# ---------------------------------------------------------------------------- to JSON

def to_json(value: Any) -> Any:
    """The JSON-ready form (dicts, lists, str, numbers) of a decoded value."""
    shared = _support.shared_objects(value)
    tags: dict[int, int] = {}
    top: list[Any] = [None]
    # Work items: (value, container, key): the JSON form of value goes to container[key].
    stack: list[tuple[Any, Any, Any]] = [(value, top, 0)]
    while stack:
        x, into, key = stack.pop()
        names = _support.fields_of(x)
        if names is None and not isinstance(x, (list, tuple)):
            into[key] = _leaf(x)
            continue
        out: Any
        if id(x) in shared:
            if id(x) in tags:
                into[key] = {"$ref": tags[id(x)]}
                continue
            tags[id(x)] = len(tags) + 1
        if names is not None:
            out = {"$id": tags[id(x)]} if id(x) in tags else {}
            out.update(dict.fromkeys(names))
            # (reversed, so that the document's first occurrence is the one written)
            stack.extend((getattr(x, n), out, n) for n in reversed(names))
        else:
            out = [None] * len(x)
            stack.extend((x[i], out, i) for i in range(len(x) - 1, -1, -1))
            if id(x) in tags:
                out = {"$id": tags[id(x)], "$items": out}
        into[key] = out
    return top[0]


def _leaf(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return {"name": value.name, "value": value.value}
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, ContextHandle):
        return {"attributes": value.attributes, "uuid": str(value.uuid)}
    raise TypeError(f"no JSON form for {type(value).__name__}")


_MAX_INDENT = 32


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON text for a decoded value: UTF-8-safe, non-ASCII kept readable. Written
    without recursion (json.dumps recurses), indenting at most 32 levels."""
    out: list[str] = []
    stack: list[Any] = [(to_json(value), 0)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        doc, depth = item
        if isinstance(doc, (dict, list)) and doc:
            if indent is None:
                inner = outer = ""
            else:
                inner = "\n" + " " * (indent * min(depth + 1, _MAX_INDENT))
                outer = "\n" + " " * (indent * min(depth, _MAX_INDENT))
            sep = "," if indent is not None else ", "
            if isinstance(doc, dict):
                out.append("{")
                stack.append(outer + "}")
                entries = list(doc.items())
                for i in range(len(entries) - 1, -1, -1):
                    k, v = entries[i]
                    stack.append((v, depth + 1))
                    stack.append((sep if i else "") + inner + json.dumps(k, ensure_ascii=False) + ": ")
            else:
                out.append("[")
                stack.append(outer + "]")
                for i in range(len(doc) - 1, -1, -1):
                    stack.append((doc[i], depth + 1))
                    stack.append((sep if i else "") + inner)
        else:
            out.append(json.dumps(doc, ensure_ascii=False, allow_nan=False))
    text = "".join(out)
    # ensure_ascii=False leaves lone surrogates raw, which no UTF-8 output can carry;
    # they only occur inside strings, where the escape form is equivalent.
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def loads(text: str, hint: Any, namespace: dict[str, Any] | None = None, root: str = "") -> Any:
    """Parse JSON ``text`` into a value of type ``hint`` (see :func:`from_json`)."""
    try:
        doc = json.loads(text)
    except RecursionError:
        raise JsonMapError("the document nests deeper than Python's JSON reader allows",
                           "") from None
    except json.JSONDecodeError as e:
        raise JsonMapError(f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}",
                           "") from None
    return from_json(doc, hint, namespace, root)


# ---------------------------------------------------------------------------- from JSON

def from_json(doc: Any, hint: Any, namespace: dict[str, Any] | None = None,
              root: str = "") -> Any:
    """Build the value of type ``hint`` (a class or a typing form, or an annotation
    string evaluated in ``namespace``) that ``doc`` describes."""
    if isinstance(hint, str):
        hint = _eval(hint, namespace or {})
    try:
        return _Builder(namespace or {}).build(doc, hint, root)
    except RecursionError:
        raise JsonMapError("the document nests deeper than midlpy reads", root) from None


def _eval(annotation: str, namespace: dict[str, Any]) -> Any:
    try:
        return eval(annotation, dict(namespace))  # noqa: S307 - annotations we generated
    except Exception as e:  # noqa: BLE001
        raise JsonMapError(f"cannot resolve the type annotation {annotation!r}: {e}", "") from None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class _Builder:
    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.hints: dict[type, dict[str, Any]] = {}
        self.anchors: dict[int, Any] = {}  # "$id" -> the object built for it

    def fields_of(self, cls: type) -> dict[str, Any]:
        """The field types of a generated dataclass. Its annotations are evaluated in
        the module's namespace only: a field may be named like a builtin (``list``)
        that other annotations use, which class-scope evaluation would shadow."""
        if cls not in self.hints:
            module = sys.modules.get(cls.__module__)
            # typing's names only exist for type checkers there (importing typing is slow)
            globalns: dict[str, Any] = {"Any": Any, "Callable": typing.Callable}
            globalns.update(vars(module) if module else {})
            globalns.update(self.namespace)
            hints: dict[str, Any] = {}
            for klass in reversed(cls.__mro__):
                for name, note in getattr(klass, "__annotations__", {}).items():
                    hints[name] = _eval(note, globalns) if isinstance(note, str) else note
            self.hints[cls] = hints
        return self.hints[cls]

    def build(self, doc: Any, hint: Any, path: str) -> Any:
        if hint is Any:
            return doc
        origin = typing.get_origin(hint)
        if origin is typing.Union or (isinstance(hint, types.UnionType)):
            return self.union(doc, typing.get_args(hint), path)
        if doc is None:
            raise JsonMapError("null given where a value is required", path)
        if isinstance(doc, dict) and "$ref" in doc:
            found = self.reference(doc, path)
            expected = list if origin is list else hint if isinstance(hint, type) else object
            if not isinstance(found, expected):
                raise JsonMapError(f"\"$ref\": {doc['$ref']} names a "
                                   f"{type(found).__name__}, not a {expected.__name__}", path)
            return found
        if origin is list:
            out: list[Any] = []
            if isinstance(doc, dict) and set(doc) == {"$id", "$items"}:
                self.anchor(doc, out, path)
                doc = doc["$items"]
            if not isinstance(doc, list):
                raise JsonMapError(f"expected an array, got {_kind(doc)}", path)
            (item,) = typing.get_args(hint) or (Any,)
            out.extend(self.build(x, item, f"{path}[{i}]") for i, x in enumerate(doc))
            return out
        if isinstance(hint, type):
            return self.scalar_or_object(doc, hint, path)
        raise JsonMapError(f"unsupported type {hint!r}", path)

    def union(self, doc: Any, args: tuple[Any, ...], path: str) -> Any:
        if doc is None:
            if type(None) in args:
                return None
            raise JsonMapError("null given where a value is required", path)
        options = [a for a in args if a is not type(None)]
        enums = [a for a in options if isinstance(a, type) and issubclass(a, enum.Enum)]
        if enums:  # ``E | int``: an enum that also accepts unknown numbers
            return self.enum(doc, enums[0], path)
        if len(options) == 1:
            return self.build(doc, options[0], path)
        raise JsonMapError(f"ambiguous type {' | '.join(map(repr, options))}", path)

    def enum(self, doc: Any, cls: type[enum.Enum], path: str) -> Any:
        name = None
        if isinstance(doc, dict):
            unknown = set(doc) - {"name", "value"}
            if unknown or "value" not in doc and "name" not in doc:
                raise JsonMapError(
                    f"an enum is {{\"name\": ..., \"value\": ...}}, got keys {sorted(doc)}", path)
            name, doc = doc.get("name"), doc.get("value", doc.get("name"))
        if isinstance(doc, str):
            try:
                return cls[doc]
            except KeyError:
                raise JsonMapError(f"{doc!r} is not a member of {cls.__name__}", path) from None
        if isinstance(doc, int) and not isinstance(doc, bool):
            member = cls._value2member_map_.get(doc)
            if member is None:
                return doc  # values outside the enum are plain ints, as decoded
            if name is not None and member.name != name:
                raise JsonMapError(f"{cls.__name__} value {doc} is {member.name}, not {name}",
                                   path)
            return member
        raise JsonMapError(f"expected a {cls.__name__} name or number, got {_kind(doc)}", path)

    def scalar_or_object(self, doc: Any, cls: type, path: str) -> Any:
        if issubclass(cls, enum.Enum):
            return self.enum(doc, cls, path)
        if cls is bool:
            if isinstance(doc, bool):
                return doc
            raise JsonMapError(f"expected true or false, got {_kind(doc)}", path)
        if cls is int:
            if isinstance(doc, int) and not isinstance(doc, bool):
                return doc
            if isinstance(doc, dict) and set(doc) == {"name", "value"}:
                # an enum value where the annotation says int (a union discriminant)
                return self.build(doc["value"], int, path)
            raise JsonMapError(f"expected an integer, got {_kind(doc)}", path)
        if cls is float:
            if isinstance(doc, (int, float)) and not isinstance(doc, bool):
                return float(doc)
            if isinstance(doc, str) and doc in _FLOATS:
                return _FLOATS[doc]
            raise JsonMapError(f"expected a number, got {_kind(doc)}", path)
        if cls is str:
            if isinstance(doc, str):
                return doc
            raise JsonMapError(f"expected a string, got {_kind(doc)}", path)
        if cls is bytes:
            if isinstance(doc, str):
                try:
                    return bytes.fromhex(doc)
                except ValueError:
                    raise JsonMapError("expected hex digits for bytes", path) from None
            raise JsonMapError(f"expected a hex string, got {_kind(doc)}", path)
        if cls is uuid.UUID:
            try:
                return uuid.UUID(doc)
            except (TypeError, ValueError, AttributeError):
                raise JsonMapError(f"expected a GUID string, got {doc!r}", path) from None
        if getattr(cls, "__match_args__", None) is not None and not issubclass(cls, tuple):
            return self.dataclass(doc, cls, path)
        if issubclass(cls, ContextHandle):
            if not isinstance(doc, dict) or set(doc) - {"attributes", "uuid"}:
                raise JsonMapError('a context handle is {"attributes": n, "uuid": "..."}', path)
            return cls(self.build(doc.get("attributes", 0), int, _join(path, "attributes")),
                       self.build(doc.get("uuid", str(uuid.UUID(int=0))), uuid.UUID,
                                  _join(path, "uuid")))
        raise JsonMapError(f"unsupported type {cls.__name__}", path)

    def dataclass(self, doc: Any, cls: type, path: str) -> Any:
        if not isinstance(doc, dict):
            raise JsonMapError(f"expected an object for {cls.__name__}, got {_kind(doc)}", path)
        names = list(getattr(cls, "__match_args__", ()))
        unknown = [k for k in doc if k not in names and k != "$id"]
        if unknown:
            raise JsonMapError(f"{cls.__name__} has no field {unknown[0]!r} "
                               f"(fields: {', '.join(names)})", path)
        hints = self.fields_of(cls)
        if "$id" not in doc:
            kwargs = {k: self.build(v, hints.get(k, Any), _join(path, k)) for k, v in doc.items()}
            return cls(**kwargs)
        obj: Any = object.__new__(cls)  # registered before its fields, which may refer to it
        self.anchor(doc, obj, path)
        fields = {k: self.build(v, hints.get(k, Any), _join(path, k))
                  for k, v in doc.items() if k != "$id"}
        cls.__init__(obj, **fields)  # type: ignore[misc]
        return obj

    def anchor(self, doc: dict[str, Any], obj: Any, path: str) -> None:
        key = doc["$id"]
        if not isinstance(key, int) or isinstance(key, bool) or key in self.anchors:
            raise JsonMapError(f"\"$id\" must be a number not used before, got {key!r}", path)
        self.anchors[key] = obj

    def reference(self, doc: dict[str, Any], path: str) -> Any:
        if set(doc) != {"$ref"} or doc["$ref"] not in self.anchors:
            raise JsonMapError(f"{{\"$ref\": n}} must name an earlier \"$id\", got {doc!r}",
                               path)
        return self.anchors[doc["$ref"]]


def _kind(doc: Any) -> str:
    if doc is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "an array", dict: "an object"}.get(type(doc), type(doc).__name__)
