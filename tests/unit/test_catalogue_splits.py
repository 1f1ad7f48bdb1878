"""Contributor specs and splits: percent in, exact basis points out."""

from __future__ import annotations

import pytest

from app.core.catalogue import ContributorShare
from app.core.catalogue.splits import bp_to_percent, parse_contributor, percent_to_bp, validate_contributors
from app.core.errors import CatalogueError


@pytest.mark.parametrize("text,bp", [("100", 10000), ("33.33", 3333), ("0.5", 50), ("12.5%", 1250), (" 0 ", 0)])
def test_percent_to_basis_points(text, bp):
    assert percent_to_bp(text) == bp
    assert percent_to_bp(bp_to_percent(bp)) == bp


@pytest.mark.parametrize("text,reason", [("33.333", "more than two decimals"), ("abc", "not a percentage"),
                                         ("101", "between 0 and 100"), ("-1", "between 0 and 100"),
                                         ("nan", "more than two decimals")])
def test_bad_percentages(text, reason):
    with pytest.raises(CatalogueError, match=reason):
        percent_to_bp(text)


def test_parse_contributor_allows_colons_in_names():
    assert parse_contributor("Ann Lee:Composer:50") == ContributorShare("Ann Lee", "composer", 5000)
    assert parse_contributor("Duo: A&B:performer:33.33") == ContributorShare("Duo: A&B", "performer", 3333)
    with pytest.raises(CatalogueError, match="NAME:ROLE:SHARE_PERCENT"):
        parse_contributor("Ann-50")


def test_thirds_must_be_written_to_sum_exactly():
    third = [ContributorShare(n, "composer", 3333) for n in "ABC"]
    with pytest.raises(CatalogueError, match="99.99 %"):
        validate_contributors(third)
    fixed = third[:2] + [ContributorShare("C", "composer", 3334)]
    assert sum(c.split_bp for c in validate_contributors(fixed)) == 10000


def test_same_person_same_role_twice_is_refused():
    with pytest.raises(CatalogueError, match="listed twice"):
        validate_contributors([ContributorShare("A", "composer", 5000), ContributorShare("A", "composer", 5000)])


@pytest.mark.parametrize("name", ["Ann\nLee", "Ann\tLee", "Ann \u202eeeL", "A" * 201])
def test_a_contributor_name_is_one_printable_line(name):
    # names are listed, signed into records and printed by `accord verify`: a line break would print as a line
    with pytest.raises(CatalogueError, match="contributor name"):
        validate_contributors([ContributorShare(name, "composer", 10000)])
    assert validate_contributors([ContributorShare("Ann Lee-Ó'Brien (feat. Jo)", "composer", 10000)])
