"""The JSON mapping over every construct of tests/constructs (structs, unions of every
kind, pointers, strings, arrays, enums, hyper, floats, context handles...): the hand-made
pickles there decode, go to JSON text and back, and encode to the same bytes."""

from __future__ import annotations

import json

import pytest

from midlpy import dump, jsonmap
from tests.constructs.cases import BE_CASES, CASES, Case
from tests.helpers import ROOT, load_idl

HERE = ROOT / "tests" / "constructs"
# Conversion-hook types hold whatever the user's hooks return: no JSON form to check.
PLAIN = [c for c in CASES if c.module == "constructs"]


def codec_for(case: Case) -> dump.TypeCodec:
    module = load_idl(HERE / "constructs.idl", HERE / "constructs.acf")
    return dump.find_type(module, case.type)


@pytest.mark.parametrize("case", PLAIN, ids=[c.id for c in PLAIN])
def test_construct_round_trips_through_json(case: Case) -> None:
    codec = codec_for(case)
    value = dump.decode(codec, case.data)
    text = jsonmap.dumps(value)
    json.loads(text)  # strict JSON: no NaN literals, no raw surrogates
    text.encode("utf-8")
    back = dump.value_from_json(codec, text)
    if "aliased" in case.tags:
        # Full-pointer aliasing is kept: the shared object is written once, then "$ref".
        assert '"$ref": 1' in text and text.count('"$id"') == 1
    assert dump.encode(codec, back) == case.data
    assert dump.validate(codec, case.data, value) is None


@pytest.mark.parametrize("case", BE_CASES, ids=[c.id for c in BE_CASES])
def test_big_endian_pickles_give_the_same_json_as_their_values(case: Case) -> None:
    codec = codec_for(case)
    value = dump.decode(codec, case.data)
    back = dump.value_from_json(codec, jsonmap.dumps(value))
    assert back == value
    found = dump.validate(codec, case.data, value)
    assert found is not None and found.offset == 1  # re-encoded little-endian
    assert found.path == "common header Endianness"
