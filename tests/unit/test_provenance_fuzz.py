"""Damaged exports never crash verification: every outcome is a status or one ProvenanceError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import ProvenanceError
from app.core.midifile import MidiPart
from app.core.music import Melody, Note, TimeSignature
from app.core.project.export.files import export_midi
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.verify import STATUSES, VERIFIED, verify_file
from tests.helpers.provenance import consented_catalogue, export_one, suggestion_fields


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    me = create_identity(folder / "keys", "Ada")
    files = {fmt: export_one(me, folder, fmt, name=f"f_{fmt}", seconds=0.1).path.read_bytes()
             for fmt in ("wav16", "flac", "aiff", "mp3", "ogg")}
    melody = Melody((Note(60, 0, 1), Note(62, 1, 1)))
    files["midi"] = export_midi([MidiPart("x", melody)], 120.0, TimeSignature(), folder / "m.mid",
                                suggestion_fields(), identity=me,
                                catalogue=consented_catalogue(folder / "consent-catalogue.sqlite")).path.read_bytes()
    return folder, TrustList.load(folder / "keys"), files


EXT = {"wav16": ".wav", "flac": ".flac", "aiff": ".aiff", "mp3": ".mp3", "ogg": ".ogg", "midi": ".mid"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(sorted(EXT)), data=st.data())
def test_mutated_exports_give_a_status_or_a_clear_error(signed, fmt, data):
    folder, trust, files = signed
    original = bytearray(files[fmt])
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    at = data.draw(st.integers(0, len(original) - 1))
    if kind == "flip":
        original[at] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        del original[at:]
    else:
        original[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    path = folder / f"mutated{EXT[fmt]}"
    path.write_bytes(bytes(original))
    try:
        result = verify_file(path, trust)
    except ProvenanceError as exc:
        assert path.name in str(exc)
        return
    assert result.status in STATUSES
    if bytes(original) == files[fmt]:
        assert result.status == VERIFIED
