"""`analyze_stems`: stems in, `SongAnalysis` out — roles, beat grid, key, chords, lead melody.

Runs as a core task (progress + cancel). Expensive per-stem results (role features, the lead's pYIN note
track) are cached by content hash; the whole-song result is cached by the hashes of all stems plus the
roles and the lead, so re-opening a project costs nothing and changing the lead only re-runs what depends
on it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from app.core.analysis import grid_and_harmony
from app.core.analysis import melody as melody_mod
from app.core.analysis import roles as roles_mod
from app.core.analysis.cache import AnalysisCache, combined_key
from app.core.analysis.inputs import ESTIMATORS_REVISION, MAX_SECONDS, StemInput  # noqa: F401 - re-exported
from app.core.analysis.result import ANALYSIS_VERSION, SongAnalysis
from app.core.analysis.rhythm.tempo import TempoResult
from app.core.analysis.signal import ANALYSIS_RATE, is_silent, mono_at, one_blas_thread
from app.core.errors import AnalysisError
from app.core.music import TEMPO_MAX, TEMPO_MIN, BeatGrid, same_tempo
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress
from app.core.transcription.grid import melody_on_grid

log = logging.getLogger(__name__)

MAX_STEMS = 64


class _LinkedCancel(CancelToken):
    """Cancelled when either its parent or itself is cancelled (stops the melody worker on failure)."""

    def __init__(self, parent: CancelToken) -> None:
        super().__init__()
        self.parent = parent

    @property
    def cancelled(self) -> bool:
        return self.parent.cancelled or super().cancelled

    def check(self) -> None:
        self.parent.check()
        super().check()


def _check(stems: Sequence[StemInput]) -> None:
    if not stems:
        raise AnalysisError("no stems to analyse", hint="add at least one stem")
    if len(stems) > MAX_STEMS:
        raise AnalysisError(f"{len(stems)} stems is more than {MAX_STEMS}")
    names = [s.name for s in stems]
    if len(set(names)) != len(names):
        raise AnalysisError("two stems have the same name", hint="rename one of them")
    for s in stems:
        if s.role is not None and s.role not in roles_mod.ROLES:
            raise AnalysisError(f"unknown role {s.role!r} (expected one of {', '.join(roles_mod.ROLES)})", path=s.name)


def _stem_features(sha: str, y: np.ndarray, cache: AnalysisCache | None,
                   cancel: CancelToken = NEVER_CANCELLED) -> roles_mod.StemFeatures:
    cancel.check()
    key = f"{sha}-v{roles_mod.FEATURES_VERSION}"
    if cache is not None and (hit := cache.get("stem-features", key)) is not None:
        try:
            return roles_mod.StemFeatures.from_json(hit)
        except (KeyError, TypeError, ValueError):
            cache.discard("stem-features", key)
    f = roles_mod.stem_features(y, ANALYSIS_RATE)
    if cache is not None:
        cache.put("stem-features", key, f.to_json())
    return f


def _cached_lead_notes(stem: StemInput, cache: AnalysisCache | None, whole_mix: bool = False,
                       field: str = "notes") -> list[melody_mod.SecondsNote] | None:
    """The cached line (`field` "notes"), or a whole mix's line for the key ("key_notes")."""
    key = _lead_key(stem, whole_mix)
    if cache is None or (hit := cache.get("lead-notes", key)) is None:
        return None
    try:
        return [melody_mod.SecondsNote(float(a), float(b), float(c)) for a, b, c in hit[field]]
    except (KeyError, TypeError, ValueError):
        cache.discard("lead-notes", key)
        return None


def _lead_key(stem: StemInput, whole_mix: bool = False) -> str:
    return f"{stem.content_sha256}-v{ANALYSIS_VERSION}-m{melody_mod.MELODY_VERSION}" + ("-mix" if whole_mix else "")


def _whole_mix(stems: Sequence[StemInput], roles: dict[str, str], sources: dict[str, str], lead: str | None) -> bool:
    """Whether the song is one file to be read as a whole mix: a lone stem that neither the user nor its name gave
    a role and that is not a kit. Its melody is picked out of the mix (issue 11, item 6): before, one that read as
    harmony got no melody, and one that read as a single line was transcribed as a lead alone, which on the 12
    benchmark mixes scores F 0.188 against 0.404 for the full-mix selection (0.234 and 0.361 on the five of them
    that read as a line)."""
    if lead is not None or len(stems) != 1:
        return False
    name = stems[0].name
    return sources.get(name) == "features" and roles.get(name) != "drums"


def _lead_from_names(stems: Sequence[StemInput], overrides: dict[str, str]) -> str | None:
    """The lead stem when every role is known without audio (set by the user or said by the name), else None."""
    if any(roles_mod.needs_features(s.name, overrides.get(s.name), lone=len(stems) == 1) for s in stems):
        return None
    roles, _ = roles_mod.guess_roles([s.name for s in stems], [None] * len(stems), overrides)
    return next((s.name for s in stems if roles[s.name] == "lead"), None)


def _lead_job(stem: StemInput, y: np.ndarray, cache: AnalysisCache | None, cancel: CancelToken,
              whole_mix: bool = False) -> tuple[list[melody_mod.SecondsNote] | None, melody_mod.PitchTrackJob | None]:
    """(cached notes, None), ([], None) for a stem without pitch, or (None, the transcription job to run).

    `y` is the stem as read for the analysis: the rates agree (both 22.05 kHz), so it is not read twice.
    `whole_mix`: the stem is the whole song, so the line is picked out of the mix (not read as a lead alone)."""
    if (hit := _cached_lead_notes(stem, cache, whole_mix)) is not None:
        return hit, None
    if melody_mod.INPUT_RATE != ANALYSIS_RATE:
        y = mono_at(stem.samples, stem.sample_rate, melody_mod.INPUT_RATE, name=stem.name)
    if not melody_mod.has_pitch_content(y):
        return [], None
    return None, melody_mod.PitchTrackJob(y, _LinkedCancel(cancel), sample_rate=melody_mod.INPUT_RATE,
                                          lead_stem=not whole_mix)


def _features_by_stem(stems: Sequence[StemInput], mono: dict[str, np.ndarray], overrides: dict[str, str],
                      cache: AnalysisCache | None, cancel: CancelToken) -> list[roles_mod.StemFeatures | None]:
    """Role features of the stems whose role is neither set nor named (None for the others), two at a time.

    Named stems ("bass", "Lead Vox") take their role from the name, so their features were never read."""
    wanted = [s for s in stems if roles_mod.needs_features(s.name, overrides.get(s.name), lone=len(stems) == 1)]
    if len(wanted) < 2:
        got = [_stem_features(s.content_sha256, mono[s.name], cache, cancel) for s in wanted]
    else:
        # the STFTs and spectral statistics run in numpy/scipy with the GIL released: two threads, two cores
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="accord-features") as pool:
            got = list(pool.map(lambda s: _stem_features(s.content_sha256, mono[s.name], cache, cancel), wanted))
    by_name = {s.name: f for s, f in zip(wanted, got, strict=True)}
    return [by_name.get(s.name) for s in stems]


def _runner_up_bpm(tempo_bpm: float, tempo: TempoResult) -> float:
    """The next most likely tempo in quarter notes (the runner-up felt beat at its ratio to the tempo shown), or 0
    when there is none, it is the same tempo, or it falls outside the tempo range."""
    bpm = tempo_bpm * tempo.runner_up_ratio
    if tempo.grid is None or tempo.runner_up_ratio <= 0 or same_tempo(tempo.runner_up_ratio, 1.0) \
            or not TEMPO_MIN <= bpm <= TEMPO_MAX:
        return 0.0
    return round(bpm, 2)


def analyze_stems(stems: Sequence[StemInput], *, lead: str | None = None, cache: AnalysisCache | None = None,
                  progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED,
                  grid: BeatGrid | None = None) -> SongAnalysis:
    """Analyse a song from its stems. Never raises for odd audio; says what it could not determine in `notes`.

    `grid`: the song's beats as the artist has them (tempo, meter, bar 1, anchors); the key, the chords and the
    melody are then heard on it instead of on a grid found in the audio (the result's grid is this one).
    Raises AnalysisError only for unusable input (no stems, duplicate names, unknown role or lead name).
    """
    _check(stems)
    if lead is not None and lead not in {s.name for s in stems}:
        raise AnalysisError(f"no stem named {lead!r} to take the lead melody from",
                            hint="choose one of: " + ", ".join(s.name for s in stems))
    overrides = {s.name: s.role for s in stems if s.role}
    given = "" if grid is None else json.dumps([grid.tempo_bpm, str(grid.time_signature), grid.offset_seconds,
                                                grid.anchors])
    song_key = combined_key(f"v{ANALYSIS_VERSION}", f"r{ESTIMATORS_REVISION}", lead or "", given,
                            *(f"{s.name}={s.content_sha256}:{s.role or ''}" for s in stems))
    if cache is not None and (hit := cache.get("song", song_key)) is not None:
        try:
            progress(1.0, "analysis (cached)")
            return SongAnalysis.from_json(hit)
        except AnalysisError:
            cache.discard("song", song_key)
    notes: list[str] = []
    rates = {s.sample_rate for s in stems}
    if len(rates) > 1:
        notes.append(f"stems have different sample rates ({', '.join(str(r) for r in sorted(rates))} Hz): "
                     "all were resampled for analysis")
    names = [s.name for s in stems]
    # the lead's transcription (the slowest step) starts as soon as its stem is read when the lead is known
    # without any stem's features (given, or every role set or named): it then runs beside reading the other
    # stems and their role features as well as beside the beat, key and chords
    early_lead = lead if lead is not None else _lead_from_names(stems, overrides)
    order = sorted(range(len(stems)), key=lambda i: stems[i].name != early_lead)  # the early lead first
    job = None
    sec_notes = None
    whole_mix = False
    # two workers: the transcription, and the chroma beside the onsets (see grid_and_harmony.hear)
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="accord-analysis")
    future = None
    with one_blas_thread():
        try:
            progress(0.0, "reading stems")
            read: dict[str, np.ndarray] = {}
            for done, i in enumerate(order):
                s = stems[i]
                cancel.check()
                read[s.name] = mono_at(s.samples, s.sample_rate, name=s.name)
                if read[s.name].size / ANALYSIS_RATE > MAX_SECONDS:
                    raise AnalysisError(f"longer than {MAX_SECONDS // 60} minutes", path=s.name)
                if s.name == early_lead:
                    sec_notes, job = _lead_job(s, read[s.name], cache, cancel)
                    future = None if job is None else pool.submit(job.work)
                progress(0.1 * (done + 1) / len(stems), f"reading {s.name}")
            mono = {s.name: read[s.name] for s in stems}  # in the stems' order: the mixes below sum in this order
            lengths = {y.size for y in mono.values()}
            if len(lengths) > 1:
                notes.append("stems have different lengths: the shorter ones were padded with silence")
            duration = max(lengths) / ANALYSIS_RATE
            for name, y in mono.items():
                if is_silent(y):
                    notes.append(f"stem {name!r} is silent")

            progress(0.1, "guessing stem roles")
            feats = _features_by_stem(stems, mono, overrides, cache, cancel)
            roles, sources = roles_mod.guess_roles(names, feats, overrides)
            # the beat, meter, key and chords come from the roles as guessed (or set by the user), not from the
            # choice of lead: taking the melody from the bass stem must not take the bass out of the beat (a song
            # flipped between 4/4 and 3/4 with --lead)
            beat_roles = dict(roles)
            if all(r == roles_mod.UNHEARD for r in beat_roles.values()):
                raise AnalysisError(f"every stem is marked {roles_mod.UNHEARD}, which the analysis leaves out",
                                    hint="give the stems that carry the song another role")
            if lead is not None:
                roles[lead], sources[lead] = "lead", "user"
            cancel.check()

            lead_name = lead or next((n for n in names if roles[n] == "lead"), None)
            whole_mix = _whole_mix(stems, roles, sources, lead)
            if whole_mix:
                lead_name = names[0]
            lead_stem = next((s for s in stems if s.name == lead_name), None)
            if lead_stem is not None and lead_name != early_lead:
                sec_notes, job = _lead_job(lead_stem, mono[lead_name], cache, cancel, whole_mix)
                future = None if job is None else pool.submit(job.work)
            grid, tempo, key_est, sections, timeline, chord_conf, key_inputs = grid_and_harmony.hear(
                names, beat_roles, mono, duration, notes, progress, cancel, pool, given=grid)
            progress(0.6, "following the lead melody")
            if job is not None:  # help the worker with the chunks still to do
                job.work(lambda done: progress(0.6 + 0.35 * done, "following the lead melody"))
            if future is not None:
                future.result()
        except BaseException:
            if job is not None:
                job.cancel.cancel()  # don't leave the transcription running for a result nobody will read
            # nor wait for the chroma: a cancelled analysis returns now (the worker ends by itself)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    pool.shutdown()
    # The key hears a whole mix's line only where the mix's own features hear a single line, and then read as the
    # lead alone (salience decides), as before the mix had a melody: the full-mix line in the key cost the mixes'
    # key 0.902 -> 0.884 on the 58 songs, and without any line a song with no lead part (the top of its
    # accompaniment, a blues riff's flat thirds and sevenths) had fallen 0.884 -> 0.778 (docs/analysis-evaluation.md).
    hears_line = whole_mix and roles.get(lead_name) == "lead"
    key_line = None
    if job is not None and lead_stem is not None:
        sec_notes = job.notes()
        key_line = job.notes(lead_stem=True) if hears_line else []
        if cache is not None:
            cache.put("lead-notes", _lead_key(lead_stem, whole_mix),
                      {"notes": [[n.onset, n.duration, n.pitch] for n in sec_notes],
                       "key_notes": [[n.onset, n.duration, n.pitch] for n in key_line]})
    elif hears_line and lead_stem is not None:
        key_line = _cached_lead_notes(lead_stem, cache, whole_mix, "key_notes")
    key_notes = (key_line or ()) if whole_mix else sec_notes or ()
    if key_est.key is not None and key_inputs is not None and key_notes:
        # the melody is part of the song's pitch content: the key's profile hears it beside the accompaniment
        # (the chords do not: a lead's passing notes blur their templates)
        heard_key = key_est.key
        key_est = key_inputs.with_lead(key_est, [(n.duration, n.pitch) for n in key_notes], lead_name)
        if key_est.key != heard_key:  # modulations are sections whose key differs from the song's
            sections = key_inputs.sections(key_est.key)
    # major or relative minor, then major or minor, now that the chords and the lead's phrase ends are known
    key_est = grid_and_harmony.settle_mode(key_est, key_inputs, timeline, grid, key_notes)
    melody = None
    melody_seconds: tuple[tuple[float, float, float], ...] = ()
    if lead_stem is None:
        notes.append("no lead stem: choose one to extract its melody")
    elif sec_notes is not None:
        melody = melody_on_grid(sec_notes, grid, key=key_est.key)
        melody_seconds = tuple((n.onset, n.duration, n.pitch) for n in sec_notes)
        if not sec_notes:
            notes.append(f"no melody found in {lead_name!r} (silent or unpitched)")
        elif whole_mix:
            notes.append(f"the melody was picked out of the whole mix {lead_name!r} (a best guess at the tune "
                         "among its parts): check it, or load the lead as its own stem")
    progress(1.0, "done")
    result = SongAnalysis(
        grid=grid, tempo_determined=tempo.grid is not None, tempo_confidence=round(tempo.confidence, 3),
        key=key_est.key, key_confidence=key_est.confidence if key_est.key else 0.0, key_sections=sections,
        key_runner_up=key_est.runner_up if key_est.key else None,
        key_runner_up_confidence=key_est.runner_up_confidence if key_est.key else 0.0,
        tempo_fit_bpm=tempo.fit_bpm, tempo_map=tempo.tempo_map, chord_confidences=chord_conf,
        tempo_runner_up_bpm=_runner_up_bpm(grid.tempo_bpm, tempo), ears_revision=ESTIMATORS_REVISION,
        triplet_feel=tempo.grid is not None and tempo.triplet_feel,
        chords=timeline, melody=melody, lead=lead_name, roles=roles, role_sources=sources,
        stems=tuple((s.name, s.content_sha256) for s in stems), duration_seconds=round(duration, 3),
        notes=tuple(notes), melody_seconds=melody_seconds)
    if cache is not None:
        cache.put("song", song_key, result.to_json())
    return result
