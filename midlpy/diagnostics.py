"""Diagnostics: located messages collected over a run and rendered together.

Every stage reports through a :class:`Diagnostics` collector instead of raising, so a
user sees all problems of a file at once, rendered as::

    file.idl:12:5: error: message [code]
        long x[;
            ^
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable, Iterator


@dataclass(frozen=True, slots=True)
class Span:
    """A region of an original source file; lines and columns count from 1."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


_CONTEXT = 100  # source columns shown either side of a diagnostic's caret


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    span: Span | None

    def render(self, sources: "SourceCache | None" = None) -> str:
        where = f"{self.span}: " if self.span else ""
        text = f"{where}{self.severity.value}: {self.message} [{self.code}]"
        if self.span is None or sources is None:
            return text
        line = sources.line(self.span.file, self.span.line)
        if line is None:
            return text
        # At most _CONTEXT columns either side of the caret: a hostile line can be long.
        caret = max(1, self.span.col) - 1
        start = max(0, caret - _CONTEXT)
        head = "..." if start else ""
        tail = "..." if len(line) > caret + _CONTEXT else ""
        shown = head + line[start:caret + _CONTEXT] + tail
        pad = len((head + line[start:caret]).expandtabs(8))  # columns count a tab as one
        return f"{text}\n    {shown.expandtabs(8)}\n    {' ' * pad}^"


class SourceCache:
    """The text of every original file read in a run, for rendering source lines."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def add(self, path: str, text: str) -> None:
        self._lines[path] = text.splitlines()

    def text(self, path: str) -> str:
        """The text of ``path`` as added (lines joined with newlines)."""
        return "\n".join(self._lines.get(path, ()))

    def line(self, path: str, lineno: int) -> str | None:
        lines = self._lines.get(path)
        if lines is None or not 1 <= lineno <= len(lines):
            return None
        return lines[lineno - 1]


@dataclass
class Diagnostics:
    """Collector passed through the pipeline; stages append, the driver renders."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span | None) -> None:
        self.items.append(Diagnostic(Severity.ERROR, code, message, span))

    def warning(self, code: str, message: str, span: Span | None) -> None:
        self.items.append(Diagnostic(Severity.WARNING, code, message, span))

    def note(self, code: str, message: str, span: Span | None) -> None:
        self.items.append(Diagnostic(Severity.NOTE, code, message, span))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def render(self, sources: SourceCache | None = None) -> str:
        """All diagnostics in report order (stable: by file, line, column, then arrival)."""

        def key(ix: tuple[int, Diagnostic]) -> tuple[str, int, int, int]:
            i, d = ix
            s = d.span
            return (s.file, s.line, s.col, i) if s else ("", 0, 0, i)

        ordered = [d for _, d in sorted(enumerate(self.items), key=key)]
        return "\n".join(d.render(sources) for d in ordered)


class CompileError(Exception):
    """Raised by library entry points when a run produced error diagnostics."""

    def __init__(self, diagnostics: Diagnostics, sources: SourceCache | None = None) -> None:
        self.diagnostics = diagnostics
        self.sources = sources
        super().__init__(diagnostics.render(sources))
