"""The canonical record: integers only, sorted keys, shares by largest remainder, size bound, signing."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import ProvenanceError
from app.core.provenance.canonical import MAX_RECORD_BYTES, canonical_bytes, parse_record_json
from app.core.provenance.identity import create_identity
from app.core.provenance.record import (
    COMPOSITE_CAPTURE,
    COMPOSITE_TRAINED,
    DIGITAL_CAPTURE,
    TRAINED,
    RecordFields,
    StemUse,
    TrainingWork,
    build_record,
    contributor_shares,
    largest_remainder,
    sign_record,
    signing_payload,
)
from tests.helpers.provenance import mix_fields, suggestion_fields, works


def test_canonical_bytes_are_sorted_compact_ascii():
    data = canonical_bytes({"b": 1, "a": {"d": "é", "c": [True, None]}})
    assert data == b'{"a":{"c":[true,null],"d":"\\u00e9"},"b":1}'


@pytest.mark.parametrize("bad", [{"x": 0.5}, {"x": [1, 2.0]}, {1: "int key"}, {"x": {1, 2}}])
def test_canonical_refuses_floats_and_non_json(bad):
    with pytest.raises(ProvenanceError):
        canonical_bytes(bad)


def test_parse_refuses_duplicates_floats_and_oversize():
    with pytest.raises(ProvenanceError, match="twice"):
        parse_record_json(b'{"a":1,"a":2}')
    with pytest.raises(ProvenanceError, match="float"):
        parse_record_json(b'{"a":1.5}')
    with pytest.raises(ProvenanceError, match="NaN|not JSON"):
        parse_record_json(b'{"a":NaN}')
    with pytest.raises(ProvenanceError, match="bytes"):
        parse_record_json(b'{"a":"' + b"x" * MAX_RECORD_BYTES + b'"}')
    with pytest.raises(ProvenanceError, match="object"):
        parse_record_json(b"[1]")


def test_oversize_record_is_refused_before_anything_is_written():
    many = tuple(TrainingWork(i, "t" * 200, "a" * 64) for i in range(5000))
    with pytest.raises(ProvenanceError, match="at most"):
        build_record(suggestion_fields(training_works=many, credit_bp={}), content_method="pcm-v1",
                     content_sha256="0" * 64)


def test_largest_remainder_sums_exactly_and_breaks_ties_by_name():
    shares = largest_remainder({"b": Fraction(1), "a": Fraction(1), "c": Fraction(1)})
    assert sum(shares.values()) == 10000
    assert shares == {"a": 3334, "b": 3333, "c": 3333}
    assert largest_remainder({}) == {}


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 10**6), min_size=1))
def test_largest_remainder_property(weights):
    shares = largest_remainder({k: Fraction(v) for k, v in weights.items()})
    assert sum(shares.values()) == 10000
    total = sum(weights.values())
    for k, v in weights.items():  # each share is its exact value rounded down or up
        exact = Fraction(v * 10000, total)
        assert int(exact) <= shares.get(k, 0) <= int(exact) + 1


def test_contributor_shares_follow_work_credit_times_splits():
    shares = {s["name"]: s["bp"] for s in contributor_shares(works(), {1: 5000, 2: 3333, 3: 1667})}
    # Bo: 5000*0.6 + 1667*0.5 = 3833.5; Cy: 5000*0.4 + 3333 = 5333; Dee: 833.5
    assert shares == {"Cy Eng": 5333, "Bo Diaz": 3834, "Dee Fox": 833}
    assert sum(shares.values()) == 10000
    with pytest.raises(ProvenanceError, match="not among"):
        contributor_shares(works(), {99: 10000})


def test_digital_source_types():
    assert build_record(suggestion_fields(), content_method="m", content_sha256="0")["digitalSourceType"] == TRAINED
    assert build_record(mix_fields(), content_method="m", content_sha256="0")["digitalSourceType"] == COMPOSITE_TRAINED
    stem = RecordFields(kind="stem", title="drums", stems=(StemUse("drums", "d" * 64),))
    rec = build_record(stem, content_method="m", content_sha256="0")
    assert rec["aiContent"] is False and rec["digitalSourceType"] == DIGITAL_CAPTURE
    assert rec["contributorShares"] == [] and rec["model"] is None
    human_mix = RecordFields(kind="mix", title="m", stems=(StemUse("a", "1"), StemUse("b", "2")))
    assert build_record(human_mix, content_method="m", content_sha256="0")["digitalSourceType"] == COMPOSITE_CAPTURE


def test_record_fields_and_signature(tmp_path):
    identity = create_identity(tmp_path, "Ada")
    rec = sign_record(build_record(suggestion_fields(), content_method="pcm-v1", content_sha256="ab" * 32), identity)
    assert rec["humanEditedNotes"] == 2 and rec["model"] == {"id": "model-7", "fingerprint": "f" * 64}
    assert [w["id"] for w in rec["trainingWorks"]] == [1, 2, 3]
    assert rec["trainingWorks"][0]["consent"][0]["entryHash"] == "1" * 64
    assert rec["credit"] == [{"workId": 1, "bp": 5000}, {"workId": 2, "bp": 3333}, {"workId": 3, "bp": 1667}]
    assert rec["signer"]["keyId"] == identity.key_id
    assert rec["createdAt"].endswith("Z") and rec["content"] == {"method": "pcm-v1", "sha256": "ab" * 32}
    assert identity.public.verify(__import__("base64").b64decode(rec["signature"]["value"]), signing_payload(rec))
    edited = json.loads(json.dumps(rec))
    edited["contributorShares"][0]["bp"] += 1
    assert not identity.public.verify(__import__("base64").b64decode(rec["signature"]["value"]),
                                      signing_payload(edited))


def test_bad_fields_are_refused():
    with pytest.raises(ProvenanceError, match="kind"):
        build_record(suggestion_fields(kind="poem"), content_method="m", content_sha256="0")
    with pytest.raises(ProvenanceError, match="whole number"):
        build_record(suggestion_fields(credit_bp={1: 50.5}), content_method="m", content_sha256="0")
