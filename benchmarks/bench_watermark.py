"""Watermark benchmark on recordings nobody here made: Debian's `wesnoth-1.16-music` (41 OGG songs,
fetched with `apt-get download` + `dpkg -x` into ~/.cache/accord-bench/, skipped with a note without it).

Per excerpt: a 20-s clip at a random place in a song is marked (44.1 kHz, 16-bit WAV, random 64-bit id),
attacked with ffmpeg (or numpy for the mix), decoded, and a random 15-s window of the result (any
offset) is given to the detector. A row passes when the recovered id is bit-exact.

Sizes: default 30 excerpts from 10 songs (3 each), every attack; 100 unmarked 15-s excerpts for false
positives (plus every marked excerpt under another key): ~15 min on an idle 2-core machine.
`--excerpts N` (or ACCORD_WM_EXCERPTS=N): N excerpts, 3 per song from N / 3 songs (at least 10, at most
all 41 but the partner's), `--only WORD[,WORD]` keeps the attacks whose
name contains a word (e.g. `--only mix,MP3 64`). `--quick`: 10 excerpts, 3 attacks, 40 unmarked.
`ACCORD_BENCH_FULL=1`: 60 excerpts from 20 songs and 1,000 unmarked excerpts (over an hour).
Each payload row gives k/n and the two-sided 95 % Clopper-Pearson interval's lower end: what the count
shows about the true rate (30/30 shows only >= 88 %; 100/100 >= 96 %; 300/300 >= 98.8 %).
Anchors (published, not run here): audiowmark needs ~10 s and strength 15 for 64 kbit/s MP3; AudioSeal
fails at AAC 64 kbit/s and after trimming; WavMark reports 0.48 % mean bit errors.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("ACCORD_BENCH_CACHE", Path.home() / ".cache" / "accord-bench"))
PACKAGE = "wesnoth-1.16-music"
RATE = 44100
CLIP_S = 20.0
EXCERPT_S = 15.0
ATTACKS = {  # name -> (ffmpeg output args, extension) or a special
    "none (random 15-s cut)": None,
    "tags stripped (WAV->FLAC, -map_metadata -1)": (["-map_metadata", "-1", "-c:a", "flac"], "flac"),
    "MP3 128 kbit/s": (["-c:a", "libmp3lame", "-b:a", "128k"], "mp3"),
    "MP3 64 kbit/s": (["-c:a", "libmp3lame", "-b:a", "64k"], "mp3"),
    "OGG Vorbis q2": (["-c:a", "libvorbis", "-q:a", "2"], "ogg"),
    "AAC 128 kbit/s": (["-c:a", "aac", "-b:a", "128k"], "m4a"),
    "resample 44.1->48 kHz": (["-ar", "48000"], "wav"),
    "resample 48->44.1 kHz": "from48",
    "gain +6 dB": (["-af", "volume=6dB"], "wav"),
    "gain -6 dB": (["-af", "volume=-6dB"], "wav"),
    "speed +3 %": (["-af", f"asetrate={RATE * 1.03:.0f},aresample={RATE}"], "wav"),
    "speed -3 %": (["-af", f"asetrate={RATE * 0.97:.0f},aresample={RATE}"], "wav"),
    "mix with another song at -12 dB": "mix",
    "mix with another song 12 dB under the excerpt's RMS": "mixrel",
}
LOW_TARGET = ("speed", "mix")
QUICK_ATTACKS = ("none (random 15-s cut)", "MP3 64 kbit/s", "speed +3 %")


def fetch_songs() -> tuple[list[Path], str]:
    """The package's OGG files, fetched on first use. ([], why) when they cannot be had."""
    root = CACHE / "wesnoth"
    songs = sorted(root.rglob("*.ogg"))
    if songs:
        return songs, ""
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        return [], "apt-get/dpkg not available"
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    got = subprocess.run(["apt-get", "download", PACKAGE], cwd=debs, capture_output=True, text=True)
    found = sorted(debs.glob(f"{PACKAGE}_*.deb"))
    if got.returncode != 0 or not found:
        return [], f"apt-get download {PACKAGE} failed: {got.stderr.strip()[:200]}"
    subprocess.run(["dpkg", "-x", str(found[-1]), str(root)], check=True)
    return sorted(root.rglob("*.ogg")), ""


def _read(path: Path, rate: int = RATE) -> np.ndarray:
    """(2, frames) float32 at `rate`, decoded by ffmpeg."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-ac", "2", "-ar", str(rate),
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<f4").reshape(-1, 2).T.copy()


def _write_wav(path: Path, x: np.ndarray, rate: int) -> None:
    import soundfile as sf

    sf.write(str(path), np.clip(x, -1, 1).T, rate, subtype="PCM_16")


def _ffmpeg(src: Path, args: list[str], ext: str, work: Path, rate: int = RATE) -> np.ndarray:
    out = work / f"attacked.{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(src), *args, str(out)], check=True)
    return _read(out, rate) if ext != "wav" or "-ar" not in args else _read(out, 48000)


def segmental_snr(x: np.ndarray, y: np.ndarray, rate: int) -> float:
    """Mean over 20-ms segments of 10 log10(signal / mark), each clipped to [-10, 35] dB, silence skipped."""
    seg = int(0.02 * rate)
    xm, wm = x.mean(axis=0), (y - x).mean(axis=0)
    n = len(xm) // seg
    e1 = (xm[:n * seg].reshape(n, seg) ** 2).sum(axis=1)
    e2 = (wm[:n * seg].reshape(n, seg) ** 2).sum(axis=1) + 1e-20
    keep = e1 > seg * 1e-7  # above -70 dBFS
    return float(np.clip(10 * np.log10(e1[keep] / e2[keep]), -10, 35).mean())


def mark_to_mask(x: np.ndarray, y: np.ndarray, rate: int, *, spreading: bool = False) -> tuple[float, float]:
    """(median, 99th percentile) over frames and Bark bands of mark energy minus a masking threshold (dB).

    Threshold: Johnston, "Transform coding of audio signals using perceptual noise criteria" (IEEE JSAC
    1988): the music's energy per Bark band, lowered by the tonal offset 14.5 + z dB (z = Bark index, the
    conservative tone-masking-noise case). Without `spreading` each band masks only itself (errs low: a
    weak band beside a loud one counts as unmasked); with it, band energies are first spread by
    Johnston's spreading function 15.81 + 7.5 (d + 0.474) - 17.5 sqrt(1 + (d + 0.474)^2) dB (d in Bark).
    """
    n = 2048
    win = np.hanning(n)
    xm, wm = x.mean(axis=0), (y - x).mean(axis=0)
    starts = range(0, len(xm) - n, n)
    fx = np.abs(np.fft.rfft(np.stack([xm[s:s + n] * win for s in starts]), axis=1)) ** 2
    fw = np.abs(np.fft.rfft(np.stack([wm[s:s + n] * win for s in starts]), axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / rate)
    bark = 13 * np.arctan(0.00076 * freqs) + 3.5 * np.arctan((freqs / 7500) ** 2)
    zs = np.arange(1, 22)
    ex = np.stack([fx[:, (bark >= z) & (bark < z + 1)].sum(axis=1) for z in zs], axis=1)
    ew = np.stack([fw[:, (bark >= z) & (bark < z + 1)].sum(axis=1) for z in zs], axis=1)
    if spreading:
        d = zs[:, None] - zs[None, :]  # masked band minus masker band
        sf_db = 15.81 + 7.5 * (d + 0.474) - 17.5 * np.sqrt(1 + (d + 0.474) ** 2)
        ex = ex @ (10 ** (sf_db / 10)).T
    out = []
    for k, z in enumerate(zs):
        loud = ex[:, k] > ex[:, k].max() * 1e-6
        if loud.any():
            out.append(10 * np.log10(ew[loud, k] + 1e-20) - (10 * np.log10(ex[loud, k]) - (14.5 + z)))
    allv = np.concatenate(out)
    return float(np.median(allv)), float(np.percentile(allv, 99))


def _unmarked_scores(songs: list[Path], audio: dict[Path, np.ndarray], n: int, keys: list[bytes],
                     rng: np.random.Generator) -> tuple[int, list]:
    """(false finds, per excerpt (best sync z, best bit agreement, CRC checks)) on unmarked 15-s excerpts
    from every song, full speed search under `keys`."""
    from app.core.provenance import watermark as wm

    hits, seen = 0, []
    i = -1
    while len(seen) < n and i < 50 * n:  # songs shorter than an excerpt are skipped, not counted
        i += 1
        song = songs[i % len(songs)]
        x = audio.get(song)
        if x is None:
            x = audio[song] = _read(song)
        if x.shape[1] <= int(EXCERPT_S * RATE):
            continue
        off = int(rng.integers(0, x.shape[1] - int(EXCERPT_S * RATE)))
        sc = wm.Scores()
        if wm.detect_watermark(x[:, off:off + int(EXCERPT_S * RATE)], RATE, keys, scores=sc) is not None:
            hits += 1
        seen.append((sc.best_sync_z, sc.best_agreement, sc.attempts))
        if len(seen) % 50 == 0:
            a = np.array(seen)
            print(f"  unmarked {len(seen)}: false finds {hits}; best bit agreement median {np.median(a[:, 1]):.3f} "
                  f"max {a[:, 1].max():.3f}", file=sys.stderr, flush=True)
    return hits, seen


def false_positive_rows(n: int) -> list[dict]:
    """Only the false-positive run (`--false-positives N`): N unmarked excerpts, one key."""
    from app.core.provenance import watermark as wm

    songs, why = fetch_songs()
    if len(songs) < 11:
        return [{"metric": "false positives", "value": "skipped", "unit": "", "note": why or "too few songs"}]
    key = wm.watermark_key(bytes(range(32)))
    t0 = time.perf_counter()
    hits, seen = _unmarked_scores(songs, {}, n, [key], np.random.default_rng(4049))
    a = np.array(seen)
    return [{"metric": "false positives, unmarked 15-s excerpts", "value": hits, "unit": "count", "target": "0",
             "ok": hits == 0 and len(a) >= 1000,
             "note": f"{len(a)} excerpts from {len(songs)} songs ({PACKAGE}; excerpts overlap), full speed search"},
            {"metric": "unmarked: best bit agreement (median / 99th pct / max)",
             "value": f"{np.median(a[:, 1]):.3f} / {np.percentile(a[:, 1], 99):.3f} / {a[:, 1].max():.3f}",
             "unit": "share", "note": "re-encoded Viterbi output vs soft-bit signs, best of all candidates"},
            {"metric": "unmarked: best sync z (median / 99th pct / max)",
             "value": f"{np.median(a[:, 0]):.2f} / {np.percentile(a[:, 0], 99):.2f} / {a[:, 0].max():.2f}",
             "unit": "sd", "note": "the decision is the CRC-32, not a threshold on these"},
            {"metric": "CRC checks per unmarked excerpt", "value": float(a[:, 2].mean()), "unit": "count",
             "note": f"false-find bound per excerpt ~ checks / 2^32 = {a[:, 2].mean() / 2**32:.1e}; "
                     f"{(time.perf_counter() - t0) / len(a):.2f} s per excerpt"}]


def lower_bound(k: int, n: int) -> float:
    """Lower end of the two-sided 95 % Clopper-Pearson interval for k successes in n trials."""
    if n == 0 or k == 0:
        return 0.0
    from scipy.stats import beta

    return float(beta.ppf(0.025, k, n - k + 1))


def _options() -> tuple[int | None, list[str]]:
    """(--excerpts N or ACCORD_WM_EXCERPTS, --only words) from the command line / environment."""
    n = os.environ.get("ACCORD_WM_EXCERPTS")
    only: list[str] = []
    if "--excerpts" in sys.argv:
        n = sys.argv[sys.argv.index("--excerpts") + 1]
    if "--only" in sys.argv:
        only = [w.strip() for w in sys.argv[sys.argv.index("--only") + 1].split(",") if w.strip()]
    return (int(n) if n else None), only


def run(quick: bool) -> list[dict]:
    from app.core.provenance import watermark as wm

    if shutil.which("ffmpeg") is None:
        return [{"metric": "watermark benchmark", "value": "skipped", "unit": "", "note": "ffmpeg not installed"}]
    songs, why = fetch_songs()
    if len(songs) < 11:
        return [{"metric": "watermark benchmark", "value": "skipped", "unit": "", "note": why or "too few songs"}]
    full = os.environ.get("ACCORD_BENCH_FULL") == "1"
    n_songs, per_song, n_unmarked = (10, 1, 40) if quick else (20, 3, 1000) if full else (10, 3, 100)
    n_excerpts, only = _options()
    if n_excerpts:  # spread over more songs: at least 10, up to every song (3 excerpts each)
        n_songs = min(len(songs) - 1, max(10, -(-n_excerpts // 3)))
        per_song = -(-n_excerpts // n_songs)
    attacks = {k: v for k, v in ATTACKS.items() if not quick or k in QUICK_ATTACKS}
    if only:
        attacks = {k: v for k, v in attacks.items() if any(w.lower() in k.lower() for w in only)}
    wanted = n_excerpts or n_songs * per_song
    rng = np.random.default_rng(2026)
    key = wm.watermark_key(bytes(range(32)))
    other = wm.watermark_key(bytes(range(100, 132)))
    audio: dict[Path, np.ndarray] = {}
    chosen = []
    for i in rng.permutation(len(songs)):
        x = audio[songs[i]] = _read(songs[i])
        if x.shape[1] > int((CLIP_S + 1) * RATE):
            chosen.append(songs[i])
        if len(chosen) == n_songs:
            break
    results = {a: [] for a in attacks}
    snrs, masks, embed_t, detect_t, other_key_hits, excerpts = [], [], [], [], 0, 0
    embed_cpu: list[float] = []
    detect_cpu: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for si, song in enumerate(chosen):
            x_song = audio[song]
            for _ in range(per_song):
                if excerpts == wanted:
                    break
                excerpts += 1
                start = int(rng.integers(0, x_song.shape[1] - int(CLIP_S * RATE)))
                clip = x_song[:, start:start + int(CLIP_S * RATE)]
                wid = int(rng.integers(0, 2**63)) * 2 + int(rng.integers(0, 2))
                t0, c0 = time.perf_counter(), time.process_time()
                marked = wm.embed_watermark(clip, RATE, key, wid)
                embed_t.append((time.perf_counter() - t0) / CLIP_S)
                embed_cpu.append((time.process_time() - c0) / CLIP_S)
                snrs.append(segmental_snr(clip, marked, RATE))
                masks.append(mark_to_mask(clip, marked, RATE) + mark_to_mask(clip, marked, RATE, spreading=True))
                src = work / "marked.wav"
                _write_wav(src, marked, RATE)
                for name, how in attacks.items():
                    rate = RATE
                    if how is None:
                        z = _read(src)
                    elif how == "from48":
                        _write_wav(work / "clip.wav", clip, RATE)
                        clip48 = _ffmpeg(work / "clip.wav", ["-ar", "48000"], "wav", work)
                        m48 = wm.embed_watermark(clip48, 48000, key, wid)
                        _write_wav(work / "m48.wav", m48, 48000)
                        z = _ffmpeg(work / "m48.wav", ["-ar", str(RATE)], "flac", work)
                    elif how in ("mix", "mixrel"):
                        partner = audio[chosen[(si + 1) % len(chosen)]]
                        partner = np.tile(partner, (1, 1 + marked.shape[1] // partner.shape[1]))
                        p0 = int(rng.integers(0, partner.shape[1] - marked.shape[1] + 1))
                        other_part = partner[:, p0:p0 + marked.shape[1]]
                        z = _read(src)
                        gain = 10 ** (-12 / 20)
                        if how == "mixrel":  # the mix ratio, whatever each song's level there
                            gain *= float(np.sqrt(np.mean(z ** 2) / (np.mean(other_part ** 2) + 1e-12)))
                        z = z + gain * other_part
                    else:
                        args, ext = how
                        z = _ffmpeg(src, args, ext, work)
                        if "-ar" in args:
                            rate = 48000
                    n_ex = int(EXCERPT_S * rate)
                    off = int(rng.integers(0, max(1, z.shape[1] - n_ex)))
                    t0, c0 = time.perf_counter(), time.process_time()
                    found = wm.detect_watermark(z[:, off:off + n_ex], rate, [key])
                    dt = time.perf_counter() - t0
                    if how is None:
                        detect_t.append(dt / EXCERPT_S)
                        detect_cpu.append((time.process_time() - c0) / EXCERPT_S)
                        if wm.detect_watermark(z[:, off:off + n_ex], rate, [other]) is not None:
                            other_key_hits += 1
                    results[name].append(found is not None and found.wm_id == wid)
                done = ", ".join(f"{k.split(' ')[0]} {sum(v)}/{len(v)}" for k, v in results.items())
                print(f"  excerpt {excerpts}: {song.name}: {done}", file=sys.stderr, flush=True)
        # false positives: unmarked 15-s excerpts from every song (not only the chosen ones)
        false_hits, _ = _unmarked_scores(songs, audio, n_unmarked, [key, other], rng)
    rows: list[dict] = []
    note = f"{excerpts} excerpts from {len(chosen)} songs ({PACKAGE}, not made here)"
    for name, hits in results.items():
        target = 0.95 if name.startswith(LOW_TARGET) or "mix" in name else 0.99
        k, n = sum(hits), len(hits)
        low = lower_bound(k, n)
        rows.append({"metric": f"payload exact: {name}", "value": k / max(1, n), "unit": "share",
                     "target": f">= {target}", "ok": k / max(1, n) >= target and n >= 30,
                     "count": f"{k}/{n}", "ci95_low": round(low, 4),
                     "note": f"{k}/{n}, 95 % CI lower end {100 * low:.1f} %; {note}"})
    snr = np.array(snrs)
    rows += [
        {"metric": "false positives, unmarked 15-s excerpts", "value": false_hits, "unit": "count", "target": "0",
         "ok": false_hits == 0 and n_unmarked >= 1000,
         "note": f"{n_unmarked} excerpts from {len(songs)} songs, two keys each"},
        {"metric": "false positives, marked with another key", "value": other_key_hits, "unit": "count",
         "target": "0", "ok": other_key_hits == 0, "note": f"{len(detect_t)} marked excerpts"},
        {"metric": "segmental SNR (mean)", "value": float(snr.mean()), "unit": "dB", "target": ">= 30",
         "ok": float(snr.mean()) >= 30, "note": "20-ms segments clipped to [-10, 35]"},
        {"metric": "segmental SNR per excerpt (min / 10th pct / median)",
         "value": f"{snr.min():.1f} / {np.percentile(snr, 10):.1f} / {np.median(snr):.1f}", "unit": "dB",
         "target": ">= 30 each", "ok": bool(snr.min() >= 30),
         "note": f"{int((snr < 30).sum())} of {len(snr)} excerpts under 30 dB"},
        {"metric": "mark - masking threshold (median)", "value": float(np.median([m[0] for m in masks])),
         "unit": "dB", "target": "< 0", "ok": float(np.median([m[0] for m in masks])) < 0,
         "note": f"99th percentile {np.median([m[1] for m in masks]):.1f} dB; Bark bands, tonal offset, "
                 "no spreading (each band masks only itself)"},
        {"metric": "mark - masking threshold, Johnston spreading (median)",
         "value": float(np.median([m[2] for m in masks])), "unit": "dB", "target": "< 0",
         "ok": float(np.median([m[2] for m in masks])) < 0,
         "note": f"99th percentile {np.median([m[3] for m in masks]):.1f} dB"},
        {"metric": "embed speed (wall)", "value": 1 / float(np.median(embed_t)), "unit": "x RT", "target": ">= 50",
         "ok": 1 / float(np.median(embed_t)) >= 50,
         "note": f"20-s stereo 44.1 kHz clips; CPU time: {1 / float(np.median(embed_cpu)):.0f}x RT "
                 f"(wall depends on the machine's load)"},
    ]
    if detect_t:
        rows.append({"metric": "detect speed (marked, no speed search, wall)", "value": 1 / float(np.median(detect_t)),
                     "unit": "x RT", "target": ">= 20", "ok": 1 / float(np.median(detect_t)) >= 20,
                     "note": f"15-s excerpts; CPU time: {1 / float(np.median(detect_cpu)):.0f}x RT"})
    t0 = time.perf_counter()
    wm.detect_watermark(audio[chosen[0]][:, :int(EXCERPT_S * RATE)], RATE, [key])
    worst = time.perf_counter() - t0
    rows.append({"metric": "detect speed (unmarked: full speed search)", "value": EXCERPT_S / worst,
                 "unit": "x RT", "note": "the worst case: every speed tried, nothing found"})
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if "--false-positives" in sys.argv:
        fp_rows = false_positive_rows(int(sys.argv[sys.argv.index("--false-positives") + 1]))
        for row in fp_rows:
            print(row)
        sys.exit(0)
    for row in run("--quick" in sys.argv):
        print(row)
