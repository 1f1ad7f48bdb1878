"""Where a work's melody came from, in the Catalogue panel, and picking another part or transcription.

A MIDI work's melody is one of its parts, an audio work's one transcription of the file (issue 11). The box
under the work's facts lists the alternatives (`melody_candidates`, which re-reads the original file), the
one in use marked, and **Use This Part** makes another one the melody through the catalogue's one way to
change it (`use_candidate`: a recorded choice, chained in the consent facts). Both run on the panel's worker,
with their own connection: listing re-reads and hashes the file, and a transcription of a long bounce takes
a while, so the box shows progress and a Cancel of its own. Nothing is written until the new melody exists:
a cancelled or failed transcription leaves the work as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import analysis  # the ears (numba, librosa) load with the first import or reading
from app.core.catalogue import Catalogue
from app.core.catalogue.importing.melody_source import (
    MelodyCandidate,
    NoAlternatives,
    melody_candidates,
    use_candidate,
)
from app.core.errors import AccordError
from app.core.tasks import CancelToken
from app.ui.catalogue.importing import EitherToken
from app.ui.workers import TaskHandle

if TYPE_CHECKING:
    from app.core.audio.engine import AudioEngine
    from app.ui.catalogue.panel import CataloguePanel

USE_TEXT = "Use This Part"
READ_AGAIN_TEXT = "Read Again"
USE_TIP = ("Make the chosen part or transcription this work's melody (recorded in the catalogue's history; a model "
           "learns it the next time it is updated)")
READ_AGAIN_TIP = ("Transcribe the file again with this transcription and put the melody on the song's beat (a work "
                  "imported by an older Accord has a grid from its melody's own notes; see its Melody fact)")
LOADING_TEXT = "Reading the file for its other parts…"
HEAR_TEXT, STOP_TEXT = "Hear", "Stop"
HEAR_KEY = "Ctrl+Alt+P"
WITH_SONG_TEXT = "With the song"
WITH_SONG_TIP = "Hear a transcription over the file it was read from (the song at -6 dB): does it follow the tune?"
HEAR_TIP = (f"Hear the chosen part or transcription from a beat before its first note ({HEAR_KEY}), over its "
            "bounce with With the song; the song pauses, and Use This Part then takes the line you heard")


def candidate_text(c: MelodyCandidate) -> str:
    """One line of the list: the part or transcription, its notes, and why it is not the default."""
    extra = [f"{c.notes} notes"] if c.notes is not None else []
    if c.note:
        extra.append(c.note)
    if c.current:
        extra.append("in use")
    return c.label + (f"  ({', '.join(extra)})" if extra else "")


class MelodySourceBox(QGroupBox):
    """The view: the alternatives, the button, and a progress bar with Cancel while a transcription runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Melody from", parent)
        self.work_id: int | None = None
        self.candidates: list[MelodyCandidate] = []
        self.hearable = True
        layout = QVBoxLayout(self)
        self.choices = QComboBox()
        self.choices.setObjectName("melodyCandidates")
        self.choices.setToolTip("The parts of the MIDI file, or the ways to transcribe the audio, that the work's "
                                "melody can come from")
        self.choices.currentIndexChanged.connect(lambda _i: self._update_button())
        layout.addWidget(self.choices)
        row = QHBoxLayout()
        self.use_button = QPushButton(USE_TEXT)
        self.use_button.setObjectName("useMelodyCandidate")
        self.use_button.setToolTip(USE_TIP)
        self.hear_button = QPushButton(HEAR_TEXT)
        self.hear_button.setObjectName("hearMelodyCandidate")
        self.hear_button.setToolTip(HEAR_TIP)
        self.with_song = QCheckBox(WITH_SONG_TEXT)
        self.with_song.setObjectName("hearWithSong")
        self.with_song.setToolTip(WITH_SONG_TIP)
        self.with_song.setChecked(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        row.addWidget(self.hear_button)
        row.addWidget(self.with_song)
        row.addWidget(self.use_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.message)
        self.show_busy(False)
        self.show_work(None)

    def show_work(self, work_id: int | None, *, loading: bool = False) -> None:
        self.work_id, self.candidates = work_id, []
        self._show_choosing(True)
        self.choices.clear()
        self.message.setText(LOADING_TEXT if loading else "")
        self.setEnabled(work_id is not None)
        self._update_button()

    def show_candidates(self, candidates: list[MelodyCandidate]) -> None:
        self.candidates = list(candidates)
        self.choices.blockSignals(True)
        self.choices.clear()
        for c in self.candidates:
            self.choices.addItem(candidate_text(c), c.index)
        current = next((i for i, c in enumerate(self.candidates) if c.current), 0)
        self.choices.setCurrentIndex(current)
        self.choices.blockSignals(False)
        self.message.setText("" if len(self.candidates) > 1 else "This work has no other part to choose.")
        self._update_button()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def show_fixed(self, text: str) -> None:
        """A work whose melody has no alternative (a MusicXML score, a demo work): the sentence alone, without
        an empty list and buttons that could never be used."""
        self._show_choosing(False)
        self.message.setText(text)

    def set_hearable(self, hearable: bool) -> None:
        """Hear is offered only where the studio's engine can play (a panel shown alone has no output)."""
        self.hearable = hearable
        self.hear_button.setVisible(hearable and self.choices.isVisibleTo(self))
        self._update_button()

    def _show_choosing(self, shown: bool) -> None:
        self.choices.setVisible(shown)
        self.use_button.setVisible(shown)
        self.hear_button.setVisible(shown and self.hearable)
        self.with_song.setVisible(False)
        if shown:
            self._update_button()

    def show_busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setValue(0)
        self.progress.setFormat(f"%p%  {text}" if text else "%p%")
        self.choices.setEnabled(not busy)
        self._update_button(busy)

    def chosen(self) -> MelodyCandidate | None:
        i = self.choices.currentIndex()
        return self.candidates[i] if 0 <= i < len(self.candidates) else None

    def _update_button(self, busy: bool | None = None) -> None:
        busy = self.progress.isVisibleTo(self) if busy is None else busy
        c = self.chosen()
        again = c is not None and rereadable(c)
        self.use_button.setText(READ_AGAIN_TEXT if again else USE_TEXT)
        self.use_button.setToolTip(READ_AGAIN_TIP if again else USE_TIP)
        self.use_button.setEnabled(not busy and c is not None and (not c.current or again))
        self.hear_button.setEnabled(self.hear_button.text() == STOP_TEXT or (not busy and c is not None))
        # only a transcription has a song under it (a MIDI part's file is the parts themselves)
        self.with_song.setVisible(self.hear_button.isVisibleTo(self) and c is not None and c.source.startswith("audio:"))

    def show_hearing(self, hearing: bool) -> None:
        """The Hear button turns into Stop while a line sounds."""
        self.hear_button.setText(STOP_TEXT if hearing else HEAR_TEXT)
        self._update_button()


def reading_text(c: MelodyCandidate) -> str:
    """What the progress bar says while a candidate is read from its file (to be used or heard)."""
    return "transcribing" if c.source.startswith("audio:") else "reading the part"


def rereadable(c: MelodyCandidate) -> bool:
    """The transcription in use can be read again (the file is the same; the ears may be newer): a MIDI part in
    use cannot change by reading it again."""
    return c.current and c.source.startswith("audio:")


class MelodyChoiceActions:
    """The panel's side: list the alternatives and change the melody on the worker, report in the box."""

    def __init__(self, panel: CataloguePanel, engine: AudioEngine | None = None) -> None:
        from app.ui.catalogue.hearing import MelodyHearing

        self.panel = panel
        self.box: MelodySourceBox = panel.detail.melody_box
        self.handle: TaskHandle | None = None
        self._token = CancelToken()  # Cancel works before the runner hands back the handle (as the import's)
        self.box.use_button.clicked.connect(self.use_chosen)
        self.box.cancel_button.clicked.connect(self.cancel)
        self.hearing = MelodyHearing(self, engine)  # Hear: the chosen line alone, through the studio's engine

    def load(self, work_id: int | None) -> TaskHandle | None:
        """List the selected work's alternatives (a removed work, or none selected, has nothing to list)."""
        if self.running:
            return None  # the box shows the work being changed until that ends
        if work_id != self.box.work_id:  # another work: its line stops (a refresh of this one does not)
            self.hearing.stop()
        detail = self.panel.detail.detail
        if work_id is None or detail is None or detail.summary.state.removed:
            self.box.show_work(None)
            return None
        self.box.show_work(work_id, loading=True)
        path = self.panel.catalogue_path

        def task(progress, cancel):
            with Catalogue.open(path) as cat:
                return melody_candidates(cat, work_id)

        return self.panel.runner.start("list melody parts", task,
                                       on_finished=lambda cands: self._listed(work_id, cands),
                                       on_failed=lambda exc: self._list_failed(work_id, exc))

    def _shown(self, work_id: int | None = None) -> bool:
        """The box still exists (a task may end after the panel closed) and, given a work, still shows it."""
        return shiboken6.isValid(self.box) and (work_id is None or self.box.work_id == work_id)

    def _listed(self, work_id: int, candidates: list[MelodyCandidate]) -> None:
        if self._shown(work_id):  # not a late answer for a work no longer shown
            self.box.show_candidates(candidates)

    def _list_failed(self, work_id: int, exc: BaseException) -> None:
        if self._shown(work_id) and isinstance(exc, NoAlternatives):
            self.box.show_fixed(str(exc))
        elif self._shown(work_id):
            self.box.show_message(str(exc) if isinstance(exc, AccordError) else f"unexpected error: {exc}")

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def use_chosen(self) -> TaskHandle | None:
        chosen, work_id = self.box.chosen(), self.box.work_id
        if chosen is None or work_id is None or (chosen.current and not rereadable(chosen)) or self.running:
            return None
        path, own = self.panel.catalogue_path, CancelToken()
        self._token = own
        heard = self.hearing.reading(work_id, chosen)  # already read to be heard: not transcribed twice

        def task(progress, cancel):
            with Catalogue.open(path) as cat:
                return use_candidate(cat, work_id, chosen.index, ears=analysis.whole_mix_reading, reading=heard,
                                     progress=progress, cancel=EitherToken(own, cancel))

        self.hearing.stop()
        self.box.show_busy(True, reading_text(chosen))
        self.box.show_message(f"Taking the melody from {chosen.label}…")
        self.handle = self.panel.runner.start(
            "choose melody part", task, on_finished=lambda result: self._used(work_id, result),
            on_failed=lambda exc: self._use_ended(work_id, str(exc) if isinstance(exc, AccordError)
                                                  else f"unexpected error: {exc}"),
            on_progress=self._progressed,
            on_cancelled=lambda: self._use_ended(work_id, "Cancelled: the work keeps the melody it had."))
        return self.handle

    def cancel(self) -> None:
        self._token.cancel()
        if self.handle is not None:
            self.handle.cancel()

    def _progressed(self, fraction: float, text: str) -> None:
        if not self._shown():
            return
        self.box.progress.setValue(int(fraction * 1000))
        if text:
            self.box.progress.setFormat(f"%p%  {text}")

    def _used(self, work_id: int, result) -> None:
        cand, _choice, melody = result
        self.handle = None
        if not (self._shown() and shiboken6.isValid(self.panel)):
            return
        self.box.show_busy(False)
        trained = work_id in self.panel._trained_work_ids()
        later = " The current model learned its old melody: it learns this one the next time it is updated." \
            if trained else ""
        how = "was read again from" if cand.current else "now comes from"
        text = f"Work {work_id}'s melody {how} {cand.label} ({len(melody.notes)} notes).{later}"
        self.panel._set_status(text)
        self.panel.refresh()  # shows the new facts and lists the alternatives again, the new one in use
        self.panel.catalogueChanged.emit()

    def _use_ended(self, work_id: int, text: str) -> None:
        self.handle = None
        if not self._shown():
            return
        self.box.show_busy(False)
        if self._shown(work_id) and self.panel.selected_work_id() in (work_id, None):
            self.box.show_message(text)
        else:  # the artist chose another work while this one ran: show that one's alternatives now
            self.load(self.panel.selected_work_id())
