"""Suggestions in the song's feel, on real songs nobody here wrote (issue 11's triplet feel, carried to suggestions).

A shuffle, a swing or a 12/8 ballad is written 4/4 at its felt beat; the ears say so (`SongAnalysis.triplet_feel`)
and suggestions over it are then generated in triplets (`app/core/project/cocreation/feel.py`). This measures,
on the rendered real songs of `benchmarks.realsongs` (the main set and the three held-out sets):
- **the truth of each song's feel**, from its drum part in the MIDI: the drum onsets off the quarter-note beat,
  in the MIDI's own ticks; a song is *triplet* when at least TRIPLET_SHARE of them sit on the beat's thirds,
  *straight* when at most STRAIGHT_SHARE do (mixed ones are left out), *compound* when the MIDI is in 6/8, 9/8
  or 12/8 (its eighths are triplets in any reading);
- **the ears**: of the triplet songs, how many the analysis of the stems hears in triplets (a triplet feel, or
  a compound meter), and of the straight ones how many it hears so by mistake; the same on each song's mix, a
  reading no constant was chosen on (the swing test's were read off the stems' folds), not with --quick; and
  the songs of `bench_drift` played without a click (their tempo wandering), each judged by its drums as written;
- **the ideas**: four new melodies over bars 3–6 of each song (a model trained on 40 Bach chorales, the same
  seed per song), with the feel the song gets by default now ("song") and as before this change ("straight":
  the grid's own subdivisions). Each note's onset is mapped to seconds through the analysis grid, then into
  the MIDI's beats through its tempo map; of the onsets off the beat, the share on the song's own subdivision:
  the thirds on a triplet song, the halves and quarters on a straight one.

No peer reads a feel or writes melodies over one (essentia and librosa give a BPM and beats), so there is no
peer column. The analyses are cached in the benchmark cache (`feel-analysis/`).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SOURCES = ("openmsx", "mma", "mma-heldout", "mma-casio", "mma-more")
QUICK_SONGS = 3  # per source
OFF_BEAT = 0.06  # a drum onset within this many quarters of the beat is on it
NEAR = 0.05  # ... within this of a third / a half or quarter is on it
TRIPLET_SHARE = 0.6
STRAIGHT_SHARE = 0.2
SEED = 17


def _fractions(quarters: np.ndarray) -> np.ndarray:
    f = np.mod(quarters, 1.0)
    return f[(f > OFF_BEAT) & (f < 1.0 - OFF_BEAT)]


def _on_thirds(f: np.ndarray) -> np.ndarray:
    return (np.abs(f - 1 / 3) < NEAR) | (np.abs(f - 2 / 3) < NEAR)


def _on_straight(f: np.ndarray) -> np.ndarray:
    return (np.abs(f - 0.5) < NEAR) | (np.abs(f - 0.25) < NEAR) | (np.abs(f - 0.75) < NEAR)


def truth_feel(folder: Path) -> tuple[str, object] | None:
    """("triplet" | "straight" | "compound" | "mixed", the PrettyMIDI whose ticks are the truth's beats)."""
    import pretty_midi

    path = folder / "drums.mid"
    if not path.is_file():
        return None
    pm = pretty_midi.PrettyMIDI(str(path))
    ts = pm.time_signature_changes
    if ts and ts[0].denominator == 8 and ts[0].numerator % 3 == 0 and ts[0].numerator > 3:
        return "compound", pm
    starts = np.array([n.start for i in pm.instruments for n in i.notes])
    if starts.size < 32:
        return None
    q = np.array([pm.time_to_tick(t) for t in starts]) / pm.resolution
    f = _fractions(q)
    if f.size < 16:
        return "straight", pm  # (nothing off the beat: no subdivision to follow either way; left out below)
    share = float(_on_thirds(f).mean())
    return ("triplet" if share >= TRIPLET_SHARE else "straight" if share <= STRAIGHT_SHARE else "mixed"), pm


def _idea_fractions(model, analysis, pm, feel: str) -> np.ndarray:  # noqa: ANN001
    from app.core.project.cocreation.cocreate import SongContext, SuggestRequest, generate_suggestions, plan

    ctx = SongContext(analysis.grid, analysis.key, analysis.chords if len(analysis.chords) else None, None,
                      "analysis", analysis)
    request = SuggestRequest(mode="continue", start_bar=2, bars=4, count=4, seed=SEED, feel=feel)
    found = generate_suggestions(model, plan(ctx, request))
    seconds = [analysis.grid.seconds(n.onset) for s in found for n in s.notes.notes]
    q = np.array([pm.time_to_tick(t) for t in seconds]) / pm.resolution
    return _fractions(q)


def _share(parts: list[np.ndarray], on) -> float:  # noqa: ANN001
    allf = np.concatenate(parts) if parts else np.zeros(0)
    return float(on(allf).mean()) if allf.size else float("nan")


def run(quick: bool) -> list[dict]:
    logging.disable(logging.WARNING)
    from app.core.analysis import AnalysisCache, analyze_stems
    from app.core.analysis.files import load_stem_inputs
    from app.core.model import as_usable_works, load_chorales, train
    from benchmarks.realsongs import build
    from benchmarks.realsongs.sources import default_cache

    cache = default_cache()
    songs = build(cache, limit=QUICK_SONGS if quick else None, sources=SOURCES)
    if not songs:
        return [{"metric": "(area skipped)", "value": "-", "unit": "", "ok": None,
                 "note": "no rendered real songs (fluidsynth or the Debian packages missing)"}]
    model = train(as_usable_works(load_chorales()[:40]))
    analyses = AnalysisCache(cache / "feel-analysis")
    t0 = time.perf_counter()
    by_feel: dict[str, list[str]] = {}
    heard: dict[str, list[bool]] = {"triplet": [], "straight": [], "compound": []}
    heard_mix: dict[str, list[bool]] = {"triplet": [], "straight": [], "compound": []}
    ideas: dict[tuple[str, str], list[np.ndarray]] = {}
    for song in songs:
        found = truth_feel(song.mix.parent)
        if found is None:
            continue
        feel, pm = found
        by_feel.setdefault(feel, []).append(song.name)
        if feel == "mixed":
            continue
        a = analyze_stems(load_stem_inputs([song.stems[r] for r in sorted(song.stems)]), cache=analyses)
        heard[feel].append(a.triplet_feel or a.grid.time_signature.is_compound)
        if not quick:
            m = analyze_stems(load_stem_inputs([song.mix]), cache=analyses)
            heard_mix[feel].append(m.triplet_feel or m.grid.time_signature.is_compound)
        if feel == "compound" or a.key is None:
            continue
        for choice in ("song", "straight"):
            ideas.setdefault((feel, choice), []).append(_idea_fractions(model, a, pm, choice))
    seconds = time.perf_counter() - t0
    n_tri, n_str, n_cmp = len(heard["triplet"]), len(heard["straight"]), len(heard["compound"])
    rows = [
        {"metric": "songs by their drums' feel: triplet / straight / compound / mixed", "unit": "songs",
         "value": f"{n_tri} / {n_str} / {n_cmp} / {len(by_feel.get('mixed', []))}"},
        {"metric": "triplet-feel songs heard in triplets (stems)", "unit": "share",
         "value": round(float(np.mean(heard["triplet"])), 3) if n_tri else float("nan"),
         "note": f"{sum(heard['triplet'])} of {n_tri}"},
        {"metric": "straight songs heard in triplets by mistake (stems)", "unit": "share",
         "value": round(float(np.mean(heard["straight"])), 3) if n_str else float("nan"),
         "note": f"{sum(heard['straight'])} of {n_str}"},
        {"metric": "compound (6/8, 12/8) songs heard in triplets (stems)", "unit": "share",
         "value": round(float(np.mean(heard["compound"])), 3) if n_cmp else float("nan")},
    ]
    for feel, what in (("triplet", "triplet-feel songs heard in triplets (mix)"),
                       ("straight", "straight songs heard in triplets by mistake (mix)")):
        if heard_mix[feel]:
            rows.append({"metric": what, "unit": "share", "value": round(float(np.mean(heard_mix[feel])), 3),
                         "note": f"{sum(heard_mix[feel])} of {len(heard_mix[feel])}"})
    for feel, on, what in (("triplet", _on_thirds, "on the beat's thirds"),
                           ("straight", _on_straight, "on the halves and quarters")):
        for choice, label in (("straight", "before (the grid's own subdivisions)"), ("song", "now (the song's feel)")):
            parts = ideas.get((feel, choice), [])
            rows.append({"metric": f"{feel} songs: ideas' off-beat notes {what}, {label}", "unit": "share",
                         "value": round(_share(parts, on), 3),
                         "note": f"{sum(p.size for p in parts)} notes off the beat, {len(parts)} songs"})
    if not quick:
        rows += _drift_rows(songs, cache, analyses)
    rows.append({"metric": "time (analyses cached after the first run)", "value": round(seconds, 1), "unit": "s"})
    return rows


def _drift_rows(songs: list, cache: Path, analyses) -> list[dict]:  # noqa: ANN001 — AnalysisCache
    """The songs played without a click (bench_drift's two sets, rendered once): heard in triplets or not, against the
    feel of the same song's drums as written."""
    from app.core.analysis import analyze_stems
    from app.core.analysis.files import load_stem_inputs
    from benchmarks.realsongs import drift

    heard: dict[str, list[bool]] = {"triplet": [], "straight": []}
    for song, drifted in drift.build(songs, cache, drift.SONGS + drift.CHECK_SONGS):
        found = truth_feel(song.mix.parent)
        if found is None or found[0] not in heard:
            continue
        a = analyze_stems(load_stem_inputs([drifted.stems[r] for r in sorted(drifted.stems)]), cache=analyses)
        heard[found[0]].append(a.triplet_feel or a.grid.time_signature.is_compound)
    return [{"metric": f"played without a click: {feel} songs heard in triplets", "unit": "share",
             "value": round(float(np.mean(v)), 3) if v else float("nan"), "note": f"{sum(v)} of {len(v)}"}
            for feel, v in heard.items()]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
