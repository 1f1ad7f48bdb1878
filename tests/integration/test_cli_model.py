"""accord train / model info / model evaluate / suggest, end to end with a real catalogue (SQLite) and MIDI."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.home import AccordHome
from app.core.midifile import MidiPart, read_midi, write_midi
from app.core.model import idyom_benchmark_set, load_model, train


@pytest.fixture
def home(accord_home):
    h = AccordHome.resolve(accord_home)
    melodies = idyom_benchmark_set()[:12]
    with Catalogue.open(h.catalogue_path) as cat:
        for i, (ident, m) in enumerate(melodies):
            wid = cat.add_work(m, title=ident, contributors=[ContributorShare("J. S. Bach", "composer", 7000),
                                                             ContributorShare(f"Editor {i % 2}", "arranger", 3000)])
            cat.record_consent(wid, "grant")
    write_midi(accord_home / "prime.mid", [MidiPart("melody", melodies[0][1].between(0, 12))], tempo_bpm=90,
               time_signature=melodies[0][1].time_signature)
    return h


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_no_model_yet(home, capsys, tmp_path):
    code, _, err = run(capsys, "suggest", "--continue", str(home.root / "prime.mid"), "-o", str(tmp_path))
    assert code == 2 and "no model yet: import works, grant consent, run accord train" in err


def test_train_info_evaluate_suggest_revoke_update(home, capsys, tmp_path):
    code, out, _ = run(capsys, "train", "--json")
    assert code == 0
    trained = json.loads(out)
    assert len(trained["works"]) == 12 and len(trained["fingerprint"]) == 64
    code, out, _ = run(capsys, "model", "info", "--json")
    info = json.loads(out)
    assert code == 0 and info["stale"] is False and info["fingerprint"] == trained["fingerprint"]
    assert info["manifest"]["works"][0]["consent"][0]["action"] == "grant"

    code, out, _ = run(capsys, "model", "evaluate", "--folds", "3", "--seed", "1", "--json")
    ev = json.loads(out)
    assert code == 0 and len(ev["per_fold"]) == 3
    assert 0 < ev["pitch_bits_per_note"] < ev["event_bits_per_note"] < 8

    out_dir = tmp_path / "sugg"
    code, out, err = run(capsys, "suggest", "--continue", str(home.root / "prime.mid"), "--bars", "2", "-n", "3",
                         "--seed", "7", "--max-copy", "6", "--json", "-o", str(out_dir))
    assert code == 0, err
    result = json.loads(out)
    assert len(result["suggestions"]) == 3
    for s in result["suggestions"]:
        assert s["longest_copied_run"]["length"] <= 6
        assert s["credit"] and s["contributors"]
        assert abs(sum(s["credit"].values()) + s["uniform_share"] + s["piece_share"] - 1) < 1e-9
        notes = read_midi(s["file"]).parts[0].notes
        assert [n.pitch for n in notes] == [n[0] for n in s["notes"]["notes"]]
    code, out, _ = run(capsys, "suggest", "--fill", str(home.root / "prime.mid"), "--gap", "2:2", "-n", "1",
                       "--seed", "1", "-o", str(out_dir))
    assert code == 0 and "longest copied run" in out and "credit:" in out
    code, out, _ = run(capsys, "suggest", "--vary", str(home.root / "prime.mid"), "--kind", "anchors", "-n", "1",
                       "--seed", "1", "-o", str(out_dir))
    assert code == 0 and "vary-anchors" in out
    code, out, _ = run(capsys, "suggest", "--continue", str(home.root / "prime.mid"), "--bars", "1", "-n", "1",
                       "--repeat-damping", "1", "--json", "-o", str(out_dir))
    assert code == 0 and json.loads(out)["suggestions"][0]["settings"]["repeat_damping"] == 1.0

    with Catalogue.open(home.catalogue_path) as cat:  # a contributor revokes: the model is stale
        cat.record_consent(3, "revoke", contributor="Editor 0")
        usable = cat.usable_works()
    code, out, _ = run(capsys, "model", "info", "--json")
    assert json.loads(out)["stale_work_ids"] == [3]
    code, _, err = run(capsys, "suggest", "--continue", str(home.root / "prime.mid"), "-o", str(out_dir))
    assert code == 2 and "stale: retrain or update" in err

    code, out, _ = run(capsys, "train", "--json")
    updated = json.loads(out)
    assert code == 0 and updated["action"] == "updated" and updated["removed"] == [3]
    assert updated["fingerprint"] == train(usable).fingerprint  # update == retraining from scratch
    model = load_model(home.current_model_path, usable_ids={w.id for w in usable})
    assert 3 not in model.works and model.version == 2
    code, out, _ = run(capsys, "suggest", "--continue", str(home.root / "prime.mid"), "-n", "2", "--seed", "3",
                       "--json", "-o", str(out_dir))
    for s in json.loads(out)["suggestions"]:
        assert "3" not in s["credit"]


def test_bad_input_is_one_clear_line(home, capsys, tmp_path):
    run(capsys, "train")
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"nope")
    code, _, err = run(capsys, "suggest", "--continue", str(bad), "-o", str(tmp_path))
    assert code == 2 and "bad.mid" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "suggest", "--fill", str(home.root / "prime.mid"), "-o", str(tmp_path))
    assert code == 2 and "--gap" in err
    code, _, err = run(capsys, "suggest", "--continue", str(home.root / "prime.mid"), "--repeat-damping", "0",
                       "-o", str(tmp_path))
    assert code == 2 and "--repeat-damping" in err
    code, _, err = run(capsys, "suggest", "--continue", str(home.root / "prime.mid"), "--range", "61:61", "--key",
                       "C", "-o", str(tmp_path))
    assert code == 2 and "widen the range" in err
    (tmp_path / "m.accordmodel").write_bytes(b"garbage")
    code, _, err = run(capsys, "model", "info", str(tmp_path / "m.accordmodel"))
    assert code == 2 and "m.accordmodel" in err


def test_model_judge_cli(home, capsys):
    code, out, err = run(capsys, "model", "judge", "--folds", "3", "--windows", "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["works"] == 12 and report["folds"] == 3 and report["phrases"] >= 6
    assert 0.0 <= report["classifier_accuracy"] <= 1.0
    code, out, _ = run(capsys, "model", "judge", "--folds", "3", "--windows", "1")
    assert code == 0 and "indistinguishable" in out and "rest_ratio" in out
    code, _, err = run(capsys, "model", "judge", "--folds", "20")
    assert code == 2 and "at least 20 usable works" in err
