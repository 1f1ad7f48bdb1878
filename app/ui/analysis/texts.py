"""What the Analysis panel says in words: the key's confidence and runner-up, the felt beat of a compound meter,
and a song whose tempo changes. Pure functions of the analysis and the project's values, so they are tested
without widgets."""

from __future__ import annotations

from app.core.analysis.inputs import ESTIMATORS_REVISION
from app.core.analysis.result import SongAnalysis
from app.core.music import TEMPO_MAX, TEMPO_MIN, BeatGrid, Key, TimeSignature, same_tempo
from app.core.project.analysis_edits import same_beats_meter


def key_confidence_text(analysis: SongAnalysis | None, key: Key | None) -> str:
    """"confidence 71% · runner-up B minor 22%", or, once the artist chose another key (`key`), what was heard."""
    if analysis is None:
        return ""
    if analysis.key is None:
        return "no key found"
    runner = (f" · runner-up {analysis.key_runner_up.name} {analysis.key_runner_up_confidence:.0%}"
              if analysis.key_runner_up is not None else "")
    if key != analysis.key:
        return f"set by you (heard {analysis.key.name} {analysis.key_confidence:.0%}{runner})"
    return f"confidence {analysis.key_confidence:.0%}{runner}"


def felt_beat_text(tempo_bpm: float | None, meter: TimeSignature) -> str:
    """A compound meter's felt beat, which is not the BPM shown: the tempo counts quarter notes (as a DAW's
    does, and MIDI files), but 6/8 at 177 is felt as two dotted-quarter beats a bar, 118 a minute — the number
    a musician taps and says ("118 with a triplet feel"). "" for simple meters, whose beat is the BPM."""
    if not tempo_bpm or not meter.is_compound:
        return ""
    felt = tempo_bpm / meter.pulse_quarters
    return f"beat: dotted quarter = {felt:.4g}/min ({meter.numerator // 3} a bar)"


def beats_as_texts(tempo_bpm: float | None, meter: TimeSignature) -> tuple[str, str, bool] | None:
    """(button text, tooltip, enabled) for writing the same beats in the other common notation
    (analysis_edits.write_beats_as): "As 4/4" on a 6/8 reading of a 12/8 feel. None where the meter has no
    other common notation or there is no tempo; not enabled where the new tempo would leave the tempo range."""
    choice = same_beats_meter(meter)
    if not tempo_bpm or choice is None:
        return None
    target, factor = choice
    bpm = tempo_bpm * factor
    if meter.is_compound:
        how = "each dotted-quarter beat a quarter note in triplets"
        if meter.numerator == 6:
            how += f"; two {meter} bars make one {target} bar"
    else:
        how = "each beat a dotted quarter"
    tip = f"Write the same beats as {target} at {bpm:.4g} BPM ({how}); chords stay where they sound"
    return f"As {target}", tip, TEMPO_MIN <= bpm <= TEMPO_MAX


# how a runner-up tempo relates to the one shown, in a musician's words (else a plain ratio)
_RATIO_WORDS = ((0.5, "half"), (2.0, "double"), (1.5, "3:2"), (2.0 / 3.0, "2:3"), (3.0, "triple"),
                (1.0 / 3.0, "a third"), (4.0 / 3.0, "4:3"), (0.75, "3:4"))


def tempo_runner_up_texts(analysis: SongAnalysis | None, tempo_bpm: float | None) -> tuple[str, str, float] | None:
    """(button text, tooltip, factor to scale the tempo by) for the next most likely tempo the analysis heard, or
    None (none heard, no tempo, or it is the tempo already shown)."""
    other = analysis.tempo_runner_up_bpm if analysis is not None and analysis.tempo_determined else 0.0
    if not tempo_bpm or other <= 0 or same_tempo(other, tempo_bpm):
        return None
    factor = other / tempo_bpm
    word = next((w for r, w in _RATIO_WORDS if abs(factor / r - 1.0) <= 0.01), f"×{factor:.3g}")
    tip = (f"The next most likely tempo Accord heard: {other:.4g} BPM ({word} of {tempo_bpm:.4g}). Half, double and "
           "3:2 readings are the commonest misreadings of a beat; chords stay where they sound")
    return f"Use {other:.4g}", tip, factor


MAX_TEMPO_SECTIONS_SHOWN = 5  # an accelerando is heard as many small steps: the first few say what it does


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(0, int(round(seconds))), 60)
    return f"{minutes}:{rest:02d}"


def tempo_changes_text(analysis: SongAnalysis | None, tempo_bpm: float | None, grid: BeatGrid | None = None) -> str:
    """"" for a steady song; otherwise what the bars follow.

    A song played without a click has a grid that follows its beats (`grid.follows_tempo`): the bars, the
    suggestions and the exports move with it. Otherwise the studio's grid has one tempo; a song that changes
    tempo is heard section by section (`SongAnalysis.tempo_map`) and that tempo is the longest section's.
    Saying so keeps an artist from trusting bar lines that drift off the music in the other sections."""
    if grid is not None and grid.follows_tempo:
        low, high = grid.tempo_range()
        return (f"Played without a click: the tempo moves between {low:.0f} and {high:.0f} BPM, and the bars follow "
                "the song's own beats. Setting a tempo by hand makes it one steady tempo (undo brings the "
                "followed beats back).")
    if analysis is None or not analysis.tempo_determined or len(analysis.tempo_map) < 2:
        return ""
    shown = analysis.tempo_map[:MAX_TEMPO_SECTIONS_SHOWN]
    sections = ", ".join(f"{round(bpm, 1):g} BPM from {_clock(start)}" for start, bpm in shown)
    if len(analysis.tempo_map) > len(shown):
        sections += f" and {len(analysis.tempo_map) - len(shown)} more changes"
    follows = f"{tempo_bpm:g} BPM" if tempo_bpm else "one tempo"
    return (f"The tempo changes: {sections}. The bars follow {follows}; in the other sections they drift off "
            "the music (set the tempo for the section you work on).")


def older_ears_text(analysis: SongAnalysis | None, current: int = ESTIMATORS_REVISION) -> str:
    """What to say when the project's analysis was heard by an earlier version of the analysis than the one
    running now (its tempo, key and chord readers improve between versions): the artist decides whether to hear
    the song again, since Analyse replaces the tempo, key and bar 1 they may have set (one undo step)."""
    if analysis is None or analysis.ears_revision >= current:
        return ""
    return ("Heard by an earlier version of Accord's analysis: Analyse to hear the song with the current one "
            "(it replaces the tempo, key and bar 1; Undo brings them back).")

