"""`accord identity`, `accord export` and `accord verify` end to end (exit codes, --json)."""

from __future__ import annotations

import json

import mutagen
import pytest

from app.cli.main import main
from app.core.project.store import save_project
from app.core.provenance.identity import create_identity
from tests.helpers.provenance import consented_catalogue, export_one, make_project


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_identity_commands(capsys, tmp_path):
    code, _, err = run(capsys, "identity", "show")
    assert code == 2 and "no signing identity" in err
    code, out, _ = run(capsys, "identity", "create", "--name", "Ada", "--contact", "ada@example.org")
    assert code == 0 and "key id" in out
    code, _, err = run(capsys, "identity", "create", "--name", "Ada")
    assert code == 2 and "already exists" in err
    code, out, _ = run(capsys, "identity", "show")
    assert code == 0 and "ada@example.org" in out
    code, out, _ = run(capsys, "identity", "export-public", "-o", str(tmp_path / "ada.pem"))
    assert code == 0 and (tmp_path / "ada.pem").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    other = create_identity(tmp_path / "bo-keys", "Bo")
    from app.core.provenance.identity import export_public_key

    export_public_key(other.public, tmp_path / "bo.json")
    code, out, _ = run(capsys, "identity", "trust", str(tmp_path / "bo.json"))
    assert code == 0 and other.key_id in out
    code, out, _ = run(capsys, "identity", "list-trusted")
    assert code == 0 and "Bo" in out and "Ada (you)" in out
    code, out, _ = run(capsys, "identity", "untrust", other.key_id[:20])
    assert code == 0
    assert "Bo" not in run(capsys, "identity", "list-trusted")[1]


def test_export_then_verify(capsys, tmp_path, accord_home):
    consented_catalogue(accord_home / "catalogue.sqlite").close()  # the works the suggestion credits
    project = make_project(tmp_path / "song")
    save_project(project, project.path)
    out = tmp_path / "exports" / "mix.flac"
    code, text, err = run(capsys, "export", str(project.path), "-o", str(out))
    assert code == 0, err
    assert "credit: " in text and out.exists() and (out.parent / "mix.flac.credits.csv").exists()
    code, text, _ = run(capsys, "verify", str(out))
    assert code == 0 and f"{out}: verified" in text and "share: Cy Eng" in text and "AI content: yes" in text
    code, text, err = run(capsys, "export", str(project.path), "--what", "suggestion", "s1", "--format", "midi",
                          "-o", str(tmp_path / "exports" / "hook.mid"))
    assert code == 0, err
    code, text, err = run(capsys, "export", str(project.path), "--what", "stems", "--format", "wav16",
                          "-o", str(tmp_path / "stems"))
    assert code == 0, err
    files = sorted((tmp_path / "stems").glob("*.wav"))
    assert len(files) == 3
    code, text, _ = run(capsys, "verify", "--json", *map(str, files), str(tmp_path / "exports" / "hook.mid"))
    data = json.loads(text)
    assert code == 0 and data["allVerified"] and {r["status"] for r in data["results"]} == {"verified"}
    code, _, err = run(capsys, "export", str(project.path), "--what", "suggestion", "-o", str(tmp_path / "x.wav"))
    assert code == 2 and "suggestion ID" in err


@pytest.fixture
def signed(tmp_path):
    from app.core.home import AccordHome

    me = create_identity(AccordHome.resolve().keys_dir, "Ada")
    return export_one(me, tmp_path, "wav16").path


def test_verify_exit_codes(capsys, tmp_path, signed):
    assert run(capsys, "verify", str(signed))[0] == 0
    stripped = tmp_path / "stripped.wav"
    stripped.write_bytes(signed.read_bytes())
    mutagen.File(str(stripped)).delete()
    code, text, _ = run(capsys, "verify", str(signed), str(stripped))
    assert code == 1 and "no-provenance" in text
    (tmp_path / "junk.mp3").write_bytes(b"\x00" * 10)
    code, text, _ = run(capsys, "verify", "--json", str(signed), str(tmp_path / "missing.flac"))
    data = json.loads(text)
    assert code == 2 and not data["allVerified"]
    assert [r["status"] for r in data["results"]] == ["verified", "error"]
    assert "not found" in data["results"][1]["reason"]


def test_a_cut_off_midi_file_gets_a_reason_not_an_empty_exception(capsys, tmp_path):
    # was "cut.mid: is not a readable MIDI file: EOFError: " (mido's EOFError has no text)
    from app.core.midifile import MidiPart, write_midi
    from app.core.music import Melody, Note

    whole = write_midi(tmp_path / "whole.mid", [MidiPart("x", Melody((Note(60, 0.0, 1.0),)))], tempo_bpm=100)
    (tmp_path / "cut.mid").write_bytes(whole.read_bytes()[:-6])
    code, text, _ = run(capsys, "verify", "--json", str(tmp_path / "cut.mid"))
    [result] = json.loads(text)["results"]
    assert code == 2 and result["status"] == "error"
    assert result["reason"] == ("cut.mid: is not a readable MIDI file: it ends in the middle of a track "
                                "(truncated, or a chunk states more bytes than the file holds)")


def test_verify_unknown_signer_and_c2pa(capsys, tmp_path, signed):
    stranger = create_identity(tmp_path / "stranger", "Mallory")
    theirs = export_one(stranger, tmp_path, "flac", name="theirs").path
    code, text, _ = run(capsys, "verify", str(theirs))
    assert code == 1 and "unknown-signer" in text and "Mallory" in text
    from app.core.home import AccordHome

    keys = AccordHome.resolve().keys_dir
    from app.core.provenance.identity import load_identity

    with_c2pa = export_one(load_identity(keys), tmp_path, "mp3", name="c", c2pa_keys_dir=keys).path
    code, text, _ = run(capsys, "verify", "--c2pa", str(with_c2pa))
    assert code == 0 and "C2PA: Trusted" in text


def test_accord_mix_and_render_outputs_are_signed_and_inherit_credit(capsys, tmp_path, signed, accord_home):
    consented_catalogue(accord_home / "catalogue.sqlite").close()  # the works the suggestion credits
    import soundfile as sf

    from app.core.home import AccordHome
    from app.core.midifile import MidiPart
    from app.core.music import Melody, Note, TimeSignature
    from app.core.project.export.files import export_midi
    from app.core.provenance.identity import load_identity
    from tests.helpers.provenance import SR, suggestion_fields, tone

    human = tmp_path / "guitar.wav"
    sf.write(str(human), tone(0.5, seed=4).T, SR, subtype="PCM_16")
    out = tmp_path / "mixed.flac"
    code, _, err = run(capsys, "mix", str(signed), str(human), "-o", str(out))
    assert code == 0, err
    code, text, _ = run(capsys, "verify", "--json", str(out))
    rec = json.loads(text)["results"][0]["record"]
    assert code == 0 and rec["kind"] == "mix"
    assert rec["digitalSourceType"].endswith("compositeWithTrainedAlgorithmicMedia")
    assert {s["name"]: s["aiContent"] for s in rec["stems"]} == {"out": True, "guitar": False}
    assert rec["credit"] == [{"workId": 1, "bp": 5000}, {"workId": 2, "bp": 3333}, {"workId": 3, "bp": 1667}]

    me = load_identity(AccordHome.resolve().keys_dir)
    midi = export_midi([MidiPart("lead", Melody((Note(60, 0, 1), Note(67, 1, 1))))], 100.0, TimeSignature(),
                       tmp_path / "idea.mid", suggestion_fields(), identity=me,
                       catalogue=consented_catalogue(accord_home / "catalogue.sqlite")).path
    rendered = tmp_path / "idea.wav"
    code, _, err = run(capsys, "render", str(midi), "-o", str(rendered))
    assert code == 0, err
    code, text, _ = run(capsys, "verify", "--json", str(rendered))
    rec = json.loads(text)["results"][0]["record"]
    assert code == 0 and rec["kind"] == "render" and rec["digitalSourceType"].endswith("/trainedAlgorithmicMedia")
    assert rec["model"]["id"] == "model-7" and sum(s["bp"] for s in rec["contributorShares"]) == 10000

    plain = tmp_path / "plain.mid"
    import mido

    mf = mido.MidiFile(type=1)
    mf.tracks.append(mido.MidiTrack([mido.Message("note_on", note=60, velocity=80),
                                     mido.Message("note_off", note=60, time=480)]))
    mf.save(str(plain))
    code, _, err = run(capsys, "render", str(plain), "-o", str(tmp_path / "plain.wav"))
    assert code == 0, err
    rec = json.loads(run(capsys, "verify", "--json", str(tmp_path / "plain.wav"))[1])["results"][0]["record"]
    assert rec["aiContent"] is False and rec["digitalSourceType"].endswith("/digitalCreation")


def test_every_cli_export_is_in_the_catalogue_log(capsys, tmp_path, signed, accord_home):
    consented_catalogue(accord_home / "catalogue.sqlite").close()  # the works the suggestion credits
    from app.core.catalogue.store import Catalogue
    from app.core.home import AccordHome

    out = tmp_path / "mixed.wav"
    assert run(capsys, "mix", str(signed), "-o", str(out))[0] == 0
    project = make_project(tmp_path / "song")
    save_project(project, project.path)
    assert run(capsys, "export", str(project.path), "-o", str(tmp_path / "e.flac"))[0] == 0
    with Catalogue.open(AccordHome.resolve().catalogue_path) as cat:
        names = [e["file_name"] for e in cat.exports()]
    assert names == [str(out.resolve()), str((tmp_path / "e.flac").resolve())]


def _music(seconds: float, rate: int = 44100, seed: int = 2):
    """Chords of harmonic tones changing every 0.5 s plus soft noise: enough texture to carry the mark."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    out = np.zeros(n)
    for start in np.arange(0, seconds, 0.5):
        a, b = int(start * rate), min(n, int((start + 0.5) * rate))
        for f0 in 110 * 2 ** (rng.integers(0, 36, 3) / 12):
            for h in range(1, 12):
                if f0 * h < 9000:
                    out[a:b] += 0.08 / h * np.exp(-3 * (t[a:b] - start)) * np.sin(2 * np.pi * f0 * h * t[a:b])
    out += 0.01 * rng.standard_normal(n)
    return np.stack([out, 0.9 * out]).astype(np.float32)


@pytest.mark.skipif(__import__("shutil").which("ffmpeg") is None, reason="needs ffmpeg")
def test_stripped_mp3_is_found_by_watermark_and_detect_names_the_record(capsys, tmp_path, accord_home):
    import subprocess

    from app.core.home import AccordHome
    from app.core.project.export.files import sign_and_write_audio
    from tests.helpers.provenance import suggestion_fields

    home = AccordHome.resolve()
    create_identity(home.keys_dir, "Ada")
    consented_catalogue(home.catalogue_path).close()  # the works the suggestion credits
    wav = tmp_path / "hook.wav"
    result = sign_and_write_audio(wav, _music(18.0), 44100, suggestion_fields(), home=home, format="wav16")
    mark = result.record["watermark"]
    assert mark["scheme"] == "accord-wm-v2" and len(mark["id"]) == 16
    assert run(capsys, "verify", str(wav))[0] == 0  # the tags still verify as before
    mp3 = tmp_path / "shared.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-map_metadata", "-1", "-b:a", "128k", str(mp3)],
                   check=True)
    code, text, _ = run(capsys, "verify", "--json", str(mp3))
    res = json.loads(text)["results"][0]
    assert code == 1 and res["status"] == "found-by-watermark"
    assert "found by watermark, not by tag" in res["reason"] and res["record"]["watermark"]["id"] == mark["id"]
    assert res["signer"]["name"] == "Ada"
    assert "no-provenance" in run(capsys, "verify", "--no-watermark", str(mp3))[1]

    code, text, _ = run(capsys, "detect", "--json", str(mp3), str(wav))
    data = json.loads(text)["results"]
    assert code == 0 and all(r["present"] for r in data)
    assert {r["watermark"]["id"] for r in data} == {mark["id"]}
    assert data[0]["keyOwner"]["name"] == "Ada" and data[0]["recordSignatureOk"] is True
    assert data[0]["record"]["title"] == result.record["title"]
    code, text, _ = run(capsys, "detect", str(mp3), "--record", str(wav))
    assert code == 0 and f"watermark {mark['id']} names a record signed by Ada" in text

    plain = tmp_path / "plain.wav"
    sign_and_write_audio(plain, _music(18.0, seed=5), 44100, suggestion_fields(), home=home, format="wav16",
                         watermark=False)
    code, text, _ = run(capsys, "detect", str(plain))
    assert code == 1 and "no watermark" in text


def test_an_aac_copy_of_a_signed_export_is_found_by_its_watermark(capsys, tmp_path, accord_home):
    """The first converter a shared bounce meets is often AAC (a phone, a messenger, Apple Music): no tag survives
    and Accord never signs an .m4a, so `verify` used to refuse it as "not a format Accord signs". Its watermark
    still names the signed record."""
    import soundfile as sf

    from app.core.home import AccordHome
    from app.core.project.export.files import sign_and_write_audio
    from tests.helpers.m4a import write_m4a
    from tests.helpers.provenance import suggestion_fields

    home = AccordHome.resolve()
    create_identity(home.keys_dir, "Ada")
    consented_catalogue(home.catalogue_path).close()
    wav = tmp_path / "hook.wav"
    result = sign_and_write_audio(wav, _music(18.0), 44100, suggestion_fields(), home=home, format="wav16")
    samples, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    m4a = write_m4a(tmp_path / "shared.m4a", samples.T, rate)  # FFmpeg's AAC encoder, no tags carried over
    code, text, _ = run(capsys, "verify", "--json", str(m4a))
    res = json.loads(text)["results"][0]
    assert code == 1 and res["status"] == "found-by-watermark", res["reason"]
    assert res["record"]["watermark"]["id"] == result.record["watermark"]["id"] and res["signer"]["name"] == "Ada"
    code, text, _ = run(capsys, "verify", "--no-watermark", str(m4a))
    assert code == 1 and "no-provenance" in text and "M4A files carry no signed record" in text
    plain = write_m4a(tmp_path / "plain.m4a", _music(18.0, seed=5), 44100)
    code, text, _ = run(capsys, "verify", str(plain))
    assert code == 1 and "no Accord watermark of a trusted key was found" in text
    cut = tmp_path / "cut.m4a"  # a copy that stopped before its index: the decoder's reason, not "no watermark"
    cut.write_bytes(m4a.read_bytes()[: m4a.stat().st_size // 2])
    code, text, _ = run(capsys, "verify", str(cut))
    assert code == 2 and "cut.m4a: the file is incomplete: its index" in text


def test_export_cli_watermark_flags(capsys, tmp_path, accord_home):
    consented_catalogue(accord_home / "catalogue.sqlite").close()  # the works the suggestion credits
    project = make_project(tmp_path / "song")
    save_project(project, project.path)
    code, _, err = run(capsys, "export", str(project.path), "-o", str(tmp_path / "a.wav"), "--no-watermark")
    assert code == 0, err
    code, text, _ = run(capsys, "verify", "--json", str(tmp_path / "a.wav"))
    assert "watermark" not in json.loads(text)["results"][0]["record"]
    code, _, err = run(capsys, "export", str(project.path), "-o", str(tmp_path / "b.wav"), "--watermark-strength", "0.5")
    assert code == 0, err
    code, text, _ = run(capsys, "verify", "--json", str(tmp_path / "b.wav"))
    assert code == 0 and json.loads(text)["results"][0]["record"]["watermark"]["strengthDb10"] == 5
    code, _, err = run(capsys, "export", str(project.path), "-o", str(tmp_path / "c.wav"), "--watermark-strength", "9")
    assert code == 2 and "strength" in err


@pytest.mark.skipif(__import__("shutil").which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_converted_copy_that_kept_its_tags_is_tampered_and_says_its_mark_names_the_record(capsys, tmp_path,
                                                                                            accord_home):
    """FFmpeg carries a WAV export's tags into the MP3 it makes: the record is there, the signed bytes are not. The
    status stays `tampered` (an edit keeps the mark too), and the reason says what kind of copy it is and that the
    sound's watermark names this record, also on a machine without the signer's export log."""
    import subprocess

    from app.core.home import AccordHome
    from app.core.project.export.files import sign_and_write_audio
    from tests.helpers.provenance import suggestion_fields

    home = AccordHome.resolve()
    create_identity(home.keys_dir, "Ada")
    consented_catalogue(home.catalogue_path).close()
    wav = tmp_path / "hook.wav"
    sign_and_write_audio(wav, _music(18.0), 44100, suggestion_fields(), home=home, format="wav16")
    mp3 = tmp_path / "copy.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-b:a", "128k", str(mp3)], check=True)
    code, text, _ = run(capsys, "verify", "--json", str(mp3))
    res = json.loads(text)["results"][0]
    assert code == 1 and res["status"] == "tampered", res["reason"]
    assert "a copy converted to another format keeps the signed file's tags" in res["reason"]
    assert "its sound carries this record's watermark" in res["reason"]
    code, text, _ = run(capsys, "verify", "--no-watermark", str(mp3))
    assert code == 1 and "tampered" in text and "watermark" not in text.split("\n")[1]
    # the recipient: trusts Ada's key, has none of her exports in a log
    assert run(capsys, "identity", "export-public", "-o", str(tmp_path / "ada.pem"))[0] == 0
    other = tmp_path / "recipient"
    assert run(capsys, "--home", str(other), "identity", "trust", str(tmp_path / "ada.pem"))[0] == 0
    code, text, _ = run(capsys, "--home", str(other), "verify", "--json", str(mp3))
    res = json.loads(text)["results"][0]
    assert res["status"] == "tampered" and "its sound carries this record's watermark" in res["reason"]
