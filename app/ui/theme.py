"""The studio's dark theme: Fusion with a dark palette (so dialogs and anything unstyled match), plus
resources/styles/studio.qss for the DAW-like details (lanes, transport, meters)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

STYLESHEET = Path(__file__).resolve().parents[2] / "resources" / "styles" / "studio.qss"
APP_ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "accord.svg"


def app_icon() -> QIcon:
    """The application icon (a scalable SVG: sharp at any size and on HiDPI screens); empty if missing."""
    return QIcon(str(APP_ICON)) if APP_ICON.exists() else QIcon()


def dark_palette() -> QPalette:
    pal = QPalette()
    c = COLOURS
    colors = {
        QPalette.ColorRole.Window: c.window, QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.base, QPalette.ColorRole.AlternateBase: c.alternate_base,
        QPalette.ColorRole.ToolTipBase: c.tooltip_base, QPalette.ColorRole.ToolTipText: c.tooltip_text,
        QPalette.ColorRole.Text: c.text, QPalette.ColorRole.Button: c.button,
        QPalette.ColorRole.ButtonText: c.text, QPalette.ColorRole.BrightText: c.bright_text,
        QPalette.ColorRole.Highlight: c.accent, QPalette.ColorRole.HighlightedText: c.accent_text,
        QPalette.ColorRole.Link: c.link, QPalette.ColorRole.PlaceholderText: c.placeholder,
    }
    for role, color in colors.items():
        pal.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(COLOURS.disabled_text))
    return pal


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    app.setPalette(dark_palette())
    font = QFont(app.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(9.0, font.pointSizeF()))
    app.setFont(font)
    try:
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
    except OSError as exc:  # an unusual install without resources: the palette alone still looks right
        log.warning("studio stylesheet not loaded (%s)", exc)


@dataclass(frozen=True)
class Colours:
    """Every colour the studio paints with, by role (hex, or (r, g, b, alpha) for translucent washes).

    Widgets read `COLOURS.<role>` (wrap with `qcolor`) instead of spelling colours; the stylesheet
    (resources/styles/studio.qss) uses the same values for what Qt styles draws."""

    # the palette
    window: str = "#1f2226"
    text: str = "#d8dde3"
    base: str = "#17191c"
    alternate_base: str = "#22262b"
    tooltip_base: str = "#2b3036"
    tooltip_text: str = "#e9ecef"
    button: str = "#2b2f35"
    bright_text: str = "#ffffff"
    accent: str = "#ff9f1c"  # highlight, playhead, the auditioned card
    accent_text: str = "#141619"
    link: str = "#4cc9f0"
    placeholder: str = "#6c737d"
    disabled_text: str = "#5c636b"
    # stem lanes (cycled per stem) and their waveforms
    lane_colours: tuple[str, ...] = ("#4cc9f0", "#f72585", "#b5e48c", "#ffd166", "#9d8df1", "#06d6a0", "#ef8354",
                                     "#90e0ef")
    waveform_background: str = "#1b1d21"
    lane_problem: str = "#e76f51"  # missing or failed stem
    lane_state_text: str = "#6c737d"
    lane_divider: str = "#2a2e34"
    lane_grid: str = "#25282d"
    # ruler and timeline
    ruler_background: str = "#24272c"
    ruler_tick_major: str = "#8b929c"
    ruler_tick_minor: str = "#4a5058"
    ruler_label_major: str = "#c9ced6"
    ruler_label_minor: str = "#7b838d"
    ruler_edge: str = "#15171a"
    loop_wash: tuple[int, int, int, int] = (255, 159, 28, 60)
    loop_wash_off: tuple[int, int, int, int] = (150, 150, 150, 40)
    loop_band: tuple[int, int, int, int] = (255, 159, 28, 18)
    past_the_end: tuple[int, int, int, int] = (0, 0, 0, 50)
    # chord lane
    chord_fill: str = "#2d3a4a"
    no_chord_fill: str = "#2a2a2a"
    chord_text: str = "#e8e8e8"
    chord_bar_line: str = "#555555"
    chord_hint: str = "#888888"
    # piano roll and the cards' mini roll
    note: str = "#4fb3bf"
    edited_note: str = "#f4a259"
    selected_note: str = "#ffffff"
    range_wash: tuple[int, int, int, int] = (79, 179, 191, 28)
    roll_bar_line: str = "#3d3d3d"
    roll_beat_line: str = "#2c2c2c"
    roll_c_row: tuple[int, int, int, int] = (255, 255, 255, 10)
    roll_background: str = "#1c1f22"
    roll_black_key_row: tuple[int, int, int, int] = (0, 0, 0, 40)
    roll_label: str = "#8a8a8a"
    mini_roll_background: str = "#181b1e"
    mini_roll_line: str = "#33383d"
    # credit shares (cycled per work) and the unattributed rest
    share_colours: tuple[str, ...] = ("#4fb3bf", "#f4a259", "#8cb369", "#bc4b51", "#9d8df1", "#f6c85f", "#5b8e7d",
                                      "#e07a5f")
    share_other: str = "#555b61"
    # master meter
    meter_background: str = "#141619"
    meter_low: str = "#2a9d8f"
    meter_mid: str = "#8ac926"
    meter_high: str = "#ffca3a"
    meter_clip: str = "#ff595e"
    meter_track: str = "#1f2226"
    meter_peak: str = "#e9ecef"
    meter_clip_off: str = "#33373d"
    meter_shade: tuple[int, int, int, int] = (0, 0, 0, 120)
    # verification and consent states: light text on dark tints, so they read on the dark theme (no bright fills)
    verified: str = "#6fcf7f"
    failed: str = "#ff6b6b"
    warning: str = "#ffb454"
    neutral: str = "#9aa1aa"
    consent_text: tuple[tuple[str, str], ...] = (("usable", "#8fd694"), ("pending", "#ffc46b"), ("revoked", "#ff8a80"))
    consent_tint: tuple[tuple[str, str], ...] = (("usable", "#1d3324"), ("pending", "#382b17"), ("revoked", "#3d2024"))
    consent_tint_other: str = "#2a2e34"


COLOURS = Colours()


def qcolor(value: str | tuple[int, ...]) -> QColor:
    """A QColor from a `Colours` value (hex or (r, g, b[, alpha]))."""
    return QColor(value) if isinstance(value, str) else QColor(*value)
