"""The chain of each work's deciding facts: source hash, melody digest, contributors and splits, removal.

Whether a melody may be trained on depends on more than the consent ledger: who the contributors are (a
revoking contributor's row deleted, or renamed to a co-writer who granted, makes the work "usable"), whether
the work was removed, and which melody the row holds (a revoked work's melody copied into a granted row).
Every change Accord makes to these facts appends an entry to `work_facts` whose hash covers the facts, its
id and the previous entry's hash (as the consent ledger does). `audit_facts` re-hashes that chain and checks
every work row against its latest entry, so an edit made with another tool is caught with the work named.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from app.core.catalogue.integrity.ledger import GENESIS_HASH, now_utc

FACT_COLUMNS = "id, work_id, facts_json, recorded_at, prev_hash, entry_hash"


def melody_digest(melody_json: str) -> str:
    """sha256 of the melody exactly as stored (the bytes the model learns from)."""
    return hashlib.sha256(melody_json.encode("utf-8")).hexdigest()


def facts_text(facts: dict) -> str:
    return json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fact_hash(*, id: int, work_id: int, facts_json: str, recorded_at: str, prev_hash: str) -> str:
    payload = {"id": id, "work_id": work_id, "facts": facts_json, "recorded_at": recorded_at, "prev_hash": prev_hash}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_melody_digests(conn: sqlite3.Connection, work_id: int | None = None) -> dict[int, str]:
    """Digests of the stored melodies (one work, or all); the melodies themselves never leave this function
    (only Catalogue.usable_works lets melodies out: tests/unit/test_catalogue_only_path.py)."""
    where, params = ("WHERE id = ?", (work_id,)) if work_id is not None else ("", ())
    return {r[0]: melody_digest(r[1]) for r in conn.execute(f"SELECT id, melody_json FROM works {where}", params)}


def stored_melody_digest(conn: sqlite3.Connection, work_id: int) -> str | None:
    return stored_melody_digests(conn, work_id).get(work_id)


def all_current_facts(conn: sqlite3.Connection) -> dict[int, dict]:
    """Every work's facts as the rows hold them now (three queries, whatever the catalogue's size)."""
    people: dict[int, list[list]] = {}
    for work_id, n, r, sp in conn.execute("SELECT work_id, name, role, split_bp FROM contributors "
                                          "ORDER BY work_id, name, role"):
        people.setdefault(work_id, []).append([str(n), str(r), int(sp)])
    digests = stored_melody_digests(conn)
    return {w: {"sha256": sha, "melody_sha256": digests.get(w), "contributors": people.get(w, []),
                "removed": removed is not None}
            for w, sha, removed in conn.execute("SELECT id, sha256, removed_at FROM works")}


def current_facts(conn: sqlite3.Connection, work_id: int) -> dict | None:
    row = conn.execute("SELECT sha256, removed_at FROM works WHERE id = ?", (work_id,)).fetchone()
    if row is None:
        return None
    people = conn.execute("SELECT name, role, split_bp FROM contributors WHERE work_id = ? ORDER BY name, role",
                          (work_id,)).fetchall()
    return {"sha256": row[0], "melody_sha256": stored_melody_digest(conn, work_id),
            "contributors": [[str(n), str(r), int(s)] for n, r, s in people], "removed": row[1] is not None}


def append_facts(conn: sqlite3.Connection, work_id: int) -> str:
    """Chain the work's facts as they are now (inside the caller's write transaction); returns the hash."""
    facts = current_facts(conn, work_id)
    if facts is None:
        raise ValueError(f"work {work_id} does not exist")
    last = conn.execute("SELECT id, entry_hash FROM work_facts ORDER BY id DESC LIMIT 1").fetchone()
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'work_facts'").fetchone()
    prev_id, prev_hash = last if last else (0, GENESIS_HASH)
    new_id = max(prev_id, seq[0] if seq else 0) + 1
    at, text = now_utc(), facts_text(facts)
    digest = fact_hash(id=new_id, work_id=work_id, facts_json=text, recorded_at=at, prev_hash=prev_hash)
    conn.execute(f"INSERT INTO work_facts ({FACT_COLUMNS}) VALUES (?,?,?,?,?,?)",
                 (new_id, work_id, text, at, prev_hash, digest))
    return digest


def record_all_facts(conn: sqlite3.Connection) -> None:
    """The first entries of an upgraded catalogue: every work's facts as they stand."""
    for (work_id,) in conn.execute("SELECT id FROM works ORDER BY id").fetchall():
        append_facts(conn, work_id)


@dataclass(frozen=True)
class FactsProblem:
    work_id: int | None
    entry_id: int | None
    reason: str


_WHAT = {"sha256": "its source file hash", "melody_sha256": "its melody", "contributors": "its contributors or splits",
         "removed": "its removal"}


def _titles(conn: sqlite3.Connection) -> dict[int, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, title FROM works")}


def audit_facts(conn: sqlite3.Connection) -> tuple[int, FactsProblem | None]:
    """(entries checked, the first problem): the chain's links and hashes, then each work against it."""
    prev_hash, prev_id, checked = GENESIS_HASH, 0, 0
    latest: dict[int, str] = {}
    titles = _titles(conn)
    for entry_id, work_id, text, at, prev, digest in conn.execute(
            f"SELECT {FACT_COLUMNS} FROM work_facts ORDER BY id"):
        checked += 1
        where = f"facts entry {entry_id} (work {work_id})"
        if not isinstance(entry_id, int) or entry_id <= prev_id:
            return checked, FactsProblem(work_id, entry_id, f"{where} is out of order")
        if prev != prev_hash:
            return checked, FactsProblem(work_id, entry_id, f"{where} does not link to the entry before it: an "
                                         "entry was removed, inserted or changed by hand")
        try:
            expected = fact_hash(id=entry_id, work_id=work_id, facts_json=text, recorded_at=at, prev_hash=prev)
        except (TypeError, ValueError):
            expected = ""
        if expected != digest:
            return checked, FactsProblem(work_id, entry_id, f"{where} was changed after it was recorded")
        if work_id not in titles:
            return checked, FactsProblem(work_id, entry_id, f"{where} names a work that is no longer in the file "
                                         "(a work row was deleted by hand)")
        latest[work_id] = text
        prev_hash, prev_id = digest, entry_id
    facts_now = all_current_facts(conn)
    for work_id, title in sorted(titles.items()):
        name = f"work {work_id} ({title!r})"
        if work_id not in latest:
            return checked, FactsProblem(work_id, None, f"{name} has no chained facts: it was added outside Accord")
        now = facts_now.get(work_id) or {}
        chained = json.loads(latest[work_id])
        changed = [_WHAT[k] for k in _WHAT if now.get(k) != chained.get(k)]
        if changed:
            return checked, FactsProblem(work_id, None, f"{name}: {' and '.join(changed)} changed outside Accord "
                                         "(they differ from the chained record)")
    return checked, None


def facts_head(conn: sqlite3.Connection) -> tuple[int, str, int]:
    """(id, hash, work id) of the last facts entry."""
    row = conn.execute("SELECT id, entry_hash, work_id FROM work_facts ORDER BY id DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1]), int(row[2])) if row else (0, GENESIS_HASH, 0)
