"""Names people give (the artist, contributors, the owners of trusted keys) as they are shown and signed.

A name is printed in `accord verify`, the catalogue's lists, credit statements and the studio: a line break
in one printed as a line of its own ("Ana\\nverified: signed by Label"), and direction-changing marks make
text read as something else. One rule for every name, so the catalogue and the signing identity agree.
"""

from __future__ import annotations

import unicodedata

# Marks that reorder or hide text: a name holding them can read as someone else's in a terminal or a dialog
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MAX_NAME_CHARS = 200


def name_problem(name: str) -> str | None:
    """Why `name` (already stripped) cannot be shown as one person's name, or None when it can."""
    bad = next((c for c in name if unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS), None)
    if bad is not None:
        return f"holds a line break or control character ({bad!r})"
    if len(name) > MAX_NAME_CHARS:
        return f"is {len(name)} characters long; at most {MAX_NAME_CHARS}"
    return None
