"""Catalogue files from the past, the future and elsewhere: migrations and refusals that change nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from app.core.catalogue import Catalogue, schema
from app.core.errors import CatalogueError
from tests.helpers.catalogue_files import melody


def _v1_file(path):
    """A catalogue as version 1 of Accord wrote it (schema 1 only), with a work and a consent entry."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, path, target=1)
    mel = json.dumps(melody([60, 62, 64]).to_json())
    conn.execute("INSERT INTO works (title, kind, path, sha256, melody_json, note_count, added_at) "
                 "VALUES ('Old song', 'midi', '/music/old.mid', ?, ?, 3, '2025-01-01T00:00:00Z')", ("ab" * 32, mel))
    conn.execute("INSERT INTO contributors (work_id, name, role, split_bp) VALUES (1, 'Ann', 'composer', 10000)")
    conn.close()
    return path


def test_migrates_a_v1_file_keeping_works_and_ledger(tmp_path):
    path = _v1_file(tmp_path / "catalogue.sqlite")
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    with Catalogue.open(path) as cat:
        assert cat.schema_version == schema.LATEST_VERSION
        (work,) = cat.works()
        assert work.title == "Old song" and work.state.pending == ("Ann",)
        cat.record_consent(1, "grant")
        assert cat.usable_works()[0].melody.pitches == [60, 62, 64]
        cat.remove_work(1)  # v2's tombstone column
        assert cat.works() == [] and len(cat.consent_history(1)) == 1
        assert cat.log_export(file_name="a.wav", content_sha256="00" * 32, record_json="{}") == 1  # v2's table
        assert cat.audit().ok


def test_migration_is_all_or_nothing(tmp_path, monkeypatch):
    path = _v1_file(tmp_path / "catalogue.sqlite")
    broken = dict(schema.MIGRATIONS)
    broken[2] = schema.MIGRATIONS[2] + ["CREATE TABLE exports (id INTEGER)"]  # fails after the others ran
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    with pytest.raises(CatalogueError, match="could not be upgraded to catalogue schema 2"):
        Catalogue.open(path)
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "removed_at" not in [r[1] for r in conn.execute("PRAGMA table_info(works)")]
    conn.close()


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_catalogue_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "catalogue.sqlite"
    with Catalogue.open(path):
        pass
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA user_version = 9")
    conn.close()
    before = _sha(path)
    with pytest.raises(CatalogueError, match=r"newer version of Accord \(catalogue schema 9"):
        Catalogue.open(path)
    assert _sha(path) == before


@pytest.mark.parametrize("content", [b"this is not a database, just text\n" * 40, b"\x00\x01garbage" * 300])
def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path, content):
    path = tmp_path / "catalogue.sqlite"
    path.write_bytes(content)
    with pytest.raises(CatalogueError) as err:
        Catalogue.open(path)
    assert "catalogue.sqlite" in str(err.value) and "not an SQLite database" in str(err.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalogue.sqlite"]


def test_another_programs_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "catalogue.sqlite"
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    before = _sha(path)
    with pytest.raises(CatalogueError, match="another program"):
        Catalogue.open(path)
    assert _sha(path) == before


def test_a_folder_in_the_way_is_refused(tmp_path):
    (tmp_path / "catalogue.sqlite").mkdir()
    with pytest.raises(CatalogueError, match="is a folder"):
        Catalogue.open(tmp_path / "catalogue.sqlite")
