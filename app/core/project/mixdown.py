"""The single place where a Project becomes something the mixer can play (`MixState`).

The studio calls this after every edit that `Change.affects_mix`, and swaps the result into the engine;
offline rendering and export call it too, so what you hear is what you export.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from app.core.project.model import Project

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
