"""Lark LALR parsers for IDL and ACF text, and parse errors turned into diagnostics.

The parsers are built once per process (an ``lru_cache`` factory; Lark's own ``cache=True``
is not used because it writes a predictable file under /tmp). Parse errors become one
friendly diagnostic ("expected ';' before '}'"), located in the original source through
the preprocessor's origin map; an error at the end of the input points at the last real
character.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, Mapping

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.exceptions import UnexpectedEOF

from midlpy._resources import resource_dir
from midlpy.compiler.limits import POSSESSIVE
from midlpy.compiler.preprocess import Preprocessed
from midlpy.diagnostics import Diagnostics

Grammar = Literal["midl", "acf"]

# Readable names for terminals in "expected ..." messages.
_READABLE = {
    "IDENT": "identifier", "NUMBER": "number", "FLOAT": "number", "STRING": "string",
    "CHAR": "character constant", "UUID": "uuid", "STARS_CLOSE": "'*'",
    "PAREN_IDENT": "'('", "MIDL_PRAGMA": "'midl_pragma'", "ADD_OP": "'+'",
    "MUL_OP": "'/'", "REL_OP": "'<'", "SHIFT_OP": "'<<'", "EQ_OP": "'=='", "UNARY_OP": "'!'",
    "ELLIPSIS": "'...'", "$END": "end of file", "SAFEARRAY_OPEN": "'SAFEARRAY'",
}
_MAX_LISTED = 6

# MIDL 3.0 (WinRT) files start declarations with these words.
_MIDL3_RE = re.compile(r"^[ \t]*(?:\[[^\]\n]*\][ \t]*)" + POSSESSIVE
                       + r"(namespace|runtimeclass|apicontract)[ \t]+[A-Za-z_][\w.]*",
                       re.MULTILINE)


_OPTIONS = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True)


@lru_cache(maxsize=None)
def get_parser(grammar: Grammar, strict: bool = False) -> Lark:
    """The LALR parser for ``midl`` or ``acf``; ``strict`` (tests) proves it conflict-free.

    Building the LALR tables costs most of a cold start, so they are kept in the user's
    cache directory (see :mod:`midlpy.compiler.tables`) keyed by the grammar text."""
    path = resource_dir("grammars") / f"{grammar}.lark"
    if strict:
        return Lark.open(str(path), strict=True, **_OPTIONS)  # type: ignore[arg-type]
    from midlpy.compiler import tables

    return tables.cached_parser(path, _OPTIONS)


def _terminal_name(parser: Lark, name: str) -> str:
    if name in _READABLE:
        return _READABLE[name]
    base = name.split("__")[-1]
    if base in _READABLE:
        return _READABLE[base]
    try:
        term = parser.get_terminal(name)
    except KeyError:
        return name.lower()
    pat = term.pattern
    if pat.type == "str":
        return f"'{pat.value}'"
    return base.lower()


def _describe(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    text = str(tok)
    if len(text) > 24:
        text = text[:21] + "..."
    return f"'{text}'"


_EXPR_START = {"NUMBER", "FLOAT", "CHAR", "STRING", "IDENT", "LPAR", "PAREN_IDENT", "STAR",
               "SIZEOF", "ADD_OP", "AMP", "UNARY_OP"}


def expected_text(parser: Lark, names: set[str]) -> str | None:
    """'a', 'b' or 'c' for a small set of expected terminals; None when too many."""
    base = {n.split("__")[-1] for n in names}
    readable_set: set[str] = set()
    if "NUMBER" in base:
        # Where a number may start, so may any expression: say "expression" once.
        names = {n for n in names if n.split("__")[-1] not in _EXPR_START}
        readable_set.add("expression")
    readable = sorted(readable_set | {_terminal_name(parser, n) for n in names})
    if "identifier" in readable and any(r.startswith("'") and r[1:-1].isidentifier()
                                        for r in readable):
        # Keyword alternatives beside "identifier" only add noise.
        readable = [r for r in readable if not (r.startswith("'") and r[1:-1].isidentifier())]
    if not readable or len(readable) > _MAX_LISTED:
        return None
    if len(readable) == 1:
        return readable[0]
    return ", ".join(readable[:-1]) + " or " + readable[-1]


def _last_char_pos(text: str) -> tuple[int, int]:
    """1-based (line, col) of the last non-blank character of the preprocessed text."""
    stripped = text.rstrip()
    if not stripped:
        return 1, 1
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1)
    return line, col


def parse_text(grammar: Grammar, pp: Preprocessed, diags: Diagnostics) -> Tree | None:  # type: ignore[type-arg]
    """Parse preprocessed text; on a syntax error add one diagnostic and return None."""
    text = pp.text
    if grammar == "midl":
        m = _MIDL3_RE.search(text)
        if m is not None:
            line = text.count("\n", 0, m.start(1)) + 1
            col = m.start(1) - (text.rfind("\n", 0, m.start(1)) + 1) + 1
            diags.error("midl3-unsupported",
                        f"WinRT '{m.group(1)}' declarations (MIDL 3.0 / MIDLRT) are not "
                        "supported: midlpy compiles classic DCE/COM IDL",
                        pp.span(line, col, line, col + len(m.group(1))))
            return None
    parser = get_parser(grammar)
    recovery = _Recovery(parser, pp, diags)
    try:
        tree = parser.parse(text, on_error=recovery)
    except UnexpectedInput as e:
        if not recovery.reported:
            _report(parser, pp, e, diags)
        return None
    except RecursionError:
        diags.error("too-deep", "input nested too deeply to process", pp.span(1, 1, 1, 1))
        return None
    return None if recovery.reported else tree


class _Recovery:
    """Panic-mode error recovery, so one run reports several syntax errors.

    After an error, input is skipped up to the next ';' or '}', and parser states are
    popped until one that can go on from there: a list of declarations (which accepts '}'
    and a name) or the top level for ';', any state that can shift '}' for '}'. An error
    right after a recovery is not reported (it is usually a consequence of the first).
    """

    MAX_ERRORS = 10

    def __init__(self, parser: Lark, pp: Preprocessed, diags: Diagnostics) -> None:
        self.parser = parser
        self.pp = pp
        self.diags = diags
        self.reported = 0
        self.last_sync: int | None = None

    def __call__(self, e: UnexpectedInput) -> bool:
        if not isinstance(e, UnexpectedToken) or e.token.type == "$END":
            if not self.reported or not isinstance(e, UnexpectedToken):
                _report(self.parser, self.pp, e, self.diags)
                self.reported += 1
            return False
        pos = e.token.start_pos
        if self.last_sync is None or pos is None or pos > self.last_sync:
            _report(self.parser, self.pp, e, self.diags)
            self.reported += 1
        if self.reported >= self.MAX_ERRORS:
            return False
        ip = e.interactive_parser
        state = ip.parser_state
        states = state.parse_conf.parse_table.states
        # Skip to a ';' or '}' outside any braces opened by the skipped text itself.
        tok: Token | None = e.token
        depth = 0
        while tok is not None:
            if tok.type == "LBRACE":
                depth += 1
            elif tok.type == "RBRACE":
                if depth == 0:
                    break
                depth -= 1
            elif tok.type == "SEMICOLON" and depth == 0:
                break
            tok = self._next_token(ip)
        if tok is None:
            return False
        self.last_sync = tok.end_pos
        stack, values = state.state_stack, state.value_stack
        if tok.type == "SEMICOLON":
            while len(stack) > 1 and not _declaration_list(states[stack[-1]]):
                stack.pop()
                values.pop()
            return _declaration_list(states[stack[-1]])
        while len(stack) > 1 and "RBRACE" not in states[stack[-1]]:
            stack.pop()
            values.pop()
        if "RBRACE" not in states[stack[-1]]:
            return False
        try:
            ip.feed_token(tok)
        except UnexpectedInput:
            return False
        return True


    @staticmethod
    def _next_token(ip) -> Token | None:  # type: ignore[no-untyped-def]
        """The next token whatever the parser state (the contextual lexer would refuse
        tokens the current state cannot take); None at the end of the input."""
        for _ in range(1_000_000):
            try:
                return next(iter(ip.lexer_thread.lex(ip.parser_state)), None)
            except UnexpectedToken as bad:  # lexed by the root lexer, not acceptable here
                return bad.token  # type: ignore[no-any-return]
            except UnexpectedCharacters:
                st = ip.lexer_thread.state
                pos = st.line_ctr.char_pos
                st.line_ctr.feed(st.text.text[pos:pos + 1] if hasattr(st.text, "text")
                                 else st.text[pos:pos + 1])
        return None


def _declaration_list(actions: Mapping[str, object]) -> bool:
    """A state that expects the next declaration of a body or of the file."""
    return ("RBRACE" in actions and "IDENT" in actions) or "TYPEDEF" in actions \
        or ("INCLUDE" in actions and "LSQB" in actions)


def _report(parser: Lark, pp: Preprocessed, e: UnexpectedInput, diags: Diagnostics) -> None:
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        tok = e.token
        try:
            names = set(e.accepts or e.expected)
        except Exception:  # accepts needs the interactive parser; fall back quietly
            names = set(e.expected)
        exp = expected_text(parser, names)
        found = _describe(tok)
        msg = f"expected {exp} before {found}" if exp else f"unexpected {found}"
        span = pp.span(tok.line or 1, tok.column or 1, tok.end_line or 1, tok.end_column or 1)
        diags.error("syntax", msg, span)
        return
    if isinstance(e, (UnexpectedToken, UnexpectedEOF)):
        names = set(getattr(e, "accepts", None) or getattr(e, "expected", None) or ())
        exp = expected_text(parser, names)
        line, col = _last_char_pos(pp.text)
        msg = "unexpected end of file" + (f", expected {exp}" if exp else "")
        diags.error("unexpected-eof", msg, pp.span(line, col, line, col + 1))
        return
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        ch = pp.text[pos] if pos < len(pp.text) else ""
        if ch in "\"'":
            msg = "unterminated string literal" if ch == '"' else "unterminated character constant"
        elif ch == "$":
            msg = "'$' is not allowed in names (a Python name cannot hold it)"
        elif ch.isprintable() and ch != " ":
            msg = f"unexpected character '{ch}'"
        else:
            msg = f"unexpected character U+{ord(ch):04X}" if ch else "unexpected character"
        diags.error("syntax", msg, pp.span(e.line, e.column, e.line, e.column + 1))
        return
    diags.error("syntax", str(e).splitlines()[0], None)  # pragma: no cover - other lark errors
