"""Source scans: no pickle (or anything that unpickles) and no network API in Accord's code.

`scan(root, rules, folders)` returns findings as "path:line: rule: text". Each rule is a regex applied to a
source line with comments and string literals left in (a docstring that *talks* about pickles is fine
because the patterns match calls and imports, not words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# Anything that can execute code while loading data.
PICKLE_RULES = {
    "imports pickle": re.compile(r"^\s*(import|from)\s+(c?[Pp]ickle|_pickle|dill|cloudpickle|shelve|joblib|marshal)\b"),
    "pickle.load": re.compile(r"\b(c?pickle|_pickle|dill|cloudpickle|marshal)\.loads?\s*\("),
    "allow_pickle=True": re.compile(r"allow_pickle\s*=\s*True"),
    "joblib.load": re.compile(r"\bjoblib\.load\s*\("),
    "torch.load": re.compile(r"\btorch\.load\s*\("),
    "np.load without allow_pickle=False": re.compile(r"\b(np|numpy)\.load\s*\((?!.*allow_pickle\s*=\s*False)"),
    "pandas read_pickle": re.compile(r"\bread_pickle\s*\("),
    # music21 loads a cached pickle of a parsed file unless forceSource=True (and writes one unless
    # storePickle=False): its cache lives in a shared temp folder anyone could plant a pickle in.
    "music21 parse without forceSource=True": re.compile(r"\bconverter\.parse(File)?\s*\((?!.*forceSource\s*=\s*True)"),
}

# Tests may *write* a pickle to check that Accord refuses it; they must never load one.
TEST_PICKLE_RULES = {k: v for k, v in PICKLE_RULES.items() if k not in ("imports pickle",)}

NETWORK_RULES = {
    "requests": re.compile(r"^\s*(import|from)\s+(requests|httpx|aiohttp|urllib3|websocket|websockets)\b"),
    "urllib.request": re.compile(r"\burllib\.request\b|^\s*from\s+urllib\s+import\s+request\b"),
    "http.client": re.compile(r"\bhttp\.client\b|^\s*from\s+http\s+import\s+client\b"),
    "socket": re.compile(r"^\s*(import|from)\s+socket\b|\bsocket\.(socket|create_connection|getaddrinfo)\s*\("),
    "QtNetwork": re.compile(r"\bQtNetwork\b|\bQNetworkAccessManager\b|\bQTcpSocket\b|\bQUdpSocket\b"),
    "ftplib/smtplib": re.compile(r"^\s*(import|from)\s+(ftplib|smtplib|xmlrpc|telnetlib)\b"),
    "webbrowser": re.compile(r"^\s*(import|from)\s+webbrowser\b"),
}


def scan(root: Path, rules: dict[str, re.Pattern], folders: Iterable[str], *,
         skip: Iterable[Path] = ()) -> list[str]:
    skipped = {p.resolve() for p in skip}
    findings = []
    for folder in folders:
        base = root / folder
        if not base.exists():
            continue
        for path in sorted(base.rglob("*.py")):
            if path.resolve() in skipped or ".venv" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                for name, rule in rules.items():
                    if rule.search(line):
                        findings.append(f"{path.relative_to(root)}:{n}: {name}: {line.strip()[:100]}")
    return findings
