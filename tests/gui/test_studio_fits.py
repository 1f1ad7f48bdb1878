"""The studio fits a laptop: whole window on 1366×768 and 1280×800 screens, docks that scroll instead of
growing the window; an icon; the catalogue sized for 8 rows; dark-theme consent colours; the drop hint on an
empty song (the chord lane does not count) and a highlight while files are dragged in; bar-exact positions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QRect, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDragLeaveEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from app.core.music import BeatGrid, TimeSignature
from app.core.project.edits import AddStems
from app.core.project.model import StemRef
from app.ui.context import CATALOGUE, SUGGESTIONS
from app.ui.panels import (
    CATALOGUE_ROWS,
    MIN_CATALOGUE_ROWS,
    catalogue_height,
    catalogue_starts_open,
    install_panels,
)
from app.ui.theme import COLOURS, app_icon
from app.ui.timeline.ruler import TimeScale
from tests.gui.studio_fixtures import make_window, write_tone

TITLE_BAR = 32  # what a window manager's decoration may take on top of the frame


@pytest.fixture
def full_studio(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    install_panels(window.context)
    yield window
    window.undo_stack.setClean()
    window.close()


@pytest.mark.parametrize("screen", [(1366, 768), (1280, 800)])
def test_the_whole_studio_fits_a_laptop_screen(full_studio, screen):
    width, height = screen
    available = QRect(0, 0, width, height - 32)  # a panel or task bar takes its share
    hint = full_studio.minimumSizeHint()
    assert hint.width() <= available.width() and hint.height() + TITLE_BAR <= available.height(), hint
    full_studio.resize(1600, 1000)  # e.g. a geometry saved on a bigger screen
    frame = full_studio.fit_to_screen(available)
    assert available.contains(frame), (frame, available)


def test_tall_panels_scroll_inside_their_docks(full_studio):
    dock = full_studio.context.panels.dock(SUGGESTIONS)
    assert isinstance(dock.widget(), QScrollArea)
    assert dock.widget().widget() is full_studio.context.panels.get(SUGGESTIONS)


def test_the_studio_has_an_icon():
    icon = app_icon()
    assert not icon.isNull() and not icon.pixmap(256, 256).isNull()


def test_the_catalogue_dock_asks_for_eight_rows_on_a_big_screen(full_studio):
    from app.core.project.demo_catalogue import ensure_demo_catalogue

    panel = full_studio.context.panels.get(CATALOGUE)
    row = panel.table.verticalHeader().defaultSectionSize()
    empty = catalogue_height(panel, 1000)  # nothing in it yet: room for its hint, not for eight empty rows
    ensure_demo_catalogue(full_studio.home)
    panel.refresh()
    assert panel.table.rowCount() >= CATALOGUE_ROWS
    assert catalogue_height(panel, 1000) >= CATALOGUE_ROWS * row + panel.table.horizontalHeader().sizeHint().height()
    assert catalogue_height(panel, 1000) - empty == (CATALOGUE_ROWS - MIN_CATALOGUE_ROWS) * row
    assert catalogue_height(panel, 768) <= int(768 * 0.36)


def test_on_a_laptop_the_catalogue_starts_closed_and_the_docks_come_back_as_left(qtbot, tmp_path):
    assert catalogue_starts_open(1000) and not catalogue_starts_open(768 - 32)
    window = make_window(qtbot, tmp_path)
    install_panels(window.context)
    dock = window.context.panels.dock(CATALOGUE)
    small = window.context.screen_height() < 900
    assert dock.isHidden() == small  # the offscreen screen is a small one
    assert not window.restore_layout()  # nothing saved yet: the defaults stay
    dock.setVisible(small)  # the artist opens it (or closes it on a big screen)
    window.undo_stack.setClean()
    window.close()
    window.settings.sync()
    again = make_window(qtbot, tmp_path)  # the same studio.ini
    install_panels(again.context)
    assert again.restore_layout()
    assert again.context.panels.dock(CATALOGUE).isHidden() != small
    again.undo_stack.setClean()
    again.close()


def _luminance(hex_colour: str) -> float:
    c = QColor(hex_colour)

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def test_consent_colours_read_on_the_dark_theme():
    tints, texts = dict(COLOURS.consent_tint), dict(COLOURS.consent_text)
    for state, tint in tints.items():
        assert _luminance(tint) < 0.05, f"{state}: no bright fill on the dark theme"
        contrast = (_luminance(texts[state]) + 0.05) / (_luminance(tint) + 0.05)
        assert contrast >= 4.5, f"{state}: text on its tint reads at {contrast:.1f}:1"


def test_an_empty_song_shows_the_drop_hint_although_the_chord_lane_is_there(full_studio, tmp_path):
    view = full_studio.timeline_view
    assert view.lanes(), "the chord lane is there"
    assert not view.empty_hint.isHidden()
    stem = write_tone(tmp_path / "pad.wav", 220.0, seconds=1.0)
    full_studio.push(AddStems([StemRef(name="pad", path=stem)]))
    assert view.empty_hint.isHidden()
    full_studio.undo_stack.undo()
    assert not view.empty_hint.isHidden()


def test_the_chord_lane_does_not_offer_to_analyse_nothing(full_studio, qtbot):
    from app.ui.context import CHORD_LANE

    lane = full_studio.context.panels.get(CHORD_LANE)
    assert "once the song has stems" in lane.hint_text()
    with qtbot.assertNotEmitted(lane.analyze_requested):
        qtbot.mouseClick(lane, Qt.MouseButton.LeftButton)


def test_dragging_files_in_highlights_the_timeline(full_studio, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "a.wav"))])
    enter = QDragEnterEvent(QPoint(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(full_studio, enter)
    assert full_studio.timeline_view.drop_overlay.isVisible()
    QApplication.sendEvent(full_studio, QDragLeaveEvent())
    assert not full_studio.timeline_view.drop_overlay.isVisible()


@pytest.mark.parametrize("tempo", [96.0, 120.0, 133.0, 87.3])
def test_the_position_is_exact_at_bar_lines(tempo):
    scale = TimeScale()
    grid = BeatGrid(tempo_bpm=tempo, time_signature=TimeSignature(4, 4))
    scale.set_grid(grid)
    for bar in range(1, 40):
        at = grid.seconds(bar * 4.0)
        assert scale.format_position(at).strip() == f"{bar + 1}.1.1"
        frame = int(at * 48000) / 48000  # where the transport's playhead (whole frames) shows it
        assert scale.format_position(frame).strip() == f"{bar + 1}.1.1"
    assert scale.format_position(grid.seconds(4 * 4.0 - 0.25)).strip() == "4.4.4"


def test_the_position_before_bar_one_counts_down_from_bar_zero():
    """A bounce whose first downbeat is 5 ms in (the analysis puts bar 1 there) starts at 0.4.4, not 1.0.4."""
    scale = TimeScale()
    scale.set_grid(BeatGrid(tempo_bpm=143.0, time_signature=TimeSignature(4, 4), offset_seconds=0.005))
    assert scale.format_position(0.0).strip() == "0.4.4"
    assert scale.format_position(0.005).strip() == "1.1.1"




def test_the_suggest_options_fold_away_and_the_button_stays_first(full_studio):
    panel = full_studio.context.panels.get(SUGGESTIONS)
    layout = panel.layout()
    assert layout.indexOf(panel.controls) > layout.indexOf(panel.options_toggle) > layout.indexOf(panel.status)
    panel.show_options(True)
    panel.options_toggle.click()
    assert panel.controls.isHidden() and not panel.options_toggle.isChecked()
    panel.show_options(True)
    assert not panel.controls.isHidden() and panel.options_toggle.isChecked()


def test_the_piano_roll_header_shows_a_long_suggestion_name_whole(qtbot):
    """'Auditioning: #1 Continue bars 5-8' is wider than the roll's header on a laptop: it wraps (and the
    name is in the tool tip) instead of being cut at the keyboard strip."""
    from app.core.music import Melody, Note
    from app.core.project.cocreation.ideas import Idea
    from app.ui.timeline.roll_header import PianoRollHeader

    header = PianoRollHeader()
    qtbot.addWidget(header)
    header.setFixedWidth(180)
    header.show()
    name = "#1 Continue bars 5–8 (a long name)"
    header.show_entry(Idea("i1", name, Melody((Note(60, 0.0, 1.0),))), kept=False)
    assert header.title.wordWrap() and header.title.toolTip() == name
    assert header.title.text() == "Auditioning: " + name
    qtbot.waitUntil(lambda: header.title.height() >= 2 * header.title.fontMetrics().height() - 2, timeout=2000)
    header.show_entry(None, kept=False)
    assert header.title.toolTip() == "" and header.title.text() == "Suggestion"
