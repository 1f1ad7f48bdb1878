"""The beat grid from the rhythm stems, then the key, key sections and chords from the harmonic ones: the part of
`analyze_stems` (pipeline.py) that hears the song's time and harmony, before the lead melody joins the key.

The chroma (a constant-Q transform, the costliest step) runs on the pipeline's pool while this thread finds the
onsets; the two do not depend on each other, and both spend their time in numpy/scipy without the GIL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from app.core.analysis.harmony import chords as chords_mod
from app.core.analysis.harmony import key as key_mod
from app.core.analysis.harmony import key_function
from app.core.analysis.harmony.chroma import ChromaFeatures, chroma_features
from app.core.analysis.rhythm.meter import starts_on_a_pickup
from app.core.analysis.rhythm.onsets import first_sound_seconds, onset_features
from app.core.analysis.rhythm.tempo import TempoResult, estimate_grid
from app.core.analysis.roles import UNHEARD, kit_inside
from app.core.analysis.signal import ANALYSIS_RATE, is_silent, mix, one_blas_thread
from app.core.music import BeatGrid, ChordTimeline, Key
from app.core.tasks import CancelToken, Progress, no_progress
from app.core.transcription.grid import SongReading
from app.core.transcription.notes import SecondsNote
from app.core.transcription.pitch import at_rate

# bar 1 within this many beats of the song's first sound was put there by it (the pickup test asks only then)
PICKUP_SLACK_BEATS = 0.3

# what `hear` returns: the grid, the tempo estimate, the key, its sections, the chords with their confidences, and
# what the key read (for the lead melody to join it)
Heard = tuple[BeatGrid, TempoResult, key_mod.KeyEstimate, tuple[key_mod.KeySection, ...], ChordTimeline,
              tuple[float, ...], "key_function.KeyInputs | None"]


def hear(names: list[str], roles: dict[str, str], mono: dict[str, np.ndarray], duration: float,
         notes: list[str], progress: Progress, cancel: CancelToken, pool: ThreadPoolExecutor, *,
         given: BeatGrid | None = None) -> Heard:
    """Beat grid from the rhythm stems, then key, key sections and chords from the harmonic ones (`mono`: each
    stem's mono samples at ANALYSIS_RATE by name; `notes` collects what the user is told; the chroma runs on
    `pool`). `given`: the artist's grid, on which the key and chords are heard instead (no beat is looked for)."""
    progress(0.2, "finding the beat" if given is None else "reading the harmony")
    names = [n for n in names if roles[n] != UNHEARD]  # fx stems are not the song's rhythm or harmony
    # chords and key from the accompaniment: a lead line adds passing notes that blur chord templates; the
    # lead is used only when nothing else is pitched
    harmonic_names = [n for n in names if roles[n] in ("bass", "harmony", "other")] or \
        [n for n in names if roles[n] == "lead"]
    if not any(roles[n] in ("harmony", "other") for n in names):
        # a bass line alone is mostly roots and fifths: it names no third, and the key came out as the
        # parallel major or the relative's VI; the lead carries the thirds and the leading tones
        harmonic_names += [n for n in names if roles[n] == "lead" and n not in harmonic_names]
    harmonic = mix([mono[n] for n in harmonic_names])
    harmonic_present = bool(harmonic_names) and not is_silent(harmonic)
    # without a drum stem the kit may be inside the harmonic stems (a whole mix): its hits stay out of the chords
    drums_inside = not any(roles[n] == "drums" for n in names)
    chroma_job = pool.submit(chroma_features, harmonic, ANALYSIS_RATE, drums_inside=drums_inside) \
        if harmonic_present else None
    if given is not None:
        chroma = None if chroma_job is None else chroma_job.result()
        return _harmony(given, TempoResult(given, 1.0, fit_bpm=given.tempo_bpm), chroma, harmonic_names, duration,
                        notes, progress, cancel)
    rhythm_names = [n for n in names if roles[n] in ("drums", "bass")] if any(roles[n] == "drums" for n in names) \
        else names
    rhythm = mix([mono[n] for n in rhythm_names])
    everything = mix([mono[n] for n in names])
    # the felt beat is chosen on the drum kit's kick and snare alone (see estimate_grid)
    kit_names = [n for n in rhythm_names if roles[n] == "drums"]
    # as long as the signal the onsets are read from, so the kit's envelopes line up with it frame for frame: a
    # drum stem ending before the bass's last note (MMA's and many DAWs' exports) was read as no kit at all, and
    # the beat's level and phase then came from the whole rhythm section (an off-beat bass put house on the "and")
    kit_mix = mix([mono[n] for n in kit_names], length=(rhythm if not is_silent(rhythm) else everything).size)
    kit = None if not kit_names or is_silent(kit_mix) else rhythm if len(kit_names) == len(rhythm_names) else kit_mix
    tempo = find_beat(rhythm, everything, kit, chroma_job, progress, cancel)
    grid = tempo.grid
    if grid is None:
        grid = BeatGrid(120.0)
        notes.append(f"could not determine the tempo: {tempo.reason}; using 120 BPM 4/4 (set it by hand)")
    elif tempo.swing:
        notes.append("swung eighths (each beat long-short, the \"and\" on its last third): suggestions follow the swing "
                     "(for straight ones: the Triplet feel box, or --feel straight)")
    elif tempo.triplet_feel:
        # suggestions follow it (SongAnalysis.triplet_feel; the project's cocreation/feel.py)
        notes.append(f"a triplet feel (each beat divides in three), written {grid.time_signature} as charts write "
                     f"it (in 12/8 the same beats are {grid.tempo_bpm * 1.5:.4g} BPM); suggestions follow the "
                     "triplets (for straight ones: the Triplet feel box, or --feel straight)")
    cancel.check()
    chroma = None if chroma_job is None else chroma_job.result()
    if tempo.grid is None or kit is not None:  # a kit's kick and snare say where beat 1 is
        return _harmony(grid, tempo, chroma, harmonic_names, duration, notes, progress, cancel)
    return _harmony_after_a_pickup(grid, tempo, chroma, harmonic_names, duration, notes, progress, cancel,
                                   everything)


def find_beat(rhythm: np.ndarray, everything: np.ndarray, kit: np.ndarray | None,
              chroma_job: Future[ChromaFeatures] | None, progress: Progress, cancel: CancelToken) -> TempoResult:
    """The beat grid of the rhythm section `rhythm` (the whole song `everything` when that is silent), bar 1 at
    the song's first sound. `kit`: the drum kit's own mix (`rhythm` itself when the section is the kit) or None;
    `chroma_job`: the harmonic stems' chroma (their accents help find the bar)."""
    feat = onset_features(rhythm if not is_silent(rhythm) else everything, ANALYSIS_RATE)
    # bar 1 is at or just before the song's first sound, whichever stem makes it (an intro without drums)
    feat = replace(feat, first_sound=min(feat.first_sound, first_sound_seconds(everything, ANALYSIS_RATE)))
    kit_feat = None if kit is None else feat if kit is rhythm else onset_features(kit, ANALYSIS_RATE)
    cancel.check()
    chroma = None if chroma_job is None else chroma_job.result()
    progress(0.35, "finding the beat")
    return estimate_grid(feat, chroma=None if chroma is None else chroma.chroma,
                         chroma_fps=0.0 if chroma is None else chroma.fps, kit=kit_feat)


def whole_mix_reading(y: np.ndarray, sample_rate: int, cancel: CancelToken) -> SongReading:
    """The beat grid and the key of one file that is a whole song (mono `y` at `sample_rate`), heard as
    `analyze_stems` hears a song loaded as one file: its onsets, with its chroma for the bar (the kit inside it
    kept out of the chords), then the key from that chroma settled by the chords' function. The grid is None when
    the file has no beat (a steady sound, too few onsets), the key None on drums or noise. No melody joins the key
    here: the analysis lets a mix's line in only where the mix reads as one line (11 of the 58 real mixes).
    The catalogue's audio import puts a transcribed melody on this grid, in this key (passed in by the app: the
    catalogue does not import the analysis)."""
    y = at_rate(y, sample_rate, ANALYSIS_RATE)
    if is_silent(y):
        return SongReading(None, None)
    with one_blas_thread():  # as the analysis runs: the same sums, and no second BLAS thread spinning
        chroma = chroma_features(y, ANALYSIS_RATE, drums_inside=True)
        done: Future[ChromaFeatures] = Future()
        done.set_result(chroma)
        tempo = find_beat(y, y, None, done, no_progress, cancel)
        cancel.check()
        duration = y.size / ANALYSIS_RATE
        if tempo.grid is None:  # the key is heard on some grid even where no beat is
            heard = _harmony(BeatGrid(120.0), tempo, chroma, ["mix"], duration, [], no_progress, cancel)
        else:  # as the analysis hears a song loaded as one file (no kit of its own)
            heard = _harmony_after_a_pickup(tempo.grid, tempo, chroma, ["mix"], duration, [], no_progress, cancel, y)
        grid, _tempo, key_est, _sections, timeline, _conf, key_inputs = heard
        key_est = settle_mode(key_est, key_inputs, timeline, grid, ())
    return SongReading(grid if tempo.grid is not None else None, key_est.key)


def settle_mode(key_est: key_mod.KeyEstimate, key_inputs: key_function.KeyInputs | None, timeline: ChordTimeline,
                grid: BeatGrid, key_notes: Sequence[SecondsNote]) -> key_mod.KeyEstimate:
    """Major or relative minor, then major or minor on that tonic, once the chords are known: where the song
    rests (its edge and phrase-opening chords, the lead's phrase-final notes `key_notes`), then the tonic chord's
    third (a blues lead's flat thirds do not make it minor)."""
    if key_est.key is None or not timeline.spans:
        return key_est
    finals = key_function.phrase_final_pitch_classes([(n.onset, n.duration, n.pitch) for n in key_notes],
                                                     beat_seconds=60.0 / grid.tempo_bpm)
    key_est = key_function.settle_relative(key_est, chords_mod.bar_chords(timeline, grid.time_signature.bar_quarters),
                                           phrase_final_pcs=finals)
    # the beats whose third sounds: key_inputs exists wherever there are chords
    return key_function.settle_parallel(key_est, key_inputs.mode_spans if key_inputs is not None else ())


def _harmony(grid: BeatGrid, tempo: TempoResult, chroma: ChromaFeatures | None, harmonic_names: list[str],
             duration: float, notes: list[str], progress: Progress, cancel: CancelToken) -> Heard:
    """The key, its sections and the chords per beat of `grid` from the harmonic stems' chroma."""
    progress(0.45, "finding the key and chords")
    key_est = key_mod.KeyEstimate(None, 0.0, "no harmonic content (drums only or silence)")
    sections: tuple[key_mod.KeySection, ...] = ()
    timeline = ChordTimeline()
    chord_conf: tuple[float, ...] = ()
    chord_est = chords_mod.ChordEstimate(timeline, (), ())
    key_inputs = None
    if chroma is not None and chroma.frames:
        # the chroma holds only stems judged pitched (not drums): refuse a key there only on noise
        key_est = key_mod.estimate_key(chroma.chroma, chroma.bass, weights=chroma.energy, fps=chroma.fps,
                                       min_contrast=key_mod.PITCHED_STEMS_MIN_CONTRAST, equal_frames=True)
        times, quarters = chords_mod.beat_boundaries(grid, duration)
        bc, bb, be = chroma.beat_sync(times)
        if bc.shape[0]:
            cc, cb, _ = chroma.beat_sync(times, for_chords=True)  # cb: the bass notes' salience
            spectrum, _, _ = chroma.beat_sync(times, for_chords=True, notes=False)
            chord_est = chords_mod.estimate_chords(cc, bb, be, quarters, grid, no_chord_chroma=spectrum, span_bass=cb)
            timeline, chord_conf = chord_est.timeline, chord_est.confidences
        if key_est.key is not None and bc.shape[0]:
            bars = chords_mod.bar_chords(timeline, grid.time_signature.bar_quarters)
            downbeat = [chords_mod.is_downbeat(q, grid) for q in chord_est.beat_quarters]
            step = quarters[1] - quarters[0] if quarters.size > 1 else 1.0
            key_inputs = key_function.KeyInputs.of(
                chroma.chroma, chroma.bass, key_mod.sounding_frames(chroma.energy), bars, chord_est.per_beat,
                np.array(downbeat), [int(np.argmax(bb[i])) for i, d in enumerate(downbeat) if d],
                heard=tuple(harmonic_names),
                beat_features=(bc, bb, be, int(round(grid.time_signature.bar_quarters / step)), step))
            key_est = key_inputs.refine(key_est)
            sections = key_inputs.sections(key_est.key)
            # chords without a third are named by the key they sound in (after the key is settled: the relative
            # major's iii is the minor key's major V)
            open_fifths = chords_mod.open_fifth_beats(chord_est, cc)
            chord_est = chords_mod.name_thirdless_by_key(chord_est, cc, key_at(key_est.key, sections))
            timeline, chord_conf = chord_est.timeline, chord_est.confidences
            key_inputs = key_inputs.with_mode_spans(chord_est, open_fifths)
    if key_est.key is None:
        notes.append(f"could not determine the key: {key_est.reason}")
    cancel.check()

    return grid, tempo, key_est, sections, timeline, chord_conf, key_inputs


def _harmony_after_a_pickup(grid: BeatGrid, tempo: TempoResult, chroma: ChromaFeatures | None,
                            harmonic_names: list[str], duration: float, notes: list[str], progress: Progress,
                            cancel: CancelToken, everything: np.ndarray) -> Heard:
    """`_harmony` on the grid of a song without a drum stem (`everything`: all its stems mixed, mono at
    ANALYSIS_RATE), and again with bar 1 a beat later in the bar when bar 1 is the song's first sound, the chords
    say that sound was a one-beat pickup (meter.starts_on_a_pickup) and no kit plays inside the mix (a kit's kick
    and snare say where beat 1 is: roles.kit_inside). Bar 1 is then the bar the pickup is in, as in the song's
    score, or the first full bar where that bar would start before the audio. The key and chords are heard again
    on the moved grid: both read the downbeats."""
    said: list[str] = []
    heard = _harmony(grid, tempo, chroma, harmonic_names, duration, said, progress, cancel)
    ts = grid.time_signature
    first_sound = first_sound_seconds(everything, ANALYSIS_RATE)
    at_first_sound = abs(grid.offset_seconds - first_sound) <= PICKUP_SLACK_BEATS * grid.seconds_per_quarter
    if ts.denominator == 4 and at_first_sound:
        timeline = heard[4]
        roots = [timeline.at(float(i)).root_pc for i in range(len(grid.beat_times))]
        if starts_on_a_pickup(roots, ts.numerator) and not kit_inside(everything, ANALYSIS_RATE):
            moved = _after_a_pickup(grid)
            said = []
            heard = _harmony(moved, replace(tempo, grid=moved), chroma, harmonic_names, duration, said, progress,
                             cancel)
            where = "the bar it is in" if moved.offset_seconds < grid.offset_seconds else "the first full bar"
            notes.append(f"the song starts on a one-beat pickup (its chords cadence a beat after its first sound): "
                         f"bar 1 is {where} (◀ Beat / Beat ▶ move it)")
    notes.extend(said)
    return heard


def _after_a_pickup(grid: BeatGrid) -> BeatGrid:
    """The grid with bar 1 at the downbeat a beat after its bar 1 (a one-beat pickup), moved back to the bar that
    holds the pickup unless that starts before the audio (BeatGrid.bar_one_moved), with its beats from bar 1 on
    as the beat tracker gives them: the ones before the old bar 1 added, any before the new one left out."""
    pulse = grid.time_signature.pulse_quarters
    quarters, moved = grid.bar_one_moved(1.0 - grid.time_signature.numerator)
    moved = replace(moved, offset_seconds=max(0.0, moved.offset_seconds))  # (within the start's slack: the start)
    added = tuple(moved.seconds(i * pulse) for i in range(int(round(-quarters / pulse))))
    beats = added + tuple(t for t in moved.beat_times if t >= moved.offset_seconds - 1e-6)
    downs = added[:1] + tuple(t for t in moved.downbeat_times if t >= moved.offset_seconds - 1e-6)
    return replace(moved, beat_times=beats, downbeat_times=downs)


def key_at(key: Key | None, sections: Sequence[key_mod.KeySection]) -> Callable[[float], Key | None]:
    """The key at a place (quarter notes): a modulated section's own, else the song's."""
    def at(quarter: float) -> Key | None:
        return next((s.key for s in sections if s.start <= quarter < s.end), key)
    return at
