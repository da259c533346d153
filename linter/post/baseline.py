"""Baselines for adopting the linter on an existing repo: record today's findings, report only new ones.

Findings are matched by a fingerprint of what they are about (rule, file, object, message), not
their line, so they survive edits that shift lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.errors import LintError
from ..model import Finding

VERSION = 1


def write(path: Path, findings: list[Finding]) -> int:
    entries = sorted(
        (
            {"fingerprint": f.fingerprint(), "rule": f.rule, "file": f.location.path, "message": f.message}
            for f in findings
            if f.suppressed is None
        ),
        key=lambda e: (e["file"], e["rule"], e["message"]),
    )
    path.write_text(
        json.dumps({"version": VERSION, "tool": "m0sh1-lint", "findings": entries}, indent=2) + "\n", encoding="utf-8"
    )
    return len(entries)


def read(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(entry["fingerprint"]) for entry in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LintError(f"--baseline `{path}`: cannot read it ({exc})") from None


@dataclass(frozen=True)
class Applied:
    findings: list[Finding]
    fixed: int  # baselined findings that no longer occur


def apply(findings: list[Finding], known: set[str]) -> Applied:
    seen: set[str] = set()
    out = []
    for finding in findings:
        mark = finding.fingerprint()
        if finding.suppressed is None and mark in known:
            seen.add(mark)
            finding = replace(finding, suppressed="baseline", suppressed_by="baseline")
        out.append(finding)
    return Applied(out, len(known - seen))
