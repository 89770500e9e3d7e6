"""Parse tables kept between runs: Lark's LALR construction is most of a cold start.

Lark can serialize a built parser to plain data; that data is stored with ``marshal`` (fast,
and it executes nothing: only strings, numbers and containers go in) in the per-user cache
directory that :mod:`midlpy.importer` guards (owned by the user, 0700). The file name is a
hash of everything the tables depend on -- Lark's version, the options and the text of the
grammar files -- and the file starts with the SHA-256 of its payload, checked before
``marshal`` sees a byte, so a stale, truncated or foreign file is rebuilt, never loaded.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

_FORMAT = b"midlpy-lalr-1\n"


def cached_parser(path: Path, options: dict[str, Any]) -> Lark:
    """The parser for the grammar at ``path``: from the cache when it has the tables,
    otherwise built (and stored, when a cache directory is usable)."""
    from midlpy.importer import cache_dir

    key = _key(path, options)
    directory = cache_dir(warn=False)
    target = directory / f"lalr-{path.stem}-{key}.bin" if directory else None
    if target is not None:
        data = _read(target)
        if data is not None:
            try:
                return Lark.load(data)  # type: ignore[arg-type]  # Lark takes the dict too
            except Exception:  # noqa: BLE001 - a table Lark cannot load is rebuilt
                pass
    parser = Lark.open(str(path), **options)
    if target is not None:
        _write(target, parser)
    return parser


def _key(path: Path, options: dict[str, Any]) -> str:
    h = hashlib.sha256(f"{lark.__version__}|{sorted(options.items())}".encode())
    for grammar in sorted(path.parent.glob("*.lark")):  # %import may reach any of them
        h.update(grammar.name.encode() + b"\0" + grammar.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def _read(target: Path) -> dict[str, Any] | None:
    try:
        raw = target.read_bytes()
    except OSError:
        return None
    head = len(_FORMAT) + 32
    if raw[:len(_FORMAT)] != _FORMAT or hashlib.sha256(raw[head:]).digest() != raw[len(_FORMAT):head]:
        return None
    try:
        data = marshal.loads(raw[head:])
    except (ValueError, EOFError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _write(target: Path, parser: Lark) -> None:
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    payload = marshal.dumps(_plain({"data": data, "memo": memo}))
    blob = _FORMAT + hashlib.sha256(payload).digest() + payload
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".lalr-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)
        for old in target.parent.glob(f"lalr-{target.name.split('-')[1]}-*.bin"):
            if old != target:  # tables of an older grammar or Lark
                old.unlink()
    except OSError:
        pass  # a cache that cannot be written only costs time


def _plain(obj: Any) -> Any:
    """Lark's data with its ``Token`` names (a ``str`` subclass) as plain strings, the
    only non-marshallable values in it."""
    if isinstance(obj, dict):
        return {_plain(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_plain(v) for v in obj)
    if isinstance(obj, str):
        return str(obj)
    return obj
