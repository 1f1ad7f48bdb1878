"""What a card's and a kept track's buttons do: typed actions (`CardAction`, `TrackAction`) and their handlers.

Cards and track rows emit the enum member; `CardActionsMixin.card_action` dispatches through a table, so a
misspelt action fails at once (ValueError) instead of silently doing nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.core.project.cocreation.cocreate import SuggestRequest
from app.core.project.cocreation.ideas import Idea
from app.core.project.cocreation.suggestion_edits import (
    DiscardSuggestion,
    KeepSuggestion,
    RemoveTrack,
    SetTrackMute,
    SetTrackSettings,
)
from app.ui.suggest.kinds import CardAction, TrackAction
from app.ui.suggest.lane import track_target

if TYPE_CHECKING:
    from app.ui.suggest.panel import SuggestPanel


def _audition(panel: SuggestPanel, sid: str, entry: Idea) -> None:
    on = panel.audition.active != sid or panel.audition.solo
    panel.audition_suggestion(sid if on else None, play=on)


def _solo(panel: SuggestPanel, sid: str, entry: Idea) -> None:
    on = not (panel.audition.active == sid and panel.audition.solo)
    panel.audition_suggestion(sid, solo=on, play=True)


def _keep(panel: SuggestPanel, sid: str, entry: Idea) -> None:
    track = KeepSuggestion(sid, render=panel.audition.settings.to_json())
    if panel.ctx.push(track):
        if panel.audition.active == sid:
            panel.audition.audition(None)
        panel.lane.show_target(track_target(track.track_id))


def _discard(panel: SuggestPanel, sid: str, entry: Idea) -> None:
    if panel.ctx.push(DiscardSuggestion(sid)) and panel.audition.active == sid:
        panel.audition.audition(None)


def _regenerate(panel: SuggestPanel, sid: str, entry: Idea) -> None:
    request = SuggestRequest.from_json(dict(entry.request or {}))
    panel.suggest(replace(request, count=1, seed=None))


def _vary(panel: SuggestPanel, sid: str, entry: Idea) -> None:
    controls = panel.controls
    request = replace(SuggestRequest.from_json(dict(entry.request or {})), mode="vary", source=entry.melody.to_json(),
                      count=controls.count.value(), vary_kind=str(controls.vary_kind.currentData()), seed=None,
                      closeness=controls.closeness.value() / 100.0, whole_lead=False)
    panel.suggest(request)


CARD_HANDLERS = {CardAction.AUDITION: _audition, CardAction.SOLO: _solo, CardAction.KEEP: _keep,
                 CardAction.DISCARD: _discard, CardAction.REGENERATE: _regenerate, CardAction.VARY: _vary}


class CardActionsMixin:
    """The Suggestions panel's part that answers card and kept-track buttons."""

    def card_action(self: SuggestPanel, action: CardAction | str, sid: str) -> None:
        handler = CARD_HANDLERS[CardAction(action)]
        try:
            entry = self.ctx.project.idea(sid)
        except KeyError:
            return
        handler(self, sid, entry)

    def track_settings(self: SuggestPanel, tid: str, changes: dict, gesture: object = None) -> None:
        """A kept track's strip moved: gain, pan, solo or instrument (one undo step per slider gesture)."""
        self.ctx.push(SetTrackSettings(tid, changes, gesture=gesture))

    def track_action(self: SuggestPanel, action: TrackAction | str, tid: str) -> None:
        action = TrackAction(action)
        if action == TrackAction.EDIT:
            self.lane.show_target(track_target(tid))
        elif action in (TrackAction.MUTE, TrackAction.UNMUTE):
            self.ctx.push(SetTrackMute(tid, action == TrackAction.MUTE))
        elif action == TrackAction.REMOVE:
            self.ctx.push(RemoveTrack(tid))
