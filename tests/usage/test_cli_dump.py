"""``midlpy dump`` and ``midlpy encode`` on the real PAC vectors, through click's runner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from midlpy.cli import main
from tests.helpers import VECTORS
from tests.usage.conftest import LOGON_INFO, PAC_ACF, PAC_IDL, REAL, ids

PAC = str(PAC_IDL)
W2003 = REAL / "mit_t_pac_w2003final.logon_info.bin"
WINE = VECTORS / "wine-proc"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg"))


def run(*args: str, input: bytes | str | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.mark.parametrize("path", LOGON_INFO, ids=ids(LOGON_INFO))
def test_dump_json_then_encode_gives_back_the_file(path: Path, tmp_path: Path) -> None:
    dumped = run("dump", PAC, "PKERB_VALIDATION_INFO", str(path), "--format", "json")
    assert dumped.exit_code == 0, dumped.stderr
    (tmp_path / "v.json").write_text(dumped.stdout, encoding="utf-8")
    out = tmp_path / "again.bin"
    encoded = run("encode", PAC, "PKERB_VALIDATION_INFO", str(tmp_path / "v.json"),
                  "-o", str(out))
    assert encoded.exit_code == 0, encoded.stderr
    assert out.read_bytes() == path.read_bytes()


def test_edit_a_pac_as_json(tmp_path: Path) -> None:
    doc = json.loads(run("dump", PAC, "PKERB_VALIDATION_INFO", str(W2003),
                         "--format", "json").stdout)
    doc["GroupIds"].append({"RelativeId": 512, "Attributes": 7})
    doc["GroupCount"] += 1
    (tmp_path / "v.json").write_text(json.dumps(doc))
    result = run("encode", PAC, "PKERB_VALIDATION_INFO", str(tmp_path / "v.json"), "-o", "-",
                 "--hex")
    assert result.exit_code == 0, result.stderr
    (tmp_path / "new.hex").write_text(result.stdout)
    text = run("dump", PAC, "PKERB_VALIDATION_INFO", str(tmp_path / "new.hex"), "--hex",
               "--validate")
    assert text.exit_code == 0
    assert "  GroupIds: [2 items]" in text.stdout
    assert "      RelativeId: 512 (0x200)" in text.stdout
    assert "same bytes" in text.stderr


def test_text_dump_of_a_blob_inside_the_whole_pac() -> None:
    result = run("dump", PAC, "PKERB_VALIDATION_INFO", str(REAL / "mit_t_pac_w2003final.bin"),
                 "--offset", "0x48", "--validate", "--acf", str(PAC_ACF))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("PKERB_VALIDATION_INFO: KERB_VALIDATION_INFO\n")
    assert "    Buffer: 'W2003FINAL$'" in result.stdout.splitlines()


def test_validate_reports_a_changed_byte_at_its_offset(tmp_path: Path) -> None:
    whole = bytearray((REAL / "mit_t_pac_w2003final.bin").read_bytes())
    assert whole[72 + 72:72 + 76] == bytes.fromhex("04000200")
    whole[72 + 72] = 0x0C  # EffectiveName.Buffer's referent id: decodes, is not canonical
    (tmp_path / "pac.bin").write_bytes(whole)
    result = run("dump", PAC, "PKERB_VALIDATION_INFO", str(tmp_path / "pac.bin"),
                 "--offset", "72", "--validate")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "validate: re-encoding differs only in referent ids (first at offset 144: 0x0c in "
        "the input, 0x04 re-encoded, in KERB_VALIDATION_INFO.EffectiveName.Buffer); "
        "keep_referents reuses the input's ids and gives back the same bytes")


def test_decode_errors_give_offset_and_path(tmp_path: Path) -> None:
    data = bytearray(W2003.read_bytes())
    data[16 + 4 + 48 + 2] += 2  # EffectiveName.MaximumLength no longer fits its array
    (tmp_path / "bad.bin").write_bytes(data)
    result = run("dump", PAC, "PKERB_VALIDATION_INFO", str(tmp_path / "bad.bin"))
    assert result.exit_code == 1
    assert re.fullmatch(r"error: .+ at offset \d+ in KERB_VALIDATION_INFO\.\S+\n",
                        result.stderr), result.stderr


def test_bad_json_names_the_field(tmp_path: Path) -> None:
    doc = json.loads(run("dump", PAC, "PKERB_VALIDATION_INFO", str(W2003),
                         "--format", "json").stdout)
    doc["LogonServer"]["Buffer"] = 7
    (tmp_path / "v.json").write_text(json.dumps(doc))
    result = run("encode", PAC, "PKERB_VALIDATION_INFO", str(tmp_path / "v.json"),
                 "-o", str(tmp_path / "x.bin"))
    assert result.exit_code == 1
    assert result.stderr == "error: expected a string, got a number in LogonServer.Buffer\n"
    assert not (tmp_path / "x.bin").exists()


def test_raw_stream_round_trip(tmp_path: Path) -> None:
    stream = W2003.read_bytes()[16:]
    (tmp_path / "s.bin").write_bytes(stream)
    dumped = run("dump", PAC, "PKERB_VALIDATION_INFO", str(tmp_path / "s.bin"), "--raw",
                 "--format", "json", "--validate")
    assert dumped.exit_code == 0, dumped.stderr
    result = run("encode", PAC, "PKERB_VALIDATION_INFO", "-", "--raw", "-o",
                 str(tmp_path / "back.bin"), input=dumped.stdout)
    assert result.exit_code == 0, result.stderr
    back = (tmp_path / "back.bin").read_bytes()
    assert stream.startswith(back) and not any(stream[len(back):])


def test_procedure_pickle_from_wine(tmp_path: Path) -> None:
    # proc.Long.txt: Wine pickled P_Long([in, out] long *v = 0x11223344): 56-byte
    # header and a 4-byte body, shown as a hex dump.
    lines = (WINE / "proc.Long.txt").read_text().splitlines()
    start = lines.index(next(x for x in lines if x.startswith("buffer[0")))
    dump_lines = [x.split(":", 1)[1] for x in lines[start + 1:start + 5]]
    (tmp_path / "long.hex").write_text("\n".join(dump_lines))
    result = run("dump", str(WINE / "mes_oracle.idl"), str(tmp_path / "long.hex"), "--hex",
                 "--proc", "P_Long", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == 0x11223344


@pytest.mark.parametrize("args, message", [
    (["PKERB_VALIDATION_INFO"], "give TYPE and BLOB"),
    (["PKERB_VALIDATION_INFO", "x", "--proc", "P"], "give BLOB and --proc NAME"),
    (["T", "x", "--big-endian"], "--big-endian is for --raw"),
    (["T", "x", "--offset", "ten"], "'ten' is not a number"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run("dump", PAC, *args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize("args, message", [
    (["KERB_VALIDATION_INFO", str(W2003)], "did you mean PKERB_VALIDATION_INFO?"),
    (["PKERB_VALIDATION_INFO", "/nonexistent/blob"], "/nonexistent/blob: No such file"),
    (["PKERB_VALIDATION_INFO", str(W2003), "--offset", "100000"], "outside the 472 bytes"),
    (["PKERB_VALIDATION_INFO", str(W2003), "--hex"], "not hex text"),
])
def test_input_errors_exit_1(args: list[str], message: str) -> None:
    result = run("dump", PAC, *args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_idl_errors_are_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "bad.idl").write_text("interface bad { typedef struct { long a } S; }\n")
    result = run("dump", str(tmp_path / "bad.idl"), "S", str(W2003))
    assert result.exit_code == 1
    assert re.match(r".*bad\.idl:1:\d+: error", result.stderr)
