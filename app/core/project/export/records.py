"""What an export's records will say, built from the project without rendering anything: which kept ideas
a mix, the stems or one suggestion carry, each one's provenance (model, training works, credit), and the
record fields per file.

`what_will_be_signed` is the one function the export dialog's preview calls: the same record fields export
signs (fingerprint, training works with today's consent, credit), re-checked against the catalogue, so the
preview and the file agree. A kept suggestion crediting a work that is no longer usable raises
UnusableWorkError naming the suggestion and the work; `without=` leaves such suggestions out.
`export_project` (export_project.py) calls `check_suggestions_consent` before it renders.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from app.core.errors import ProjectError, ProvenanceError
from app.core.project.cocreation.ideas import TRACK_KIND, Idea, IdeaTrack
from app.core.provenance.record import RecordFields

log = logging.getLogger(__name__)


def suggestion_entry(project: Any, suggestion_id: str | None) -> Idea:
    for s in project.suggestions:
        if s.id == str(suggestion_id):
            return s
    raise ProvenanceError(f"the project has no suggestion {suggestion_id!r}",
                          hint="known: " + (", ".join(s.id for s in project.suggestions) or "none"))


def ai_tracks(project: Any, without: Collection[str] = ()) -> list[IdeaTrack]:
    """The kept ideas' tracks in the arrangement, those of the suggestions in `without` left out."""
    skip = {str(x) for x in without}
    return [t for t in project.tracks if t.kind == TRACK_KIND and (t.suggestion_id or t.id) not in skip]


def track_provenance(project: Any, entry: Idea | IdeaTrack) -> tuple[Idea | IdeaTrack, dict[str, Any]]:
    """(the entry holding the melody as it will be exported, its suggestion's provenance). A track's notes
    and its count of hand-edited notes are its own; credit and model come from the idea it was kept from."""
    from app.core.provenance.adapters import suggestion_provenance

    source: Idea | None = entry if isinstance(entry, Idea) else None
    if isinstance(entry, IdeaTrack) and entry.suggestion_id is not None:
        source = suggestion_entry(project, entry.suggestion_id)
    ident = source.id if source is not None else entry.id
    try:
        prov = suggestion_provenance({**(source.provenance if source is not None else {}), "id": ident})
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        # The project file is shared JSON: a damaged suggestion is a clear error, never a crash of the export
        # (found by fuzzing in tests/reliability).
        raise ProjectError(f"suggestion {ident!r}: its credit or model data is damaged ({exc})",
                           path=getattr(project, "path", None), hint="export without it, or remove it") from exc
    prov["id"] = ident
    prov["human_edited_notes"] = entry.human_edited_notes  # counted against the model's notes at each edit
    return entry, prov


def fields_for(kind: str, title: str, provs: list[dict[str, Any]], stems: tuple, manifest: Any) -> RecordFields:
    from app.core.provenance.adapters import combine_credits, manifest_model

    model_id = fingerprint = None
    works: dict[int, Any] = {}
    if manifest is not None and provs:  # without a suggestion in the file, no model made any of it
        model_id, fingerprint, mworks = manifest_model(manifest)
        if any((p["model_id"] and p["model_id"] != model_id)
               or (p["model_fingerprint"] and fingerprint and p["model_fingerprint"] != fingerprint) for p in provs):
            # the suggestions came from another model, or from this one before a retrain (same id, another
            # fingerprint): its list doesn't apply; the works they carry are re-checked at signing
            log.info("model file %s is not the suggestions' model; using the works they carry", model_id)
            model_id = fingerprint = None
        else:
            works.update({w.id: w for w in mworks})
    for p in provs:
        model_id = model_id or p["model_id"]
        fingerprint = fingerprint or p["model_fingerprint"]
        for w in p["works"]:
            works.setdefault(w.id, w)
    credits = [p["credit"] for p in provs if p["credit"]]
    credit = credits[0] if len(credits) == 1 else combine_credits(credits) if credits else {}
    missing = sorted(set(credit) - set(works) - {0})  # 0: the unattributed share
    if missing:
        raise ProvenanceError(f"the suggestion credits work(s) {missing} but the model's training works are "
                              "unknown", hint="give the model manifest (or keep the works in the suggestion)")
    runs = [p["longest_copied_run"] for p in provs if isinstance(p["longest_copied_run"], int)]
    return RecordFields(kind=kind, title=title, model_id=model_id, model_fingerprint=fingerprint,
                        training_works=tuple(sorted(works.values(), key=lambda w: w.id)), credit_bp=credit,
                        stems=stems,
                        suggestion_ids=tuple(dict.fromkeys(i for p in provs for i in p.get("ids", [p["id"]]) if i)),
                        human_edited_notes=sum(p["human_edited_notes"] for p in provs),
                        longest_copied_run=max(runs) if runs else None)


def stem_provenance(stem: Any, trust: Any) -> dict[str, Any] | None:
    """The AI provenance a stem file carries (a rendered suggestion used as a stem), when it verifies."""
    from app.core.provenance.sources import fields_from_sources

    f = fields_from_sources("stem", stem.name, [stem.path], trust)
    if not f.ai_content:
        return None
    return {"id": "", "ids": list(f.suggestion_ids), "model_id": f.model_id, "model_fingerprint": f.model_fingerprint,
            "credit": dict(f.credit_bp), "works": f.training_works, "human_edited_notes": f.human_edited_notes,
            "longest_copied_run": f.longest_copied_run}


def is_heard(project: Any, track: IdeaTrack) -> bool:
    """A kept idea's track is heard unless muted, or silenced by a soloed stem or track (mixdown's rule)."""
    return bool(project.track_audible(track))


def check_suggestions_consent(project: Any, *, what: str = "mix", suggestion_id: str | None = None,
                              catalogue: Any = None, model_manifest: Any = None,
                              without: Collection[str] = ()) -> None:
    """Before any rendering: each suggestion the export would carry must credit and list only works usable
    now. Raises UnusableWorkError naming the suggestion and the works (the caller may offer `without`)."""
    from app.core.project.export.consent import UnusableWorkError, recheck_consent

    tracks: list[Idea | IdeaTrack] = []
    if what == "suggestion":
        tracks = [suggestion_entry(project, suggestion_id)] if suggestion_id is not None else []
    else:
        tracks = [t for t in ai_tracks(project, without) if what == "stems" or is_heard(project, t)]
    for track in tracks:
        entry, prov = track_provenance(project, track)
        try:
            credited = {w for w, bp in prov["credit"].items() if w and bp > 0}
            if catalogue is not None and credited:  # credited works first: known even when the model is gone
                from app.core.provenance.record import TrainingWork

                now = catalogue.consent_now(sorted(credited))
                stubs = tuple(TrainingWork(w, now[w].title if w in now else "?", now[w].sha256 if w in now else "")
                              for w in sorted(credited))
                recheck_consent(RecordFields(kind="suggestion", title="", training_works=stubs,
                                             credit_bp=prov["credit"]), catalogue, what=f"suggestion {prov['id']}")
            fields = fields_for("suggestion", str(prov["id"]), [prov], (), model_manifest)
            recheck_consent(fields, catalogue, what=f"suggestion {prov['id']}")
        except UnusableWorkError as exc:
            hint = (f"regenerate it with the retrained model, or export without it (accord export … --without "
                    f"{prov['id']})" if what != "suggestion" else "regenerate it with the retrained model")
            raise UnusableWorkError(exc.reason, work_ids=exc.work_ids, credited=exc.credited, hint=hint,
                                    suggestion_id=str(prov["id"])) from exc


def what_will_be_signed(project: Any, *, what: str = "mix", suggestion_id: str | None = None,
                        catalogue: Any, model_manifest: Any = None,
                        without: Collection[str] = ()) -> list[tuple[str, RecordFields]]:
    """(file name stem, record fields) exactly as `export_project` will sign them now: same model
    fingerprint, training works (with each contributor's consent evidence as it stands) and credit.
    Only stem hashes differ (the project's file hash stands in for the decoded hash computed at export).
    Raises UnusableWorkError (naming the suggestion and works) or ConsentError (catalogue fails its audit)."""
    from app.core.project.export.consent import recheck_consent

    check_suggestions_consent(project, what=what, suggestion_id=suggestion_id, catalogue=catalogue,
                              model_manifest=model_manifest, without=without)
    return [(name, recheck_consent(fields, catalogue, what=name))
            for name, fields in preview_fields(project, what=what, suggestion_id=suggestion_id,
                                               model_manifest=model_manifest, without=without)]


def preview_fields(project: Any, *, what: str = "mix", suggestion_id: str | None = None,
                   model_manifest: Any = None, without: Collection[str] = ()) -> list[tuple[str, RecordFields]]:
    """(file name stem, record fields) of what `export_project` would embed, without decoding or writing,
    before the consent re-check (what_will_be_signed adds it: the preview should call that).

    Stem hashes come from the project (the file hash), standing in for the decoded hash used at export.
    """
    from app.core.provenance.record import StemUse

    if what == "suggestion":
        if suggestion_id is None:
            return []
        # A kept idea is exported as its track holds it (edited there after keeping), credit from the idea.
        kept = next((t for t in ai_tracks(project) if t.suggestion_id == str(suggestion_id)), None)
        entry, prov = track_provenance(project, kept if kept is not None else suggestion_entry(project, suggestion_id))
        title = entry.name or f"{project.name} - suggestion {suggestion_id}"
        return [(title, fields_for("suggestion", title, [prov], (), model_manifest))]
    tracks = [track_provenance(project, t) for t in ai_tracks(project, without)]
    stems = [s for s in project.stems if not s.missing]
    if what == "mix":
        uses = tuple(StemUse(s.name, s.content_sha256 or "(hashed at export)") for s in stems if project.audible(s))
        provs = [p for (entry, p), t in zip(tracks, ai_tracks(project, without), strict=True) if is_heard(project, t)]
        return [(project.name, fields_for("mix", project.name, provs, uses, model_manifest))]
    out = [(s.name, RecordFields(kind="stem", title=s.name,
                                 stems=(StemUse(s.name, s.content_sha256 or "(hashed at export)"),)))
           for s in stems]
    for entry, prov in tracks:
        name = entry.name or f"suggestion {prov['id']}"
        out.append((name, fields_for("suggestion", name, [prov], (), model_manifest)))
    return out
