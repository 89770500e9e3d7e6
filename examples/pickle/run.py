"""Write a journal of many records through an incremental handle, then read it back.

The writer streams every record to the file as it is encoded (the Alloc/Write callbacks);
the reader pulls bytes with the Read callback, one record at a time, and dispatches on
MesInqProcEncodingId to decode each procedure pickle with the right stub.

    python examples/pickle/run.py [RECORDS]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from midlpy.compiler.api import load_module
from midlpy.runtime import (MesDecodeIncrementalHandleCreate, MesEncodeIncrementalHandleCreate,
                            MesHandleFree, MesInqProcEncodingId)

HERE = Path(__file__).resolve().parent


def write_journal(journal, path: Path, count: int) -> int:
    with path.open("wb") as f:
        # Alloc hands out a scratch buffer; Write receives each finished record.
        h = MesEncodeIncrementalHandleCreate(f, lambda f, size: bytearray(size),
                                             lambda f, data: f.write(data))
        journal.JournalHandle = h  # the implicit handle of the type routines
        journal.JOURNAL_HEADER_Encode(journal.JOURNAL_HEADER(count, 13_300_000_000, "run.py"))
        for i in range(count):
            if i % 3:
                journal.LogMessage(h, 13_300_000_000 + i, i % 3, f"event number {i}")
            else:
                tags = [journal.TAG("host", i % 7), journal.TAG("shard", i % 5)]
                journal.LogMeasurement(h, 13_300_000_000 + i, "latency", i / 8, len(tags), tags)
        size = h.encoded_size
        MesHandleFree(h)
    return size


def read_journal(journal, path: Path) -> dict[str, int]:
    counts = {"LogMessage": 0, "LogMeasurement": 0}
    stubs = {0: journal.LogMessage, 1: journal.LogMeasurement}  # procedure numbers
    with path.open("rb") as f:
        h = MesDecodeIncrementalHandleCreate(f, lambda f, size: f.read(size))
        journal.JournalHandle = h
        header = journal.JOURNAL_HEADER_Decode()
        print(f"journal from {header.Source!r}: {header.RecordCount} records")
        for i in range(header.RecordCount):
            (iface, version), procnum = MesInqProcEncodingId(h)
            stub = stubs[procnum]
            values = stub(h)
            counts[stub.__name__] += 1
            if i < 4 or i == header.RecordCount - 1:
                print(f"  #{i} {stub.__name__} (interface {iface} v{version[0]}.{version[1]}): "
                      f"{values}")
        MesHandleFree(h)
    return counts


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    journal = load_module(str(HERE / "journal.idl"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.bin"
        size = write_journal(journal, path, count)
        print(f"wrote {count} records, {size} bytes")
        counts = read_journal(journal, path)
    print("read back:", ", ".join(f"{n} {k}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
