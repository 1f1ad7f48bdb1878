"""A 4 KB garbage .mp3 (issue 12): the C decoder's chatter stays off the terminal, and the message says what
is wrong (not "File does not exist or is not a regular file")."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def test_garbage_mp3_gives_one_clear_line_and_no_decoder_noise(tmp_path):
    path = tmp_path / "garbage.mp3"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from app.core.audio.io import load_audio
        from app.core.errors import AccordError
        try:
            load_audio({str(path)!r})
        except AccordError as exc:
            print("ERROR", exc)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "ERROR" in proc.stdout and "garbage.mp3" in proc.stdout
    assert "possibly a pipe" not in proc.stdout and "no audio frames" in proc.stdout
    assert "mpg123" not in proc.stderr and "Illegal" not in proc.stderr and "MPEG" not in proc.stderr, proc.stderr
