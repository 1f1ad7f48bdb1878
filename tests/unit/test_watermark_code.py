"""The watermark's payload code: CRC-32 under a key mask, K=7 convolutional code, soft Viterbi."""

import numpy as np
import pytest

from app.core.provenance.watermark.code import (
    CODED_BITS,
    DATA_BITS,
    check_payload,
    conv_encode,
    payload_bits,
    viterbi_decode,
)


def test_payload_round_trip_and_wrong_mask():
    bits = payload_bits(0xFEDCBA9876543210, 1234)
    assert len(bits) == DATA_BITS
    assert check_payload(bits, 1234) == 0xFEDCBA9876543210
    assert check_payload(bits, 1235) is None


def test_payload_refuses_ids_outside_64_bits():
    with pytest.raises(ValueError):
        payload_bits(1 << 64, 0)


def test_viterbi_corrects_noisy_soft_bits():
    rng = np.random.default_rng(3)
    ok = 0
    for _ in range(20):
        wid = int(rng.integers(0, 2**62))
        coded = conv_encode(payload_bits(wid, 99))
        assert len(coded) == CODED_BITS
        soft = (1.0 - 2.0 * coded) + rng.normal(0, 0.8, len(coded))  # ~11 % raw sign errors
        bits, _ = viterbi_decode(soft)
        ok += check_payload(bits, 99) == wid
    assert ok >= 19


def test_noise_alone_does_not_pass_the_crc():
    rng = np.random.default_rng(5)
    passed = sum(check_payload(viterbi_decode(rng.normal(0, 1, CODED_BITS))[0], 7) is not None for _ in range(300))
    assert passed == 0


def test_batched_viterbi_equals_one_at_a_time():
    from app.core.provenance.watermark.code import viterbi_decode_many

    rng = np.random.default_rng(9)
    bits = rng.integers(0, 2, DATA_BITS).astype(np.uint8)
    soft = (1.0 - 2.0 * conv_encode(bits))[None, :] + rng.normal(0.0, 1.1, (12, CODED_BITS))
    many = viterbi_decode_many(soft)
    assert many.shape == (12, DATA_BITS)
    for row, one in zip(many, soft, strict=True):
        assert np.array_equal(row, viterbi_decode(one)[0])
