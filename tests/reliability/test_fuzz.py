"""Property-based fuzzing of the MIDI importer, the audio loader and the provenance reader (hypothesis).

Brief in the normal run (ACCORD_FUZZ_EXAMPLES, default 30 per target, no deadline, no example database in
the repository); longer on demand: `ACCORD_FUZZ_EXAMPLES=5000 pytest tests/reliability/test_fuzz.py` or
`pytest -m slow tests/reliability/test_fuzz.py` (2000 each). Properties: a reader returns a result or raises
one AccordError naming the file, nothing else; the verifier says "verified" only when the signed record and
the content are exactly what was signed. Inputs that once broke a reader live on in corpus.regressions().
"""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import AccordError
from tests.reliability import corpus

EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "30"))
SLOW_EXAMPLES = 2000
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get(
    "ACCORD_FUZZ_EXAMPLES"), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _long(request) -> None:
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long fuzzing: run with -m slow (or set ACCORD_FUZZ_EXAMPLES for the brief tests)")


# --- strategies ----------------------------------------------------------------------------------------
def mutations(base: bytes, *, protect: int = 0) -> st.SearchStrategy[bytes]:
    """Bit flips, overwritten 32-bit fields (size lies), insertions, deletions and truncations of `base`."""
    pos = st.integers(min_value=protect, max_value=max(protect, len(base) - 1))
    flip = st.tuples(st.just("flip"), pos, st.integers(0, 7))
    word = st.tuples(st.just("word"), pos, st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 65535]))
    insert = st.tuples(st.just("insert"), pos, st.binary(min_size=1, max_size=16))
    delete = st.tuples(st.just("delete"), pos, st.integers(1, 16))
    cut = st.tuples(st.just("cut"), pos, st.just(0))

    def apply(ops: list) -> bytes:
        b = bytearray(base)
        for op, at, arg in ops:
            at = min(at, max(0, len(b) - 1))
            if op == "flip" and b:
                b[at] ^= 1 << arg
            elif op == "word":
                b[at:at + 4] = struct.pack("<I", arg)
            elif op == "insert":
                b[at:at] = arg
            elif op == "delete":
                del b[at:at + arg]
            elif op == "cut":
                del b[at:]
        return bytes(b)

    return st.lists(st.one_of(flip, word, insert, delete, cut), min_size=1, max_size=6).map(apply)


def midi_events_strategy() -> st.SearchStrategy[bytes]:
    """Structured but hostile tracks: random deltas (up to 2^28), statuses (incl. running status, sysex,
    meta with lying lengths), random data bytes."""
    delta = st.one_of(st.integers(0, 960), st.integers(0, 0x0FFFFFFF))
    status = st.one_of(st.integers(0x80, 0xEF), st.sampled_from([0xF0, 0xF7, 0xFF]), st.integers(0, 0x7F))
    event = st.tuples(delta, status, st.binary(min_size=0, max_size=6))
    track = st.lists(event, max_size=40).map(
        lambda evs: b"".join(corpus.vlq(d) + bytes([s]) + data for d, s, data in evs) + corpus.END)
    return st.builds(lambda tracks, fmt, division: corpus.midi_bytes(tracks, fmt=fmt, division=division),
                     st.lists(track, min_size=1, max_size=4), st.sampled_from([0, 1, 1, 2]),
                     st.sampled_from([0, 96, 480, 0x7FFF, 0xE728]))


VALID_MIDI = corpus.midi_cases()[0].data


# --- MIDI importer ----------------------------------------------------------------------------------------
def check_midi(data: bytes) -> None:
    from app.core.catalogue.importing.midi_import import extract_with_detail

    path = Path("fuzzed.mid")
    try:
        melody, _detail = extract_with_detail(path, data=data)
    except AccordError as exc:
        assert exc.path is not None and exc.path.name == path.name, exc
        return
    assert melody.notes  # a loaded melody is never empty
    assert all(0 <= n.pitch <= 127 and n.duration > 0 and n.onset >= 0 for n in melody.notes)


@FUZZ
@given(st.one_of(mutations(VALID_MIDI, protect=4), midi_events_strategy()))
def test_fuzz_midi_importer(data):
    check_midi(data)


@pytest.mark.slow
def test_fuzz_midi_importer_long(request):
    _long(request)
    settings(FUZZ, max_examples=SLOW_EXAMPLES)(given(st.one_of(mutations(VALID_MIDI, protect=4),
                                                             midi_events_strategy()))(check_midi))()


# --- audio loader --------------------------------------------------------------------------------------------
def wav_strategy() -> st.SearchStrategy[bytes]:
    header = st.builds(
        lambda ch, rate, bits, tag, frames, lie: corpus.wav_bytes(channels=ch, rate=rate, bits=bits, tag=tag,
                                                                  frames=frames, data_size=lie),
        st.sampled_from([0, 1, 2, 3, 6, 64, 1025, 65535]), st.sampled_from([0, 1, 8000, 44100, 48000, 384001,
                                                                             0xFFFFFFFF]),
        st.sampled_from([0, 8, 12, 16, 24, 32, 64]), st.sampled_from([1, 3, 2, 0x11, 0xFFFE, 7]),
        st.integers(0, 2000), st.one_of(st.none(), st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF])))
    return st.one_of(header, mutations(corpus.wav_bytes(frames=2000), protect=0),
                     mutations(corpus.aiff_bytes(frames=500), protect=0))


def check_audio(data: bytes, suffix: str) -> None:
    from app.core.audio.io import load_audio

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        try:
            audio = load_audio(path)
        except AccordError as exc:
            assert exc.path is not None and exc.path.name == path.name, exc
            return
        assert audio.samples.shape[0] == 2 and audio.frames > 0
        assert bool(__import__("numpy").isfinite(audio.samples).all())


@FUZZ
@given(wav_strategy(), st.sampled_from([".wav", ".aiff"]))
def test_fuzz_audio_loader(data, suffix):
    check_audio(data, suffix)


@pytest.mark.slow
def test_fuzz_audio_loader_long(request):
    _long(request)
    settings(FUZZ, max_examples=SLOW_EXAMPLES)(given(wav_strategy(), st.sampled_from([".wav", ".aiff"]))(
        check_audio))()


# --- provenance reader -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """Signed exports (WAV, FLAC, MIDI) with their record bytes and content hashes as signed."""
    from app.core.provenance.content.content_hash import content_hash
    from app.core.provenance.embedding.embed import read_provenance
    from app.core.provenance.identity import TrustList, create_identity
    from tests.helpers.provenance import export_one

    folder = tmp_path_factory.mktemp("signed")
    me = create_identity(folder / "keys", "Fuzz Artist")
    out = {}
    for fmt, ext in (("wav16", ".wav"), ("flac", ".flac")):
        result = export_one(me, folder, fmt, name=f"s_{fmt}", seconds=0.2)
        path = Path(result.path)
        out[ext] = (path.read_bytes(), read_provenance(path).distinct, content_hash(path))
    return out, TrustList.of(me.public)


def check_verify(data: bytes, ext: str, original: tuple, trust) -> str:
    from app.core.provenance.content.content_hash import content_hash
    from app.core.provenance.embedding.embed import read_provenance
    from app.core.provenance.verify import VERIFIED, verify_file

    _bytes, records, hashed = original
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{ext}"
        path.write_bytes(data)
        try:
            result = verify_file(path, trust)
        except AccordError as exc:
            assert exc.path is not None and exc.path.name == path.name, exc
            return "error"
        if result.status == VERIFIED:
            # Verified only when exactly the signed record is there, once, and the content is unchanged.
            assert read_provenance(path).distinct == records
            assert content_hash(path) == hashed
        return result.status


@FUZZ
@given(st.data())
def test_fuzz_provenance_reader(signed, data):
    originals, trust = signed
    ext = data.draw(st.sampled_from(sorted(originals)))
    raw = originals[ext][0]
    check_verify(data.draw(mutations(raw, protect=0)), ext, originals[ext], trust)


@pytest.mark.slow
def test_fuzz_provenance_reader_long(request, signed):
    _long(request)
    originals, trust = signed

    @settings(FUZZ, max_examples=SLOW_EXAMPLES)
    @given(st.data())
    def run(data):
        ext = data.draw(st.sampled_from(sorted(originals)))
        check_verify(data.draw(mutations(originals[ext][0])), ext, originals[ext], trust)

    run()


def test_fuzz_figures(figures):
    """Recorded for the summary (the fuzz tests above ran EXAMPLES examples each)."""
    for target in ("midi importer", "audio loader", "provenance reader", "project reader", "model reader",
                   "key readers", "project export"):
        figures.fuzz_examples[target] = figures.fuzz_examples.get(target, 0) + EXAMPLES
    assert EXAMPLES > 0


def test_mutations_strategy_changes_the_input():
    """The fuzzer must actually fuzz: mutated inputs differ from the original (a check on the strategy)."""
    seen = []

    @settings(max_examples=20, database=None, derandomize=True)
    @given(mutations(VALID_MIDI, protect=4))
    def collect(b):
        seen.append(b)

    collect()
    assert sum(1 for b in seen if b != VALID_MIDI) >= 15


# --- project and model files (shared between collaborators) ------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25)
PROJECT_KEYS = ("format", "version", "name", "sample_rate", "master_gain_db", "tempo_bpm", "time_signature", "key",
                "downbeat_offset", "chords", "loop", "loop_enabled", "stems", "suggestions", "tracks", "extras")


def check_project(doc) -> None:
    from app.core.project.store import project_from_json

    path = Path("/nonexistent/fuzzed.accord")
    try:
        project = project_from_json(doc, path)
    except AccordError as exc:
        assert exc.path is not None and exc.path.name == path.name, exc
        return
    assert project.sample_rate >= 8000 and all(s.id for s in project.stems)


@FUZZ
@given(st.one_of(JSON, st.builds(lambda over: {**corpus.project_doc(), **over},
                                 st.dictionaries(st.sampled_from(PROJECT_KEYS), JSON, max_size=4)),
                 st.builds(lambda stems: corpus.project_doc(stems=stems),
                           st.lists(st.dictionaries(st.sampled_from(("id", "path", "name", "gain_db", "pan", "mute",
                                                                      "solo", "role", "content_sha256")), JSON),
                                    max_size=4))))
def test_fuzz_project_reader(doc):
    check_project(doc)


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory):
    from tests.reliability.builders import trained_model_bytes

    return trained_model_bytes(tmp_path_factory.mktemp("fuzz-model"))


def check_model(data: bytes) -> None:
    from app.core.model import load_model

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.accordmodel"
        path.write_bytes(data)
        try:
            model = load_model(path)
        except AccordError as exc:
            assert exc.path is not None and exc.path.name == path.name, exc
            return
        assert model.fingerprint  # loaded: the statistics matched the manifest


@FUZZ
@given(st.data())
def test_fuzz_model_reader(model_bytes, data):
    """Byte mutations, and manifest edits that keep the zip valid (so the checks after unzipping are hit)."""
    import io
    import json
    import zipfile

    if data.draw(st.booleans()):
        check_model(data.draw(mutations(model_bytes)))
        return
    with zipfile.ZipFile(io.BytesIO(model_bytes)) as zf:
        manifest, events = json.loads(zf.read("manifest.json")), zf.read("events.npz")
    key = data.draw(st.sampled_from(sorted(manifest)))
    manifest[key] = data.draw(JSON)
    works = manifest.get("works")
    if data.draw(st.booleans()) and isinstance(works, list) and works and isinstance(works[0], dict):
        work = works[0]
        work[data.draw(st.sampled_from(sorted(work)))] = data.draw(JSON)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("events.npz", events)
    check_model(buf.getvalue())


# --- key files (identity, trust list, public keys) --------------------------------------------------------
B64 = st.sampled_from(["A" * 43 + "=", "AAAA", "***", "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg=", ""])
IDENTITY = st.fixed_dictionaries({}, optional={"format": st.just("accord-identity"), "name": JSON, "contact": JSON,
                                               "privateKey": B64 | JSON, "keyId": JSON, "createdAt": JSON})
TRUST = st.fixed_dictionaries({"keys": st.lists(st.fixed_dictionaries({}, optional={
    "name": JSON, "publicKey": B64 | JSON, "keyId": JSON, "contact": JSON}), max_size=3) | JSON})
PUBLIC = st.fixed_dictionaries({}, optional={"format": st.just("accord-public-key") | JSON, "name": JSON,
                                             "publicKey": B64 | JSON, "keyId": JSON, "contact": JSON})


@FUZZ
@given(st.one_of(JSON, IDENTITY), st.one_of(JSON, TRUST), st.one_of(JSON, PUBLIC))
def test_fuzz_key_readers(identity, trust, public):
    import json

    from app.core.provenance.identity import (
        IDENTITY_FILE,
        TRUST_FILE,
        TrustList,
        import_public_key,
        load_identity,
    )

    with tempfile.TemporaryDirectory() as folder:
        keys = Path(folder)
        for name, doc, read in ((IDENTITY_FILE, identity, lambda: load_identity(keys)),
                                (TRUST_FILE, trust, lambda: TrustList.load(keys)),
                                ("public.json", public, lambda: import_public_key(keys / "public.json"))):
            (keys / name).write_text(json.dumps(doc))
            try:
                read()
            except AccordError as exc:
                assert exc.path is not None and exc.path.name == name, exc
            if name == IDENTITY_FILE:
                (keys / name).unlink()  # the trust list reads the identity too: test it on its own


# --- exporting a project whose suggestions/tracks JSON came from someone else --------------------------------
def _suggestion_strategies():
    from tests.helpers.provenance import suggestion_json

    good = suggestion_json()
    sug = st.one_of(st.dictionaries(st.sampled_from(sorted(good)), JSON, max_size=6),
                    st.builds(lambda k, v: {**good, k: v}, st.sampled_from(sorted(good)), JSON))
    keys = ["suggestion_id", "gain_db", "instrument", "mute", "pan", "solo"]
    track = st.one_of(st.dictionaries(st.sampled_from(keys), JSON),
                      st.builds(lambda k, v: {"suggestion_id": "s1", "gain_db": -3.0, k: v}, st.sampled_from(keys), JSON))
    return st.lists(sug, max_size=2), st.lists(track, max_size=2)


EXPORT_REGRESSIONS = [  # found by this fuzzer: each crashed `accord export` / the Export dialog
    ({"works": 5}, {}), ({"credit": {"1": "x", "2": 0.5}}, {}), ({"works": [{"id": "seven"}]}, {}),
    ({"credit": [{"work_id": [1], "bp": 5}]}, {}), ({}, {"gain_db": "loud"}), ({}, {"pan": 7.0}),
]


def check_export(suggestions, tracks, what: str, fmt: str, identity) -> None:
    from app.core.project.export.project import export_project
    from app.core.project.store import project_from_json
    from tests.helpers.provenance import consented_catalogue

    with tempfile.TemporaryDirectory() as folder:
        doc = {"format": "accord-project", "version": 1, "name": "S", "stems": [], "suggestions": suggestions,
               "tracks": tracks}
        try:
            project = project_from_json(doc, Path(folder) / "s.accord")
            sid = (str(suggestions[0].get("id")) if suggestions else "s1") if what == "suggestion" else None
            export_project(project, what=what, suggestion_id=sid, format=fmt, out=Path(folder) / "out",
                           identity=identity, catalogue=consented_catalogue(Path(folder) / "c.sqlite"))
        except AccordError:
            pass


@pytest.fixture(scope="module")
def exporter(tmp_path_factory):
    from app.core.provenance.identity import create_identity

    return create_identity(tmp_path_factory.mktemp("export-keys"), "Ada")


@pytest.mark.parametrize("suggestion_over,track_over", EXPORT_REGRESSIONS)
def test_export_regressions(suggestion_over, track_over, exporter):
    from tests.helpers.provenance import suggestion_json

    suggestion = {**suggestion_json(), **suggestion_over}
    for what, fmt in (("mix", "wav16"), ("suggestion", "midi")):
        check_export([suggestion], [{"suggestion_id": "s1", "gain_db": -3.0, **track_over}], what, fmt, exporter)


@FUZZ
@given(st.data())
def test_fuzz_export_of_shared_project_json(exporter, data):
    sugs, tracks = _suggestion_strategies()
    check_export(data.draw(sugs), data.draw(tracks), data.draw(st.sampled_from(["mix", "suggestion"])),
                 data.draw(st.sampled_from(["wav16", "midi"])), exporter)
