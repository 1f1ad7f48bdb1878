"""One of several processes writing the same catalogue at once (test_concurrency.py).

    python -m tests.reliability.concurrent_writer CATALOGUE TAG COUNT

Adds COUNT works (each with a consent grant, and every third one revoked again), printing `ack <id>` after
each commit returned; a CatalogueError (busy) is printed as `error <message>` and the loop goes on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.core.catalogue.store import Catalogue
from app.core.errors import CatalogueError
from tests.reliability.builders import melody_for


def main(path: str, tag: str, count: int) -> int:
    with Catalogue.open(Path(path)) as cat:
        print("started", flush=True)
        for i in range(count):
            try:
                wid = cat.add_work(melody_for(i, 40), title=f"{tag}-{i}", sha256=os.urandom(32).hex())
                cat.record_consent(wid, "grant")
                if i % 3 == 0:
                    cat.record_consent(wid, "revoke", note=f"{tag} changed their mind")
                print(f"ack {wid} {'revoked' if i % 3 == 0 else 'granted'}", flush=True)
            except CatalogueError as exc:
                print(f"error {exc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
