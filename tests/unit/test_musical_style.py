"""Style learned from the catalogue (issue 15): rests and note counts follow the works, a catalogue without
rests gives suggestions without rests, the repetition plan reproduces the learned repeat rate, every learned
statistic is exact under forgetting, and the max-copy bound still holds with repeats."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from app.core.model import Constraints, as_usable_works, continue_phrase, forget, idyom_benchmark_set, train
from app.core.model.ppm.viewpoints import Events
from app.core.model.style.phrasing import PhrasingStats, bar_layouts
from app.core.model.style.profile import STUDIO_STYLE, Style
from app.core.model.style.register import RegisterStats
from app.core.model.style.structure import StructureStats, plan_structure
from app.core.music import Melody, Note
from app.core.musicality.features import phrase_features, window

BAR = 192  # ticks of a 4/4 bar


def legato(m: Melody) -> Melody:
    """Every note held to the next onset: no rests at all."""
    ns = m.notes
    return m.with_notes([replace(n, duration=(ns[i + 1].onset - n.onset) if i + 1 < len(ns) else n.duration)
                         for i, n in enumerate(ns)])


def breathing(m: Melody) -> Melody:
    """Legato, but every fourth bar (index 3 mod 4) rests from beat 3: a phrase end the catalogue teaches."""
    bq = m.time_signature.bar_quarters
    out = []
    for n in legato(m).notes:
        bar = int(n.onset // bq)
        if bar % 4 == 3:
            if n.onset - bar * bq >= 2.0 - 1e-9:
                continue
            n = replace(n, duration=min(n.duration, bar * bq + 2.0 - n.onset))
        out.append(n)
    return m.with_notes(out)


def four_four(ms):
    return [(name, m) for name, m in ms if m.time_signature.bar_quarters == 4.0][:40]


@pytest.fixture(scope="module")
def chorales():
    return four_four(idyom_benchmark_set()[:70])


def rest_ratio_of(model, melodies, *, style=STUDIO_STYLE, seeds=range(3), bars=4):
    ratios = []
    for _name, m in melodies[:8]:
        prime = m.with_notes([n for n in m.notes if n.onset < 8.0 - 1e-9])
        c = Constraints(key=m.key, time_signature=m.time_signature, bars=bars, start=8.0, pitch_range=(50, 84))
        for s in seeds:
            made = continue_phrase(model, prime, c, n=1, seed=s, style=style)[0]
            notes = window(made.notes.notes, 8.0, 8.0 + 4 * bars)
            ratios.append(phrase_features(notes, bars=bars, bar_quarters=4.0, key=m.key).rest_ratio)
    return float(np.mean(ratios))


def test_bar_layouts_find_rests_and_counts():
    m = Melody((Note(60, 0, 1), Note(62, 1, 1), Note(64, 4, 1), Note(65, 5, 0.5), Note(67, 7, 1)))
    layouts = dict(bar_layouts(Events.from_melody(m)))
    assert layouts[0].rests == ((96, 192),) and layouts[0].notes == 2
    assert layouts[1].rests == ((72, 144),) and layouts[1].notes == 3


def test_suggestions_rest_like_a_catalogue_with_rests(chorales):
    melodies = [(n, breathing(m)) for n, m in chorales]
    model = train(as_usable_works(melodies))
    stats = PhrasingStats.of_model(model, BAR)
    target = stats.rest_ratio()
    assert 0.08 < target < 0.2
    got = rest_ratio_of(model, melodies)
    assert abs(got - target) <= 0.25 * target, (got, target)
    # breathing maps onto the rests: none removes them, more adds
    assert rest_ratio_of(model, melodies, style=Style(breathing=0.0)) == 0.0
    assert rest_ratio_of(model, melodies, style=Style(breathing=2.0)) > got
    # the rests land where the catalogue puts them: the last bar of each 4-bar phrase
    prime = melodies[0][1].with_notes([n for n in melodies[0][1].notes if n.onset < 8.0])
    c = Constraints(key=melodies[0][1].key, bars=4, start=8.0, pitch_range=(50, 84))
    for s in continue_phrase(model, prime, c, n=4, seed=1, style=STUDIO_STYLE):
        assert all(int(n.onset // 4) != 3 or n.onset % 4 < 2.0 for n in s.notes.notes)


def test_no_rests_from_a_catalogue_without(chorales):
    melodies = [(n, legato(m)) for n, m in chorales]
    model = train(as_usable_works(melodies))
    assert PhrasingStats.of_model(model, BAR).rest_ratio() == 0.0
    assert rest_ratio_of(model, melodies) == 0.0


def test_notes_per_bar_follow_the_catalogue(chorales):
    model = train(as_usable_works(chorales))
    want = PhrasingStats.of_model(model, BAR).notes_per_bar()
    counts = []
    for _name, m in chorales[:8]:
        prime = m.with_notes([n for n in m.notes if n.onset < 8.0 - 1e-9])
        c = Constraints(key=m.key, bars=4, start=8.0, pitch_range=(50, 84))
        for s in continue_phrase(model, prime, c, n=2, seed=3, style=STUDIO_STYLE):
            counts.append(len(s.notes.notes) / 4)
    assert abs(np.mean(counts) - want) <= 0.2 * want
    busier = continue_phrase(model, chorales[0][1].between(0, 8), Constraints(bars=4, start=8.0), n=4, seed=3,
                             style=Style(density=3.0))
    sparser = continue_phrase(model, chorales[0][1].between(0, 8), Constraints(bars=4, start=8.0), n=4, seed=3,
                              style=Style(density=0.3))
    assert sum(len(s.notes.notes) for s in busier) > sum(len(s.notes.notes) for s in sparser)


def repeating(m: Melody, every: int) -> Melody:
    """Bar b repeats bar b-1 exactly whenever b % every == 1: a known repeat rate."""
    bq = 4.0
    bars = int(m.end // bq)
    by_bar = {b: [n for n in m.notes if b * bq <= n.onset < (b + 1) * bq] for b in range(bars)}
    out = []
    for b in range(bars):
        src = by_bar[b - 1] if b % every == 1 and b > 0 else by_bar[b]
        shift = (b - (b - 1)) * bq if src is not by_bar[b] else 0.0
        out += [replace(n, onset=n.onset + shift, duration=min(n.duration, (b + 1) * bq - n.onset - shift))
                for n in src]
    return m.with_notes(out)


def test_structure_plan_reproduces_the_learned_repeat_rate(chorales):
    melodies = [(n, repeating(legato(m), 2)) for n, m in chorales]
    model = train(as_usable_works(melodies))
    stats = StructureStats.of_model(model, BAR)
    rate = stats.repeat_rate()
    assert rate > 0.35  # every second bar repeats its neighbour
    rng = np.random.default_rng(0)
    kinds = Counter(r[0] for _ in range(200) for r in plan_structure(stats, "repeat-and-vary", 8, 4, 0, rng))
    assert abs(kinds["same"] / 800 - rate) < 0.06
    assert plan_structure(stats, "free", 8, 4, 0, rng) == [("new", 0, 0)] * 4
    answer = plan_structure(stats, "call-and-answer", 8, 8, 0, rng)
    assert answer[2][1] == 2 and answer[6][1] == 2 and all(r[0] == "new" for i, r in enumerate(answer) if i % 4 != 2)
    # and the suggestions do repeat (their own bars), the free ones far less
    def repeats(style):
        total = 0.0
        for _name, m in melodies[:6]:
            prime = m.with_notes([n for n in m.notes if n.onset < 8.0 - 1e-9])
            c = Constraints(key=m.key, bars=4, start=8.0, pitch_range=(50, 84))
            for s in continue_phrase(model, prime, c, n=2, seed=5, style=style):
                total += phrase_features(window(s.notes.notes, 8.0, 24.0), bars=4, bar_quarters=4.0,
                                         key=m.key).bar_repetition
        return total
    assert repeats(STUDIO_STYLE) > repeats(Style(structure="free")) + 1.0


def test_statistics_are_exact_under_forgetting(chorales):
    melodies = [(n, breathing(repeating(m, 3))) for n, m in chorales[:20]]
    works = as_usable_works(melodies)
    full = train(works)
    before = PhrasingStats.of_model(full, BAR).by_phase
    assert StructureStats.of_model(full, BAR).repeat_rate() > 0 and RegisterStats.of_model(full) is not None
    gone = forget(full, [works[3].id, works[7].id])
    fresh = train([w for w in works if w.id not in (works[3].id, works[7].id)])
    assert PhrasingStats.of_model(gone, BAR).by_phase == PhrasingStats.of_model(fresh, BAR).by_phase
    assert StructureStats.of_model(gone, BAR).by_phase == StructureStats.of_model(fresh, BAR).by_phase
    a, b = RegisterStats.of_model(gone), RegisterStats.of_model(fresh)
    assert np.array_equal(a.tessitura, b.tessitura) and np.array_equal(a.at_bar, b.at_bar)
    assert PhrasingStats.of_model(gone, BAR).by_phase != before  # the forgotten works' bars are gone


@pytest.mark.parametrize("structure", ["repeat-and-vary", "call-and-answer"])
def test_repeats_keep_the_max_copy_bound(chorales, structure):
    works = as_usable_works(chorales)
    model = train(works)
    k = 4
    for _name, m in chorales[:5]:
        prime = m.with_notes([n for n in m.notes if n.onset < 8.0 - 1e-9])
        c = Constraints(key=m.key, bars=8, start=8.0, pitch_range=(50, 84), max_copy=k)
        for s in continue_phrase(model, prime, c, n=3, seed=2, style=Style(structure=structure)):
            pitches = [n.pitch for n in s.notes.notes]
            assert s.longest_copied_run["length"] <= k
            assert brute_longest_run(pitches, works) <= k
            total = sum(s.credit.values()) + s.uniform_share + s.piece_share
            assert abs(total - 1.0) < 1e-6


def brute_longest_run(pitches, works) -> int:
    iv = [b - a for a, b in zip(pitches, pitches[1:], strict=False)]
    best = 1 if pitches else 0
    for w in works:
        wp = [n.pitch for n in w.melody.notes]
        wi = [b - a for a, b in zip(wp, wp[1:], strict=False)]
        text = ",".join(map(str, wi)) + ","
        for i in range(len(iv)):
            n = best - 1
            while i + n < len(iv) and ("," + ",".join(map(str, iv[i:i + n + 1])) + ",") in ("," + text):
                n += 1
                best = max(best, n + 1)
    return best
