"""Apply suppressions: inline comments, resource annotations, config ignores (reasons, expiry).

Suppressed findings stay in the result, marked, so JSON and SARIF can show them; text hides
them. A suppression without a reason (LN002), one that matches nothing (LN001) and an expired
config ignore (LN003) are reported by the caller from the Outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from ..core.globs import any_match
from ..core.selectors import selects
from ..model import Config, Finding, Location, PathIgnore, RepoModel, Rule, Suppression, Violation


def covers(suppression: Suppression, finding: Finding) -> bool:
    if not any(selects(rule, finding.rule, finding.name) for rule in suppression.rules):
        return False
    if suppression.resource is not None:
        return finding.resource == suppression.resource
    here = finding.location
    return here.path == suppression.location.path and here.line in (
        suppression.location.line,
        suppression.location.line + 1,
    )


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    unused: list[Suppression]
    unexplained: list[Suppression]  # no reason given
    expired: list[tuple[int, str]]  # (index of the config ignore, expiry date)


def apply(
    findings: list[Finding],
    suppressions: list[Suppression],
    config_ignores: Iterable[PathIgnore],
    today: date,
    app_of: Mapping[str, str | None],
) -> Outcome:
    """Mark findings suppressed (they stay in JSON/SARIF, hidden in text)."""
    used: set[int] = set()
    expired: list[tuple[int, str]] = []
    active: list[PathIgnore] = []
    for index, entry in enumerate(config_ignores):
        if entry.expires and entry.expires < today.isoformat():
            expired.append((index, entry.expires))
        else:
            active.append(entry)
    out = []
    for finding in findings:
        reason, by = _config_reason(finding, active, app_of), "config"
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


def _config_reason(finding: Finding, ignores: list[PathIgnore], app_of: Mapping[str, str | None]) -> str | None:
    for entry in ignores:
        if entry.rules and not any(selects(r, finding.rule, finding.name) for r in entry.rules):
            continue
        in_paths = bool(entry.paths) and any_match(entry.paths, finding.location.path)
        in_apps = bool(entry.apps) and app_of.get(finding.location.path) in entry.apps
        if in_paths or in_apps:
            return entry.reason
    return None


def suppress(
    findings: list[Finding], model: RepoModel, config: Config, rules: Sequence[Rule], today: date
) -> list[Finding]:
    """Apply every suppression, then add the LN findings about the suppressions themselves."""
    outcome = apply(findings, list(model.suppressions), config.ignore_paths, today, app_of(model))
    by_check = {rule.check: rule for rule in rules}
    config_file = config.source or ".m0sh1-lint.yaml"
    meta: list[tuple[str, Violation]] = []
    meta += [
        ("suppression-unused", Violation(s.location, {"rules": ", ".join(s.rules)}, s.resource)) for s in outcome.unused
    ]
    meta += [
        ("suppression-unexplained", Violation(s.location, {"rules": ", ".join(s.rules)}, s.resource))
        for s in outcome.unexplained
    ]
    meta += [
        ("suppression-expired", Violation(Location(config_file), {"rules": f"ignorePaths[{i}]", "expires": when}))
        for i, when in outcome.expired
    ]
    result = list(outcome.findings)
    result += [by_check[check].finding(violation) for check, violation in meta if check in by_check]
    return sorted(result, key=Finding.sort_key)


def app_of(model: RepoModel) -> dict[str, str | None]:
    """File → the Application that deploys what it describes (for per-app ignores)."""
    apps: dict[str, str | None] = {}
    for rendering in sorted(model.renderings, key=lambda r: (not r.deployed, r.app or "")):
        for layer in rendering.values:
            if layer.doc is not None:
                apps.setdefault(layer.doc.path, rendering.app)
    for resource in model.resources:
        apps.setdefault(resource.doc.path, resource.app)
    return apps
