"""An analysis keeps the revision of the ears that heard it, so the studio can say when a project's analysis is
older than the analysis it runs now (the readers of tempo, key and chords improve between versions)."""

from __future__ import annotations

import hashlib

from app.core.analysis import ESTIMATORS_REVISION, SongAnalysis, pipeline


def test_a_new_analysis_carries_the_current_revision_through_json_and_an_old_one_reads_as_unknown():
    from tests.helpers.songs import make_song

    song = make_song(3)
    a = pipeline.analyze_stems([pipeline.StemInput(name, audio, song.sample_rate,
                                                   hashlib.sha256(audio.tobytes()).hexdigest())
                                for name, audio in song.stems.items()])
    assert a.ears_revision == ESTIMATORS_REVISION > 0
    assert SongAnalysis.from_json(a.to_json()).ears_revision == ESTIMATORS_REVISION
    assert a.with_tempo_scaled(2.0).ears_revision == ESTIMATORS_REVISION  # an edit does not make it older
    old = a.to_json()
    del old["ears_revision"]  # stored before the revision was kept
    assert SongAnalysis.from_json(old).ears_revision == 0
