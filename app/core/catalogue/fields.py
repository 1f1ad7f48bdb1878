"""Checks for a work's own fields (title, kind, ISRC, ISWC, year) and use names; each refusal names the field."""

from __future__ import annotations

import re

from app.core.catalogue.records import KINDS
from app.core.errors import CatalogueError

USE_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
ISRC_RE = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")
ISWC_RE = re.compile(r"T\d{10}")
MAX_TITLE = 300


def checked_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise CatalogueError("title: a work needs a title")
    if len(title) > MAX_TITLE:
        raise CatalogueError(f"title: longer than {MAX_TITLE} characters")
    return title


def checked_kind(kind: str) -> str:
    if kind not in KINDS:
        raise CatalogueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    return kind


def _code(value: str | None, pattern: re.Pattern, field: str, example: str) -> str | None:
    if value is None or not value.strip():
        return None
    code = re.sub(r"[\s.\-]", "", value).upper()
    if not pattern.fullmatch(code):
        raise CatalogueError(f"{field}: {value!r} is not {example}")
    return code


def checked_isrc(value: str | None) -> str | None:
    """'US-RC1-76-07839' -> 'USRC17607839'; empty -> None."""
    return _code(value, ISRC_RE, "isrc", "an ISRC such as USRC17607839")


def checked_iswc(value: str | None) -> str | None:
    """'T-034.524.680-1' -> 'T0345246801'; empty -> None."""
    return _code(value, ISWC_RE, "iswc", "an ISWC such as T-034.524.680-1")


def checked_year(year: int | None) -> int | None:
    if year is not None and not (isinstance(year, int) and not isinstance(year, bool) and 0 < year < 10000):
        raise CatalogueError(f"year: {year!r} is not a year")
    return year


def checked_use(use: str) -> str:
    if not isinstance(use, str) or not USE_RE.fullmatch(use):
        raise CatalogueError(f"use: {use!r} is not a use name (lower-case letters, digits and '-')")
    return use
