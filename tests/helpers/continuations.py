"""Suggestions continuing real melodies, for tests that measure what the style does to generated notes."""

from __future__ import annotations

from collections.abc import Iterator

from app.core.model import Constraints, continue_phrase
from app.core.model.style.profile import Style
from app.core.music import Melody


def continuations(model, melodies, style: Style | None, n: int = 3) -> Iterator[tuple[Melody, list[int]]]:
    """(melody, suggested pitches): `n` suggestions of 4 bars after each melody's first two bars, seeded by
    the melody's place in the list, in a fixed alto-to-soprano range."""
    for i, (_name, m) in enumerate(melodies):
        bq = m.time_signature.bar_quarters
        prime = m.with_notes([x for x in m.notes if x.onset < 2 * bq - 1e-9])
        c = Constraints(key=m.key, time_signature=m.time_signature, bars=4, start=2 * bq, pitch_range=(55, 81))
        for s in continue_phrase(model, prime, c, n=n, seed=i, style=style):
            yield m, [x.pitch for x in s.notes.notes]
