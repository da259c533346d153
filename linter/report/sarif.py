"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .. import DOCS_URL, __version__
from ..catalog.docs import docs_url, rule_markdown
from ..model import Finding, Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.docs["what"].split())},
        "help": {"text": " ".join(rule.docs["how"].split()), "markdown": rule_markdown(rule)},
        **({"helpUri": url} if (url := docs_url(rule)) else {}),
        "defaultConfiguration": {"level": LEVEL[rule.severity.value]},
        "properties": {"tags": [rule.family], "precision": "high"},
    }


def _result(finding: Finding, index: dict[str, int], prefix: str) -> dict[str, Any]:
    loc = finding.location
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVEL[finding.severity.value],
        "message": {"text": f"{finding.message}. {finding.hint}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": prefix + loc.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": loc.line, "startColumn": loc.column},
                }
            }
        ],
        "partialFingerprints": {"m0sh1Lint/v1": finding.fingerprint()},
        "properties": {"hint": finding.hint, "suggestions": list(finding.suggestions)},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.resource:
        result["properties"]["resource"] = finding.resource.as_dict()
    if finding.clusters:
        result["properties"]["clusters"] = list(finding.clusters)
    if finding.suppressed is not None:
        kind = "inSource" if finding.suppressed_by in ("inline", "annotation") else "external"
        result["suppressions"] = [{"kind": kind, "justification": finding.suppressed}]
    return result


def render(findings: list[Finding], rules: Iterable[Rule], prefix: str = "") -> str:
    """`prefix` is the lint root's path inside the git repository, so uris match the checkout."""
    rule_list = sorted(rules, key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(rule_list)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "m0sh1-lint",
                        "version": __version__,
                        "informationUri": DOCS_URL.format(id="README"),
                        "rules": [_rule(r) for r in rule_list],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index, prefix) for f in findings],
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
