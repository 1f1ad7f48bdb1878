"""The max-copy bound against the works as the artist knows them (issue 15, item 5): the source file's melody
part as imported — every note of the chosen part, before duplicates merge, chords reduce to their top note
and the line is quantised — besides the melody the model learned.

Merging and quantising change the interval sequence (a repeated note merged away, a chord's inner notes
dropped), so a suggestion could copy more of the source than of the learned line. With `sources` (work id ->
the part's raw pitch sequence, `part_pitches`), generation masks the continuations that would copy more than
k notes from either, and every suggestion reports both longest runs: `longest_copied_run` carries
`length`/`work_id` (the learned melodies, as before) and `source_length`/`source_work_id` (the parts as
imported). The caller reads the parts (the model never opens catalogue files); the benchmark does it for its
MIDI catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from app.core.model.index.copyindex import CopyIndex
from app.core.music import Note


def part_pitches(notes: Sequence[Note]) -> list[int]:
    """The raw part as one sequence: notes by onset, the highest first among notes starting together."""
    return [n.pitch for n in sorted(notes, key=lambda n: (n.onset, -n.pitch))]


def source_index(sources: Mapping[int, Sequence[int]]) -> CopyIndex:
    return CopyIndex({int(w): list(p) for w, p in sources.items()}, 0)


def combined_index(learned: Mapping[int, Sequence[int] | np.ndarray], sources: Mapping[int, Sequence[int]],
                   k: int) -> CopyIndex:
    """One index over the learned melodies and the raw parts (for masking only: its owners are not reported;
    raw parts are keyed by negative ids so the two never merge into one sequence)."""
    both: dict[int, Sequence[int] | np.ndarray] = {int(w): p for w, p in learned.items()}
    both.update({-1 - int(w): p for w, p in sources.items()})
    return CopyIndex(both, k)  # type: ignore[arg-type]  # arrays too: it reads them with np.asarray
