"""Issue 12 acceptance: consent signed by the contributors themselves, end to end through the CLI.

Three homes: the artist (Ann), a co-writer (Jo Lee) and a third party who trusts only Jo Lee's public key.
request -> sign (in Jo's own home) -> import -> train -> suggest -> export -> verify in the third home; then
altered / other-key / other-content replies are refused, and Jo's signed revocation wins and is forgotten
exactly by the retrained model.
"""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from app.core.project.model import Project
from app.core.project.store import save_project
from tests.helpers.catalogue_files import simple_midi

MELODIES = [[60, 62, 64, 65, 67, 65, 64, 62], [67, 69, 71, 72, 71, 69, 67, 64], [64, 65, 67, 69, 67, 65, 64, 60],
            [60, 64, 67, 72, 67, 64, 60, 55], [62, 64, 65, 67, 69, 71, 72, 74], [72, 71, 69, 67, 65, 64, 62, 60]]


def cli(capsys, home, *argv):
    code = main(["--home", str(home), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def world(tmp_path, capsys):
    homes = {n: tmp_path / n for n in ("artist", "cowriter", "third")}
    assert cli(capsys, homes["artist"], "identity", "create", "--name", "Ann")[0] == 0
    assert cli(capsys, homes["cowriter"], "identity", "create", "--name", "Jo Lee")[0] == 0
    files = [simple_midi(tmp_path / f"song{i + 1}.mid", m) for i, m in enumerate(MELODIES)]
    for f in files[:3]:  # co-written
        assert cli(capsys, homes["artist"], "catalogue", "add", str(f), "--contributor", "Ann:composer:50",
                   "--contributor", "Jo Lee:lyricist:50")[0] == 0
    for f in files[3:]:
        assert cli(capsys, homes["artist"], "catalogue", "add", str(f), "--contributor", "Ann:composer:100")[0] == 0
    code, out, err = cli(capsys, homes["artist"], "consent", "request", "1", "2", "3", "-o", str(tmp_path / "req.accordconsent"))
    assert code == 0, err
    assert "accord consent sign" in out  # the short text to send
    return tmp_path, homes


def _sign(capsys, home, folder, name, *extra):
    code, out, err = cli(capsys, home, "consent", "sign", str(folder / "req.accordconsent"), *extra, "--yes", "-o",
                         str(folder / name))
    assert code == 0, err
    return out


def test_request_sign_import_train_suggest_export_verify(world, capsys):
    folder, homes = world
    shown = _sign(capsys, homes["cowriter"], folder, "jo.accordconsent", "--grant")
    assert "Jo Lee (lyricist, 50.00%)" in shown and "melody-model" in shown and "GRANT" in shown
    _sign(capsys, homes["artist"], folder, "ann.accordconsent", "--grant", "--as", "Ann")
    for reply in ("jo.accordconsent", "ann.accordconsent"):
        code, out, err = cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / reply))
        assert code == 0, err
    assert cli(capsys, homes["artist"], "catalogue", "consent", "4", "5", "6", "--grant", "--note", "my own")[0] == 0
    detail = json.loads(cli(capsys, homes["artist"], "catalogue", "show", "1", "--json")[1])
    assert [(h["contributor"], h["evidence"]) for h in detail["history"]] == [("Jo Lee", "signed"), ("Ann", "signed")]
    assert detail["state"] == "usable"

    code, out, err = cli(capsys, homes["artist"], "train")
    assert code == 0, err
    code, out, err = cli(capsys, homes["artist"], "suggest", "--continue", str(folder / "song1.mid"), "-n", "1",
                         "--seed", "3", "-o", str(folder / "ideas"), "--json")
    assert code == 0, err
    suggestion = json.loads(out)["suggestions"][0]
    project = Project(name="Song", path=folder / "song.accord", tempo_bpm=100.0,
                      suggestions=[{**suggestion, "kept": True, "name": "Idea"}])
    save_project(project, project.path)
    code, out, err = cli(capsys, homes["artist"], "export", str(project.path), "--what", "suggestion",
                         suggestion["id"], "--format", "midi", "-o", str(folder / "idea.mid"))
    assert code == 0, err

    # the third party trusts only Jo Lee's key, and never saw the artist's laptop
    assert cli(capsys, homes["cowriter"], "identity", "export-public", "-o", str(folder / "jo.json"))[0] == 0
    assert cli(capsys, homes["third"], "identity", "trust", str(folder / "jo.json"))[0] == 0
    code, out, err = cli(capsys, homes["third"], "verify", "--json", str(folder / "idea.mid"))
    result = json.loads(out)["results"][0]
    assert result["status"] == "unknown-signer"  # Ann's own signature: not in this verifier's list
    consent = result["consent"]
    assert consent["summary"] == ("training works 6: consent signed by every contributor 3, recorded by the artist 3; "
                                  "signatures valid; 1 signer key(s) trusted, 1 not in your trust list")
    work1 = next(w for w in result["record"]["trainingWorks"] if w["id"] == 1)
    jo = next(c for c in work1["consent"] if c["contributor"] == "Jo Lee")
    assert jo["evidence"] == "signed" and jo["statement"]["work"]["sha256"] == work1["sha256"]
    code, out, _ = cli(capsys, homes["third"], "verify", str(folder / "idea.mid"))
    assert "consent: training works 6: consent signed by every contributor 3" in out


def _reply(folder, name):
    return json.loads((folder / name).read_text())


def test_altered_other_key_and_other_content_replies_are_refused(world, capsys, tmp_path):
    from app.core.provenance.consent import sign_statement, write_consent_file
    from app.core.provenance.identity import create_identity, load_identity

    folder, homes = world
    _sign(capsys, homes["cowriter"], folder, "jo.accordconsent", "--grant")

    altered = _reply(folder, "jo.accordconsent")
    altered["statements"][0]["work"]["title"] = "Something else"
    write_consent_file(altered, folder / "altered.accordconsent")
    code, _, err = cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / "altered.accordconsent"))
    assert code == 2 and "statement 1" in err and "altered after signing" in err

    mallory = create_identity(tmp_path / "mallory", "Mallory")
    swapped = _reply(folder, "jo.accordconsent")  # Jo's signature, with Mallory's key put in
    swapped["statements"][0]["signer"] = {"name": "Jo Lee", "keyId": mallory.key_id,
                                          "publicKey": __import__("base64").b64encode(mallory.public_raw).decode()}
    write_consent_file(swapped, folder / "swapped.accordconsent")
    code, _, err = cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / "swapped.accordconsent"))
    assert code == 2 and "another key" in err

    jo = load_identity(homes["cowriter"] / "keys")
    other = {"format": "accord-consent-reply", "statements": [sign_statement(
        {"sha256": "ab" * 32, "title": "Song 1"}, use="melody-model", decision="grant", contributor="Jo Lee",
        identity=jo, terms="")]}
    write_consent_file(other, folder / "other.accordconsent")
    code, _, err = cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / "other.accordconsent"))
    assert code == 2 and "not a current work of this catalogue" in err

    # a well-signed statement in Jo's name by another key, after Jo signed with theirs: impersonation refused
    assert cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / "jo.accordconsent"))[0] == 0
    fake = {"format": "accord-consent-reply", "statements": [sign_statement(
        _reply(folder, "req.accordconsent")["works"][1], use="melody-model", decision="grant", contributor="Jo Lee",
        identity=mallory, terms="")]}
    write_consent_file(fake, folder / "fake.accordconsent")
    code, _, err = cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / "fake.accordconsent"))
    assert code == 2 and "signs with key" in err
    history = json.loads(cli(capsys, homes["artist"], "catalogue", "show", "2", "--json")[1])["history"]
    assert len(history) == 1  # only Jo's own statement was recorded


def test_a_signed_revocation_wins_and_is_forgotten_exactly(world, capsys):
    folder, homes = world
    _sign(capsys, homes["cowriter"], folder, "jo.accordconsent", "--grant")
    assert cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / "jo.accordconsent"))[0] == 0
    assert cli(capsys, homes["artist"], "catalogue", "consent", "1", "2", "3", "--grant", "--contributor", "Ann")[0] == 0
    assert cli(capsys, homes["artist"], "catalogue", "consent", "4", "5", "6", "--grant")[0] == 0
    assert cli(capsys, homes["artist"], "train")[0] == 0

    _sign(capsys, homes["cowriter"], folder, "jo-revoke.accordconsent", "--revoke", "--work", "1")
    code, out, err = cli(capsys, homes["artist"], "catalogue", "consent", "--import",
                         str(folder / "jo-revoke.accordconsent"))
    assert code == 0 and "work 1: revoked (by Jo Lee)" in out, err
    # the artist merely recording a grant for Jo does not lift Jo's signed revocation
    cli(capsys, homes["artist"], "catalogue", "consent", "1", "--grant", "--contributor", "Jo Lee", "--note", "said ok")
    rows = {r["id"]: r["state"] for r in json.loads(cli(capsys, homes["artist"], "catalogue", "list", "--json")[1])}
    assert rows[1] == "revoked"

    code, out, _ = cli(capsys, homes["artist"], "train", "--json")
    updated = json.loads(out)
    assert updated["removed"] == [1] and 1 not in [w["id"] for w in updated["works"]]
    code, out, _ = cli(capsys, homes["artist"], "train", "-o", str(folder / "fresh.accordmodel"), "--json")
    assert json.loads(out)["fingerprint"] == updated["fingerprint"]  # forgotten exactly: as if never learned


@pytest.mark.parametrize("damage,words", [
    (lambda s: s.update(signature=None), "a field holds the wrong kind of value"),  # was "'NoneType' object is..."
    (lambda s: s["signature"].update(value="!!!"), "a key or signature is not valid base64"),
    (lambda s: s.pop("signer"), "the field 'signer' is missing"),
])
def test_a_malformed_statement_is_described_in_plain_words(tmp_path, damage, words):
    from app.core.provenance.consent import StatementError, parse_statement, sign_statement
    from app.core.provenance.identity import create_identity

    jo = create_identity(tmp_path / "jo", "Jo Lee")
    statement = sign_statement({"sha256": "ab" * 32, "title": "Song 1"}, use="melody-model", decision="grant",
                               contributor="Jo Lee", identity=jo, terms="")
    damage(statement)
    with pytest.raises(StatementError) as info:
        parse_statement(statement)
    assert str(info.value) == f"the statement is malformed ({words})"


def test_consent_in_a_newer_format_version_is_refused_not_read_as_version_1(world, capsys, tmp_path):
    """A newer Accord may add terms (a condition, a limit) this one cannot read: its consent is refused, even
    when correctly signed, rather than recorded as plain consent (a reply with "version": 99 was imported)."""
    from app.core.provenance.consent import (
        StatementError,
        parse_statement,
        sign_statement,
        write_consent_file,
    )
    from app.core.provenance.identity import load_identity

    folder, homes = world
    jo = load_identity(homes["cowriter"] / "keys")
    request = _reply(folder, "req.accordconsent")
    statement = sign_statement(request["works"][0], use="melody-model", decision="grant", contributor="Jo Lee",
                               identity=jo, terms="")
    parse_statement(statement)  # this version's own statement reads
    newer = dict(statement, version=2)  # the version is read first: a newer statement is not this one's to judge
    with pytest.raises(StatementError, match="format version 2; this Accord reads version 1 only"):
        parse_statement(newer)
    write_consent_file({"format": "accord-consent-reply", "version": 99, "statements": [statement]},
                       folder / "future.accordconsent")
    code, _, err = cli(capsys, homes["artist"], "catalogue", "consent", "--import", str(folder / "future.accordconsent"))
    assert code == 2 and "format version 99" in err and "update Accord" in err
    history = json.loads(cli(capsys, homes["artist"], "catalogue", "show", "1", "--json")[1])["history"]
    assert history == []  # nothing recorded
