"""Tampering, systematically: every way of forging or confusing a provenance record, on every format.

Adds to tests/unit/test_provenance_verify.py: a matrix of formats x attacks, each of which must NOT come
out "verified" (and comes out with the status that names the problem). Attacks: changed content, an edited
record (not re-signed), records swapped between two files, duplicate or ambiguous fields (the first of
several values valid), records with a key twice, wrong keys (a stranger's key, a stranger's key claiming a
trusted key id, a signature moved from another record), oversize records, and a forged record whose
signer name copies the trusted artist. A control case (the untouched file) must verify, so the matrix can
fail.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

import mido
import mutagen
import pytest

from app.core.midifile import MidiPart
from app.core.music import Melody, Note, TimeSignature
from app.core.project.export.files import export_midi
from app.core.provenance.canonical import canonical_bytes
from app.core.provenance.embedding.embed import MARKER, embed_record, read_provenance
from app.core.provenance.identity import TrustList, create_identity
from app.core.provenance.record import sign_record
from app.core.provenance.verify import INVALID_SIGNATURE, TAMPERED, UNKNOWN_SIGNER, VERIFIED, verify_file
from tests.helpers.provenance import consented_catalogue, export_one, suggestion_fields

FORMATS = ("wav16", "flac", "aiff", "mp3", "ogg", "midi")
EXT = {"wav16": ".wav", "flac": ".flac", "aiff": ".aiff", "mp3": ".mp3", "ogg": ".ogg", "midi": ".mid"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tamper-keys")
    artist = create_identity(folder / "artist", "Ada")
    stranger = create_identity(folder / "stranger", "Ada")  # same display name, different key
    return artist, stranger, TrustList.of(artist.public)


def make(fmt: str, identity, folder: Path, *, title: str = "Hook", pitch: int = 60, seconds: float = 0.3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fields = suggestion_fields(title=title)
    if fmt == "midi":
        melody = Melody((Note(pitch, 0, 1), Note(pitch + 4, 1, 1), Note(pitch + 7, 2, 2, 100)))
        return Path(export_midi([MidiPart("lead", melody)], 96.0, TimeSignature(4, 4), folder / f"{title}.mid",
                                fields, identity=identity,
                                catalogue=consented_catalogue(folder / "consent-catalogue.sqlite")).path)
    return Path(export_one(identity, folder, fmt, name=title, fields=fields, seconds=seconds).path)


def record_of(path: Path) -> bytes:
    found = read_provenance(path)
    assert not found.problems and len(found.distinct) == 1, found
    return found.distinct[0]


def re_embed(path: Path, record: bytes) -> None:
    embed_record(path, record, title="x", comment="x")


def edited(record: bytes, change) -> bytes:
    data = json.loads(record)
    change(data)
    return canonical_bytes(data)


# --- the attacks ---------------------------------------------------------------------------------------
def change_content(path: Path, fmt: str, ctx) -> None:
    """Re-encode different content under the same record (what an editor that keeps tags does)."""
    record = record_of(path)
    other = make(fmt, ctx.artist, ctx.tmp / "content", title=path.stem, pitch=62, seconds=0.31)
    path.write_bytes(other.read_bytes())
    re_embed(path, record)


def edit_credit(path: Path, fmt: str, ctx) -> None:
    def change(d):
        d["title"] = "A title the artist never signed"
    re_embed(path, edited(record_of(path), change))


def swap_records(path: Path, fmt: str, ctx) -> None:
    """File B's (validly signed) record in file A: the signature holds, the content binding does not."""
    other = make(fmt, ctx.artist, ctx.tmp / "swap", title="Other", pitch=65, seconds=0.35)
    re_embed(path, record_of(other))


def stranger_key(path: Path, fmt: str, ctx) -> None:
    """A stranger re-signs the same record with their own key (same display name)."""
    data = json.loads(record_of(path))
    re_embed(path, canonical_bytes(sign_record(data, ctx.stranger)))


def stranger_claims_trusted_id(path: Path, fmt: str, ctx) -> None:
    """Signed by a stranger, but the signer block claims the artist's key id."""
    data = sign_record(json.loads(record_of(path)), ctx.stranger)
    data["signer"]["keyId"] = ctx.artist.key_id
    re_embed(path, canonical_bytes(data))


def stranger_swaps_public_key(path: Path, fmt: str, ctx) -> None:
    """A stranger's signature, with the artist's public key and id pasted into the signer block."""
    data = sign_record(dict(json.loads(record_of(path)), title="forged"), ctx.stranger)
    data["signer"]["keyId"] = ctx.artist.key_id
    data["signer"]["publicKey"] = base64.b64encode(ctx.artist.public_raw).decode()
    re_embed(path, canonical_bytes(data))


def moved_signature(path: Path, fmt: str, ctx) -> None:
    """The signature of another (genuine) record pasted onto an edited one."""
    other = json.loads(record_of(make(fmt, ctx.artist, ctx.tmp / "sig", title="Sig", pitch=67)))
    data = json.loads(record_of(path))
    data["title"] = "edited"
    data["signature"] = other["signature"]
    re_embed(path, canonical_bytes(data))


def duplicate_key_in_record(path: Path, fmt: str, ctx) -> None:
    """The JSON holds "title" twice: one reader would see the signed value, another the forged one."""
    text = record_of(path).decode()
    forged = text.replace('"title":', '"title":"forged","title":', 1)
    re_embed(path, forged.encode())


def oversize_record(path: Path, fmt: str, ctx) -> None:
    data = dict(json.loads(record_of(path)), padding="p" * 950_000)
    re_embed(path, json.dumps(data, sort_keys=True, separators=(",", ":")).encode())


def second_value_after_a_valid_one(path: Path, fmt: str, ctx) -> None:
    """The genuine record first, then a second, different value in the same field or a second field."""
    genuine = record_of(path)
    other = record_of(make(fmt, ctx.artist, ctx.tmp / "second", title="Second", pitch=70))
    if fmt in ("flac", "ogg"):
        f = mutagen.File(str(path))
        f.tags[MARKER] = [genuine.decode(), other.decode()]
        f.save()
    elif fmt == "midi":
        mf = mido.MidiFile(str(path))
        mf.tracks[-1].insert(0, mido.MetaMessage("sequencer_specific", data=tuple(
            b"\x7d" + MARKER.encode() + b"\x00" + other)))
        mf.save(str(path))
    else:

        f = mutagen.File(str(path))
        for frame in f.tags.getall("TXXX"):
            if frame.desc.upper() == MARKER:
                frame.text = [genuine.decode(), other.decode()]
        f.save()


def same_record_twice(path: Path, fmt: str, ctx) -> None:
    """The genuine record, twice (in a second field): ambiguous, so never verified."""
    genuine = record_of(path).decode()
    if fmt in ("flac", "ogg"):
        f = mutagen.File(str(path))
        f.tags.append((MARKER.lower(), genuine))
        f.save()
    elif fmt == "midi":
        mf = mido.MidiFile(str(path))
        mf.tracks[0].insert(0, mido.MetaMessage("sequencer_specific", data=tuple(
            b"\x7d" + MARKER.encode() + b"\x00" + genuine.encode())))
        mf.save(str(path))
    else:
        from mutagen.id3 import TXXX

        f = mutagen.File(str(path))
        f.tags.add(TXXX(encoding=3, desc=MARKER.lower() + " ", text=[genuine]))
        f.save()


def disagreeing_priv(path: Path, fmt: str, ctx) -> None:
    """ID3 only: TXXX keeps the genuine record, PRIV carries another one (readers differ on which counts)."""
    if fmt not in ("wav16", "aiff", "mp3"):
        raise pytest.skip.Exception("ID3 formats only")
    other = record_of(make(fmt, ctx.artist, ctx.tmp / "priv", title="Priv", pitch=72))
    from mutagen.id3 import PRIV

    f = mutagen.File(str(path))
    f.tags.delall(f"PRIV:{MARKER}")
    f.tags.add(PRIV(owner=MARKER, data=other))
    f.save()


ATTACKS = {
    "changed content": (change_content, (TAMPERED,)),
    "edited record": (edit_credit, (INVALID_SIGNATURE,)),
    "records swapped between files": (swap_records, (TAMPERED,)),
    "stranger's key": (stranger_key, (UNKNOWN_SIGNER,)),
    "stranger claims the trusted key id": (stranger_claims_trusted_id, (INVALID_SIGNATURE,)),
    "stranger pastes the trusted public key": (stranger_swaps_public_key, (INVALID_SIGNATURE,)),
    "signature moved from another record": (moved_signature, (INVALID_SIGNATURE,)),
    "a key twice in the record": (duplicate_key_in_record, (INVALID_SIGNATURE,)),
    "oversize record": (oversize_record, (INVALID_SIGNATURE, TAMPERED)),
    "a second value after a valid one": (second_value_after_a_valid_one, (TAMPERED,)),
    "the same record twice": (same_record_twice, (TAMPERED,)),
    "ID3 PRIV disagrees with TXXX": (disagreeing_priv, (TAMPERED,)),
}


@dataclasses.dataclass
class Ctx:
    artist: object
    stranger: object
    trust: TrustList
    tmp: Path


@pytest.mark.parametrize("fmt", FORMATS)
def test_untouched_file_verifies(fmt, keys, tmp_path):
    artist, stranger, trust = keys
    path = make(fmt, artist, tmp_path)
    assert verify_file(path, trust).status == VERIFIED


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_attack_is_caught(fmt, attack, keys, tmp_path, figures):
    artist, stranger, trust = keys
    ctx = Ctx(artist, stranger, trust, tmp_path)
    path = make(fmt, artist, tmp_path / "target")
    assert verify_file(path, trust).status == VERIFIED  # the attack starts from a genuine file
    apply, expected = ATTACKS[attack]
    try:
        apply(path, fmt.replace("wav16", "wav16"), ctx)
    except Exception as exc:  # the format itself refused to hold the forgery (e.g. mido and a huge event)
        if isinstance(exc, pytest.skip.Exception):
            raise
        figures.tamper[f"{fmt}: {attack}"] = True
        figures.notes.append(f"tamper {fmt}/{attack}: the format refused the forgery ({type(exc).__name__})")
        return
    try:
        result = verify_file(path, trust)
        status, reason = result.status, result.reason
    except Exception as exc:  # an unreadable forgery is caught as long as it is not "verified"
        status, reason = "error", str(exc)
    figures.tamper[f"{fmt}: {attack}"] = status != VERIFIED
    assert status != VERIFIED, reason
    assert status in expected, f"{status}: {reason}"


# --- records of any shape, validly signed: the verdict and its display never crash ---------------------------
ODD_FIELDS = [("credit", "lots"), ("contributorShares", [1, "a", None]), ("trainingWorks", {"a": 1}),
              ("model", "m"), ("stems", 5), ("title", ["x"]), ("kind", {"k": 1}), ("createdAt", 123),
              ("content", "abc"), ("aiContent", "yes"), ("longestCopiedRun", {"length": "x"}),
              ("credit", [{"workId": ["a"], "bp": "b"}]), ("contributorShares", [{"name": 1, "bp": "x", "roles": 3}]),
              ("trainingWorks", [{"id": [1], "contributors": 3, "consent": "x"}]), ("app", "Accord"),
              ("humanEditedNotes", {"n": 1}), ("digitalSourceType", None)]


@pytest.mark.parametrize("field,value", ODD_FIELDS, ids=[f"{k}={v!r}"[:40] for k, v in ODD_FIELDS])
def test_odd_records_signed_by_anyone_are_reported_not_crashed_on(field, value, keys, tmp_path, capsys):
    """Anyone can sign any JSON with their own key: `accord verify` (text and --json) and the readable lines of
    the Verify dialog must cope with every shape."""
    from app.cli.main import main as cli
    from app.core.provenance.readable import describe_record

    artist, stranger, trust = keys
    path = make("wav16", artist, tmp_path)
    data = dict(json.loads(record_of(path)), **{field: value})
    home = tmp_path / "home"
    create_identity(home / "keys", "Verifier")
    for signer in (stranger, artist):
        re_embed(path, canonical_bytes(sign_record(data, signer)))
        result = verify_file(path, trust)
        assert result.status != VERIFIED or field not in ("content",)
        if result.record is not None:
            assert describe_record(result.record)
        for args in (["verify", str(path)], ["verify", "--json", str(path)]):
            assert cli(["--home", str(home), *args]) in (0, 1)
    capsys.readouterr()
