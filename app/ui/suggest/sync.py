"""The Suggestions panel follows the project: a new project resets the form and the cards; an edit to the
suggestions, tracks, loop, lead or grid updates the cards, the audition buffers and the piano roll."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.core.project.cocreation.cocreate import song_context
from app.core.project.cocreation.ideas import Idea, IdeaTrack
from app.core.project.cocreation.song_constraints import lead_pitch_range
from app.core.project.cocreation.suggestion_edits import find_entry, kept_tracks, visible_suggestions
from app.core.project.limits import REQUEST_LAST_START_BAR
from app.core.project.model import FIELD, GRID_FIELDS, RESET, Change, Field
from app.ui.scrolling import reveal_later
from app.ui.suggest.card import SuggestionCard
from app.ui.suggest.lane import KeptTrackRow, suggestion_target, track_target

if TYPE_CHECKING:
    from app.ui.suggest.panel import SuggestPanel

log = logging.getLogger(__name__)

class ProjectSyncMixin:
    def _project_replaced(self: SuggestPanel) -> None:
        self.cancel()
        self._live_run = None  # results still on their way belong to the previous project
        self.audition.active = None
        self.lane.show_target(None)
        self._sync_cards()
        self.audition.submit_all()
        self.audition.refresh()
        project = self.ctx.project
        ctx = song_context(project)
        low, high = lead_pitch_range(ctx.lead)
        self.controls.low.setValue(low)  # shows what "Lead's range" means for this song
        self.controls.high.setValue(high)
        self.controls.set_song_feel(ctx.triplet_feel)
        span = ctx.lead_bars()
        if span is not None:
            first, bars = span
            # By default, a new idea for the lead's last four bars (within the song, so it plays with the
            # stems); a short lead is continued after its end.
            start = first + bars - 4 if bars >= 8 else first + bars
            self.controls.set_range(min(start, REQUEST_LAST_START_BAR), 4)
        state = self.check_ready()
        if "demo" in project.extras and state.works == 0 and self.setup_handle is None:
            self.use_demo_catalogue()  # the demo brings its demo catalogue (never into a real one)
        elif state.ready and self.ctx.models.current is None:
            self._preload_model()

    def _project_changed(self: SuggestPanel, change: Change) -> None:
        if change.kind == RESET:
            return
        if change.kind == FIELD and change.field in (Field.SUGGESTIONS, Field.TRACKS):
            self._sync_cards()
            self.audition.submit_all()
            self.audition.refresh()
            self._follow_keep_in_roll()
        elif change.kind == FIELD and change.field == Field.LOOP and self.ctx.project.loop is not None:
            self.range_from_loop()  # a range selected on the ruler (Shift-drag) is the range to work on
        elif change.kind == FIELD and change.field == Field.EXTRAS:  # e.g. an analysis was applied: a new lead
            ctx = song_context(self.ctx.project)
            low, high = lead_pitch_range(ctx.lead)
            self.controls.low.setValue(low)
            self.controls.high.setValue(high)
            self.controls.set_song_feel(ctx.triplet_feel)
        elif change.kind == FIELD and change.field in GRID_FIELDS:
            self.audition.submit_all()  # a new grid: new buffers (cached per content)
            self.lane.refresh()
            self.controls.set_song_feel(song_context(self.ctx.project).triplet_feel)

    def _follow_keep_in_roll(self: SuggestPanel) -> None:
        """Keep the piano roll on what it showed across Keep, its undo and its redo: a kept idea is shown as its
        track, and when that track goes (Undo Keep, Remove track) the idea it came from comes back if it is
        still in the list; anything else that is gone closes the roll."""
        target = self.lane.target
        if target is None:
            return
        project = self.ctx.project
        try:
            shown = find_entry(project, target.where, target.id)
        except KeyError:
            shown = None
        if isinstance(shown, Idea) and shown.kept:
            track = next((t for t in kept_tracks(project) if t.suggestion_id == shown.id), None)
            if track is not None:
                self.lane.show_target(track_target(track.id))
                return
        if shown is None and isinstance(self.lane.shown, IdeaTrack):
            idea = next((s for s in visible_suggestions(project)
                         if s.id == self.lane.shown.suggestion_id and not s.kept), None)
            if idea is not None:
                self.lane.show_target(suggestion_target(idea.id))
                return
        if shown is None or (isinstance(shown, Idea) and not shown.visible):
            self.lane.show_target(None)
        else:
            self.lane.refresh()

    def _sync_cards(self: SuggestPanel) -> None:
        project = self.ctx.project
        bq = song_context(project).bar_quarters
        shown = {s.id: s for s in visible_suggestions(project)}
        for sid in [s for s in self.cards if s not in shown]:
            card = self.cards.pop(sid)
            self.card_box.removeWidget(card)
            card.hide()
            card.deleteLater()
        for i, (sid, entry) in enumerate(reversed(list(shown.items()))):  # newest first
            card = self.cards.get(sid)  # entries were checked once at load (ideas.py): nothing to guard here
            if card is None:
                card = SuggestionCard(entry, bar_quarters=bq)
                card.action.connect(self.card_action)
                card.drag_requested = self.drag_data
                self.cards[sid] = card
            else:
                card.update_entry(entry)
                self.card_box.removeWidget(card)
            self.card_box.insertWidget(i, card)
        tracks = {t.id: t for t in kept_tracks(project)}
        for tid in [t for t in self.track_rows if t not in tracks]:
            row = self.track_rows.pop(tid)
            self.track_box.removeWidget(row)
            row.hide()
            row.deleteLater()
        for tid, t in tracks.items():
            row = self.track_rows.get(tid)
            if row is not None:  # updated in place: a slider being dragged is never destroyed under the pointer
                row.set_track(t)
                continue
            row = KeptTrackRow(t, self.drag_data)
            row.action.connect(self.track_action)
            row.settings_changed.connect(self.track_settings)
            self.track_rows[tid] = row
            self.track_box.addWidget(row)
        self.tracks_title.setVisible(bool(tracks))
        self.update_banner()
        self._sync_audition_buttons()

    def reveal_active_card(self: SuggestPanel) -> None:
        """Scroll the cards to the one being heard (after the layout has placed it): a run auditions its first
        idea, #1, and the newer ones then stack above it, out of sight in a laptop's dock."""
        card = self.cards.get(self.audition.active or "")
        if card is not None:
            reveal_later(self.scroll, card)

    def _sync_audition_buttons(self: SuggestPanel) -> None:
        for sid, card in self.cards.items():
            card.set_auditioned(sid == self.audition.active, solo=self.audition.solo)
