"""Which rules run: --select / --ignore and the config's select / ignore / severity, validated."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..core.errors import LintError
from ..core.suggest import closest
from ..model import Config, Rule, Severity


def validate_selectors(selectors: Iterable[str], rules: Sequence[Rule], where: str) -> None:
    known = [r.id for r in rules] + [r.name for r in rules]
    for selector in selectors:
        if not any(rule.selected_by(selector) for rule in rules):
            close = closest(selector, known)
            tip = f" (did you mean `{close}`?)" if close else ""
            raise LintError(f"{where}: unknown rule `{selector}`{tip}")


def select_rules(
    rules: Sequence[Rule], config: Config, select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()
) -> list[Rule]:
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
        if chosen and not any(rule.selected_by(s) for s in chosen):
            continue
        if not rule.enabled and not any(s in (rule.id, rule.name) for s in chosen):
            continue
        if any(rule.selected_by(s) for s in dropped):
            continue
        override = next((v for k, v in config.severity.items() if rule.selected_by(k)), None)
        selected.append(replace(rule, severity=Severity(override)) if override else rule)
    return selected
