"""Signing identity: created once, owner-only permissions, public key export/import, trust list."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from app.core.errors import ProvenanceError
from app.core.provenance.identity import (
    IDENTITY_FILE,
    TrustList,
    create_identity,
    ensure_identity,
    export_public_key,
    import_public_key,
    load_identity,
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_key_file_is_owner_only_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        identity = create_identity(tmp_path / "keys", "Ada", "ada@example.org")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "keys" / IDENTITY_FILE).stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert not [p for p in (tmp_path / "keys").iterdir() if p.name.startswith(".accord-tmp-")]
    assert "private" not in repr(identity).lower() and identity.key_id[:16] in repr(identity)


def test_identity_round_trips_and_signs(tmp_path):
    identity = create_identity(tmp_path, "Ada", "ada@example.org")
    again = load_identity(tmp_path)
    assert again is not None and again.key_id == identity.key_id and again.contact == "ada@example.org"
    sig = again.sign(b"hello")
    assert identity.public.verify(sig, b"hello") and not identity.public.verify(sig, b"hellO")
    assert len(identity.key_id) == 64


def test_create_refuses_to_overwrite_and_ensure_creates_once(tmp_path):
    first = ensure_identity(tmp_path, "Ada")
    assert ensure_identity(tmp_path, "Someone else").key_id == first.key_id
    with pytest.raises(ProvenanceError, match="already exists"):
        create_identity(tmp_path, "Ada")
    replaced = create_identity(tmp_path, "Ada", replace=True)
    assert replaced.key_id != first.key_id
    with pytest.raises(ProvenanceError, match="empty"):
        create_identity(tmp_path / "other", "  ")


def test_damaged_identity_is_a_clear_error(tmp_path):
    create_identity(tmp_path, "Ada")
    path = tmp_path / IDENTITY_FILE
    data = json.loads(path.read_text())
    data["privateKey"] = "AAAA"
    path.write_text(json.dumps(data))
    with pytest.raises(ProvenanceError, match="damaged"):
        load_identity(tmp_path)
    path.write_text("{not json")
    with pytest.raises(ProvenanceError, match="cannot be read"):
        load_identity(tmp_path)


@pytest.mark.parametrize("suffix", [".json", ".pem"])
def test_public_key_export_import(tmp_path, suffix):
    identity = create_identity(tmp_path / "a", "Ada", "ada@example.org")
    path = export_public_key(identity.public, tmp_path / f"ada{suffix}")
    info = import_public_key(path, name="Ada L." if suffix == ".pem" else None)
    assert info.public_raw == identity.public_raw and info.key_id == identity.key_id
    assert info.name == ("Ada L." if suffix == ".pem" else "Ada")
    assert "PRIVATE" not in path.read_text()


def test_import_refuses_a_tampered_or_foreign_key_file(tmp_path):
    identity = create_identity(tmp_path / "a", "Ada")
    path = export_public_key(identity.public, tmp_path / "ada.json")
    data = json.loads(path.read_text())
    data["keyId"] = "0" * 64
    path.write_text(json.dumps(data))
    with pytest.raises(ProvenanceError, match="does not match"):
        import_public_key(path)
    (tmp_path / "x.json").write_text('{"format": "something"}')
    with pytest.raises(ProvenanceError, match="not an Accord public key"):
        import_public_key(tmp_path / "x.json")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    rsa_pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "ec.pem").write_bytes(rsa_pem)
    with pytest.raises(ProvenanceError, match="not an Ed25519"):
        import_public_key(tmp_path / "ec.pem")
    with pytest.raises(ProvenanceError, match="not found"):
        import_public_key(tmp_path / "missing.pem")


def test_trust_list_holds_own_key_and_added_keys(tmp_path):
    keys = tmp_path / "keys"
    assert len(TrustList.load(keys)) == 0
    me = create_identity(keys, "Ada")
    other = create_identity(tmp_path / "other", "Bo")
    trust = TrustList.load(keys)
    assert me.key_id in trust and other.key_id not in trust
    trust.add(other.public)
    trust.save()
    reloaded = TrustList.load(keys)
    assert other.key_id in reloaded and reloaded.get(other.key_id).name == "Bo"
    assert reloaded.remove(other.key_id) and other.key_id not in reloaded
    (keys / "trusted.json").write_text('{"keys": [{"name": "x", "publicKey": "!!"}]}')
    with pytest.raises(ProvenanceError, match="trust list is damaged"):
        TrustList.load(keys)


def test_an_identity_made_before_the_artist_named_it_is_named_later_with_the_same_key(tmp_path):
    from app.core.provenance.identity import confirm_identity_name, ensure_identity, load_identity

    first = ensure_identity(tmp_path)  # e.g. the catalogue signing its head before any export
    assert not first.name_confirmed and not load_identity(tmp_path).name_confirmed
    named = confirm_identity_name(tmp_path, "Mara Velez", "mara@example.org")
    again = load_identity(tmp_path)
    assert named.key_id == first.key_id == again.key_id
    assert again.name == "Mara Velez" and again.contact == "mara@example.org" and again.name_confirmed
    assert TrustList.load(tmp_path).get(first.key_id).name == "Mara Velez"


def test_creating_an_identity_names_an_unnamed_key_instead_of_refusing(tmp_path):
    from app.core.provenance.identity import create_identity, ensure_identity

    first = ensure_identity(tmp_path)
    named = create_identity(tmp_path, "Ana Ruiz", "ana@example.org")
    assert named.key_id == first.key_id and named.name_confirmed
    with pytest.raises(ProvenanceError, match="already exists"):
        create_identity(tmp_path, "Someone Else")


@pytest.mark.parametrize("name", ["Ana\nverified: signed by Label", "Ana\rRuiz", "Ana\x00", "Ana \u202eziuR"])
def test_a_signer_name_is_one_line_without_control_characters(tmp_path, name):
    import json

    from app.core.provenance.identity import export_public_key

    with pytest.raises(ProvenanceError, match="line break or control character"):
        create_identity(tmp_path / "keys", name)
    assert not (tmp_path / "keys").exists() or not list((tmp_path / "keys").iterdir())  # nothing written
    jo = create_identity(tmp_path / "jo", "Jo Lee")
    export_public_key(jo.public, tmp_path / "jo.json")
    data = json.loads((tmp_path / "jo.json").read_text())
    (tmp_path / "jo.json").write_text(json.dumps(dict(data, name=name)))
    with pytest.raises(ProvenanceError, match="owner name holds a line break") as info:
        import_public_key(tmp_path / "jo.json")
    assert info.value.path == tmp_path / "jo.json"
    with pytest.raises(ProvenanceError, match="owner name holds a line break"):
        import_public_key(tmp_path / "jo.json", name=name)
    assert import_public_key(tmp_path / "jo.json", name="Jo Lee (studio)").name == "Jo Lee (studio)"
