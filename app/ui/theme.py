"""The studio's dark theme: Fusion with a dark palette (so dialogs and anything unstyled match), plus
resources/styles/studio.qss for the DAW-like details (lanes, transport, meters)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

STYLESHEET = Path(__file__).resolve().parents[2] / "resources" / "styles" / "studio.qss"


def dark_palette() -> QPalette:
    pal = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#1f2226", QPalette.ColorRole.WindowText: "#d8dde3",
        QPalette.ColorRole.Base: "#17191c", QPalette.ColorRole.AlternateBase: "#22262b",
        QPalette.ColorRole.ToolTipBase: "#2b3036", QPalette.ColorRole.ToolTipText: "#e9ecef",
        QPalette.ColorRole.Text: "#d8dde3", QPalette.ColorRole.Button: "#2b2f35",
        QPalette.ColorRole.ButtonText: "#d8dde3", QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#ff9f1c", QPalette.ColorRole.HighlightedText: "#141619",
        QPalette.ColorRole.Link: "#4cc9f0", QPalette.ColorRole.PlaceholderText: "#6c737d",
    }
    for role, color in colors.items():
        pal.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#5c636b"))
    return pal


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    font = QFont(app.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(9.0, font.pointSizeF()))
    app.setFont(font)
    try:
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
    except OSError as exc:  # an unusual install without resources: the palette alone still looks right
        log.warning("studio stylesheet not loaded (%s)", exc)
