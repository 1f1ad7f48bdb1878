"""Every bad-input case through every entry point, each in a memory-limited worker with a deadline.

Entry points: the studio's drop/import path (project open or stem decode + peaks), catalogue import, stem
load, verify; plus the format's own reader for project, model and key files. A case either loads or gives
one clear AccordError naming the file; nothing crashes or hangs; a failed case leaves the catalogue and the
project unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability import corpus, harness
from tests.reliability.builders import trained_model_bytes

MAIN_ENTRIES = ("studio_import", "catalogue_import", "stem_load", "verify")
# Each format's own reader, and what follows a successful read: analysis of stems, suggestions from a MIDI.
FAMILY_ENTRY = {"project": "project_open", "model": "model_load", "key": "key_import", "audio": "analyze",
                "midi": "suggest", "catalogue": "catalogue_open"}


# `accord render` of every MIDI case, except the two that take ~10 s per render (200,000 one-tick notes; 128-note
# chords x 200): they finish correctly, but would double the corpus time (run them with ACCORD_SLOW_RENDER=1).
RENDER_HEAVY = frozenset({"200k_events.mid", "128_note_chords.mid"})


def jobs_for(cases: list[corpus.Case], folder: Path) -> list[harness.Job]:
    jobs = []
    slow = bool(os.environ.get("ACCORD_SLOW_RENDER"))
    for case in cases:
        path = case.write(folder)
        jobs += [harness.Job(path, e) for e in MAIN_ENTRIES]
        if case.family in FAMILY_ENTRY:
            jobs.append(harness.Job(path, FAMILY_ENTRY[case.family]))
        if case.family == "midi" and (slow or case.name not in RENDER_HEAVY):
            jobs.append(harness.Job(path, "render"))
    return jobs


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory, figures):
    work = tmp_path_factory.mktemp("corpus")
    files = work / "files"
    files.mkdir()
    cases = corpus.all_cases(work, valid_model=trained_model_bytes(work))
    slow = bool(os.environ.get("ACCORD_SLOW_RENDER"))  # the heavy renders take 10-20 s each on 2 cores
    results = harness.run_jobs(jobs_for(cases, files), workers=2, case_timeout=120 if slow else 20)
    for r in results:
        figures.record_case(r["entry"], r["outcome"], r["name"], r["changed"])
    peak = max((r["max_rss_kb"] for r in results), default=0)
    figures.notes.append(f"corpus: {len(cases)} cases, worker address-space limit "
                         f"{harness.DEFAULT_MEM_LIMIT_MB} MiB, peak worker RSS {peak / 1024:.0f} MiB")
    return cases, results


def test_corpus_covers_every_format_and_entry_point(corpus_results):
    cases, results = corpus_results
    suffixes = {Path(c.name).suffix.lower() for c in cases}
    assert {".wav", ".flac", ".aiff", ".aif", ".ogg", ".mp3", ".m4a", ".aac", ".mid", ".musicxml", ".mxl", ".accord",
            ".accordmodel", ".json", ".pem", ".sqlite"} <= suffixes
    entries = {r["entry"] for r in results}
    assert entries == set(MAIN_ENTRIES) | set(FAMILY_ENTRY.values()) | {"render"}
    assert len(results) >= sum(len(MAIN_ENTRIES) + (c.family in FAMILY_ENTRY) for c in cases)


def test_nothing_crashes_or_hangs(corpus_results):
    _, results = corpus_results
    crashed = [f"{r['entry']} {r['name']}: {r['message']}" for r in results if r["outcome"] in ("crash", "timeout")]
    assert crashed == []


def test_every_failure_is_one_clear_error_naming_the_file(corpus_results):
    _, results = corpus_results
    unclear = [f"{r['entry']} {r['name']}: {r['outcome']}: {r['message']}" for r in results
               if r["outcome"] not in ("loaded", "clear-error", "crash", "timeout")]
    assert unclear == []


def test_failed_cases_leave_catalogue_and_project_unchanged(corpus_results):
    _, results = corpus_results
    assert [f"{r['entry']} {r['name']}: {r['changed']}" for r in results if r["changed"]] == []


def test_valid_files_load(corpus_results):
    """The corpus is not only errors: the valid files load through their entry points (a check that the
    harness can tell success from failure)."""
    _, results = corpus_results
    by = {(r["name"], r["entry"]): r["outcome"] for r in results}
    for name in ("valid_silence.wav", "valid.flac", "valid.aiff", "valid.ogg", "valid.mp3"):
        assert by[(name, "stem_load")] == "loaded", name
        assert by[(name, "studio_import")] == "loaded", name
        assert by[(name, "verify")] == "loaded", name  # a verdict: no-provenance
    for name in ("valid.m4a", "valid_faststart.m4a", "valid_alac.m4a", "valid.aac", "wav_named.m4a"):
        assert by[(name, "stem_load")] == "loaded", name
        assert by[(name, "studio_import")] == "loaded", name
    for name in ("valid.mid", "valid_type0.mid", "valid.musicxml", "valid.mxl", "valid_tone_float.wav"):
        assert by[(name, "catalogue_import")] == "loaded", name
    assert by[("valid.accord", "project_open")] == "loaded"
    assert by[("valid.accordmodel", "model_load")] == "loaded"
    assert by[("valid.sqlite", "catalogue_open")] == "loaded"
    assert by[("newer_schema.sqlite", "catalogue_open")] == "clear-error"
    # ...and the damaged ones don't sneak through.
    assert by[("all_nan.wav", "stem_load")] == "clear-error"
    assert by[("array_claims_8tb.accordmodel", "model_load")] == "clear-error"
    assert by[("format_2.mid", "catalogue_import")] == "clear-error"


def test_harness_reports_a_crashing_reader_as_a_crash(tmp_path):
    """The harness itself can fail: a case that kills its worker is recorded as a crash, and the pool goes
    on with a fresh worker."""
    victim = tmp_path / "victim.wav"
    victim.write_bytes(corpus.wav_bytes())
    results = harness.run_jobs([harness.Job(victim, "_selftest_segfault"), harness.Job(victim, "stem_load")],
                               workers=1, case_timeout=5)
    assert [r["outcome"] for r in results] == ["crash", "loaded"]
    assert not results[1]["imported_librosa"]  # a worker.NO_LIBROSA entry: its worker skipped librosa's warm-up


def test_harness_notices_a_case_that_changes_the_catalogue(tmp_path):
    """The harness can tell a changed catalogue: a row changed in place and a new index, each by a case that then
    fails; the unchanged case between them (same worker) is not blamed."""
    victim = tmp_path / "victim.wav"
    victim.write_bytes(corpus.wav_bytes())
    results = harness.run_jobs([harness.Job(victim, "_selftest_retitle"), harness.Job(victim, "stem_load"),
                                harness.Job(victim, "_selftest_index")], workers=1, case_timeout=5)
    assert [(r["outcome"], r["changed"]) for r in results] == [
        ("clear-error", ["catalogue"]), ("loaded", []), ("clear-error", ["catalogue"])]


def test_harness_memory_limit_turns_a_huge_allocation_into_an_error(tmp_path):
    victim = tmp_path / "victim.wav"
    victim.write_bytes(corpus.wav_bytes())
    [result] = harness.run_jobs([harness.Job(victim, "_selftest_allocate")], workers=1, mem_limit_mb=1024)
    assert result["outcome"] == "unclear-error" and "MemoryError" in result["message"]
