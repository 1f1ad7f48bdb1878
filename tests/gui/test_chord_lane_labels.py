"""Chord names in a narrow span are cut with an ellipsis (or left out), never clipped to half letters, and a
hover names the whole chord and where it lies."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QFont, QFontMetrics, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from app.core.music import ChordTimeline
from app.core.project.model import Project, StemRef
from app.ui.timeline.chord_lane import PX_PER_QUARTER, SMALL_LABEL, ChordLane, span_label


def _font() -> QFont:
    font = QFont(QApplication.font())
    font.setBold(True)
    return font


def test_a_symbol_that_fits_is_drawn_whole(qtbot):
    font = _font()
    text, used = span_label("Em", QFontMetrics(font).horizontalAdvance("Em") + 1, font)
    assert (text, used) == ("Em", font)


def test_a_symbol_a_little_too_wide_is_drawn_whole_in_a_smaller_font(qtbot):
    font = _font()
    width = QFontMetrics(font).horizontalAdvance("Em") - 1
    text, used = span_label("Em", width, font)
    assert text == "Em" and used.pointSizeF() < font.pointSizeF()
    assert QFontMetrics(used).horizontalAdvance(text) <= width


def test_a_minor_chord_too_wide_for_both_fonts_is_written_in_lead_sheet_shorthand(qtbot):
    font = _font()
    small = QFont(font)
    small.setPointSizeF(font.pointSizeF() * SMALL_LABEL)
    width = QFontMetrics(small).horizontalAdvance("E-7")
    assert QFontMetrics(small).horizontalAdvance("Em7") > width  # the whole symbol fits in neither font
    text, used = span_label("Em7", width, font)
    assert text == "E-7" and QFontMetrics(used).horizontalAdvance(text) <= width
    assert span_label("Cmaj7", 1000, font)[0] == "Cmaj7"  # "maj" is no minor


def test_a_symbol_too_wide_is_cut_with_an_ellipsis_within_its_span(qtbot):
    font = _font()
    width = QFontMetrics(font).horizontalAdvance("Cmaj7") // 2
    text, used = span_label("Cmaj7", width, font)
    assert text != "Cmaj7" and text.startswith("C") and text.endswith("…")
    assert QFontMetrics(used).horizontalAdvance(text) <= width


def test_a_span_with_no_room_for_a_letter_shows_nothing(qtbot):
    assert span_label("Em", 3, _font())[0] == ""


def test_hovering_a_span_names_its_chord_and_place(qtbot):
    p = Project(stems=[StemRef("mix", Path("/tmp/mix.wav"))])
    p.tempo_bpm = 120.0
    p.chords = ChordTimeline.from_symbols(["G", "Em", "C", "D"], quarters_each=4)
    lane = ChordLane(p, lambda edit: True)
    qtbot.addWidget(lane)
    lane.resize(600, 34)
    lane.show()
    assert lane.span_tooltip(1) == "Em: 2.1 to 3.1 (click to change)"
    x = int(5.5 * PX_PER_QUARTER)  # inside the second bar
    event = QHelpEvent(QEvent.Type.ToolTip, QPoint(x, 10), lane.mapToGlobal(QPoint(x, 10)))
    assert lane.event(event)
    qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text().startswith("Em:"), timeout=2000)
