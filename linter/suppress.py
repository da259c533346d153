"""Suppressions: inline comments, resource annotations, config ignores (with reasons and expiry).

Inline, on the offending line or the line before it, in any file (values, templates, manifests):

    storageClass: legacy-class  # m0sh1-lint: disable=SC001 -- migrated in Q3
    {{/* m0sh1-lint: disable=SC003,SC001 -- kept for the old cluster */}}

On a resource: `metadata.annotations["m0sh1-lint.io/ignore"]: "SC001,SS001 -- reason"`.
A suppression needs a reason (LN002 otherwise) and one that matches nothing is reported (LN001).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Iterable, Mapping

from . import shapes
from .findings import Finding
from .model import Location, Resource, Suppression
from .selectors import selects

ANNOTATION = "m0sh1-lint.io/ignore"
_INLINE = re.compile(r"m0sh1-lint:\s*disable=([A-Za-z0-9_,\s-]+?)(?:\s+--\s*(.*?))?\s*(?:\*/\s*-?\}\}.*)?$")


def covers(suppression: Suppression, finding: Finding) -> bool:
    if not any(_matches(rule, finding) for rule in suppression.rules):
        return False
    if suppression.resource is not None:
        return finding.resource == suppression.resource
    here = finding.location
    return here.path == suppression.location.path and here.line in (suppression.location.line, suppression.location.line + 1)


def _matches(selector: str, finding: Finding) -> bool:
    return selects(selector, finding.rule, finding.name)


def _split(spec: str) -> tuple[tuple[str, ...], str]:
    rules, _, reason = spec.partition("--")
    return tuple(r.strip() for r in rules.split(",") if r.strip()), reason.strip()


def scan_text(path: str, text: str) -> list[Suppression]:
    """Inline suppressions in one file (cheap when the marker is absent)."""
    if "m0sh1-lint:" not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _INLINE.search(line)
        if match:
            rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
            found.append(Suppression(Location(path, number, match.start() + 1), rules, (match.group(2) or "").strip()))
    return found


def from_annotations(resources: Iterable[Resource]) -> list[Suppression]:
    found = []
    for resource in resources:
        annotations = shapes.annotations(resource.data)
        if isinstance(annotations.get(ANNOTATION), str):
            rules, reason = _split(annotations[ANNOTATION])
            location = resource.doc.location(("metadata", "annotations", ANNOTATION))
            found.append(Suppression(location, rules, reason, resource.id))
    return found


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    unused: list[Suppression]
    unexplained: list[Suppression]  # no reason given
    expired: list[tuple[int, str]]  # (index of the config ignore, expiry date)


def apply(findings: list[Finding], suppressions: list[Suppression], config_ignores: Iterable, today: date,
          app_of: Mapping[str, str | None]) -> Outcome:
    """Mark findings suppressed (they stay in JSON/SARIF, hidden in text)."""
    used: set[int] = set()
    expired: list[tuple[int, str]] = []
    active_ignores = []
    for index, entry in enumerate(config_ignores):
        if entry.expires and entry.expires < today.isoformat():
            expired.append((index, entry.expires))
        else:
            active_ignores.append(entry)
    out = []
    for finding in findings:
        reason, by = _config_reason(finding, active_ignores, app_of), "config"
        if reason is None:
            for number, suppression in enumerate(suppressions):
                if covers(suppression, finding):
                    used.add(number)
                    reason = suppression.reason or "suppressed without a reason"
                    by = "annotation" if suppression.resource is not None else "inline"
                    break
        out.append(replace(finding, suppressed=reason, suppressed_by=by) if reason is not None else finding)
    unused = [s for n, s in enumerate(suppressions) if n not in used]
    unexplained = [s for s in suppressions if not s.reason]
    return Outcome(out, unused, unexplained, expired)


def _config_reason(finding: Finding, ignores: list, app_of: Mapping[str, str | None]) -> str | None:
    from .globs import any_match

    for entry in ignores:
        if entry.rules and not any(_matches(r, finding) for r in entry.rules):
            continue
        in_paths = bool(entry.paths) and any_match(entry.paths, finding.location.path)
        in_apps = bool(entry.apps) and app_of.get(finding.location.path) in entry.apps
        if in_paths or in_apps:
            return entry.reason
    return None
