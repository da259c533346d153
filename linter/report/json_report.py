"""`--format json`: the contract in schemas/findings.schema.json (keep it stable)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from .. import __version__
from ..model import Finding

FORMAT_VERSION = 1


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    active = Counter(f.severity.value for f in findings if f.suppressed is None)
    suppressed = sum(1 for f in findings if f.suppressed is not None)
    return {"error": active["error"], "warning": active["warning"], "info": active["info"], "suppressed": suppressed}


def render(findings: list[Finding], baseline_fixed: int | None = None) -> str:
    counts: dict[str, int] = dict(summary(findings))
    if baseline_fixed is not None:
        counts["baselineFixed"] = baseline_fixed
    document = {
        "version": FORMAT_VERSION,
        "tool": {"name": "m0sh1-lint", "version": __version__},
        "summary": counts,
        "findings": [f.as_dict() for f in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
