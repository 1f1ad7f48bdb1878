"""Contributors and their splits: validation and the CLI's "NAME:ROLE:SHARE_PERCENT" form.

Splits are integers in basis points (1 % = 100 bp) so that sums are exact; a work's splits must sum to
exactly 10000. A percentage may have at most two decimals (33.33 % = 3333 bp).
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from app.core.catalogue.records import ROLES
from app.core.catalogue.types import ContributorShare
from app.core.errors import CatalogueError
from app.core.names import name_problem

FULL_SPLIT_BP = 10000


def default_artist() -> str:
    """The artist using this machine: the OS user name, else 'Artist'."""
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):
        name = ""
    return name or "Artist"


def default_contributors() -> list[ContributorShare]:
    return [ContributorShare(default_artist(), "composer", FULL_SPLIT_BP)]


def percent_to_bp(text: str, *, field: str = "share") -> int:
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        raise CatalogueError(f"{field}: {text!r} is not a percentage (e.g. 50 or 33.33)") from None
    bp = value * 100
    if not value.is_finite() or bp != bp.to_integral_value():
        raise CatalogueError(f"{field}: {text!r} has more than two decimals (splits are kept in 0.01 % steps)")
    if not 0 <= bp <= FULL_SPLIT_BP:
        raise CatalogueError(f"{field}: {text!r} is not between 0 and 100 %")
    return int(bp)


def bp_to_percent(bp: int) -> str:
    """10000 -> '100', 3333 -> '33.33', 5050 -> '50.5'."""
    text = f"{bp / 100:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def parse_contributor(spec: str) -> ContributorShare:
    """'Ann Lee:composer:50' -> ContributorShare('Ann Lee', 'composer', 5000). The name may hold colons."""
    parts = spec.rsplit(":", 2)
    if len(parts) != 3:
        raise CatalogueError(f"--contributor {spec!r}: expected NAME:ROLE:SHARE_PERCENT, e.g. 'Ann Lee:composer:50'")
    name, role, share = (p.strip() for p in parts)
    return ContributorShare(name, role.lower(), percent_to_bp(share, field=f"--contributor {spec!r}"))


def validate_contributors(contributors: Sequence[ContributorShare], *, field: str = "contributors") \
        -> list[ContributorShare]:
    """Refuse empty names, unknown roles, repeated (name, role) and splits not summing to 100 %."""
    if not contributors:
        raise CatalogueError(f"{field}: a work needs at least one contributor")
    seen: set[tuple[str, str]] = set()
    cleaned = []
    for c in contributors:
        name = c.name.strip()
        if not name:
            raise CatalogueError(f"{field}: a contributor has no name")
        if (why := name_problem(name)) is not None:  # names are printed and signed: one line each
            raise CatalogueError(f"{field}: the contributor name {name!r} {why}")
        if c.role not in ROLES:
            raise CatalogueError(f"{field}: {name}'s role {c.role!r} is not one of {', '.join(ROLES)}")
        if not isinstance(c.split_bp, int) or not 0 <= c.split_bp <= FULL_SPLIT_BP:
            raise CatalogueError(f"{field}: {name}'s split {c.split_bp!r} is not 0–10000 basis points")
        if (name, c.role) in seen:
            raise CatalogueError(f"{field}: {name} is listed twice as {c.role}")
        seen.add((name, c.role))
        cleaned.append(ContributorShare(name, c.role, c.split_bp))
    total = sum(c.split_bp for c in cleaned)
    if total != FULL_SPLIT_BP:
        raise CatalogueError(f"{field}: splits sum to {bp_to_percent(total)} %, not 100 %",
                             hint="adjust the shares so they add up to exactly 100 %")
    return cleaned
