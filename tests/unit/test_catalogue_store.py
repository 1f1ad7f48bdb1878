"""The catalogue store on real SQLite files: works, splits, the consent rule, removal, the export log."""

from __future__ import annotations

import sqlite3

import pytest

from app.core.catalogue import Catalogue, ContributorShare, UsableWork
from app.core.catalogue.schema import LATEST_VERSION
from app.core.errors import CatalogueError
from tests.helpers.catalogue_files import melody

ANN = ContributorShare("Ann", "composer", 6000)
BO = ContributorShare("Bo", "lyricist", 4000)


@pytest.fixture
def cat(tmp_path):
    with Catalogue.open(tmp_path / "cat.sqlite") as c:
        yield c


def _work(cat, pitches=(60, 62, 64), contributors=(ANN, BO), title="Song"):
    return cat.add_work(melody(list(pitches)), title=title, contributors=list(contributors))


def test_open_creates_a_wal_catalogue_with_foreign_keys(tmp_path):
    path = tmp_path / "sub" / "cat.sqlite"
    with Catalogue.open(path) as cat:
        assert cat.schema_version == LATEST_VERSION
        assert cat._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cat._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert cat._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert cat.works() == []
    assert path.exists()


def test_consent_rule_one_of_two_revokes_then_grants_again(cat):
    w = _work(cat)
    assert cat.work_state(w).state == "pending" and cat.work_state(w).pending == ("Ann", "Bo")
    cat.record_consent(w, "grant", contributor="Ann")
    assert cat.work_state(w).pending == ("Bo",)
    assert cat.usable_works() == []
    cat.record_consent(w, "grant", contributor="Bo")
    assert cat.work_state(w).usable and cat.usable_work_ids() == {w}
    cat.record_consent(w, "revoke", contributor="Bo", note="no more")
    state = cat.work_state(w)
    assert state.state == "revoked" and state.revoked_by == ("Bo",) and state.label == "revoked (by Bo)"
    assert cat.usable_works() == [] and cat.usable_work_ids() == set()
    cat.record_consent(w, "grant", contributor="Bo")
    assert [u.id for u in cat.usable_works()] == [w]


def test_usable_works_carries_melody_splits_and_the_granting_entries(cat):
    w1 = _work(cat, (60, 62, 64), title="One")
    w2 = _work(cat, (67, 65, 64), title="Two")
    _work(cat, (50, 52), title="Three")  # never granted
    refs = cat.record_consent_many([w2, w1], "grant")
    usable = cat.usable_works()
    assert [u.id for u in usable] == [w1, w2]  # sorted by id
    u = usable[0]
    assert isinstance(u, UsableWork) and u.title == "One" and u.melody.pitches == [60, 62, 64]
    assert u.contributors == (ANN, BO)
    granted = {(r.contributor, r.entry_hash) for r in refs}
    assert {(c.contributor, c.entry_hash) for c in u.consent} <= granted
    assert all(c.action == "grant" and c.use == "melody-model" for c in u.consent)


def test_consent_is_per_use(cat):
    w = _work(cat)
    cat.record_consent(w, "grant", use="evaluation")
    assert cat.usable_work_ids("evaluation") == {w}
    assert cat.usable_work_ids() == set()


def test_a_person_with_two_roles_grants_once(cat):
    w = _work(cat, contributors=[ContributorShare("Ann", "composer", 5000), ContributorShare("Ann", "lyricist", 5000)])
    cat.record_consent(w, "grant")
    assert cat.work_state(w).usable
    assert len(cat.consent_history(w)) == 1


@pytest.mark.parametrize("shares,reason", [
    ([ContributorShare("Ann", "composer", 5000)], "sum to 50 %, not 100 %"),
    ([ContributorShare("Ann", "composer", 6000), ContributorShare("Bo", "lyricist", 4001)], "100.01 %"),
    ([ContributorShare("Ann", "singer", 10000)], "role 'singer'"),
    ([ContributorShare(" ", "composer", 10000)], "no name"),
    ([], "at least one contributor"),
])
def test_bad_splits_are_refused_and_nothing_changes(cat, shares, reason):
    w = _work(cat)
    with pytest.raises(CatalogueError, match=reason.replace("(", r"\(").replace(".", r"\.")):
        cat.set_contributors(w, shares)
    assert cat.work(w).summary.contributors == (ANN, BO)


def test_set_contributors_keeps_consent_and_new_people_start_pending(cat):
    w = _work(cat)
    cat.record_consent(w, "grant")
    cat.set_contributors(w, [ContributorShare("Ann", "composer", 5000), ContributorShare("Bo", "lyricist", 2500),
                             ContributorShare("Cy", "producer", 2500)])
    assert cat.work_state(w).pending == ("Cy",)


def test_a_contributor_who_revoked_cannot_be_edited_off_the_work(cat):
    w = _work(cat)
    cat.record_consent(w, "grant", contributor="Ann")
    cat.record_consent(w, "revoke", contributor="Bo")
    with pytest.raises(CatalogueError, match="Bo revoked consent"):
        cat.set_contributors(w, [ContributorShare("Ann", "composer", 10000)])
    assert cat.work_state(w).state == "revoked"


def test_unknown_ids_and_contributors_name_the_field(cat):
    w = _work(cat)
    with pytest.raises(CatalogueError, match="work 99: no such work"):
        cat.record_consent(99, "grant")
    with pytest.raises(CatalogueError, match="work 99"):
        cat.work(99)
    with pytest.raises(CatalogueError, match="'Zed' is not a contributor of work"):
        cat.record_consent(w, "grant", contributor="Zed")
    with pytest.raises(CatalogueError, match="action"):
        cat.record_consent(w, "maybe")
    with pytest.raises(CatalogueError, match="work 99"):
        cat.record_consent_many([w, 99], "grant")
    assert cat.consent_history(w) == []  # all or nothing


def test_remove_is_a_tombstone_and_keeps_the_ledger(cat):
    w = _work(cat)
    cat.record_consent(w, "grant")
    cat.remove_work(w)
    assert cat.works() == [] and cat.usable_works() == []
    state = cat.work_state(w)
    assert state.removed and not state.usable and state.label == "removed"
    assert len(cat.consent_history(w)) == 2
    assert cat.audit().ok
    with pytest.raises(CatalogueError, match="was removed"):
        cat.record_consent(w, "grant")
    with pytest.raises(CatalogueError, match="was removed"):
        cat.remove_work(w)
    w2 = _work(cat)  # the same melody can come back as a new work, needing fresh consent
    assert w2 != w and cat.work_state(w2).state == "pending"
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        cat._conn.execute("DELETE FROM works WHERE id = ?", (w,))


def test_same_content_is_not_added_twice(cat):
    _work(cat)
    with pytest.raises(CatalogueError, match="already in the catalogue as work 1"):
        _work(cat, title="Copy")


def test_add_work_validates_fields(cat):
    with pytest.raises(CatalogueError, match="title"):
        cat.add_work(melody([60]), title="  ")
    with pytest.raises(CatalogueError, match="isrc"):
        cat.add_work(melody([60]), title="x", isrc="nope")
    with pytest.raises(CatalogueError, match="melody"):
        cat.add_work(melody([]), title="x")
    w = cat.add_work(melody([60]), title="x", isrc="us-rc1-76-07839", iswc="T-034.524.680-1", year=1999)
    d = cat.work(w)
    assert (d.isrc, d.iswc, d.year) == ("USRC17607839", "T0345246801", 1999)
    assert d.summary.contributors[0].split_bp == 10000  # the artist by default


def test_export_log(cat):
    first = cat.log_export(file_name="song.wav", content_sha256="ab" * 32, record_json='{"a":1}')
    second = cat.log_export(file_name="song.mid", content_sha256="cd" * 32, record_json='{"b":2}')
    assert second == first + 1
    assert [e["file_name"] for e in cat.exports()] == ["song.wav", "song.mid"]


def test_two_connections_see_each_others_commits(tmp_path):
    path = tmp_path / "cat.sqlite"
    with Catalogue.open(path) as a, Catalogue.open(path) as b:
        w = a.add_work(melody([60, 62]), title="x")
        b.record_consent(w, "grant")
        a.record_consent(w, "revoke")
        assert b.work_state(w).state == "revoked"
        assert a.audit().ok and a.audit().entries_checked == 2


def test_consent_rule_matches_each_contributors_latest_word(tmp_path_factory):
    """Any sequence of grants and revokes: usable iff everyone's latest word is grant; revoked if anyone's is
    revoke; pending otherwise."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = ["Ann", "Bo", "Cy"]
    events = st.lists(st.tuples(st.sampled_from(["grant", "revoke"]), st.sampled_from(names + [None])),
                      max_size=6)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(events)
    def check(seq):
        path = tmp_path_factory.mktemp("prop") / "cat.sqlite"
        with Catalogue.open(path) as cat:
            w = cat.add_work(melody([60, 62]), title="p", contributors=[
                ContributorShare("Ann", "composer", 4000), ContributorShare("Bo", "lyricist", 3000),
                ContributorShare("Cy", "producer", 3000)])
            latest: dict[str, str] = {}
            for action, who in seq:
                cat.record_consent(w, action, contributor=who)
                for n in ([who] if who else names):
                    latest[n] = action
            state = cat.work_state(w)
            if any(latest.get(n) == "revoke" for n in names):
                expected = "revoked"
            elif all(latest.get(n) == "grant" for n in names):
                expected = "usable"
            else:
                expected = "pending"
            assert state.state == expected
            assert state.revoked_by == tuple(n for n in names if latest.get(n) == "revoke")
            assert (cat.usable_work_ids() == {w}) == (expected == "usable")
            assert cat.audit().ok

    check()
