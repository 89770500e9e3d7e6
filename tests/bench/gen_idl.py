"""A large, deterministic IDL for the compiler benchmark (about N lines, many types).

Groups of related declarations repeat with fresh names until the line count
is reached: an enum, a flat struct of mixed primitives, a struct with
strings, unique pointers, conformant and fixed arrays of the previous group's
types, a non-encapsulated union and a struct switching on it, a struct with a
varying array, and a pickled pointer typedef (listed in the ACF).

``python tests/bench/gen_idl.py OUT.idl [LINES]`` writes OUT.idl and OUT.acf.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HEAD = """\
[
    uuid(3b8e1f20-5a4c-4d2e-8f61-7c9a0b1d2e3f),
    version(1.0),
    pointer_default(unique)
]
interface large
{
"""


def _group(i: int) -> str:
    prev = f"FLAT_{i - 1}" if i else "FLAT_0"
    return f"""\
    /* group {i} */
    typedef enum _KIND_{i} {{
        K{i}_NONE = 0,
        K{i}_ONE = 1,
        K{i}_TWO = 2,
        K{i}_MANY = {i + 3}
    }} KIND_{i};

    typedef struct _FLAT_{i} {{
        unsigned char Tag;
        hyper Stamp;
        unsigned short Port;
        long Delta;
        unsigned long Flags;
        double Ratio;
        unsigned char Key[16];
        KIND_{i} Kind;
    }} FLAT_{i};

    typedef struct _DEEP_{i} {{
        [string] wchar_t *Name;
        [string] char *Note;
        unsigned long Count;
        [size_is(Count)] {prev} *Items;
        [unique] FLAT_{i} *Single;
        unsigned short Words[4];
        unsigned long BlobSize;
        [size_is(BlobSize)] unsigned char *Blob;
    }} DEEP_{i};

    typedef [switch_type(unsigned short)] union _CHOICE_{i} {{
        [case(1)] unsigned long Number;
        [case(2)] [string] wchar_t *Text;
        [case(3)] FLAT_{i} Flat;
        [default] hyper Other;
    }} CHOICE_{i};

    typedef struct _RANGE_{i} {{
        unsigned long Max;
        unsigned long Used;
        FLAT_{i} Pair[2];
        [size_is(Max), length_is(Used)] unsigned short *Slots;
    }} RANGE_{i};

    typedef struct _HOLDER_{i} {{
        unsigned short Which;
        [switch_is(Which)] CHOICE_{i} Value;
        DEEP_{i} Deep;
        [unique] RANGE_{i} *Range;
        [unique] struct _HOLDER_{i} *Next;
    }} HOLDER_{i};

    typedef [unique] HOLDER_{i} *PHOLDER_{i};

"""


def large_idl(lines: int = 5000) -> tuple[str, str, int]:
    """(IDL text, ACF text, number of groups) of about ``lines`` lines."""
    parts = [_HEAD]
    count = _HEAD.count("\n") + 1
    i = 0
    while count < lines:
        g = _group(i)
        parts.append(g)
        count += g.count("\n")
        i += 1
    parts.append("}\n")
    acf = ["[explicit_handle]\ninterface large\n{\n"]
    acf += [f"    typedef [encode, decode] PHOLDER_{k};\n" for k in range(i)]
    acf.append("}\n")
    return "".join(parts), "".join(acf), i


if __name__ == "__main__":
    out = Path(sys.argv[1])
    idl, acf, groups = large_idl(int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
    out.write_text(idl)
    out.with_suffix(".acf").write_text(acf)
    print(f"{out}: {idl.count(chr(10))} lines, {groups} groups")
