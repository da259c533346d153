"""Run the selected rules: each check over the views, each violation worded by its rule.

A check that raises on odd input is a bug: its rule's findings are dropped and LN004 reports it,
so the other rules' results still reach the user. A schema (KV) finding on a line where a domain
rule reports on the same object is dropped: the domain rule says the same thing with the fix
(PG002 explains `30 days` where KV002 only sees a pattern).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..model import Finding, Location, Rule, Violation
from ..views import Views
from .registry import REGISTRY

SCHEMA_FAMILY = "KV"
CRASH_CHECK = "check-crashed"


def run_rules(views: Views, rules: Sequence[Rule]) -> list[Finding]:
    findings: dict[tuple[str, int, int, str, str], Finding] = {}
    crashed: list[tuple[Rule, Exception]] = []
    for rule in rules:
        check = REGISTRY[rule.check]
        try:
            produced = [rule.finding(violation) for violation in check(views, rule.params)]
        except Exception as exc:
            if os.environ.get("M0SH1_LINT_DEBUG"):
                raise
            crashed.append((rule, exc))
            continue
        for finding in produced:
            findings.setdefault(finding.sort_key(), finding)  # one chart rendered twice: report once
    result = _specific_first(sorted(findings.values(), key=Finding.sort_key))
    reporter = next((r for r in rules if r.check == CRASH_CHECK), None)
    if reporter is not None:
        for rule, error_raised in crashed:
            error = f"{type(error_raised).__name__}: {error_raised}"[:200]
            result.append(reporter.finding(Violation(Location("."), {"rule": rule.id, "error": error})))
    return sorted(result, key=Finding.sort_key)


def _specific_first(findings: list[Finding]) -> list[Finding]:
    def spot(f: Finding) -> tuple[object, ...]:
        return (f.location.path, f.location.line, f.resource)

    domain = {spot(f) for f in findings if not f.rule.startswith(SCHEMA_FAMILY)}
    return [f for f in findings if not (f.rule.startswith(SCHEMA_FAMILY) and spot(f) in domain)]
