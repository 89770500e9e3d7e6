"""The C preprocessor MIDL runs over IDL and ACF text.

Our own small implementation rather than pcpp: every diagnostic must point at the original
file, line and column (so we keep an origin map for each output line and each macro
expansion), and the compiler's dependency list stays at lark, jinja2 and click.

Supported: ``#include "x"``/``<x>`` (directory of the includer, then ``-I``), object- and
function-like ``#define`` (``#``, ``##``, ``__VA_ARGS__``), ``#undef``, ``#if``/``#ifdef``/
``#ifndef``/``#elif``/``#else``/``#endif`` with C constant expressions, ``#line``,
``#error``/``#warning``, ``#pragma`` (``once`` honoured, others returned to the caller),
CRLF/CR line ends, a DOS end-of-file byte 0x1A, a missing final newline.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from midlpy.compiler.limits import (EXPANSION_BASE, EXPANSION_PER_CHAR, MAX_LINE_CHARS,
                                    MAX_OUTPUT_TOKENS, MAX_SOURCE_CHARS, MAX_STRING_CHARS,
                                    POSSESSIVE, OutOfRange, c_div, complement64, fit64,
                                    parse_int, shift64, shorten)
from midlpy.diagnostics import Diagnostics, SourceCache, Span

# MIDL defines __midl as major * 100 + minor of the compiler version (MIDL 8.01 here).
MIDL_VERSION_MACRO = "801"
# Also predefined, as by MIDL and widl: _WIN32 always (the Windows SDK's and mingw-w64's
# headers stop with #error without it); _WIN64 for a 64-bit target (``--env win64``, MIDL's
# /env win64), which callers add through ``target_defines``.
PREDEFINED_MACROS = {"__midl": MIDL_VERSION_MACRO, "_WIN32": "1"}
TARGETS = ("win32", "win64")


def target_defines(target: str) -> dict[str, str | None]:
    """The macros a target environment adds to :data:`PREDEFINED_MACROS`."""
    if target not in TARGETS:
        raise ValueError(f"unknown target environment {target!r} (win32 or win64)")
    return {"_WIN64": "1"} if target == "win64" else {}
MAX_INCLUDE_DEPTH = 64
MAX_INCLUDES = 10_000  # file inclusions per run: unguarded fan-out would be exponential
MAX_TOTAL_EXPANSION = 4_000_000  # tokens produced by macro expansion per run, at most
MAX_EXPANSION_TOKENS = 100_000  # guards against exponential macro blow-up
MAX_JOINED_LINES = 500  # a macro call's arguments may span at most this many lines

# Strings are unrolled loops (no backtracking state per plain character); an unterminated
# one ("open") runs to the end of the line, so that a line of unmatched quotes is scanned
# once, not once per quote, and it never reaches the parser. Where Python has them (3.11),
# possessive repeats ("*@" below) keep no backtracking state per escape or digit either.
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\f\v]+)
  | (?P<id>[A-Za-z_$][A-Za-z0-9_$]*(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*@"|'[^'\\\n]*(?:\\.[^'\\\n]*)*@')?)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*@)
  | (?P<str>"[^"\\\n]*(?:\\.[^"\\\n]*)*@")
  | (?P<chr>'[^'\\\n]*(?:\\.[^'\\\n]*)*@')
  | (?P<open>["'].*)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-+*/%&|^~!=<>?:;,.()\[\]{}\#])
  | (?P<other>.)
    """.replace("*@", POSSESSIVE),
    re.VERBOSE | re.DOTALL,
)
_IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_DIRECTIVE_RE = re.compile(r"[ \t\f\v]*#[ \t\f\v]*([A-Za-z_]*)(.*)", re.DOTALL)


class Tok:
    """A preprocessing token. ``col`` is the 1-based source column it maps to; ``kind`` is
    ``id num str chr open punct other`` (``open``: an unterminated literal); ``hide`` is the macro hide set (Prosser's algorithm)."""

    __slots__ = ("kind", "text", "col", "space", "hide", "expanded")

    def __init__(self, kind: str, text: str, col: int, space: bool,
                 hide: frozenset[str] = frozenset(), expanded: bool = False) -> None:
        self.kind = kind
        self.text = text
        self.col = col
        self.space = space
        self.hide = hide
        self.expanded = expanded

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Tok({self.kind},{self.text!r},{self.col})"


def tokenize(text: str, col0: int = 1) -> list[Tok]:
    """Split one logical line into tokens, recording columns and preceding whitespace."""
    out: list[Tok] = []
    space = False
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "ws":
            space = True
            continue
        tok_text = m.group()
        if kind == "id" and len(tok_text) > 1 and tok_text[-1] in "\"'":
            kind = "str" if tok_text[-1] == '"' else "chr"  # L"..", u8'..' prefixes
        out.append(Tok(kind, tok_text, col0 + m.start(), space))
        space = False
    return out


@dataclass(frozen=True, slots=True)
class Macro:
    name: str
    params: tuple[str, ...] | None  # None: object-like
    variadic: bool
    body: tuple[Tok, ...]
    span: Span | None


@dataclass(slots=True)
class LineOrigin:
    """Where one output line came from. ``segs`` is None when output columns equal source
    columns; otherwise sorted ``(out_col, src_col, exact)`` starts (1-based): an exact
    segment maps column by column, an inexact one (a macro expansion) maps to its start."""

    file: str
    line: int
    segs: list[tuple[int, int, bool]] | None = None
    starts: list[int] | None = None  # the segments' output columns, built on first use


@dataclass
class Preprocessed:
    """Preprocessor output: the text the parser reads and the map back to the sources."""

    text: str
    origins: list[LineOrigin]
    pragmas: list[tuple[str, Span]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file read, in order

    def locate(self, line: int, col: int) -> tuple[str, int, int]:
        """Map a 1-based output (line, col) to (file, line, col) in the original source."""
        if not self.origins:
            return ("<input>", 1, 1)
        line = min(max(line, 1), len(self.origins))
        o = self.origins[line - 1]
        if o.segs is None:
            return (o.file, o.line, col)
        if o.starts is None:
            o.starts = [s[0] for s in o.segs]
        i = bisect_right(o.starts, col) - 1
        if i < 0:
            return (o.file, o.line, o.segs[0][1] if o.segs else col)
        out_col, src_col, exact = o.segs[i]
        return (o.file, o.line, src_col + (col - out_col) if exact else src_col)

    def span(self, line: int, col: int, end_line: int, end_col: int) -> Span:
        f, l1, c1 = self.locate(line, col)
        f2, l2, c2 = self.locate(end_line, end_col)
        if f2 != f or (l2, c2) < (l1, c1):
            l2, c2 = l1, c1
        return Span(f, l1, c1, l2, c2)


class _CondFrame:
    __slots__ = ("active", "taken", "seen_else", "parent_active", "span")

    def __init__(self, active: bool, parent_active: bool, span: Span) -> None:
        self.active = active
        self.taken = active
        self.seen_else = False
        self.parent_active = parent_active
        self.span = span


class _Abort(Exception):
    """Stops expansion of a line after a diagnostic (e.g. an expansion bomb)."""


def read_source(path: str) -> str:
    """Read a source file as text: UTF-8 (BOM dropped) or Latin-1, newlines normalised,
    everything from a DOS end-of-file byte 0x1A on dropped."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_SOURCE_CHARS + 1)  # more is refused by the run's input budget
    return decode_source(data)


def decode_source(data: bytes) -> str:
    cut = data.find(b"\x1a")
    if cut >= 0:
        data = data[:cut]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return normalize_newlines(text)


def normalize_newlines(text: str) -> str:
    cut = text.find("\x1a")
    if cut >= 0:
        text = text[:cut]
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Preprocessor:
    """One preprocessing run over a root file (and what it includes)."""

    def __init__(self, diags: Diagnostics, sources: SourceCache, *,
                 include_dirs: Sequence[str] = (),
                 defines: Mapping[str, str | None] | None = None,
                 undefines: Sequence[str] = (),
                 reader: Callable[[str], str] = read_source) -> None:
        self.diags = diags
        self.sources = sources
        self.include_dirs = list(include_dirs)
        self.reader = reader
        self.macros: dict[str, Macro] = {}
        for name, text in PREDEFINED_MACROS.items():
            self._define_cmdline(name, text)
        for name, value in (defines or {}).items():
            self._define_cmdline(name, "1" if value is None else value)
        for name in undefines:
            self.macros.pop(name, None)
        self.out_lines: list[str] = []
        self.origins: list[LineOrigin] = []
        self.pragmas: list[tuple[str, Span]] = []
        self.files: list[str] = []
        self._once: set[str] = set()
        self._stack: list[str] = []
        self._budget = 0
        self._total = 0
        self._includes = 0
        self._read = 0  # characters of source read in this run
        self._emitted = 0  # tokens handed to the parser in this run
        self._halt = False  # a runaway include or expansion stops the whole run

    # ----------------------------------------------------------------- entry points

    def run_file(self, path: str) -> Preprocessed:
        try:
            text = self.reader(path)
        except OSError as e:
            self.diags.error("file-not-found", f"cannot read '{path}': {e.strerror or e}", None)
            return self._result()
        return self.run_text(text, path)

    def run_text(self, text: str, path: str) -> Preprocessed:
        text = normalize_newlines(text)
        self.sources.add(path, text)
        if self._within_input_budget(text, path, None):
            self._process(text, path, 0)
        return self._result()

    def _within_input_budget(self, text: str, path: str, where: Span | None) -> bool:
        """Count ``text`` against the run's input budget; False (and halt) past it."""
        self._read += len(text)
        if self._read <= MAX_SOURCE_CHARS:
            return True
        self.diags.error("input-too-large",
                         f"more than {MAX_SOURCE_CHARS} characters of source in one run "
                         f"(reading '{path}')", where or Span(path, 1, 1, 1, 1))
        self._halt = True
        return False

    def _result(self) -> Preprocessed:
        text = "\n".join(self.out_lines) + ("\n" if self.out_lines else "")
        return Preprocessed(text, self.origins, self.pragmas, self.files)

    def _define_cmdline(self, name: str, value: str) -> None:
        self.macros[name] = Macro(name, None, False, tuple(tokenize(value)), None)

    # ----------------------------------------------------------------- file processing

    def _process(self, text: str, path: str, depth: int) -> None:
        self.files.append(path)
        self._stack.append(path)
        try:
            self._process_lines(text, path, depth)
        finally:
            self._stack.pop()

    def _logical_lines(self, text: str, path: str) -> list[tuple[str, int]]:
        """Splice backslash-newlines, then blank out comments (keeping columns)."""
        phys = text.split("\n")
        if phys and phys[-1] == "":
            phys.pop()
        logical: list[tuple[str, int]] = []
        i = 0
        while i < len(phys):
            start = i
            parts = [phys[i]]
            size = len(parts[0])
            while parts[-1].endswith("\\") and i + 1 < len(phys) and size <= MAX_LINE_CHARS:
                i += 1
                parts[-1] = parts[-1][:-1]
                parts.append(phys[i])
                size += len(phys[i]) - 1
            line = "".join(parts)
            if len(line) > MAX_LINE_CHARS:
                self.diags.error("line-too-long",
                                 f"line longer than {MAX_LINE_CHARS} characters",
                                 Span(path, start + 1, 1, start + 1, 2))
                line = ""
                while i + 1 < len(phys) and phys[i].endswith("\\"):  # the rest of it
                    i += 1
            logical.append((line, start + 1))
            i += 1
        # Comments: a state machine across logical lines, aware of string literals.
        in_block: tuple[int, int] | None = None
        result: list[tuple[str, int]] = []
        for text_line, lineno in logical:
            if "/" not in text_line and in_block is None:
                result.append((text_line, lineno))
                continue
            chars = list(text_line)
            j, n = 0, len(chars)
            quote = ""
            while j < n:
                c = chars[j]
                if in_block is not None:
                    if c == "*" and j + 1 < n and chars[j + 1] == "/":
                        chars[j] = chars[j + 1] = " "
                        in_block = None
                        j += 2
                        continue
                    if c not in " \t":
                        chars[j] = " "
                    j += 1
                    continue
                if quote:
                    if c == "\\":
                        j += 2
                        continue
                    if c == quote:
                        quote = ""
                    j += 1
                    continue
                if c in "\"'":
                    quote = c
                elif c == "/" and j + 1 < n and chars[j + 1] == "/":
                    del chars[j:]
                    break
                elif c == "/" and j + 1 < n and chars[j + 1] == "*":
                    in_block = (lineno, j + 1)
                    chars[j] = chars[j + 1] = " "
                    j += 2
                    continue
                j += 1
            result.append(("".join(chars).rstrip() if in_block is None else "".join(chars),
                           lineno))
        if in_block is not None:
            self.diags.error("unterminated-comment", "unterminated /* comment",
                             Span(path, in_block[0], in_block[1], in_block[0], in_block[1] + 1))
        return result

    def _process_lines(self, text: str, path: str, depth: int) -> None:
        lines = self._logical_lines(text, path)
        conds: list[_CondFrame] = []
        report_file = path
        line_delta = 0  # #line adjusts reported line numbers
        k = 0
        while k < len(lines) and not self._halt:
            raw, lineno = lines[k]
            k += 1
            active = not conds or conds[-1].active
            m = _DIRECTIVE_RE.match(raw)
            if m is not None:
                name, rest = m.group(1), m.group(2)
                col = raw.index("#") + 1
                dspan = Span(path, lineno, col, lineno, col + 1 + len(name))
                rest_col = m.start(2) + 1
                if name in ("if", "ifdef", "ifndef"):
                    if not active:
                        conds.append(_CondFrame(False, False, dspan))
                        conds[-1].taken = True  # nothing in a dead region is ever taken
                        continue
                    if name == "if":
                        value = self._eval_if(rest, rest_col, path, lineno)
                    else:
                        ident = self._single_ident(name, rest, rest_col, path, lineno)
                        value = (ident in self.macros) == (name == "ifdef") if ident else False
                    conds.append(_CondFrame(value, True, dspan))
                elif name in ("elif", "else"):
                    if not conds:
                        self.diags.error("unbalanced-conditional", f"#{name} without #if", dspan)
                        continue
                    fr = conds[-1]
                    if fr.seen_else:
                        self.diags.error("unbalanced-conditional", f"#{name} after #else", dspan)
                        continue
                    if name == "else":
                        fr.seen_else = True
                        fr.active = fr.parent_active and not fr.taken
                    else:
                        if fr.parent_active and not fr.taken:
                            fr.active = self._eval_if(rest, rest_col, path, lineno)
                        else:
                            fr.active = False
                    fr.taken = fr.taken or fr.active
                elif name == "endif":
                    if not conds:
                        self.diags.error("unbalanced-conditional", "#endif without #if", dspan)
                    else:
                        conds.pop()
                elif not active:
                    continue
                elif name == "define":
                    self._define(rest, rest_col, path, lineno)
                elif name == "undef":
                    ident = self._single_ident(name, rest, rest_col, path, lineno)
                    if ident:
                        self.macros.pop(ident, None)
                elif name == "include":
                    self._include(rest, rest_col, path, lineno, depth, dspan)
                elif name == "line":
                    toks = self._expand_line(tokenize(rest, rest_col), path, lineno)
                    if (toks and toks[0].kind == "num" and toks[0].text.isdigit()
                            and len(toks[0].text) <= 10):
                        line_delta = int(toks[0].text) - (lineno + 1)
                        if len(toks) > 1 and toks[1].kind == "str":
                            report_file = _unquote(toks[1].text)
                    else:
                        self.diags.error("bad-directive", "#line needs a line number", dspan)
                elif name == "error":
                    self.diags.error("error-directive", f"#error {rest.strip()}".rstrip(), dspan)
                elif name == "warning":
                    self.diags.warning("warning-directive", f"#warning {rest.strip()}".rstrip(),
                                       dspan)
                elif name == "pragma":
                    ptext = rest.strip()
                    if ptext == "once":
                        self._once.add(os.path.abspath(path))
                    else:
                        self.pragmas.append((ptext, Span(report_file, lineno + line_delta, col,
                                                         lineno + line_delta, col + len(raw))))
                elif name in ("", "ident", "sccs"):
                    pass
                else:
                    self.diags.error("unknown-directive", f"unknown directive '#{name}'", dspan)
                continue
            if not active:
                continue
            if not raw.strip():
                continue
            # Collect continuation lines while a function-like macro call is still open.
            toks = tokenize(raw)
            joined = 0
            size = len(raw)
            call = _OpenCall(self.macros)
            while (k < len(lines) and joined < MAX_JOINED_LINES and size <= MAX_LINE_CHARS
                   and call.open_after(toks)):
                nxt, nxt_line = lines[k]
                if _DIRECTIVE_RE.match(nxt):
                    break
                k += 1
                joined += 1
                size += len(nxt)
                more = tokenize(nxt)
                if more:
                    more[0].space = True
                # Mark tokens from later lines as inexact: they map to the call's line.
                for t in more:
                    t.expanded = True
                toks.extend(more)
            try:
                self._budget = 0
                out = self._expand_line(toks, path, lineno)
            except _Abort:
                continue
            except RecursionError:
                self.diags.error("too-deep", "macro arguments nested too deeply to expand",
                                 Span(path, lineno, 1, lineno, 1))
                continue
            self._emit(out, report_file, lineno + line_delta, raw)
        for fr in conds:
            self.diags.error("unterminated-conditional", "#if without #endif", fr.span)

    def _emit(self, toks: list[Tok], file: str, line: int, raw: str) -> None:
        """Append one output line; source tokens keep their columns when they can."""
        if not toks:
            return
        self._emitted += len(toks)
        if self._emitted > MAX_OUTPUT_TOKENS:
            self.diags.error("input-too-large", f"more than {MAX_OUTPUT_TOKENS} tokens after "
                             "preprocessing in one run", Span(file, line, 1, line, 2))
            self._halt = True
            return
        for t in toks:
            if t.kind == "open":
                what = "string literal" if t.text[0] == '"' else "character constant"
                self.diags.error("syntax", f"unterminated {what}",
                                 Span(file, line, t.col, line, t.col + 1))
                return
            if t.kind in ("str", "chr") and len(t.text) > MAX_STRING_CHARS:
                self.diags.error("string-too-long", f"string literal longer than "
                                 f"{MAX_STRING_CHARS} characters",
                                 Span(file, line, t.col, line, t.col + 1))
                return
        parts: list[str] = []
        segs: list[tuple[int, int, bool]] = []
        pos = 1
        identity = True
        prev_word = False
        for t in toks:
            word = t.text[:1].isalnum() or t.text[:1] in "_$"
            if not t.expanded and t.col > pos:
                parts.append(" " * (t.col - pos))
                pos = t.col
            elif parts and (t.space or (prev_word and word)):
                parts.append(" ")
                pos += 1
            if t.expanded or t.col != pos:
                identity = False
            segs.append((pos, t.col, not t.expanded))
            parts.append(t.text)
            pos += len(t.text)
            prev_word = t.text[-1:].isalnum() or t.text[-1:] in "_$"
        self.out_lines.append("".join(parts))
        self.origins.append(LineOrigin(file, line, None if identity else segs))

    # ----------------------------------------------------------------- directives

    def _single_ident(self, name: str, rest: str, col: int, path: str, line: int) -> str | None:
        toks = tokenize(rest, col)
        if not toks or toks[0].kind != "id":
            where = toks[0].col if toks else col
            self.diags.error("bad-directive", f"#{name} needs a macro name",
                             Span(path, line, where, line, where + 1))
            return None
        return toks[0].text

    def _define(self, rest: str, col: int, path: str, line: int) -> None:
        m = _IDENT_RE.match(rest.lstrip())
        if m is None:
            self.diags.error("bad-directive", "#define needs a macro name",
                             Span(path, line, col, line, col + 1))
            return
        lead = len(rest) - len(rest.lstrip())
        name = m.group()
        after = rest.lstrip()[m.end():]
        name_col = col + lead
        span = Span(path, line, name_col, line, name_col + len(name))
        params: tuple[str, ...] | None = None
        variadic = False
        if after.startswith("("):
            close = after.find(")")
            if close < 0:
                self.diags.error("bad-directive", f"missing ')' in parameters of macro '{name}'",
                                 span)
                return
            plist = [p.strip() for p in after[1:close].split(",")]
            if plist == [""]:
                plist = []
            names: list[str] = []
            for p in plist:
                if p == "...":
                    variadic = True
                    names.append("__VA_ARGS__")
                elif _IDENT_RE.fullmatch(p):
                    names.append(p)
                else:
                    self.diags.error("bad-directive",
                                     f"bad parameter '{p}' in macro '{name}'", span)
                    return
            params = tuple(names)
            body_text = after[close + 1:]
            body_col = name_col + len(name) + close + 1
        else:
            body_text = after
            body_col = name_col + len(name)
        body = tokenize(body_text, body_col)
        if body:
            body[0].space = False
        self.macros[name] = Macro(name, params, variadic, tuple(body), span)

    def _include(self, rest: str, col: int, path: str, line: int, depth: int,
                 dspan: Span) -> None:
        spec = rest.strip()
        if not (spec.startswith('"') or spec.startswith("<")):
            toks = self._expand_line(tokenize(rest, col), path, line)
            spec = "".join(t.text for t in toks).strip()
        if spec.startswith('"') and spec.endswith('"') and len(spec) >= 2:
            name, local = spec[1:-1], True
        elif spec.startswith("<") and spec.endswith(">"):
            name, local = spec[1:-1], False
        else:
            self.diags.error("bad-directive", "#include expects \"file\" or <file>", dspan)
            return
        found = find_file(name, path if local else None, self.include_dirs)
        if found is None:
            self.diags.error("include-not-found", f"cannot find include file '{name}'", dspan)
            return
        if os.path.abspath(found) in self._once:
            return
        if depth + 1 > MAX_INCLUDE_DEPTH:
            self.diags.error("include-depth",
                             f"#include nested more than {MAX_INCLUDE_DEPTH} deep "
                             f"(include cycle through '{name}'?)", dspan)
            self._halt = True
            return
        self._includes += 1
        if self._includes > MAX_INCLUDES:
            self.diags.error("include-limit",
                             f"more than {MAX_INCLUDES} #include operations in one run "
                             "(runaway includes?)", dspan)
            self._halt = True
            return
        try:
            text = self.reader(found)
        except OSError as e:
            self.diags.error("include-not-found", f"cannot read '{found}': {e.strerror or e}",
                             dspan)
            return
        if not self._within_input_budget(text, found, dspan):
            return
        self.sources.add(found, text)
        self._process(text, found, depth + 1)

    # ----------------------------------------------------------------- macro expansion

    def _expand_line(self, toks: list[Tok], path: str, line: int) -> list[Tok]:
        if not any(t.kind == "id" and t.text in self.macros for t in toks):
            return toks
        return self._expand(toks, path, line)

    def _expand(self, toks: list[Tok], path: str, line: int) -> list[Tok]:
        out: list[Tok] = []
        stack = list(reversed(toks))
        macros = self.macros
        while stack:
            t = stack.pop()
            if t.kind != "id" or t.text in t.hide:
                out.append(t)
                continue
            m = macros.get(t.text)
            if m is None:
                out.append(t)
                continue
            if m.params is None:
                body = self._subst(m, {}, t.hide | {m.name}, t, path, line)
                stack.extend(reversed(body))
                continue
            if not stack or stack[-1].text != "(":
                out.append(t)
                continue
            stack.pop()
            args: list[list[Tok]] = [[]]
            level = 0
            closing: Tok | None = None
            while stack:
                a = stack.pop()
                if a.text == "(":
                    level += 1
                elif a.text == ")":
                    if level == 0:
                        closing = a
                        break
                    level -= 1
                elif a.text == "," and level == 0:
                    if not (m.variadic and len(args) >= len(m.params)):
                        args.append([])
                        continue
                args[-1].append(a)
            if closing is None:
                self.diags.error("macro-args", f"unterminated call of macro '{m.name}'",
                                 Span(path, line, t.col, line, t.col + len(t.text)))
                raise _Abort
            if len(args) == 1 and not args[0] and len(m.params) == 0:
                args = []
            if m.variadic and len(args) == len(m.params) - 1:
                args.append([])
            if len(args) != len(m.params):
                self.diags.error("macro-args",
                                 f"macro '{m.name}' takes {len(m.params)} argument"
                                 f"{'s' if len(m.params) != 1 else ''}, {len(args)} given",
                                 Span(path, line, t.col, line, t.col + len(t.text)))
                raise _Abort
            hide = (t.hide & closing.hide) | {m.name}
            body = self._subst(m, dict(zip(m.params, args)), hide, t, path, line)
            stack.extend(reversed(body))
        return out

    def _subst(self, m: Macro, args: dict[str, list[Tok]], hide: frozenset[str], use: Tok,
               path: str, line: int) -> list[Tok]:
        body = m.body
        out: list[Tok] = []
        i = 0
        n = len(body)
        expanded_cache: dict[str, list[Tok]] = {}
        empty_left = False  # the last operand before a ## was an empty argument
        while i < n:
            b = body[i]
            if b.text == "#" and m.params is not None and i + 1 < n and body[i + 1].text in args:
                arg = args[body[i + 1].text]
                out.append(Tok("str", _stringify(arg), use.col, b.space, hide, True))
                i += 2
                continue
            if b.text == "##" and i + 1 < n:
                right_tok = body[i + 1]
                right = (list(args[right_tok.text]) if right_tok.text in args
                         else [right_tok])
                if empty_left or not out:
                    # The left operand was an empty argument (a placemarker): the right
                    # operand stands alone, unexpanded.
                    out.extend(Tok(r.kind, r.text, use.col, r.space, hide, True) for r in right)
                    empty_left = False
                    i += 2
                    continue
                left = out.pop()
                if right:
                    glued = tokenize(left.text + right[0].text)
                    merged = [Tok(g.kind, g.text, use.col, left.space, hide, True)
                              for g in glued] or [left]
                    out.extend(merged)
                    out.extend(Tok(r.kind, r.text, use.col, r.space, hide, True)
                               for r in right[1:])
                else:
                    out.append(left)
                i += 2
                continue
            empty_left = False
            if b.kind == "id" and b.text in args:
                pasted = i + 1 < n and body[i + 1].text == "##"
                if pasted:
                    seq = args[b.text]
                    empty_left = not seq
                else:
                    if b.text not in expanded_cache:
                        expanded_cache[b.text] = self._expand(list(args[b.text]), path, line)
                    seq = expanded_cache[b.text]
                self._charge(len(out) + len(seq), use, path, line)
                first = True
                joined: dict[frozenset[str], frozenset[str]] = {}
                for a in seq:
                    ahide = joined.get(a.hide)
                    if ahide is None:  # tokens of one argument mostly share a hide set
                        ahide = joined[a.hide] = a.hide | hide
                    out.append(Tok(a.kind, a.text, a.col if not a.expanded else use.col,
                                   b.space if first else a.space, ahide, True))
                    first = False
                i += 1
                continue
            out.append(Tok(b.kind, b.text, use.col, b.space, hide, True))
            i += 1
        if out:
            out[0].space = use.space
        self._charge(len(out), use, path, line)
        self._budget += len(out)
        self._total += len(out)
        return out

    def _charge(self, n: int, use: Tok, path: str, line: int) -> None:
        """Stop an expansion that would take the line or the run past its budget once
        ``n`` more tokens are made (checked before they are, so memory stays bounded)."""
        limit = min(MAX_TOTAL_EXPANSION, EXPANSION_BASE + EXPANSION_PER_CHAR * self._read)
        if self._total + n > limit:
            self.diags.error("macro-expansion", "macro expansion in this run is too large "
                             f"(over {limit} tokens)",
                             Span(path, line, use.col, line, use.col + len(use.text)))
            self._halt = True
            raise _Abort
        if self._budget + n > MAX_EXPANSION_TOKENS:
            self.diags.error("macro-expansion", "macro expansion on this line is too large "
                             f"(over {MAX_EXPANSION_TOKENS} tokens)",
                             Span(path, line, use.col, line, use.col + len(use.text)))
            raise _Abort

    # ----------------------------------------------------------------- #if expressions

    def _eval_if(self, rest: str, col: int, path: str, line: int) -> bool:
        toks = tokenize(rest, col)
        # Replace defined X / defined(X) before expansion.
        pre: list[Tok] = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.text == "defined":
                if i + 1 < len(toks) and toks[i + 1].kind == "id":
                    name, i = toks[i + 1].text, i + 2
                elif (i + 3 < len(toks) and toks[i + 1].text == "(" and toks[i + 2].kind == "id"
                      and toks[i + 3].text == ")"):
                    name, i = toks[i + 2].text, i + 4
                else:
                    self.diags.error("bad-expression", "'defined' needs a macro name",
                                     Span(path, line, t.col, line, t.col + 7))
                    return False
                pre.append(Tok("num", "1" if name in self.macros else "0", t.col, t.space))
                continue
            pre.append(t)
            i += 1
        try:
            self._budget = 0
            expanded = self._expand(pre, path, line)
        except _Abort:
            return False
        except RecursionError:
            self.diags.error("too-deep", "#if expression nested too deeply",
                             Span(path, line, col, line, col))
            return False
        if not expanded:
            self.diags.error("bad-expression", "#if with no expression",
                             Span(path, line, col, line, col))
            return False
        try:
            return ExprEval(expanded).run() != 0
        except RecursionError:
            self.diags.error("too-deep", "#if expression nested too deeply",
                             Span(path, line, col, line, col))
            return False
        except _EvalError as e:
            c = e.tok.col if e.tok is not None else col
            self.diags.error("bad-expression", e.msg, Span(path, line, c, line, c + 1))
            return False


class _OpenCall:
    """Tells, line by line, whether a function-like macro call's argument list is still
    open (its arguments continue on the next line). Incremental: each token is seen once."""

    def __init__(self, macros: Mapping[str, Macro]) -> None:
        self.macros = macros
        self.depth = 0
        self.pending = False
        self.seen = 0

    def open_after(self, toks: list[Tok]) -> bool:
        for t in toks[self.seen:]:
            if self.depth == 0:
                if self.pending and t.text == "(":
                    self.depth = 1
                    continue
                self.pending = False
                if t.kind == "id":
                    m = self.macros.get(t.text)
                    self.pending = m is not None and m.params is not None
                continue
            if t.text == "(":
                self.depth += 1
            elif t.text == ")":
                self.depth -= 1
        self.seen = len(toks)
        return self.depth > 0


def find_file(name: str, includer: str | None, include_dirs: Sequence[str]) -> str | None:
    """Resolve an include/import name: beside the includer first (for quoted names), then
    each include directory in order. Returns the path as it will be reported.

    Names written for Windows work as MIDL finds them there: a backslash separates folders
    (``sub\\inner.idl``) and, when the exact spelling is not found in a folder, a name
    that differs only in case is (``SUB/INNER.IDL``)."""
    name = re.sub(r"\\+", "/", name)
    if os.path.isabs(name):
        return name if os.path.isfile(name) else None
    dirs: list[str] = []
    if includer is not None:
        dirs.append(os.path.dirname(includer))
    dirs.extend(include_dirs)
    for d in dirs:
        cand = os.path.join(d, name) if d else name
        if os.path.isfile(cand):
            return os.path.normpath(cand)
    for d in dirs:
        found = _case_insensitive(d, name)
        if found is not None:
            return os.path.normpath(found)
    return None


def _case_insensitive(folder: str, name: str) -> str | None:
    """``folder/name`` matched one component at a time ignoring case (the first match in
    sorted order, so the result does not depend on the file system's listing order)."""
    path = folder or "."
    for part in (p for p in name.split("/") if p):
        if part in (".", ".."):
            path = os.path.join(path, part)
            continue
        try:
            entries = sorted(os.listdir(path))
        except OSError:
            return None
        want = part.casefold()
        match = next((e for e in entries if e.casefold() == want), None)
        if match is None:
            return None
        path = os.path.join(path, match)
    return path if os.path.isfile(path) else None


def _stringify(toks: list[Tok]) -> str:
    parts: list[str] = []
    for i, t in enumerate(toks):
        if i and t.space:
            parts.append(" ")
        text = t.text
        if t.kind in ("str", "chr"):
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(text)
    return '"' + "".join(parts) + '"'


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == '"' else s


_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11,
            "\\": 92, "'": 39, '"': 34, "?": 63}


def char_value(text: str) -> int:
    """Value of a C character literal (``'a'``, ``'\\n'``, ``'\\x41'``, ``L'x'``)."""
    body = text[text.index("'") + 1:-1]
    if not body:
        raise ValueError("empty character literal")
    if body[0] != "\\":
        if len(body) != 1:
            # multi-char constants: big-endian packing like common C compilers; an int
            # holds four, and we allow eight (a 64-bit constant)
            if len(body) > 8:
                raise ValueError("character constant too long")
            v = 0
            for ch in body:
                v = (v << 8) | (ord(ch) & 0xFF)
            return v
        return ord(body)
    esc = body[1:]
    if esc[:1] in ("x", "X"):
        return int(esc[1:], 16)
    if esc[:1].isdigit() and esc[:1] in "01234567":
        return int(esc, 8)
    if esc in _ESCAPES:
        return _ESCAPES[esc]
    raise ValueError(f"unknown escape in {text}")


def int_value(text: str) -> int:
    """Value of a C integer literal with any u/l/i64 suffix; :class:`OutOfRange` (a
    ValueError) past 64 bits."""
    t = text.rstrip("uUlL")
    if t.lower().endswith("i64") or t.lower().endswith("i32"):
        t = t[:-3].rstrip("uUlL")
    if t.lower().startswith("0x"):
        return parse_int(t[2:], 16)
    if t.lower().startswith("0b"):
        return parse_int(t[2:], 2)
    if len(t) > 1 and t.startswith("0"):
        return parse_int(t, 8)
    return parse_int(t, 10)


class _EvalError(Exception):
    def __init__(self, msg: str, tok: Tok | None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.tok = tok


_BINARY_PREC = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, ">": 7,
                "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10}


class ExprEval:
    """Evaluates a macro-expanded ``#if`` expression (identifiers left over count as 0).

    Arithmetic is C's in 64 bits (see :mod:`midlpy.compiler.limits`): a literal or a result
    that does not fit, a shift count outside 0..63 and a zero divisor are errors.
    """

    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0

    def run(self) -> int:
        v = self.cond()
        if self.i < len(self.toks):
            t = self.toks[self.i]
            raise _EvalError(f"unexpected '{shorten(t.text)}' in #if expression", t)
        return v

    def peek(self) -> str | None:
        return self.toks[self.i].text if self.i < len(self.toks) else None

    def take(self) -> Tok:
        if self.i >= len(self.toks):
            last = self.toks[-1] if self.toks else None
            raise _EvalError("#if expression ends too early", last)
        t = self.toks[self.i]
        self.i += 1
        return t

    def cond(self) -> int:
        c = self.binary(1)
        if self.peek() == "?":
            self.take()
            a = self.cond()
            t = self.take()
            if t.text != ":":
                raise _EvalError("expected ':' in #if expression", t)
            b = self.cond()
            return a if c else b
        return c

    def binary(self, prec: int) -> int:
        left = self.unary()
        while True:
            op = self.peek()
            p = _BINARY_PREC.get(op or "")
            if p is None or p < prec:
                return left
            optok = self.take()
            if op == "&&":
                right = self.binary(p + 1)
                left = int(bool(left) and bool(right))
            elif op == "||":
                right = self.binary(p + 1)
                left = int(bool(left) or bool(right))
            else:
                right = self.binary(p + 1)
                left = _apply(op or "", left, right, optok)

    def unary(self) -> int:
        t = self.take()
        try:
            return self._unary(t)
        except OutOfRange as e:
            raise _EvalError(f"{e} in #if expression", t) from None

    def _unary(self, t: Tok) -> int:
        if t.text == "(":
            v = self.cond()
            close = self.take()
            if close.text != ")":
                raise _EvalError("expected ')' in #if expression", close)
            return v
        if t.text == "-":
            return fit64(-self.unary())
        if t.text == "+":
            return self.unary()
        if t.text == "~":
            return complement64(self.unary())
        if t.text == "!":
            return int(not self.unary())
        if t.kind == "num":
            try:
                return int_value(t.text)
            except OutOfRange as e:
                raise _EvalError(f"{e} in #if expression", t) from None
            except ValueError:
                raise _EvalError(f"bad number '{t.text}' in #if expression", t) from None
        if t.kind == "chr":
            try:
                return fit64(char_value(t.text))
            except OutOfRange:
                raise
            except ValueError:
                raise _EvalError(f"bad character constant {t.text} in #if expression",
                                 t) from None
        if t.kind == "id":
            if self.peek() == "(":  # an undefined function-like name: C says error
                raise _EvalError(f"function-like macro '{t.text}' is not defined", t)
            return 1 if t.text == "true" else 0
        raise _EvalError(f"unexpected '{shorten(t.text)}' in #if expression", t)


def _apply(op: str, a: int, b: int, tok: Tok) -> int:
    try:
        if op in ("/", "%"):
            return c_div(op, a, b)
        if op in ("<<", ">>"):
            return shift64(op, a, b)
        return fit64({
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
            "&": lambda: a & b, "|": lambda: a | b, "^": lambda: a ^ b,
            "==": lambda: int(a == b), "!=": lambda: int(a != b), "<": lambda: int(a < b),
            ">": lambda: int(a > b), "<=": lambda: int(a <= b), ">=": lambda: int(a >= b),
        }[op]())
    except ZeroDivisionError:
        raise _EvalError("division by zero in #if expression", tok) from None
    except OutOfRange as e:
        raise _EvalError(f"{e} in #if expression", tok) from None


def preprocess_file(path: str, diags: Diagnostics, sources: SourceCache, *,
                    include_dirs: Sequence[str] = (),
                    defines: Mapping[str, str | None] | None = None,
                    undefines: Sequence[str] = ()) -> Preprocessed:
    """Preprocess ``path`` and everything it includes."""
    return Preprocessor(diags, sources, include_dirs=include_dirs, defines=defines,
                        undefines=undefines).run_file(path)


def preprocess_text(text: str, path: str, diags: Diagnostics, sources: SourceCache, *,
                    include_dirs: Sequence[str] = (),
                    defines: Mapping[str, str | None] | None = None,
                    undefines: Sequence[str] = ()) -> Preprocessed:
    """Preprocess a string as if it were the file ``path``."""
    return Preprocessor(diags, sources, include_dirs=include_dirs, defines=defines,
                        undefines=undefines).run_text(text, path)
