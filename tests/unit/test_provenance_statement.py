"""Credit statement (HTML + CSV from the record's numbers) and the training-data report of a model."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from app.core.errors import ProvenanceError
from app.core.provenance.model_manifest import load_model_manifest
from app.core.provenance.readable import describe_record
from app.core.provenance.record import build_record
from app.core.provenance.report import model_report_html, write_model_report
from app.core.provenance.statement import percent, statement_csv, statement_html, write_statement
from tests.helpers.provenance import suggestion_fields, works


def _record(**over):
    return build_record(suggestion_fields(**over), content_method="pcm-v1", content_sha256="ab" * 32)


def test_percent_is_printed_from_integers():
    assert [percent(bp) for bp in (0, 1, 3333, 10000)] == ["0.00%", "0.01%", "33.33%", "100.00%"]


def test_statement_numbers_are_the_records():
    record = _record(credit_bp={0: 1000, 1: 5000, 2: 2500, 3: 1500})
    rows = list(csv.DictReader(io.StringIO(statement_csv(record))))
    people = [(r["name"], int(r["basis_points"])) for r in rows if r["section"] == "contributor"]
    assert people == [(s["name"], s["bp"]) for s in record["contributorShares"]]
    assert sum(bp for _, bp in people) == 10000
    work_rows = [(int(r["work_id"]), int(r["basis_points"])) for r in rows if r["section"] == "work"]
    assert work_rows == [(0, 1000), (1, 5000), (2, 2500), (3, 1500)]
    assert any("unattributed" in r["work_title"] for r in rows if r["work_id"] == "0")
    html = statement_html(record, file_name="hook.wav")
    assert "hook.wav" in html and "Morning Song" in html and "trainedAlgorithmicMedia" in html
    for s in record["contributorShares"]:
        assert f"<td>{s['bp']}</td><td>{percent(s['bp'])}</td>" in html


def test_statement_escapes_html_and_writes_both_files(tmp_path):
    record = _record(title="<script>alert(1)</script>")
    html_path, csv_path = write_statement(record, tmp_path / "x.credits")
    assert "<script>" not in html_path.read_text() and "&lt;script&gt;" in html_path.read_text()
    assert csv_path.read_text().startswith("section,name,roles")


def test_readable_lines_name_model_works_and_shares():
    lines = "\n".join(describe_record(_record()))
    assert "model: model-7" in lines and "#1 Morning Song" in lines and "share: Cy Eng" in lines
    assert "human-edited notes: 2" in lines and "longest run copied from one work: 5" in lines


def _manifest():
    return {"format": "accord-model", "model_id": "model-7", "fingerprint": "f" * 64,
            "works": [{"id": w.id, "title": w.title, "sha256": w.sha256,
                       "contributors": [{"name": c.name, "role": c.role, "split_bp": c.split_bp}
                                        for c in w.contributors],
                       "consent": [{"entry_id": c.entry_id, "contributor": c.contributor, "action": c.action,
                                    "use": c.use, "recorded_at": c.recorded_at, "entry_hash": c.entry_hash}
                                   for c in w.consent]} for w in works()]}


def test_training_report_lists_every_work_contributor_consent_and_fingerprint(tmp_path):
    html = model_report_html(_manifest())
    assert "model-7" in html and "f" * 64 in html
    for w in works():
        assert w.title in html and w.sha256 in html
        for c in w.consent:
            assert c.recorded_at in html and c.entry_hash in html
        for c in w.contributors:
            assert c.name in html
    assert "3 training work(s)" in html and "Works without a consent entry in the manifest: 0" in html
    path = write_model_report(_manifest(), tmp_path / "report.html")
    assert "model-7" in path.read_text() and "Morning Song" in path.read_text()


def test_manifest_loads_from_a_model_zip_or_json(tmp_path):
    with zipfile.ZipFile(tmp_path / "m.accordmodel", "w") as zf:
        zf.writestr("manifest.json", json.dumps(_manifest()))
        zf.writestr("events.npz", b"")
    assert load_model_manifest(tmp_path / "m.accordmodel", required=True)["model_id"] == "model-7"
    (tmp_path / "m.json").write_text(json.dumps(_manifest()))
    assert load_model_manifest(tmp_path / "m.json", required=True)["fingerprint"] == "f" * 64
    assert load_model_manifest(tmp_path / "none.accordmodel", required=False) is None
    with pytest.raises(ProvenanceError, match="not found"):
        load_model_manifest(tmp_path / "none.accordmodel", required=True)
    (tmp_path / "bad.accordmodel").write_bytes(b"garbage")
    with pytest.raises(ProvenanceError, match="not valid JSON"):
        load_model_manifest(tmp_path / "bad.accordmodel", required=True)


def test_report_of_a_real_trained_model_file(tmp_path):
    from app.core.catalogue.types import ConsentEntryRef, ContributorShare, UsableWork
    from app.core.model.modelfile import save_model
    from app.core.model.training import train
    from app.core.music import Melody, Note

    def melody(shift):
        return Melody(tuple(Note(60 + (i * 2 + shift) % 12, float(i), 1.0) for i in range(16)))

    usable = [UsableWork(i, f"Song {i}", f"{i}" * 64, melody(i),
                         (ContributorShare(f"Writer {i}", "composer", 10000),),
                         (ConsentEntryRef(100 + i, f"Writer {i}", "grant", "melody-model", f"2026-02-0{i}T09:00:00Z",
                                          "e" * 63 + str(i)),)) for i in (1, 2)]
    model = train(usable)
    save_model(model, tmp_path / "m.accordmodel")
    manifest = load_model_manifest(tmp_path / "m.accordmodel", required=True)
    html = model_report_html(manifest)
    assert model.model_id in html and model.fingerprint in html
    assert "Song 1" in html and "Writer 2" in html and "2026-02-02T09:00:00Z" in html and "e" * 63 + "1" in html
