"""The chorale set's truth: the key read from the signature and the bass's final, the tempo fixed by the name."""

from __future__ import annotations

import pytest

from benchmarks.realsongs import CHORALE_SETS
from benchmarks.realsongs.chorales import key_from_signature_and_final, tempo_for
from benchmarks.realsongs.evaluate import HELD_OUT_SETS, heldout_rows


@pytest.mark.parametrize("sharps, final_pc, key", [
    (1, 7, "G major"), (1, 4, "E minor"), (-3, 3, "Eb major"), (-3, 0, "C minor"),
    (0, 2, "D minor"),  # Dorian signature: D minor with no flat
    (-1, 7, "G minor"),  # G minor with one flat
    (2, 11, "B minor"), (4, 4, "E major"),
    (0, 4, None),  # ends on E with no sharps: a Phrygian chorale, no key to read
    (1, 9, "A minor"),  # A minor with one sharp: the Dorian signature again
    (1, 2, None),  # G major's signature ending on D, its dominant: neither reading
])
def test_a_chorales_key_is_its_signature_read_by_the_bass_final(sharps, final_pc, key):
    assert key_from_signature_and_final(sharps, final_pc) == key


def test_each_chorale_keeps_one_hymn_tempo():
    names = [f"bwv{n}.{m}" for n in range(1, 40) for m in (6, 7)]
    tempos = [tempo_for(n) for n in names]
    assert all(60 <= t <= 100 for t in tempos) and len(set(tempos)) > 20
    assert tempo_for("bwv10.7") == tempo_for("bwv10.7") == tempos[names.index("bwv10.7")]


def test_only_the_chorales_no_constant_was_chosen_on_are_called_held_out():
    sets = {source: (label, what) for source, label, _file, what in HELD_OUT_SETS}
    assert CHORALE_SETS == {"chorales": 0, "chorales-heldout": 40}
    assert "held-out" not in sets["chorales"][0] and "chosen on them" in sets["chorales"][1]
    assert sets["chorales-heldout"][0].startswith("held-out") and "no constant" in sets["chorales-heldout"][1]
    rows = heldout_rows([], sets["chorales-heldout"][0], what=sets["chorales-heldout"][1])
    assert rows[0]["metric"] == "held-out Bach chorales 41-80 four-part chorales, no drums (no constant chosen on them)"
