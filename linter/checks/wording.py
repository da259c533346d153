"""How findings word lists, counts and values: one style for every message."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def count(number: int, noun: str) -> str:
    """`1 node`, `3 nodes`."""
    return f"{number} {plural(noun, number)}"


def plural(noun: str, number: int) -> str:
    """`namespace` for one, `namespaces` for more (or none)."""
    return noun if number == 1 else noun + "s"


def names(items: Iterable[str], limit: int = 6) -> str:
    """`` `a`, `b` and 3 more `` (or `none`)."""
    shown_items = list(items)
    if not shown_items:
        return "none"
    shown = ", ".join(f"`{i}`" for i in shown_items[:limit])
    return shown + (f" and {len(shown_items) - limit} more" if len(shown_items) > limit else "")


def alternatives(options: Iterable[str]) -> str:
    """`` `a`, `b` or `c` ``."""
    items = [f"`{o}`" for o in options]
    return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else "".join(items)


def keys(items: Iterable[Any]) -> str:
    """Sorted key names in backticks, comma-separated (or `none`)."""
    return ", ".join(f"`{k}`" for k in sorted(str(i) for i in items)) or "none"


def scalar(value: Any) -> str:
    """A scalar as YAML shows it: `true`, `null`, `30d`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def defined_by(paths_and_apps: Iterable[tuple[str, str | None]]) -> tuple[str, str]:
    """Who would create an object no enabled app deploys, in words, and how to deploy it.

    Takes (file, Application or None) pairs of the undeployed objects that define it.
    """
    pairs = list(paths_and_apps)
    apps = sorted({app for _, app in pairs if app})
    if apps:
        listed = ", ".join(f"`{a}`" for a in apps)
        return f"the disabled Application {listed}", f"Enable {listed} (have an enabled Application deploy it)"
    first = sorted(path for path, _ in pairs)[0]
    return f"`{first}` (deployed by no Application)", f"Deploy `{first}` from an enabled Application"
