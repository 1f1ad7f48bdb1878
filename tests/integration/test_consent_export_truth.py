"""Issue 12 acceptance: signed files state only the truth.

- the preview (what_will_be_signed) and the exported file agree: model fingerprint, works, credit;
- after a revoke + retrain, a kept suggestion crediting the revoked work is not signed (the error names the
  suggestion and the work), `without` exports the rest, and no exported or rendered file credits the work;
- a model from another home with the same ids and other content is refused.
"""

from __future__ import annotations

import json
import shutil

import pytest
import soundfile as sf

from app.cli.main import main
from app.core.catalogue import Catalogue
from app.core.errors import ModelFileError
from app.core.project.export.consent import UnusableWorkError
from app.core.project.export.project import export_project
from app.core.project.export.records import what_will_be_signed
from app.core.project.model import Project, StemRef
from app.core.project.model_training import load_bound_model, train_usable
from app.core.provenance.identity import load_identity
from app.core.provenance.model_manifest import load_model_manifest
from app.core.provenance.record import build_record
from tests.helpers.catalogue_files import simple_midi
from tests.helpers.provenance import SR, tone

MELODIES = [[60, 62, 64, 65, 67, 65, 64, 62], [67, 69, 71, 72, 71, 69, 67, 64], [64, 65, 67, 69, 67, 65, 64, 60],
            [60, 64, 67, 72, 67, 64, 60, 55], [62, 64, 65, 67, 69, 71, 72, 74], [72, 71, 69, 67, 65, 64, 62, 60]]


def cli(capsys, home, *argv):
    code = main(["--home", str(home), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _home(capsys, root, melodies):
    root.mkdir(parents=True, exist_ok=True)
    assert cli(capsys, root, "identity", "create", "--name", "Ann")[0] == 0
    for i, m in enumerate(melodies):
        f = simple_midi(root.parent / f"{root.name}-song{i + 1}.mid", m)
        assert cli(capsys, root, "catalogue", "add", str(f), "--contributor", "Ann:composer:50",
                   "--contributor", "Jo Lee:lyricist:50")[0] == 0
    assert cli(capsys, root, "catalogue", "consent", *map(str, range(1, len(melodies) + 1)), "--grant")[0] == 0
    assert cli(capsys, root, "train")[0] == 0
    return root


@pytest.fixture
def studio(tmp_path, capsys):
    """A home with a trained model, and a project holding one kept suggestion over a human stem."""
    home = _home(capsys, tmp_path / "home", MELODIES)
    code, out, err = cli(capsys, home, "suggest", "--continue", str(tmp_path / "home-song1.mid"), "-n", "1",
                         "--seed", "5", "-o", str(tmp_path / "ideas"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    s = doc["suggestions"][0]
    sf.write(str(tmp_path / "drums.wav"), tone(0.5).T, SR, subtype="PCM_16")
    project = Project(name="Song", path=tmp_path / "song.accord", tempo_bpm=100.0,
                      stems=[StemRef("drums", tmp_path / "drums.wav")],
                      suggestions=[{**s, "kept": True, "name": "Idea"}])
    return home, project, s


def _same(record, fields):
    preview = build_record(fields, content_method="-", content_sha256="")
    for key in ("model", "trainingWorks", "credit", "contributorShares", "suggestions"):
        assert record[key] == preview[key], key


def test_the_preview_is_exactly_what_is_signed(studio, tmp_path):
    home, project, s = studio
    manifest = load_model_manifest(home / "models" / "current.accordmodel", required=True)
    me = load_identity(home / "keys")
    with Catalogue.open(home / "catalogue.sqlite") as cat:
        [(name, fields)] = what_will_be_signed(project, what="mix", catalogue=cat, model_manifest=manifest)
        [result] = export_project(project, what="mix", format="flac", out=tmp_path / "mix.flac", identity=me,
                                  catalogue=cat, model_manifest=manifest)
    _same(result.record, fields)
    assert result.record["model"]["fingerprint"] == manifest["fingerprint"]
    assert all(c["evidence"] == "recorded" for w in result.record["trainingWorks"] for c in w["consent"])
    # two formats of the same mix keep one credit statement each
    with Catalogue.open(home / "catalogue.sqlite") as cat:
        export_project(project, what="mix", format="wav16", out=tmp_path / "mix.wav", identity=me, catalogue=cat,
                       model_manifest=manifest)
    assert (tmp_path / "mix.flac.credits.csv").exists() and (tmp_path / "mix.wav.credits.csv").exists()


def test_after_revoke_and_retrain_nothing_signed_credits_the_revoked_work(studio, tmp_path, capsys):
    home, project, s = studio
    credited = max((int(k) for k, v in s["credit"].items() if int(k) and v > 0), key=lambda k: s["credit"][str(k)])
    assert cli(capsys, home, "catalogue", "consent", str(credited), "--revoke", "--contributor", "Jo Lee")[0] == 0
    outcome = train_usable(home / "catalogue.sqlite", home / "models" / "current.accordmodel")
    assert credited in outcome.removed
    manifest = load_model_manifest(home / "models" / "current.accordmodel", required=True)
    me = load_identity(home / "keys")
    with Catalogue.open(home / "catalogue.sqlite") as cat:
        with pytest.raises(UnusableWorkError) as err:
            export_project(project, what="mix", format="wav16", out=tmp_path / "mix.wav", identity=me,
                           catalogue=cat, model_manifest=manifest)
        assert err.value.suggestion_id == s["id"] and credited in err.value.credited
        assert f"work {credited}" in str(err.value) and "--without" in str(err.value)
        with pytest.raises(UnusableWorkError):
            what_will_be_signed(project, what="mix", catalogue=cat, model_manifest=manifest)
        [(_, fields)] = what_will_be_signed(project, what="mix", catalogue=cat, model_manifest=manifest,
                                            without=[s["id"]])
        [result] = export_project(project, what="mix", format="wav16", out=tmp_path / "mix.wav", identity=me,
                                  catalogue=cat, model_manifest=manifest, without=[s["id"]])
    _same(result.record, fields)
    assert result.record["credit"] == [] and result.record["trainingWorks"] == []
    assert not (tmp_path / "mix.wav.credits.csv").exists()

    # the older suggestion MIDI (signed by `suggest` before the revoke) cannot be rendered and re-signed
    [old_midi] = list((tmp_path / "ideas").glob("*.mid"))
    code, _, err = cli(capsys, home, "render", str(old_midi), "-o", str(tmp_path / "old.wav"))
    assert code == 2 and f"work {credited}" in err and not (tmp_path / "old.wav").exists()

    # a new suggestion from the retrained model exports, and never lists the revoked work
    code, out, err = cli(capsys, home, "suggest", "--continue", str(tmp_path / "home-song2.mid"), "-n", "1",
                         "--seed", "2", "-o", str(tmp_path / "ideas2"), "--json")
    assert code == 0, err
    [new_midi] = list((tmp_path / "ideas2").glob("*.mid"))
    code, out, err = cli(capsys, home, "render", str(new_midi), "-o", str(tmp_path / "new.wav"))
    assert code == 0, err
    code, out, _ = cli(capsys, home, "verify", "--json", str(tmp_path / "new.wav"))
    record = json.loads(out)["results"][0]["record"]
    assert credited not in [w["id"] for w in record["trainingWorks"]]
    assert credited not in [c["workId"] for c in record["credit"]]


def test_a_foreign_model_with_the_same_ids_is_refused(tmp_path, capsys):
    here = _home(capsys, tmp_path / "here", MELODIES[:3])
    other = _home(capsys, tmp_path / "other", [MELODIES[5], MELODIES[1], MELODIES[2]])  # work 1 differs
    shutil.copy(other / "models" / "current.accordmodel", here / "models" / "current.accordmodel")
    with pytest.raises(ModelFileError, match="work 1: the model learned content"):
        load_bound_model(here / "catalogue.sqlite", here / "models" / "current.accordmodel")
    code, _, err = cli(capsys, here, "suggest", "--continue", str(tmp_path / "here-song1.mid"), "-o",
                       str(tmp_path / "x"))
    assert code == 2 and "trained on other works than this catalogue holds" in err
    outcome = train_usable(here / "catalogue.sqlite", here / "models" / "current.accordmodel")
    assert outcome.action == "trained"  # retrained from the catalogue, never updated from the foreign model
    load_bound_model(here / "catalogue.sqlite", here / "models" / "current.accordmodel")


def test_train_and_suggest_refuse_a_catalogue_failing_its_audit(tmp_path, capsys):
    import sqlite3

    home = _home(capsys, tmp_path / "home", MELODIES[:3])
    conn = sqlite3.connect(str(home / "catalogue.sqlite"))
    conn.execute("UPDATE works SET removed_at = NULL WHERE id = 1")  # harmless edit, still outside Accord
    conn.execute("UPDATE contributors SET name = 'Ann' , role = 'arranger' WHERE work_id = 2 AND name = 'Jo Lee'")
    conn.commit()
    conn.close()
    code, out, err = cli(capsys, home, "catalogue", "audit")
    assert code == 1 and "work 2" in out and "accord catalogue repair" in out
    code, out, err = cli(capsys, home, "catalogue", "list")
    assert "blocked" in out and "FAILS its audit" in err
    code, _, err = cli(capsys, home, "train")
    assert code == 2 and "fails its audit" in err
    code, _, err = cli(capsys, home, "suggest", "--continue", str(tmp_path / "home-song1.mid"), "-o", str(tmp_path / "x"))
    assert code == 2 and "fails its audit" in err
    code, out, err = cli(capsys, home, "catalogue", "repair")
    assert code == 0 and "work 2" in out
    assert cli(capsys, home, "catalogue", "audit")[0] == 0


def test_a_model_is_bound_to_the_melody_it_learned_not_only_to_the_file(tmp_path, capsys):
    from app.core.catalogue.importing.melody_source import set_work_melody
    from app.core.music import Melody, Note

    home = _home(capsys, tmp_path / "mel", MELODIES[:3])
    manifest = load_model_manifest(home / "models" / "current.accordmodel", required=True)
    assert all(len(w["melody_sha256"]) == 64 for w in manifest["works"])
    with Catalogue.open(home / "catalogue.sqlite") as cat:  # the artist picks another part for work 2
        set_work_melody(cat, 2, Melody(tuple(Note(60 + i, i, 1.0) for i in range(8))), "midi:by-hand",
                        label="by hand")
    with pytest.raises(ModelFileError, match="work 2 .*another melody"):
        load_bound_model(home / "catalogue.sqlite", home / "models" / "current.accordmodel")
