"""Shared pieces of the generated corpus: a case (file name + bytes + family) and byte-level damage."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

RATE = 48000


@dataclass(frozen=True)
class Case:
    name: str  # file name, with the extension Accord dispatches on
    data: bytes
    family: str  # audio | midi | musicxml | project | model | key

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data)
        return path


def _garbage(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _truncations(prefix: str, ext: str, data: bytes, family: str = "audio") -> list[Case]:
    cuts = sorted({4, 8, 16, 42, len(data) // 3, len(data) // 2, len(data) - 3})
    return [Case(f"{prefix}_truncated_{n}{ext}", data[:n], family) for n in cuts if 0 < n < len(data)]


def _flip(data: bytes, seed: int, count: int, start: int = 0) -> bytes:
    rng = random.Random(seed)
    b = bytearray(data)
    for _ in range(count):
        i = rng.randrange(start, len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


