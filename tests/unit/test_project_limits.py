"""Limits, audio file types and change fields are declared once, and everything reads the declaration."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from app.core.audio.formats import AUDIO_EXTENSIONS, AUDIO_FILE_TYPES, FAMILY_BY_SUFFIX
from app.core.audio.io import load_audio, output_format
from app.core.errors import ConstraintError
from app.core.project.cocreation.cocreate import SuggestRequest
from app.core.project.limits import REQUEST_BARS, REQUEST_COUNT, REQUEST_MAX_COPY
from app.core.project.model import FIELD, STEM, Change, ChangeKind, Field


def test_request_limits_are_the_declared_ones():
    SuggestRequest(bars=int(REQUEST_BARS.high), count=int(REQUEST_COUNT.high), max_copy=int(REQUEST_MAX_COPY.high)
                   ).checked()
    with pytest.raises(ConstraintError, match=f"bars must be 1..{REQUEST_BARS.high:g}"):
        SuggestRequest(bars=int(REQUEST_BARS.high) + 1).checked()
    with pytest.raises(ConstraintError, match="count must be"):
        SuggestRequest(count=int(REQUEST_COUNT.high) + 1).checked()


def test_one_table_of_audio_file_types_and_oga_reads_as_ogg(tmp_path):
    assert {t.suffix for t in AUDIO_FILE_TYPES} == AUDIO_EXTENSIONS
    assert FAMILY_BY_SUFFIX[".oga"] == FAMILY_BY_SUFFIX[".ogg"] == "ogg"
    assert output_format(tmp_path / "x.oga") == output_format(tmp_path / "x.ogg") == "OGG"
    path = tmp_path / "tone.oga"
    tone = 0.2 * np.sin(np.linspace(0, 440 * 2 * np.pi, 48000, dtype=np.float32))
    sf.write(path, tone, 48000, format="OGG", subtype="VORBIS")
    audio = load_audio(path, sample_rate=48000)
    assert audio.frames > 40000


def test_change_names_its_kind_and_field_with_enums():
    change = Change("field", field="tempo_bpm")
    assert change.kind is ChangeKind.FIELD and change.field is Field.TEMPO_BPM
    assert change.kind == FIELD and change.field == "tempo_bpm"  # plain names still compare equal
    assert Change(STEM, stem_id="a", field="gain_db").affects_mix
    with pytest.raises(ValueError):
        Change(FIELD, field="no_such_field")
