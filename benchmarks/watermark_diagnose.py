"""Why do watermark payloads fail? Per attack: sync found or lost, bit errors before decoding, and
whether the payload decodes when the true offset and speed are given (an oracle sync).

Quick (a few minutes): `python benchmarks/watermark_diagnose.py [N_EXCERPTS]` on wesnoth-1.16-music
(the benchmark's cache). Prints per attack: found by the detector / decoded with oracle sync / true
offset among the sync candidates / mean raw bit error rate (coded bits, before Viterbi) / mean sync z.
For the mix, each line also gives the partner's level minus the marked excerpt's (dB): misses come where
the partner is within ~6 dB of the marked song or above it (docs/provenance.md, "Second round").
`--only WORD[,WORD]` keeps the attacks whose short name contains a word (e.g. `--only mix`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_watermark import RATE, _ffmpeg, _read, _write_wav, fetch_songs, segmental_snr  # noqa: E402

ATTACKS = {
    "none": None,
    "mp3-128": (["-c:a", "libmp3lame", "-b:a", "128k"], "mp3"),
    "mp3-64": (["-c:a", "libmp3lame", "-b:a", "64k"], "mp3"),
    "ogg-q2": (["-c:a", "libvorbis", "-q:a", "2"], "ogg"),
    "aac-128": (["-c:a", "aac", "-b:a", "128k"], "m4a"),
    "speed+3": (["-af", f"asetrate={RATE * 1.03:.0f},aresample={RATE}"], "wav"),
    "speed-3": (["-af", f"asetrate={RATE * 0.97:.0f},aresample={RATE}"], "wav"),
    "mix-12": "mix",
}
SPEED_OF = {"speed+3": 1.03, "speed-3": 0.97}


def main(n_excerpts: int) -> None:
    from app.core.provenance import watermark as wm
    from app.core.provenance.watermark import diagnostics as dg

    songs, why = fetch_songs()
    if not songs:
        print("skipped:", why)
        return
    rng = np.random.default_rng(7)
    key = wm.watermark_key(bytes(range(32)))
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else []
    attacks = {k: v for k, v in ATTACKS.items() if not only or any(w in k for w in only)}
    stats: dict[str, list[tuple]] = {a: [] for a in attacks}
    snrs = []
    picks = rng.permutation(len(songs))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        done = 0
        for i in picks:
            if done == n_excerpts:
                break
            x = _read(songs[i])
            if x.shape[1] < 21 * RATE:
                continue
            done += 1
            start = int(rng.integers(0, x.shape[1] - 20 * RATE))
            clip = x[:, start:start + 20 * RATE]
            wid = int(rng.integers(0, 2**62))
            marked = wm.embed_watermark(clip, RATE, key, wid)
            snrs.append(segmental_snr(clip, marked, RATE))
            src = work / "m.wav"
            _write_wav(src, marked, RATE)
            partner = _read(songs[picks[(done + 5) % len(picks)]])
            line = []
            for name, how in attacks.items():
                level = ""
                if how is None:
                    z = _read(src)
                elif how == "mix":
                    p = np.tile(partner, (1, 2 + marked.shape[1] // partner.shape[1]))[:, :marked.shape[1]]
                    z = _read(src) + 10 ** (-12 / 20) * p
                    level = f" lvl{10 * np.log10(np.mean((10 ** (-12 / 20) * p) ** 2) / np.mean(marked ** 2)):+.0f}"
                else:
                    z = _ffmpeg(src, how[0], how[1], work)
                speed = SPEED_OF.get(name, 1.0)
                off = int(rng.integers(0, z.shape[1] - 15 * RATE))
                ex = z[:, off:off + 15 * RATE]
                found = wm.detect_watermark(ex, RATE, [key])
                ok = found is not None and found.wm_id == wid
                d = dg.oracle(ex, RATE, key, wid, start_s=off / RATE * speed, speed=speed)
                stats[name].append((ok, d.decoded, d.sync_rank, d.raw_ber, d.sync_z))
                line.append(f"{name} {'Y' if ok else '-'}{'y' if d.decoded else '-'} r{d.sync_rank} "
                            f"ber{d.raw_ber:.2f}{level}")
            print(f"{done:2d} {songs[i].name[:22]:22s} snr {snrs[-1]:.1f} | " + " ".join(line), flush=True)
    print(f"\nsegmental SNR mean {np.mean(snrs):.1f} dB (min {np.min(snrs):.1f})")
    print(f"{'attack':10s} found  oracle  sync-top3  raw-BER  sync-z")
    for name, rows in stats.items():
        a = np.array(rows, dtype=float)
        print(f"{name:10s} {a[:, 0].mean():5.2f}  {a[:, 1].mean():5.2f}  {(a[:, 2] < 3).mean():8.2f}  "
              f"{a[:, 3].mean():7.3f}  {a[:, 4].mean():6.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 12)
