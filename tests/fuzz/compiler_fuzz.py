"""Compiler fuzzing: mutate IDL/ACF text, compile it, and demand diagnostics or a module.

``mutate_text`` works on lines and tokens (the grammar rejects nearly every random byte
string at its first character, which would test nothing), plus truncation and binary
junk. ``check_text`` compiles the text from a file (the API takes paths) and, when it
compiles, byte-compiles and runs every generated module: an IDL whose names or strings
escape into the generated Python would raise here, or write the marker file.
"""

from __future__ import annotations

import ast
import dataclasses
import random
import sys
from pathlib import Path

from midlpy.compiler.api import compile_file
from midlpy.importer import _install

#: Tokens that reach deep into the grammar, the preprocessor and the name sanitiser.
TOKENS = [
    "{", "}", ";", ",", "[", "]", "(", ")", "*", "typedef ", "struct ", "union ", "enum ",
    "switch_is(x)", "size_is(", "length_is(n)", "[unique] ", "[ptr] ", "[ref] ", "[string] ",
    "range(0, 4294967296)", "case 1:", "default:", "#define X ", "#if X\n", "#endif\n",
    "#include \"nowhere.h\"\n", "\\\n", "\"", "'", "/*", "*/", "//", "0x", "-1", "1e308",
    "99999999999999999999999999", "class", "def", "import", "None", "lambda", "_ndr", "_mes",
    "__import__", "self", "print", "list", "\"\\\"); import os; (\"", "'''", "\"\"\"",
    "cpp_quote(\"x\\\"y\")", "helpstring(\"a\nb\")", "uuid(zzzz)", "\t", "\r", "\x00",
    "\xff", "\u2028", "const long C = 1 << 70;", "typedef struct S S;", "[switch_type(long)] ",
]


def mutate_text(rng: random.Random, text: bytes) -> bytes:
    lines = text.split(b"\n")
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        op = rng.randrange(8)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(rng.randrange(len(lines) + 1), lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op in (3, 4):
            line = lines[i]
            k = rng.randrange(len(line) + 1)
            lines[i] = line[:k] + rng.choice(TOKENS).encode("utf-8", "surrogatepass") + line[k:]
        elif op == 5:
            line = lines[i]
            if line:
                k = rng.randrange(len(line))
                lines[i] = line[:k] + line[k + rng.randrange(1, 8):]
        elif op == 6:
            lines[i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        else:
            joined = b"\n".join(lines)
            lines = joined[:rng.randrange(len(joined) + 1)].split(b"\n")
    return b"\n".join(lines)


def defined_twice(text: str) -> list[str]:
    """Top-level names a generated module binds twice: the later one silently replaces
    the earlier (two IDL names that map onto one Python name)."""
    seen: set[str] = set()
    twice = []
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        else:
            continue
        twice += [n for n in names if n in seen]
        seen.update(names)
    return twice


def check_text(text: bytes, tmp: Path, acf: bytes | None = None, name: str = "fuzzed") -> bool:
    """Compile ``text`` (and ``acf``); True when it compiled. Raises only on a defect:
    an exception, an error without a location, a module that does not import, or a type
    whose default value cannot be constructed."""
    idl = tmp / f"{name}.idl"
    idl.write_bytes(text)
    acf_path = None
    if acf is not None:
        acf_path = tmp / f"{name}.acf"
        acf_path.write_bytes(acf)
    result = compile_file(str(idl), acf=str(acf_path) if acf_path else None)
    if not result.ok:
        unplaced = [d.render() for d in result.diagnostics if d.span is None]
        assert not unplaced, f"diagnostics without a location: {unplaced}"
        return False
    for gen in result.files:
        twice = defined_twice(gen.text)
        assert not twice, f"{gen.path} defines {twice} more than once"
    module = _install([(f.path, f.module_name, f.text) for f in result.files], str(idl))
    namespace = module.__name__.rpartition(".")[0]
    keys = [k for k in sys.modules if k.startswith(namespace + ".")]
    try:
        for key in keys:  # every type's default value constructs (bounded by sema)
            for obj in list(vars(sys.modules[key]).values()):
                if (isinstance(obj, type) and dataclasses.is_dataclass(obj)
                        and obj.__module__ == key):
                    obj()
    finally:
        for key in keys:
            del sys.modules[key]
    return True
