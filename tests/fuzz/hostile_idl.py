"""Generators of small hostile IDL for the compiler fuzzer, one per class of issue 13's
"compiler resource bounds" and "compiles that do not import": deep and long expressions,
long runs of one token, big numbers, macro bombs, and values with no Python spelling.

Each returns IDL text of at most a few hundred kilobytes. The compiler must answer every
one with located diagnostics or a module that imports and whose types construct
(``compiler_fuzz.check_text``), within the fuzzer's hang limit.
"""

from __future__ import annotations

import random
from typing import Callable

#: Units repeated into long runs: each defeats a different lexer or preprocessor pattern
#: when that pattern rescans the run at every position or backtracks per character.
RUN_UNITS = [
    "*", "* ", '"', '\\"', "'", "\\'", '"\\', "(", "( a", "(a", "((", "1.", "1e", "1", "a",
    "a1", "0x", "e+", " ", "\t", "L\"", "u8'", "a\"", "/*", "*/", "//", "[", "]", "{", ",",
    "$", "-", "~", "!", "<", "<<", ">", "&&", "?", ":", "#", "##", ".", "...", "\\\n",
    "(T)", "*)", "uuid(", "12345678-", "\x00", "\u00e9", "\U0001d42c",
]

#: Where a run (or an expression) is put: each reaches a different rule.
CONTEXTS = [
    "interface x {{ typedef long {0} P; }}",
    "interface x {{ const long C = {0}; }}",
    "interface x {{ const char *S = {0}; }}",
    "interface x {{ typedef struct {{ long n; [size_is({0})] long *p; }} T; }}",
    "interface x {{ typedef struct {{ long a[{0}]; }} T; }}",
    "interface x {{ typedef enum {{ A = {0}, B }} E; }}",
    "interface x {{ void f([in] long a, [in, size_is({0})] long *b); }}",
    "#define X {0}\ninterface x {{ const long C = X; }}",
    "#if {0}\n#endif\ninterface x {{}}",
    "interface x {{ {0} }}",
    "{0}",
]

_BIG = ["0", "1", "2", "9223372036854775807", "9223372036854775808", "18446744073709551615",
        "18446744073709551616", "0xFFFFFFFFFFFFFFFF", "0x10000000000000000", "0x7FFFFFFF",
        "0xFFFFFFFF", "4294967296", "1e308", "1e309", "1e999", "1.7976931348623157e308",
        "2.5e-324", "0.0", "'a'", "'abcdefghi'", "'\\xFFFFFFFFFFFFFFFFF'", "-1",
        "077777777777777777777777",
        "0b" + "1" * 65]
_OPS = ["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "&&", "||", "==", "<"]


def long_run(rng: random.Random) -> str:
    unit = rng.choice(RUN_UNITS)
    n = rng.choice((1000, 10_000, 50_000, 100_000)) // max(len(unit), 1)
    return rng.choice(CONTEXTS).format(unit * n)


def deep_expression(rng: random.Random) -> str:
    depth = rng.choice((100, 1000, 5000, 20_000))
    kind = rng.randrange(4)
    if kind == 0:
        expr = "(" * depth + "1" + ")" * depth
    elif kind == 1:
        expr = rng.choice("-~!+") * depth + "1"
    elif kind == 2:
        expr = rng.choice(_OPS).join(rng.choice(_BIG) for _ in range(depth))
    else:
        expr = "1" + "".join(f" ? {rng.choice(_BIG)} : 1" for _ in range(depth // 10))
    return rng.choice(CONTEXTS).format(expr)


def big_number(rng: random.Random) -> str:
    digits = rng.choice((21, 25, 100, 5000, 20_000))
    lit = rng.choice([
        "9" * digits, "0x" + "F" * digits, "0" + "7" * digits, "0b" + "1" * digits,
        "1e" + "9" * min(digits, 50), "1" + "0" * digits + ".0", "." + "1" * digits + "e999",
    ])
    a, b = rng.choice(_BIG), rng.choice(_BIG)
    expr = rng.choice([lit, f"{a} {rng.choice(_OPS)} {b}", f"{a} << {rng.randrange(-2, 130)}",
                       f"{a} / 0", f"{a} % (1 - 1)", f"-{a} * {b}", f"~{a}"])
    if rng.random() < 0.3:  # a squaring chain: the value doubles its width each line
        n = rng.randrange(2, 40)
        body = "".join(f"const hyper A{i} = A{i - 1}*A{i - 1};\n" for i in range(1, n))
        return f"interface x {{\nconst hyper A0 = {a};\n{body}}}"
    return rng.choice(CONTEXTS).format(expr)


def macro_bomb(rng: random.Random) -> str:
    depth = rng.randrange(10, 60)
    width = rng.randrange(2, 5)
    kind = rng.randrange(5)
    if kind == 0:  # object-like doubling
        defs = "".join(f"#define M{i} " + " ".join([f"M{i + 1}"] * width) + "\n"
                       for i in range(depth))
        use = "M0"
    elif kind == 1:  # function-like doubling through arguments
        defs = "".join(f"#define F{i}(a) F{i + 1}(" + " ".join(["a"] * width) + ")\n"
                       for i in range(depth))
        use = "F0(1)"
    elif kind == 2:  # stringified expansions
        defs = ("#define S(x) #x\n#define XS(x) S(x)\n"
                + "".join(f"#define M{i} M{i + 1} M{i + 1}\n" for i in range(depth)))
        use = "XS(M0)"
    elif kind == 3:  # token pasting into ever longer names
        defs = ("#define P(a, b) a##b\n"
                + "".join(f"#define M{i} P(M{i + 1}, M{i + 1})\n" for i in range(depth)))
        use = "M0"
    else:  # a call whose arguments run over many lines
        defs = "#define F(...) __VA_ARGS__ __VA_ARGS__\n"
        use = "F(" + "1,\n" * rng.randrange(100, 2000) + "1)"
    defs += f"#define M{depth} 1\n#define F{depth}(a) 1\n"
    return defs + rng.choice(CONTEXTS).format(use)


def no_python_spelling(rng: random.Random) -> str:
    """Values and names a generated module could not hold, and fixed arrays too large to
    construct."""
    size = rng.choice(("0xFFFFFFFF", "0x7FFFFFFF", "1 << 24", "(1 << 24) + 1", "65536][65536",
                       "4096][4097", "1000000", "16"))
    value = rng.choice(["1e999", "1e308 * 10", "-1e309", "1e308 - 1e309", "0.0 / 0.0"])
    name = rng.choice(["a$", "$a", "a$b", "$"])
    enum_value = rng.choice(['"x"', "1.5", "1e999", 'L"y"'])
    element = rng.choice(["long", "byte", "double", "boolean"])
    return rng.choice([
        f"interface x {{ const double X = {value}; }}",
        f"interface x {{ typedef struct {{ long {name}; }} T; }}",
        f"interface x {{ typedef enum {{ A = {enum_value}, B }} E; }}",
        f"interface x {{ typedef struct {{ {element} a[{size}]; }} T; }}",
        f"interface x {{ typedef struct {{ long v[256]; }} S; "
        f"typedef struct {{ S s[{size}]; }} T; }}",
    ])


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "long-run": long_run, "deep-expression": deep_expression, "big-number": big_number,
    "macro-bomb": macro_bomb, "no-python-spelling": no_python_spelling,
}


def hostile_text(rng: random.Random) -> bytes:
    """One small hostile IDL file from a randomly chosen class."""
    return rng.choice(list(GENERATORS.values()))(rng).encode("utf-8", "surrogatepass")
