"""Credit statement for one export: who gets what share, as HTML (to read and send) and CSV (to import).

The numbers are the record's own (`contributorShares`, `credit`), in basis points, so the statement can
never disagree with the signed file. Percentages are printed from the integers (bp / 100, two decimals).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.core.fsutil import atomic_write_text

UNATTRIBUTED_TITLE = "(unattributed: no single work; given to no contributor)"


def percent(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


def statement_csv(record: Mapping[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "name", "roles", "work_id", "work_title", "basis_points", "percent"])
    for s in record.get("contributorShares") or []:
        w.writerow(["contributor", s["name"], ";".join(s.get("roles") or []), "", "", s["bp"], percent(s["bp"])])
    titles = {w_["id"]: w_.get("title", "") for w_ in record.get("trainingWorks") or []}
    titles.setdefault(0, UNATTRIBUTED_TITLE)
    for c in record.get("credit") or []:
        w.writerow(["work", "", "", c["workId"], titles.get(c["workId"], ""), c["bp"], percent(c["bp"])])
    return buf.getvalue()


def _row(*cells: Any, tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def statement_html(record: Mapping[str, Any], *, file_name: str = "") -> str:
    e = html.escape
    model = record.get("model") or {}
    signer = record.get("signer") or {}
    content = record.get("content") or {}
    titles = {w["id"]: w.get("title", "") for w in record.get("trainingWorks") or []}
    titles.setdefault(0, UNATTRIBUTED_TITLE)
    shares = "".join(_row(s["name"], ", ".join(s.get("roles") or []), s["bp"], percent(s["bp"]))
                     for s in record.get("contributorShares") or [])
    works = "".join(_row(c["workId"], titles.get(c["workId"], ""), c["bp"], percent(c["bp"]))
                    for c in record.get("credit") or [])
    stems = "".join(_row(s["name"], "AI" if s.get("aiContent") else "human", s["sha256"])
                    for s in record.get("stems") or [])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Credit statement — {e(str(record.get('title', '')))}</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}code{{word-break:break-all}}</style></head><body>
<h1>Credit statement</h1>
<p><b>{e(str(record.get('title', '')))}</b> by {e(str(record.get('artist') or ''))}{' — file ' + e(file_name) if file_name else ''}</p>
<p>Made with Accord {e(str((record.get('app') or {}).get('version', '')))} on {e(str(record.get('createdAt', '')))}.
AI content: <b>{'yes' if record.get('aiContent') else 'no'}</b> ({e(str(record.get('digitalSourceType', '')))}).
Model <code>{e(str(model.get('id') or '—'))}</code>, fingerprint <code>{e(str(model.get('fingerprint') or '—'))}</code>.</p>
<h2>Contributor shares</h2>
<p>Derived from the suggestion's credit per training work and each work's agreed splits; basis points
(10000 = 100%), rounded by largest remainder so they add up exactly.</p>
<table>{_row('Contributor', 'Roles', 'Basis points', 'Share', tag='th')}{shares or _row('(no credited works)', '', '', '')}</table>
<h2>Credit per training work</h2>
<table>{_row('Work id', 'Title', 'Basis points', 'Share', tag='th')}{works or _row('—', '', '', '')}</table>
<h2>Stems</h2>
<table>{_row('Stem', 'Made by', 'sha256', tag='th')}{stems or _row('—', '', '')}</table>
<h2>Binding</h2>
<p>Content hash ({e(str(content.get('method', '')))}): <code>{e(str(content.get('sha256', '')))}</code><br>
Signed by {e(str(signer.get('name', '')))}, key <code>{e(str(signer.get('keyId', '')))}</code>.
Check the file with <code>accord verify</code>.</p>
</body></html>
"""


def write_statement(record: Mapping[str, Any], base: str | Path, *, file_name: str = "") -> tuple[Path, Path]:
    """Write `<base>.html` and `<base>.csv` atomically; returns both paths."""
    base = Path(base)
    html_path, csv_path = base.with_name(base.name + ".html"), base.with_name(base.name + ".csv")
    atomic_write_text(html_path, statement_html(record, file_name=file_name))
    atomic_write_text(csv_path, statement_csv(record))
    return html_path, csv_path
