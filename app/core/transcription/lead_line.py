"""Lead-line selection: one melody out of a polyphonic transcription (a mix, or a stem that is not clean).

A melody is the line a listener follows: it is salient (loud, clearly pitched), sits in a lead register
(above the bass, usually the top of the texture) and moves by small steps from note to note. The line is
found as the best-scoring monophonic path through the note events (dynamic programming, as in melody
extraction by salience-and-continuity tracking, Salamon & Gómez 2012, applied to notes instead of pitch
contours):
- notes outside C2..C7 are removed first. Notes a 12th or two octaves above a stronger note starting
  with them are NOT dropped as overtone ghosts: in real songs the melody sits on chord tones, so its
  notes very often start 19 or 24 semitones above a bass note (an earlier ghost rule dropped those and
  cost 0.402 -> 0.335 F on the 12 real mixes of bench_melody; on the lead stems it changed nothing);
- each note earns `salience x register x length`; the register term rises from the bass to the lead
  range, and notes in the bass register (below BASS_CEILING) are never taken when anything above exists;
- a clearly voiced note that is the top voice when it starts (nothing higher sounding then) earns
  TOP_VOICE_BONUS of its gain more: the skyline rule of symbolic melody extraction (Uitdenbogerd & Zobel 1999)
  as a preference, not a rule, since a lead often sits under a high pad or a doubled line; a note held over a
  line beneath (a pad's top voice) and notes above C6 (overtones of a bright part as often as a tune) get none
  (12 real mixes 0.404 -> 0.427, the 17-song check set 0.651 -> 0.665; any bonus from 0.25 to 1.0 raises both);
- a path moves forward in time, one note per onset; a note may ring on under the next one (release,
  reverb, legato), but a note whose last CUT_FREE or more would be cut by the next one costs more than
  it earns: a held pad chord is not the melody, the short notes over it are;
- a jump costs per semitone beyond a step, more beyond an octave, so the path stays with one voice
  instead of hopping between the melody and the top of the chords;
- voicing: a note earns its gain less a share of the song's upper-quartile gain, so weak notes are left
  out and the line rests while the melody does;
- after a rest longer than the lookback the line resumes at any pitch (every phrase is kept).
A lead stem (`lead_stem=True`) is the melody alone: every note is a candidate, only salience decides
between overlapping notes, and none of the mix priors above apply.
Constants were set on the 12 openttd-openmsx renderings with a lead part and checked on the 17 other
openttd-openmsx songs (benchmarks/bench_melody.py reports both, with the upper bound a perfect selection
would reach; docs/analysis.md lists what else was tried and did not help).
"""

from __future__ import annotations

import numpy as np

from app.core.transcription.notes import SecondsNote
from app.core.transcription.polyphonic import NoteEvent

LOWEST, HIGHEST = 36, 96  # C2..C7: any lead voice or instrument (the range pYIN searches too)
BASS_CEILING = 48  # C3: below it a note is a bass note unless nothing else plays
LEAD_FLOOR, LEAD_TOP = 52, 76  # the register term rises over E3..E5
MAX_LOOKBACK = 48  # predecessors considered per note (enough for ~4 s of dense polyphony)
MAX_GAP_SECONDS = 4.0
STEP_SEMITONES = 2
JUMP_COST = 0.01  # per semitone beyond a step
OCTAVE_COST = 0.25  # extra for a leap beyond an octave
CUT_FREE = 0.7  # cutting the last 70 % of a note is free (release tails, reverb, legato)
CUT_COST = 2.5  # share of a note's gain lost when the next note starts while it still sounds (keeps pads out)
VOICING_QUANTILE = 0.75  # in a mix a note earns its gain less VOICING_SHARE of this quantile of the song's
VOICING_SHARE = 0.7  # gains: weak notes cost more than they earn, so the line rests while the melody does
OVERLAP_ALLOWED = 1.0  # a following note may start while the previous one rings (legato, reverb)


REGISTER_BASE, LENGTH_BASE, FULL_LENGTH = 0.35, 0.4, 0.5
TOP_VOICE_BONUS = 0.5  # share of its gain a note earns more when nothing higher sounds as it starts
TOP_VOICE_ONSET = 0.03  # a higher note starting this much after it still counts as sounding with it (a chord)
TOP_VOICE_HELD = 0.05  # a higher note ending within this of its onset no longer counts (a release tail)
TOP_VOICE_CEILING = 84  # above C6 the top voice is as often a bright part's overtone as a tune: no bonus there
TOP_VOICE_MAX_COVERED = 1  # a note held over more onsets than this beneath it is a pad's voice, not a tune's
TOP_VOICE_VOICED = 0.1  # only a note this far over the voicing floor (a share of it) earns the bonus: when the tune
# rests, the top of a quiet accompaniment stays unvoiced


def _note_gain(e: NoteEvent) -> float:
    register = float(np.clip((e.pitch - LEAD_FLOOR) / (LEAD_TOP - LEAD_FLOOR), 0.0, 1.0))
    length = float(np.sqrt(min(e.duration, FULL_LENGTH) / FULL_LENGTH))
    return e.salience * (REGISTER_BASE + register) * (LENGTH_BASE + length)


def _jump_cost(a: int, b: int) -> float:
    d = abs(a - b)
    return JUMP_COST * max(0, d - STEP_SEMITONES) + (OCTAVE_COST if d > 12 else 0.0)


def select_lead_line(events: list[NoteEvent], *, lead_stem: bool = False) -> list[SecondsNote]:
    """The lead melody as a monophonic list of notes (each cut where the next begins).

    `lead_stem`: the audio is the lead part alone (a stem the artist marked as the lead), so every note
    heard is the melody's: no register prior, no bass exclusion, no voice-leading costs; where notes
    overlap (ringing, dyads) the most salient path wins. On the 12 real lead stems of bench_melody this
    scores F 0.86 against 0.82 with the full-mix priors, which cut ringing harp and guitar notes and
    drop leads that go below C3.
    """
    events = [e for e in events if LOWEST <= e.pitch <= HIGHEST]
    if not events:
        return []
    if lead_stem:
        pool = sorted(events, key=lambda e: (e.onset, -e.pitch))
        path = best_path(pool, np.array([e.salience for e in pool]), voice_costs=False)
    else:
        above = [e for e in events if e.pitch >= BASS_CEILING]
        pool = sorted(above if len(above) >= max(4, len(events) // 10) else events,
                      key=lambda e: (e.onset, -e.pitch))
        gain = np.array([_note_gain(e) for e in pool])
        # voicing: a weak note earns nothing, so the line rests while the melody does instead of running
        # on through the accompaniment (Salamon & Gomez 2012 drop contours below a threshold set from the
        # song's own salience distribution); 0.288 -> 0.335 on the 12 real mixes of bench_melody. The top-voice
        # bonus goes to clearly voiced notes only: it prefers one note of the melody to another, it never voices one
        floor = VOICING_SHARE * np.quantile(gain, VOICING_QUANTILE)
        net = gain - floor
        clearly = net > TOP_VOICE_VOICED * floor
        path = best_path(pool, np.where(clearly, net + TOP_VOICE_BONUS * gain * top_voice(pool), net))
    line: list[SecondsNote] = []
    for k, e in enumerate(path):
        end = e.offset if k + 1 == len(path) else min(e.offset, path[k + 1].onset)
        if end - e.onset > 0.0:
            line.append(SecondsNote(e.onset, end - e.onset, float(e.pitch)))
    return line


def top_voice(pool: list[NoteEvent]) -> np.ndarray:
    """For each note of `pool` (sorted by onset) up to TOP_VOICE_CEILING: True when no higher note is sounding as
    it starts (started by TOP_VOICE_ONSET after it, still sounding TOP_VOICE_HELD after it) and it is not held
    over the onsets of a line beneath (a pad's top voice)."""
    onsets = np.array([e.onset for e in pool])
    offsets = np.array([e.offset for e in pool])
    pitches = np.array([e.pitch for e in pool])
    top = np.ones(len(pool), dtype=bool)
    for i, e in enumerate(pool):
        started = int(np.searchsorted(onsets, e.onset + TOP_VOICE_ONSET, side="right"))  # onset-sorted prefix
        above = (offsets[:started] > e.onset + TOP_VOICE_HELD) & (pitches[:started] > e.pitch)
        under = slice(int(np.searchsorted(onsets, e.onset + TOP_VOICE_HELD, side="right")),
                      int(np.searchsorted(onsets, e.offset - TOP_VOICE_HELD, side="left")))
        covered = np.count_nonzero(pitches[under] < e.pitch)  # onsets of lower notes while it is held
        top[i] = e.pitch <= TOP_VOICE_CEILING and covered <= TOP_VOICE_MAX_COVERED and not above.any()
    return top


def best_path(pool: list[NoteEvent], gain: np.ndarray, *, voice_costs: bool = True) -> list[NoteEvent]:
    """The monophonic path through `pool` (sorted by onset) with the most gain, net of jump and cut costs
    when `voice_costs` (they keep a path in one voice of a polyphonic texture)."""
    n = len(pool)
    if n == 0:
        return []
    best = gain.astype(float)
    back = np.full(n, -1)
    # the best path ending at or before each index: a line resumes after a rest longer than the lookback
    prefix_best = np.zeros(n)
    prefix_arg = np.full(n, -1)
    for j in range(n):
        ej = pool[j]
        reach = max(-1, j - 1 - MAX_LOOKBACK)  # pool[reach] and earlier: out of direct reach
        for i in range(j - 1, reach, -1):
            ei = pool[i]
            if ej.onset - ei.onset > MAX_GAP_SECONDS:
                reach = i
                break
            if ej.onset < ei.onset + max(0.04, (1.0 - OVERLAP_ALLOWED) * ei.duration):
                continue
            value = best[i] + gain[j]
            if voice_costs:
                cut = min(1.0, max(0.0, (ei.offset - ej.onset) / max(ei.duration, 1e-3) - CUT_FREE) / (1.0 - CUT_FREE))
                value -= _jump_cost(ei.pitch, ej.pitch) + CUT_COST * max(0.0, gain[i]) * cut
            if value > best[j]:
                best[j], back[j] = value, i
        if reach >= 0 and prefix_best[reach] + gain[j] > best[j]:  # after a long rest any pitch may follow
            best[j], back[j] = prefix_best[reach] + gain[j], prefix_arg[reach]
        prefix_best[j], prefix_arg[j] = (best[j], j) if j == 0 or best[j] > prefix_best[j - 1] \
            else (prefix_best[j - 1], prefix_arg[j - 1])
    path = []
    j = int(np.argmax(best))
    while j >= 0:
        path.append(pool[j])
        j = int(back[j])
    path.reverse()
    return path


def polyphony(events: list[NoteEvent]) -> float:
    """Fraction of notes that start while another is still sounding (0 for a clean monophonic line)."""
    if len(events) < 2:
        return 0.0
    ordered = sorted(events, key=lambda e: e.onset)
    overlapping, latest_end = 0, ordered[0].offset
    for e in ordered[1:]:
        if e.onset < latest_end - 0.03:
            overlapping += 1
        latest_end = max(latest_end, e.offset)
    return overlapping / (len(ordered) - 1)
