"""A consent recorded by another process while the catalogue is being read is not mistaken for a truncated ledger.

The writer commits, then writes the signed head file. The audit used to read that file after its snapshot of
the database was fixed, so a head naming the entry just committed looked like entries cut off the end: the audit
failed, `usable_work_ids` said nothing was usable, and `accord train` forgot every work it had just learned
(tests/reliability/test_consent_faults.py caught it once under load)."""

from __future__ import annotations

import pytest

from app.core.catalogue.integrity import audit as audit_mod
from app.core.catalogue.store import Catalogue
from tests.reliability.builders import catalogue_with_works


@pytest.fixture
def revoke_just_before_the_head_is_read(tmp_path, monkeypatch):
    """A catalogue of 5 works, and an audit during which another connection revokes work 2 (commit, then the
    head file) just before the audit reads the head file — the interleaving that used to fail."""
    path = tmp_path / "catalogue.sqlite"
    ids = catalogue_with_works(path, 5)
    real = audit_mod.read_head
    done: list[bool] = []

    def racing_read_head(db):
        if not done:
            done.append(True)
            with Catalogue.open(path) as other:  # another process's connection, in effect
                other.record_consent(ids[1], "revoke", note="revoked while another process read")
        return real(db)

    monkeypatch.setattr(audit_mod, "read_head", racing_read_head)
    return path, ids


def test_usable_ids_read_during_a_revoke_are_the_usable_ones_not_none(revoke_just_before_the_head_is_read):
    path, ids = revoke_just_before_the_head_is_read
    with Catalogue.open(path) as cat:
        usable = cat.usable_work_ids()
    assert usable  # not "nothing is usable": the audit passed
    assert usable in (set(ids), set(ids) - {ids[1]})  # before or after the revoke, never anything else


def test_usable_works_and_the_audit_pass_during_a_revoke(revoke_just_before_the_head_is_read):
    path, ids = revoke_just_before_the_head_is_read
    with Catalogue.open(path) as cat:
        works = cat.usable_works()  # raised ConsentError ("fails its audit") before
        assert {w.id for w in works} in (set(ids), set(ids) - {ids[1]})
        assert cat.audit().ok


def test_training_refuses_rather_than_saving_an_empty_model_when_the_audit_fails_at_the_end(tmp_path, monkeypatch):
    """The late consent check after training: a catalogue failing its audit then (for whatever reason) leaves the
    model file as it was and says why, instead of reading "nothing usable" as "every work revoked"."""
    from app.core.catalogue.records import AuditResult
    from app.core.errors import ConsentError
    from app.core.project.model_training import train_usable

    path, model_path = tmp_path / "catalogue.sqlite", tmp_path / "current.accordmodel"
    catalogue_with_works(path, 4)
    first = train_usable(path, model_path)
    assert len(first.model.works) == 4
    before = model_path.read_bytes()
    catalogue_with_works(path, 1)  # one more work: the next run has something to learn, and then checks again
    import app.core.project.model_training as training

    real_audit, real_update = Catalogue.audit, training.update_model
    trained: list[bool] = []

    def update_then_mark(*args, **kwargs):
        result = real_update(*args, **kwargs)
        trained.append(True)
        return result

    def audit_fails_after_training(self):
        return AuditResult(False, 0, None, "the signed head file could not be read") if trained else real_audit(self)

    monkeypatch.setattr(training, "update_model", update_then_mark)
    monkeypatch.setattr(Catalogue, "audit", audit_fails_after_training)
    with pytest.raises(ConsentError, match="fails its audit"):
        train_usable(path, model_path)
    assert model_path.read_bytes() == before
