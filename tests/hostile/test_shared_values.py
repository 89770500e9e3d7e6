"""Walkers over decoded values (issue 13, "exponential work on shared pointers"): repr(),
==, ``midlpy dump`` text and JSON visit each object once and show a repeat as a
back-reference, and go through lists of any length without recursion.

The pickles are built by hand from [MS-RPCE] 2.2.5.3.3.3 (full pointers: a referent is
sent at the first occurrence of its id only) and 2.2.6 (type pickling headers).
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

from midlpy import dump, jsonmap
from midlpy.runtime import MesDecodeBufferHandleCreate
from tests.helpers import ROOT, load_idl

LEVELS = 40


@pytest.fixture(scope="module")
def shared() -> ModuleType:
    return load_idl(ROOT / "tests/hostile/shared.idl", ROOT / "tests/hostile/shared.acf")


@pytest.fixture(scope="module")
def deep() -> ModuleType:
    return load_idl(ROOT / "tests/hostile/deep.idl", ROOT / "tests/hostile/deep.acf")


def dag_pickle(levels: int = LEVELS, last_v: int | None = None) -> bytes:
    """A DAG type pickle: node i has v = i and both pointers name node i + 1 (full-pointer
    id i + 1), so only the first pointer of each node carries a referent; the last node's
    pointers are NULL. ``levels`` nodes below the root: 2**levels paths."""
    body = b""
    for i in range(levels + 1):
        ref = i + 1 if i < levels else 0
        v = last_v if (i == levels and last_v is not None) else i
        body += struct.pack("<iII", v, ref, ref)
    body += bytes(-len(body) % 8)
    return bytes.fromhex("01100800cccccccc") + struct.pack("<II", len(body), 0) + body


def decode_dag(shared: ModuleType, data: bytes) -> object:
    return shared.DAG_Decode(MesDecodeBufferHandleCreate(data))


def chain(deep: ModuleType, n: int) -> object:
    head = None
    for i in range(n):
        head = deep.CHAIN(i, head)
    return head


def test_the_dag_pickle_is_small_and_decodes_to_shared_nodes(shared: ModuleType) -> None:
    data = dag_pickle()
    assert len(data) == 16 + 12 * (LEVELS + 1) + 4  # headers, 41 nodes, pad to 8
    v = decode_dag(shared, data)
    for _ in range(LEVELS):
        assert v.a is v.b  # type: ignore[attr-defined]
        v = v.a  # type: ignore[attr-defined]
    assert v.a is None and v.v == LEVELS  # type: ignore[attr-defined]


def test_repr_shows_each_shared_node_once(shared: ModuleType) -> None:
    text = repr(decode_dag(shared, dag_pickle()))
    assert text.startswith("DAG(v=0, a=DAG#1(v=1, a=DAG#2(v=2, a=DAG#3(")
    assert text.count("v=") == LEVELS + 1
    assert text.count("<see DAG#") == LEVELS
    assert f"DAG#{LEVELS}(v={LEVELS}, a=None, b=None), b=<see DAG#{LEVELS}>)" in text
    assert len(text) < 2000


def test_repr_of_values_without_sharing_reads_like_a_dataclass(deep: ModuleType,
                                                                shared: ModuleType) -> None:
    assert repr(deep.CHAIN(1, deep.CHAIN(2))) == "CHAIN(v=1, next=CHAIN(v=2, next=None))"
    g = shared.GRAPH(2, [shared.DAG(7), shared.DAG(8)])
    assert repr(g) == ("GRAPH(count=2, nodes=[DAG(v=7, a=None, b=None), "
                       "DAG(v=8, a=None, b=None)])")
    leaf = shared.DAG(5)
    both = shared.GRAPH(2, [leaf, leaf])  # the same object twice in a list
    assert repr(both) == "GRAPH(count=2, nodes=[DAG#1(v=5, a=None, b=None), <see DAG#1>])"


def test_repr_and_eq_of_cycles_terminate(shared: ModuleType) -> None:
    loop = shared.DAG(1)
    loop.a = loop.b = loop
    assert repr(loop) == "DAG#1(v=1, a=<see DAG#1>, b=<see DAG#1>)"
    other = shared.DAG(1)
    other.a = other.b = other
    assert loop == other
    two = shared.DAG(1, shared.DAG(1))
    two.a.a = two.a.b = two.b = two  # a cycle of two nodes unfolds like the cycle of one
    assert loop == two
    other.v = 2
    assert loop != other


def test_eq_compares_dags_in_linear_time(shared: ModuleType) -> None:
    a = decode_dag(shared, dag_pickle())
    assert a == decode_dag(shared, dag_pickle())
    assert a != decode_dag(shared, dag_pickle(last_v=-1))  # only the deepest node differs
    assert (a == 5) is False and (a == shared.GRAPH()) is False


@pytest.mark.parametrize("n", [3000, 100_000])
def test_long_lists_repr_and_compare_without_recursion(deep: ModuleType, n: int) -> None:
    limit = sys.getrecursionlimit()
    a, b = chain(deep, n), chain(deep, n)
    text = repr(a)
    assert text.startswith(f"CHAIN(v={n - 1}, next=CHAIN(v={n - 2}, next=")
    assert text.endswith("next=None" + ")" * n) and text.count("CHAIN(") == n
    assert a == b
    tail = b
    for _ in range(n - 1):
        tail = tail.next  # type: ignore[attr-defined]
    tail.v = -1  # type: ignore[attr-defined]
    assert a != b
    assert sys.getrecursionlimit() == limit


SHARED_IDL = ROOT / "tests/hostile/shared.idl"
SHARED_ACF = ROOT / "tests/hostile/shared.acf"


def cli(*args: str) -> str:
    from click.testing import CliRunner

    from midlpy.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_midlpy_dump_text_shows_each_shared_node_once(tmp_path: Path) -> None:
    blob = tmp_path / "dag.bin"
    blob.write_bytes(dag_pickle())
    text = cli("dump", str(SHARED_IDL), "--acf", str(SHARED_ACF), "DAG", str(blob))
    lines = text.splitlines()
    assert lines[:3] == ["DAG: DAG", "  v: 0", "  a: DAG #1"]
    assert lines[-1] == "  b: same as #1 above"
    assert f"{'  ' * 32}({LEVELS + 1}) b: NULL" in lines  # indented 32 levels at most
    assert sum(" v: " in f" {line}" for line in lines) == LEVELS + 1
    assert sum("same as #" in line for line in lines) == LEVELS
    assert len(lines) == 3 * (LEVELS + 1) + 1  # a header, v and a "same as" per node


def test_midlpy_dump_json_keeps_sharing_and_encodes_back_to_the_same_bytes(
        tmp_path: Path) -> None:
    data = dag_pickle()
    blob = tmp_path / "dag.bin"
    blob.write_bytes(data)
    text = cli("dump", str(SHARED_IDL), "--acf", str(SHARED_ACF), "DAG", str(blob),
               "--format", "json")
    doc = json.loads(text)
    assert doc["a"]["$id"] == 1 and doc["b"] == {"$ref": 1}
    assert text.count('"$ref"') == LEVELS and text.count('"v"') == LEVELS + 1
    (tmp_path / "dag.json").write_text(text, encoding="utf-8")
    out = tmp_path / "again.bin"
    cli("encode", str(SHARED_IDL), "--acf", str(SHARED_ACF), "DAG",
        str(tmp_path / "dag.json"), "-o", str(out))
    assert out.read_bytes() == data


def test_json_references_are_checked(shared: ModuleType) -> None:
    codec = dump.find_type(shared, "DAG")
    built = dump.value_from_json(codec, '{"v": 1, "a": {"$id": 7, "v": 2}, "b": {"$ref": 7}}')
    assert built.a is built.b  # type: ignore[attr-defined]
    loop = dump.value_from_json(codec, '{"$id": 1, "v": 1, "a": {"$ref": 1}}')
    assert loop.a is loop  # type: ignore[attr-defined]
    for bad in ['{"a": {"$ref": 1}}', '{"a": {"$id": 1}, "b": {"$id": 1}}',
                '{"a": {"$id": "x"}}', '{"a": {"$ref": 1, "v": 2}}']:
        with pytest.raises(dump.DumpError, match=r"\$id|\$ref"):
            dump.value_from_json(codec, bad)
    graph = dump.find_type(shared, "PGRAPH")
    with pytest.raises(dump.DumpError, match="names a GRAPH, not a DAG"):
        dump.value_from_json(graph, '{"$id": 1, "count": 1, "nodes": [{"$ref": 1}]}')


@pytest.mark.parametrize("n", [3000, 100_000])
def test_long_lists_dump_as_text_and_json(deep: ModuleType, n: int) -> None:
    head = chain(deep, n)
    text = dump.to_text(head, "CHAIN")
    lines = text.splitlines()
    assert len(lines) == 2 * n + 1 and lines[-1].endswith(f"({n}) next: NULL")
    assert max(map(len, lines)) < 100  # indentation stops growing
    doc = jsonmap.dumps(head)
    assert doc.count('"v"') == n and max(map(len, doc.splitlines())) < 100
    if n <= 500:  # Python's JSON reader recurses; midlpy's text is still valid JSON
        assert json.loads(doc)["v"] == n - 1
    codec = dump.find_type(deep, "PCHAIN")
    with pytest.raises(dump.DumpError, match="nests deeper"):
        dump.value_from_json(codec, doc)
