"""The typed actions of a suggestion card and a kept-track row (their signals carry these)."""

from __future__ import annotations

from enum import StrEnum


class CardAction(StrEnum):
    AUDITION = "audition"
    SOLO = "solo"
    KEEP = "keep"
    DISCARD = "discard"
    REGENERATE = "regenerate"
    VARY = "vary"


class TrackAction(StrEnum):
    EDIT = "edit"
    MUTE = "mute"
    UNMUTE = "unmute"
    REMOVE = "remove"
