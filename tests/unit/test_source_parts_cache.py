"""The works' parts as imported, read for suggest's max-copy check (`source_parts`): each file parsed once, kept
in the analysis cache under the file's content hash and the part in use, so a second `accord suggest` reads no
MIDI; a changed file or another part chosen is never answered from the cache."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import app.core.midifile as midifile
from app.cli.main import main
from app.core.analysis.cache import AnalysisCache
from app.core.catalogue.importing.melody_source import melody_candidates, use_candidate
from app.core.catalogue.store import Catalogue
from app.core.catalogue.types import ContributorShare
from app.core.home import AccordHome
from app.core.midifile import MidiPart, write_midi
from app.core.model import idyom_benchmark_set
from app.core.music import Melody, Note, TimeSignature
from app.core.project.cocreation.source_parts import CACHE_KIND, source_parts
from tests.helpers.catalogue_files import consented_works


def _catalogue(folder: Path, count: int = 3) -> tuple[Path, list[int], list[Path]]:
    """MIDI works of two parts each: a tune (chosen at import) and a lower counter-line."""
    home = AccordHome.resolve(folder / "home")
    files, ids = [], []
    for ident, m in idyom_benchmark_set()[:count]:
        path = folder / f"{ident}.mid"
        low = m.with_notes([replace(n, pitch=n.pitch - 12) for n in m.notes[::2]])
        write_midi(path, [MidiPart("tune", m), MidiPart("low", low)], tempo_bpm=90, time_signature=m.time_signature)
        files.append(path)
    with Catalogue.open(home.catalogue_path) as cat:
        for w in cat.import_files(files, contributors=[ContributorShare("A", "composer", 10000)]).added:
            ids.append(w.id)
    return home.catalogue_path, ids, files


def _counting_reads(monkeypatch) -> list[Path]:
    reads: list[Path] = []
    real = midifile.read_midi

    def counted(path, **kw):  # noqa: ANN001, ANN003
        reads.append(Path(path))
        return real(path, **kw)

    monkeypatch.setattr(midifile, "read_midi", counted)
    return reads


def test_each_file_is_parsed_once_and_then_answered_from_the_cache(tmp_path, monkeypatch):
    catalogue, ids, files = _catalogue(tmp_path)
    plain = source_parts(catalogue, ids)  # no cache: as before
    cache = AnalysisCache(tmp_path / "cache")
    reads = _counting_reads(monkeypatch)
    first = source_parts(catalogue, ids, cache=cache)
    assert first == plain and set(first) == set(ids)
    assert sorted(reads) == sorted(files)  # one parse per work (it was two: the candidates, then the part)
    reads.clear()
    assert source_parts(catalogue, ids, cache=cache) == plain
    assert reads == []


def test_another_part_chosen_is_read_again_and_a_changed_file_is_left_out(tmp_path, monkeypatch):
    catalogue, ids, files = _catalogue(tmp_path)
    cache = AnalysisCache(tmp_path / "cache")
    before = source_parts(catalogue, ids, cache=cache)
    with Catalogue.open(catalogue) as cat:
        other = next(c for c in melody_candidates(cat, ids[0]) if not c.current)
        use_candidate(cat, ids[0], other.index)
    reads = _counting_reads(monkeypatch)
    after = source_parts(catalogue, ids, cache=cache)
    assert reads == [files[0]] and after[ids[0]] != before[ids[0]] and len(after[ids[0]]) < len(before[ids[0]])
    assert {w: after[w] for w in ids[1:]} == {w: before[w] for w in ids[1:]}
    # the file edited after the import: its reading is refused, cache entry or not
    files[1].write_bytes(files[1].read_bytes() + b"\0")
    assert ids[1] not in source_parts(catalogue, ids, cache=cache)


def test_only_the_works_asked_for_keep_an_entry(tmp_path):
    """A work the model no longer holds (consent revoked, work removed) leaves no copy of its notes in the cache
    after the next suggest; nor does a part no longer in use."""
    catalogue, ids, _ = _catalogue(tmp_path)
    cache = AnalysisCache(tmp_path / "cache")
    folder = tmp_path / "cache" / "analysis" / CACHE_KIND
    source_parts(catalogue, ids, cache=cache)
    assert len(list(folder.glob("*.json"))) == 3
    source_parts(catalogue, ids[1:], cache=cache)
    assert len(list(folder.glob("*.json"))) == 2
    with Catalogue.open(catalogue) as cat:
        use_candidate(cat, ids[1], next(c for c in melody_candidates(cat, ids[1]) if not c.current).index)
    before = {p.name for p in folder.glob("*.json")}
    source_parts(catalogue, ids[1:], cache=cache)
    after = {p.name for p in folder.glob("*.json")}
    assert len(after) == 2 and len(after & before) == 1  # the old part's entry went, the new one's came


def test_a_damaged_entry_is_read_again(tmp_path, monkeypatch):
    catalogue, ids, files = _catalogue(tmp_path, count=1)
    cache = AnalysisCache(tmp_path / "cache")
    right = source_parts(catalogue, ids, cache=cache)
    [entry] = (tmp_path / "cache" / "analysis" / CACHE_KIND).glob("*.json")
    cache.put(CACHE_KIND, entry.stem, {"pitches": [60, "x", 999]})
    reads = _counting_reads(monkeypatch)
    assert source_parts(catalogue, ids, cache=cache) == right and reads == files


def test_vary_refuses_a_too_long_melody_before_reading_the_catalogue(accord_home, tmp_path, monkeypatch, capsys):
    consented_works(AccordHome.resolve(accord_home).catalogue_path, idyom_benchmark_set()[:4])
    assert main(["train"]) == 0
    long = Melody(tuple(Note(60 + i % 7, i * 4.0, 1.0) for i in range(40)), time_signature=TimeSignature(4, 4))
    write_midi(tmp_path / "long.mid", [MidiPart("melody", long)], tempo_bpm=90, time_signature=long.time_signature)
    monkeypatch.setattr("app.core.project.cocreation.source_parts.source_parts",
                        lambda *a, **k: pytest.fail("the catalogue's files were read for a melody vary refuses"))
    capsys.readouterr()
    assert main(["suggest", "--vary", str(tmp_path / "long.mid"), "-o", str(tmp_path / "out")]) == 2
    assert "the melody spans 40 bars; vary works on 1..32 bars" in capsys.readouterr().err
