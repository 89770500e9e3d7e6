"""The benchmark's comparators agree with midlpy, and its inputs compile.

No timing is asserted (benchmarks measure, tests check): this only keeps
``make bench`` from rotting when generated code or the runtime changes, and
makes sure a fast comparator cannot be fast because it is wrong.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import handwritten as hw  # noqa: E402
from gen_idl import large_idl  # noqa: E402

from midlpy.compiler.api import check_file  # noqa: E402
from midlpy.runtime import MesDecodeBufferHandleCreate, MesEncodeDynBufferHandleCreate  # noqa: E402


@pytest.fixture(scope="module")
def bulk():
    mod = common.load(common.BULK_IDL)
    assert not isinstance(mod, str), mod
    return mod


def _encode(fn, value) -> bytes:
    h = MesEncodeDynBufferHandleCreate()
    fn(h, value)
    return h.buffer


def test_ulong_comparators_agree(bulk) -> None:
    value = bulk.ULONGS(5, [0, 1, 0xFFFFFFFF, 7, 1 << 31])
    data = _encode(bulk.PULONGS_Encode, value)
    assert data == hw.enc_ulongs_array(value) == hw.enc_ulongs_pack(value)
    for dec in (hw.ulongs_array, hw.ulongs_unpack, hw.ulongs_cast):
        assert dec(data, bulk.ULONGS) == value
    assert bulk.PULONGS_Decode(MesDecodeBufferHandleCreate(data)) == value


def test_item_comparators_agree(bulk) -> None:
    value = bulk.ITEMS(3, [bulk.ITEM(1, 2, 3, 4), bulk.ITEM(0xFFFFFFFF, 0, 0xFFFF, 1),
                           bulk.ITEM(5, 6, 7, 8)])
    data = _encode(bulk.PITEMS_Encode, value)
    assert data == hw.enc_items_loop(value) == hw.enc_items_join(value)
    for dec in (hw.items_loop, hw.items_starmap):
        assert dec(data, bulk.ITEMS, bulk.ITEM) == value


def test_procedure_round_trip(bulk) -> None:
    rec = bulk.RECORD(-2, "name", 2, [bulk.ITEM(1, 2, 3, 4), bulk.ITEM(5, 6, 7, 8)])
    h = MesEncodeDynBufferHandleCreate()
    bulk.P_Record(h, 42, rec)
    assert bulk.P_Record(MesDecodeBufferHandleCreate(h.buffer)) == (42, rec)


def test_generated_large_idl_checks(tmp_path: Path) -> None:
    idl, acf, groups = large_idl(300)
    path = tmp_path / "large.idl"
    path.write_text(idl)
    path.with_suffix(".acf").write_text(acf)
    result = check_file(str(path))
    assert result.ok, result.diagnostics.render(result.sources)
    assert groups >= 4


def test_rpc_bench_parts_run() -> None:
    """The TCP benchmark's loopback parts run (tiny counts); the figures are not checked."""
    import bench_rpc
    from harness import Report
    rates = bench_rpc.loopback_calls(Report(), n=40)
    assert set(rates) == {1, 8} and all(r > 0 for r in rates.values())
    assert set(bench_rpc.bulk(Report(), size=1 << 16, rounds=1)) == {"EchoData", "SinkData"}
