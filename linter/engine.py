"""Load and validate rules, run their checks over the inventory, turn violations into findings."""

from __future__ import annotations

import difflib
import os
import string
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

from .checks import REGISTRY
from .config import Config
from .errors import LintError
from .findings import Finding, Severity, Violation
from .model import Location
from . import suppress
from .inventory import Inventory
from .loaders.yaml import decode, parse_documents
from .resources import rules_dir, schema
from .selectors import selects
from .schema_errors import first_error


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    summary: str
    severity: Severity
    check: str
    params: Mapping[str, Any]
    message: str
    hint: str
    docs: Mapping[str, Any]
    fixable: bool
    aliases: tuple[str, ...]
    source: str
    enabled: bool = True  # False: opt-in, runs only when selected by id or name

    @property
    def family(self) -> str:
        return self.id[:2]


@dataclass(frozen=True)
class Catalog:
    """Everything under the rule directories: rules, and the secret producer/reference specs."""

    rules: list[Rule]
    producers: list[Mapping[str, Any]]
    references: list[Mapping[str, Any]]


# Files under rule directories that are not rules say what they are with `kind:`.
SPEC_SCHEMAS = {"SecretProducer": "secret-producer.schema.json", "SecretReference": "secret-reference.schema.json"}


def load_catalog(extra_dirs: Iterable[Path] = ()) -> Catalog:
    """Every rule and spec file under the bundled rules/ and the config's ruleDirs, validated."""
    rules: dict[str, Rule] = {}
    specs: dict[str, list[Mapping[str, Any]]] = {kind: [] for kind in SPEC_SCHEMAS}
    for directory in (rules_dir(), *extra_dirs):
        if not directory.is_dir():
            raise LintError(f"{directory}: rule directory does not exist")
        for path in sorted(directory.rglob("*.yaml")):
            data = _read(path)
            if isinstance(data, dict) and data.get("kind") in SPEC_SCHEMAS:
                specs[data["kind"]].append(_spec(path, data))
                continue
            rule = _load_rule(path, data)
            if rule.id in rules:
                raise LintError(f"{path}: rule id {rule.id} is already used by {rules[rule.id].source}")
            rules[rule.id] = rule
    names = [r.name for r in rules.values()]
    if len(names) != len(set(names)):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise LintError(f"rule name `{duplicate}` is used by two rules")
    return Catalog(sorted(rules.values(), key=lambda r: r.id), specs["SecretProducer"], specs["SecretReference"])


def load_rules(extra_dirs: Iterable[Path] = ()) -> list[Rule]:
    return load_catalog(extra_dirs).rules


def _read(path: Path) -> Any:
    text = decode(path.read_bytes())
    docs, problems = parse_documents(text or "", str(path))
    if text is None or problems or not docs:
        reason = problems[0].fields.get("reason", "invalid YAML") if problems else "empty or not UTF-8"
        raise LintError(f"{path}: cannot read rule: {reason}")
    return docs[0].data


def _spec(path: Path, data: dict) -> Mapping[str, Any]:
    error = first_error(schema(SPEC_SCHEMAS[data["kind"]]), data)
    if error:
        raise LintError(f"{path}: invalid {data['kind']}: {error}")
    return data


def _load_rule(path: Path, data: Any) -> Rule:
    error = first_error(schema("rule.schema.json"), data)
    if error:
        raise LintError(f"{path}: invalid rule: {error}")
    check = REGISTRY.get(data["check"])
    if check is None:
        close = difflib.get_close_matches(data["check"], list(REGISTRY), n=1)
        tip = f" (did you mean `{close[0]}`?)" if close else ""
        raise LintError(f"{path}: check: unknown check `{data['check']}`{tip}")
    params = data.get("params") or {}
    error = first_error(dict(check.params_schema), params)
    if error:
        raise LintError(f"{path}: params: {error}")
    for key in ("message", "hint"):
        for field in template_fields(data[key]):
            if field not in check.fields:
                close = difflib.get_close_matches(field, sorted(check.fields), n=1)
                tip = f" (did you mean `{close[0]}`?)" if close else f" (available: {', '.join(sorted(check.fields))})"
                raise LintError(f"{path}: {key}: unknown field `{{{field}}}`{tip}")
    return Rule(
        data["id"], data["name"], data["summary"], Severity(data["severity"]), data["check"], params,
        data["message"], data["hint"], data["docs"], bool(data.get("fixable", False)),
        tuple(data.get("aliases") or ()), str(path), bool(data.get("enabled", True)),
    )


def template_fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


# --- selection ------------------------------------------------------------------------------


def _matches(selector: str, rule: Rule) -> bool:
    return selects(selector, rule.id, rule.name, rule.aliases)


def validate_selectors(selectors: Iterable[str], rules: list[Rule], where: str) -> None:
    known = [r.id for r in rules] + [r.name for r in rules]
    for selector in selectors:
        if not any(_matches(selector, rule) for rule in rules):
            close = difflib.get_close_matches(selector, known, n=1)
            tip = f" (did you mean `{close[0]}`?)" if close else ""
            raise LintError(f"{where}: unknown rule `{selector}`{tip}")


def select_rules(rules: list[Rule], config: Config, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> list[Rule]:
    """Command-line --select replaces the config's select; --ignore adds to its ignore."""
    source = config.source or ".m0sh1-lint.yaml"
    validate_selectors(config.select, rules, f"{source}: select")
    validate_selectors(config.ignore, rules, f"{source}: ignore")
    validate_selectors(config.severity, rules, f"{source}: severity")
    for entry in config.ignore_paths:
        validate_selectors(entry.rules, rules, f"{source}: ignorePaths.rules")
    validate_selectors(select, rules, "--select")
    validate_selectors(ignore, rules, "--ignore")
    chosen = select or config.select
    dropped = ignore + config.ignore
    selected = []
    for rule in rules:
        if chosen and not any(_matches(s, rule) for s in chosen):
            continue
        if not rule.enabled and not any(s in (rule.id, rule.name) for s in chosen):
            continue
        if any(_matches(s, rule) for s in dropped):
            continue
        override = next((v for k, v in config.severity.items() if _matches(k, rule)), None)
        selected.append(replace(rule, severity=Severity(override)) if override else rule)
    return selected


# --- running --------------------------------------------------------------------------------


class _Fields(dict):
    """Missing template fields render as `?` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


def to_finding(rule: Rule, violation: Violation) -> Finding:
    fields = _Fields(violation.fields)
    return Finding(
        rule.id, rule.name, rule.severity, violation.location,
        rule.message.format_map(fields), rule.hint.format_map(fields),
        violation.suggestions, violation.resource, violation.fix, related=violation.related,
    )


def run(inventory: Inventory, rules: list[Rule], today: date | None = None) -> list[Finding]:
    """Run every selected rule, then apply suppressions; LN rules report on the suppressions."""
    findings: dict[tuple, Finding] = {}
    crashed: list[tuple[Rule, Exception]] = []
    for rule in rules:
        check = REGISTRY[rule.check]
        try:
            for violation in check.run(inventory, rule.params):
                finding = to_finding(rule, violation)
                findings.setdefault(finding.sort_key(), finding)  # one chart rendered twice: report once
        except Exception as exc:  # noqa: BLE001 - a bug on odd input: say so, keep the other rules' results
            if os.environ.get("M0SH1_LINT_DEBUG"):
                raise
            crashed.append((rule, exc))
    model = inventory.model
    outcome = suppress.apply(_specific_first(sorted(findings.values(), key=Finding.sort_key)), list(model.suppressions),
                             inventory.config.ignore_paths, today or date.today(), _app_of(inventory))
    result = list(outcome.findings)
    by_check = {rule.check: rule for rule in rules}
    config_file = inventory.config.source or ".m0sh1-lint.yaml"
    meta: list[tuple[str, Violation]] = []
    meta += [("suppression-unused", Violation(s.location, {"rules": ", ".join(s.rules)}, s.resource)) for s in outcome.unused]
    meta += [("suppression-unexplained", Violation(s.location, {"rules": ", ".join(s.rules)}, s.resource)) for s in outcome.unexplained]
    meta += [("suppression-expired", Violation(Location(config_file), {"rules": f"ignorePaths[{i}]", "expires": when}))
             for i, when in outcome.expired]
    meta += [("check-crashed", Violation(Location("."), {"rule": rule.id, "error": f"{type(exc).__name__}: {exc}"[:200]}))
             for rule, exc in crashed]
    for check_name, violation in meta:
        if check_name in by_check:
            result.append(to_finding(by_check[check_name], violation))
    return sorted(result, key=Finding.sort_key)


SCHEMA_FAMILY = "KV"


def _specific_first(findings: list[Finding]) -> list[Finding]:
    """Drop a schema (KV) finding on a line where a domain rule already reports: the domain rule
    says the same thing with the fix (PG002 explains `30 days` where KV002 only sees a pattern)."""
    def spot(f: Finding) -> tuple:
        return (f.location.path, f.location.line, f.resource)

    domain = {spot(f) for f in findings if not f.rule.startswith(SCHEMA_FAMILY)}
    return [f for f in findings if not (f.rule.startswith(SCHEMA_FAMILY) and spot(f) in domain)]


def _app_of(inventory: Inventory) -> dict[str, str | None]:
    """File → the Application that deploys what it describes (for per-app ignores)."""
    apps: dict[str, str | None] = {}
    for rendering in sorted(inventory.model.renderings, key=lambda r: (not r.deployed, r.app or "")):
        for layer in rendering.values:
            if layer.doc is not None:
                apps.setdefault(layer.doc.path, rendering.app)
    for resource in inventory.model.resources:
        apps.setdefault(resource.doc.path, resource.app)
    return apps
