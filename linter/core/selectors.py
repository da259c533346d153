"""How `--select`, `ignore`, severity overrides and suppressions name rules: one definition."""

from __future__ import annotations


def selects(selector: str, rule_id: str, name: str, aliases: tuple[str, ...] = ()) -> bool:
    """An id, a name, a former id/name, or an id prefix (`SC`, `SC00`) written in capitals."""
    return (
        selector in (rule_id, name)
        or selector in aliases
        or (selector.isalnum() and selector.isupper() and rule_id.startswith(selector))
    )
