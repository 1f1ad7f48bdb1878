"""`accord suggest -o` writes signed MIDI (model, consented works, credit) and `accord model report`
writes the training-data report, on a real catalogue and a real trained model."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.home import AccordHome
from app.core.midifile import MidiPart, write_midi
from tests.helpers.chorales import melodies_from_chorales


@pytest.fixture
def trained(capsys, tmp_path):
    home = AccordHome.resolve()
    melodies = melodies_from_chorales(6)
    with Catalogue.open(home.catalogue_path) as cat:
        for i, m in enumerate(melodies):
            wid = cat.add_work(m, title=f"Chorale {i + 1}",
                               contributors=[ContributorShare(f"Composer {i % 3}", "composer", 7000),
                                             ContributorShare(f"Editor {i % 2}", "arranger", 3000)])
            cat.record_consent(wid, "grant")
    assert main(["train"]) == 0
    capsys.readouterr()
    prime = write_midi(tmp_path / "prime.mid", [MidiPart("lead", melodies[0].between(0, 8))],
                       tempo_bpm=90.0, time_signature=melodies[0].time_signature)
    return home, prime


def test_suggest_output_is_signed_with_model_works_and_credit(capsys, tmp_path, trained):
    home, prime = trained
    code = main(["suggest", "--continue", str(prime), "-n", "2", "--seed", "3", "-o", str(tmp_path / "sugg"),
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    files = [s["file"] for s in out["suggestions"]]
    assert main(["verify", "--json", *files]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    for s, r in zip(out["suggestions"], results, strict=True):
        rec = r["record"]
        assert rec["model"] == {"id": out["model_id"], "fingerprint": out["model_fingerprint"]}
        assert rec["suggestions"] == [s["id"]] and len(rec["trainingWorks"]) == 6
        assert all(w["consent"] and w["consent"][0]["action"] == "grant" for w in rec["trainingWorks"])
        from types import SimpleNamespace

        from app.core.model.credit import credit_basis_points

        expected = credit_basis_points(SimpleNamespace(credit={int(k): v for k, v in s["credit"].items()},
                                                       uniform_share=s["uniform_share"],
                                                       piece_share=s["piece_share"]))
        assert {c["workId"]: c["bp"] for c in rec["credit"]} == expected
        assert sum(x["bp"] for x in rec["contributorShares"]) == 10000
        assert rec["longestCopiedRun"] == s["longest_copied_run"]["length"]
    with Catalogue.open(home.catalogue_path) as cat:
        assert len(cat.exports()) == 2


def test_model_report(capsys, tmp_path, trained):
    assert main(["model", "report", "-o", str(tmp_path / "report.html")]) == 0
    html = (tmp_path / "report.html").read_text()
    assert "Chorale 6" in html and "Composer 2" in html and "6 training work(s)" in html
    assert html.count("<td>grant</td>") >= 6
    code = main(["model", "report", str(tmp_path / "none.accordmodel"), "-o", str(tmp_path / "r.html")])
    assert code == 2 and "not found" in capsys.readouterr().err
