"""The single place where a Project becomes something the mixer can play (`MixState`).

The studio calls this after every edit that `Change.affects_mix`, and swaps the result into the engine;
offline rendering and export call it too, so what you hear is what you export.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from app.core.project.model import Project, StemRef
from app.core.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

if TYPE_CHECKING:
    from app.core.audio.io import DecodedAudio
    from app.core.audio.mix import MixState, TrackMix


def mix_state_for(project: Project, decoded: Mapping[str, DecodedAudio],
                  extra_tracks: Iterable[TrackMix] = (), *, sample_rate: int | None = None,
                  muted_ids: Collection[str] = ()) -> MixState:
    """MixState of the project's stems (in lane order) plus `extra_tracks` (e.g. a suggestion's synth).

    `sample_rate` (default: the project's) must be the rate the audio was decoded at; the studio decodes
    at its output's rate so any project plays.

    `muted_ids` are stems silenced for the moment without touching the project (e.g. the song's lead while
    a suggestion for the same bars is auditioned).

    `decoded` maps stem id → decoded audio; stems that are missing or not decoded yet are left out (they are
    silent), which does not change what solo means for the others: a soloed stem that is still loading
    keeps the rest silent, as the lane's solo button shows.
    """
    from app.core.audio.mix import MixState, TrackMix

    any_solo = project.any_solo
    tracks: list[TrackMix] = []
    for stem in project.stems:
        audio = decoded.get(stem.id)
        if audio is None or stem.missing:
            continue
        tracks.append(TrackMix(name=stem.name, samples=audio.samples, gain_db=stem.gain_db, pan=stem.pan,
                               mute=stem.mute or stem.id in muted_ids or (any_solo and not stem.solo),
                               solo=stem.solo))
    extras = tuple(extra_tracks)
    if any_solo:
        # Extra tracks follow the same rule, so a soloed stem that is still loading keeps them quiet too.
        extras = tuple(t if t.solo else replace(t, mute=True) for t in extras)
    return MixState(tracks=tuple(tracks) + extras, master_gain_db=project.master_gain_db,
                    sample_rate=sample_rate or project.sample_rate)


def render_mix_streaming(project: Project, load: Callable[[StemRef], DecodedAudio],
                         extra_tracks: Iterable[TrackMix] = (), *, sample_rate: int | None = None,
                         progress: Progress = no_progress,
                         cancel: CancelToken = NEVER_CANCELLED) -> tuple[np.ndarray, dict[str, str]]:
    """The project's mix, as `render_offline(mix_state_for(project, every stem decoded, extra_tracks))` gives
    it, sample for sample, but with one stem in memory at a time: each is decoded by `load`, added into the
    mix and dropped. A producer's session (30 stems of 5 minutes: 3 GB decoded at once) then needs the mix
    and one stem (~200 MB). Returns (float32 (2, frames), {stem id: content sha256 of every decoded stem}).

    The sum is the same as the one-pass render's: the mixer adds gain x samples per track, in lane order, into
    a zeroed buffer, and so does this, so the exported file equals what the studio renders."""
    from app.core.audio.mix import render_offline

    mix = np.zeros((2, 0), dtype=np.float32)
    hashes: dict[str, str] = {}
    stems = [s for s in project.stems if not s.missing]

    def add(part: np.ndarray, length: int) -> None:
        nonlocal mix
        if length > mix.shape[1]:
            grown = np.zeros((2, length), dtype=np.float32)
            grown[:, :mix.shape[1]] = mix
            mix = grown
        if part.shape[1]:
            view = mix[:, :part.shape[1]]
            np.add(view, part, out=view)

    extras = tuple(extra_tracks)
    # a soloed extra track silences every stem not soloed itself (the mixer's rule over all its tracks), which
    # a state holding one stem cannot see; the project's own solos are applied by mix_state_for
    extra_solo = any(t.solo for t in extras)
    for i, stem in enumerate(stems):
        cancel.check()
        progress(i / max(1, len(stems)), f"mixing {stem.name}")
        audio = load(stem)
        hashes[stem.id] = audio.content_sha256
        state = mix_state_for(project, {stem.id: audio}, sample_rate=sample_rate)
        audible = bool(state.audible) and (stem.solo or not extra_solo)
        add(render_offline(state) if audible else np.zeros((2, 0), np.float32), state.length_frames)
        del audio, state
    if extras:
        state = mix_state_for(project, {}, extras, sample_rate=sample_rate)
        add(render_offline(state), state.length_frames)
    return mix, hashes
