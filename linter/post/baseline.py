"""Baselines for adopting the linter on an existing repo: record today's findings, report only new ones.

Findings are matched by a fingerprint of what they are about (rule, file, object, message), not
their line, so they survive edits that shift lines.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.errors import LintError
from ..core.reading import NotReadable, read_regular
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


MAX_BASELINE_BYTES = 64 << 20  # ~200,000 findings


def read(path: Path) -> set[str]:
    """The fingerprints a baseline file records. It is usually committed, so read as untrusted:
    bounded in size, never a device (/dev/zero), in the shape `write` gives."""
    where = f"--baseline `{path}`"
    try:
        data = json.loads(_baseline_bytes(path).decode("utf-8"))
    except NotReadable as exc:
        raise LintError(f"{where}: {exc}") from None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise LintError(f"{where}: it is not JSON as --write-baseline writes it") from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise LintError(f"{where}: it needs `findings`, a list of objects with a `fingerprint` string")
    return {e["fingerprint"] for e in entries}


def _baseline_bytes(path: Path) -> bytes:
    """A regular file, or a pipe the command line made (`--baseline <(git show main:b.json)`:
    git cannot commit one), read up to the limit; never a device such as /dev/zero."""
    try:
        is_pipe = stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError as exc:
        raise NotReadable(f"it cannot be read ({exc.strerror or exc})") from None
    if not is_pipe:
        return read_regular(path, MAX_BASELINE_BYTES)
    with open(path, "rb") as pipe:
        data = pipe.read(MAX_BASELINE_BYTES + 1)
    if len(data) > MAX_BASELINE_BYTES:
        raise NotReadable(f"it holds more than the {MAX_BASELINE_BYTES}-byte limit")
    return data


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
