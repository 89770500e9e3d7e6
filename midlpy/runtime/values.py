"""The base class of generated struct and union classes.

``@dataclass`` writes ``__init__``, ``__eq__`` and ``__repr__`` for every class each
time a module is imported, which for a protocol of hundreds of types costs far more
than the rest of the import. midlpy writes ``__slots__`` and ``__init__`` into the
generated class at compile time, and the rest, the same for every class, lives here
once. The value model does not change: keyword (or positional) construction with
defaults, comparison by value, ``TYPE(field=...)`` repr (both from :mod:`.support`),
unhashable, and the dataclasses
protocol (``dataclasses.fields``, ``asdict``, ``replace``, ``is_dataclass``), whose
``Field`` objects are made on first use so that importing never loads ``dataclasses``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .support import value_eq, value_repr

__all__ = ["Value", "FACTORY"]


class _Factory:
    """The default of a field whose default is a fresh object (a list, a struct):
    ``__init__`` makes one when it sees this."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


FACTORY: Any = _Factory()


class _Fields:
    """``__dataclass_fields__``, made for each class the first time it is asked for."""

    def __get__(self, obj: object, cls: Any) -> dict[str, Any]:
        if "__init__" not in cls.__dict__:  # Value itself is no dataclass
            raise AttributeError("__dataclass_fields__")
        import dataclasses

        defaults = cls.__dict__["__init__"].__defaults__ or ()  # every field has a default
        spec = []
        for name, default in zip(cls.__slots__, defaults):
            made: Any
            if default is FACTORY:  # the one __init__ makes: a new instance's
                made = dataclasses.field(default_factory=_FreshField(cls, name))
            else:
                made = dataclasses.field(default=default)
            spec.append((name, cls.__annotations__.get(name, "Any"), made))
        shadow = dataclasses.make_dataclass(cls.__name__, spec, init=False, repr=False,
                                            eq=False, match_args=False)
        fields: dict[str, Any] = shadow.__dataclass_fields__  # type: ignore[attr-defined]
        setattr(cls, "__dataclass_fields__", fields)  # later lookups find the dict itself
        return fields


class _FreshField:
    """The default factory ``dataclasses.fields`` shows for a field ``__init__`` fills."""

    def __init__(self, cls: Any, name: str) -> None:
        self.cls, self.name = cls, name

    def __call__(self) -> Any:
        return getattr(self.cls(), self.name)


class _MatchArgs:
    def __get__(self, obj: object, cls: type) -> tuple[str, ...]:
        return cls.__slots__  # type: ignore[attr-defined,no-any-return]


class Value:
    """What every generated struct and union class shares; see the module docstring."""

    __slots__ = ()
    __dataclass_fields__: Any = _Fields()
    __match_args__: Any = _MatchArgs()

    # support's walkers visit a shared (full-pointer) or deep value once, without recursion
    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return value_repr(self)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

