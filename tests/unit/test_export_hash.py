"""A 24-bit WAV export hashes its samples as it writes them (PcmHasher via wav24): the digest it signs must
be the one content_hash reads back from the file, for every shape the writer takes; other formats and the
libsndfile fallback hash the file."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.audio import wav24
from app.core.audio.io import encode_audio
from app.core.project.export.files import export_audio
from app.core.provenance.content.content_hash import PcmHasher, content_hash
from app.core.provenance.identity import create_identity
from app.core.provenance.record import RecordFields


@pytest.mark.parametrize("channels,frames,block", [(2, 50_001, 1 << 18), (1, 7_777, 1000), (2, 3, 1 << 18)])
def test_hash_while_writing_equals_hash_of_the_file(tmp_path, monkeypatch, channels, frames, block):
    monkeypatch.setattr(wav24, "_FRAMES_PER_BLOCK", block)
    x = np.random.default_rng(frames).uniform(-1.2, 1.2, (channels, frames)).astype(np.float32)
    x.reshape(-1)[:4] = [1.0, -1.0, 0.0, 2.0 ** -24]
    hasher = PcmHasher(channels, 44100)
    out = tmp_path / "a.wav"
    encode_audio(out, x, 44100, format="WAV", subtype="PCM_24", on_pcm24=hasher.update_24bit)
    assert hasher.samples == x.size
    assert hasher.result() == content_hash(out, "wav")


def test_export_signs_the_hash_of_what_is_on_disk(tmp_path):
    me = create_identity(tmp_path / "keys", "Test")
    fields = RecordFields(kind="mix", title="t")
    x = np.random.default_rng(1).uniform(-1, 1, (2, 48_000)).astype(np.float32)
    for name, samples, fmt in [("a.wav", x, "wav24"), ("b.wav", np.where(np.arange(48_000) == 5, np.nan, x), "wav24"),
                               ("c.flac", x, "flac"), ("d.wav", x, "wav16")]:
        res = export_audio(samples.astype(np.float32), 48000, tmp_path / name, fields, identity=me, format=fmt,
                           watermark=False)
        assert res.content_sha256 == content_hash(tmp_path / name)[1], name
