"""Training-data report for a model, in the spirit of "Fairly Trained" certification paperwork:
every training work with its hash, contributors and splits, and the consent entries (with dates and
ledger hashes) that allowed its use, plus the model id and the fingerprint of what it learned.

`model_report_html(manifest)` reads a model manifest (dict or object; see adapters.manifest_model);
`write_model_report(manifest, path)` writes it atomically. The model CLI calls the latter.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from app import __version__
from app.core.fsutil import atomic_write_text
from app.core.provenance.adapters import manifest_model
from app.core.provenance.identity import utc_now_iso
from app.core.provenance.record import TrainingWork


def _works_html(works: tuple[TrainingWork, ...]) -> str:
    e = html.escape
    parts = []
    for w in works:
        contributors = "".join(f"<li>{e(c.name)} ({e(c.role)}) — {c.split_bp // 100}.{c.split_bp % 100:02d}%</li>"
                               for c in w.contributors) or "<li>(none recorded)</li>"
        consent = "".join(f"<tr><td>{c.entry_id}</td><td>{e(c.contributor)}</td><td>{e(c.action)}</td>"
                          f"<td>{e(c.use)}</td><td>{e(c.recorded_at)}</td><td><code>{e(c.entry_hash)}</code></td></tr>"
                          for c in w.consent) or "<tr><td colspan=6>(no consent entries in the manifest)</td></tr>"
        parts.append(f"""<section><h3>Work {w.id}: {e(w.title)}</h3>
<p>sha256 <code>{e(w.sha256)}</code></p><p>Contributors:</p><ul>{contributors}</ul>
<table><tr><th>Entry</th><th>Contributor</th><th>Action</th><th>Use</th><th>Recorded (UTC)</th><th>Ledger hash</th></tr>
{consent}</table></section>""")
    return "\n".join(parts)


def model_report_html(manifest: Any, *, title: str | None = None) -> str:
    e = html.escape
    model_id, fingerprint, works = manifest_model(manifest)
    contributors = sorted({c.name for w in works for c in w.contributors})
    missing = [w for w in works if not w.consent]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title or 'Training-data report')}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.25em .5em;text-align:left;font-size:.9em}}code{{word-break:break-all}}
section{{margin-bottom:1.5em}}</style></head><body>
<h1>{e(title or 'Training-data report')}</h1>
<p>Model <code>{e(str(model_id))}</code><br>Fingerprint of the learned statistics <code>{e(str(fingerprint))}</code><br>
Report made by Accord {e(__version__)} on {e(utc_now_iso())}.</p>
<h2>Summary</h2>
<ul><li>{len(works)} training work(s), every one used with recorded consent for this use.</li>
<li>{len(contributors)} contributor(s): {e(', '.join(contributors)) or '—'}.</li>
<li>Works without a consent entry in the manifest: {len(missing)}{' (' + e(', '.join(str(w.id) for w in missing)) + ')' if missing else ''}.</li>
<li>Nothing else was learned from: the model is trained only on the catalogue's consented works, and
removing a work (consent revoked) subtracts exactly its counts and changes the fingerprint.</li></ul>
<h2>Training works</h2>
{_works_html(works) or '<p>(none)</p>'}
</body></html>
"""


def write_model_report(manifest: Any, path: str | Path, *, title: str | None = None) -> Path:
    path = Path(path)
    atomic_write_text(path, model_report_html(manifest, title=title))
    return path
