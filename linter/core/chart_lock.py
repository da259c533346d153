"""Helm's Chart.lock digest (`resolver.HashReq`): `helm dependency build` refuses a lock whose
`digest` is not the sha256 of Chart.yaml's dependencies and the lock's own entries, so a change
to any field Helm reads (condition, tags, alias, import-values) makes the lock stale even when
every version still matches.

The digest is over Go's `json.Marshal([2][]*chart.Dependency{req, lock})`: struct fields in
declaration order, empty optional fields left out, map keys sorted, and `<`, `>`, `&` escaped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

# chart.Dependency's JSON fields in Go declaration order; True: `omitempty`
_FIELDS = (
    ("name", False),
    ("version", True),
    ("repository", False),
    ("condition", True),
    ("tags", True),
    ("enabled", True),
    ("import-values", True),
    ("alias", True),
)
_TYPES: Mapping[str, type] = {"tags": list, "enabled": bool, "import-values": list}


def requirements_digest(dependencies: Sequence[Any], locked: Sequence[Any]) -> str | None:
    """`sha256:<hex>` as Helm computes it for these Chart.yaml dependencies and Chart.lock
    entries, or None when it cannot be known here: an entry Helm would not load (a number where
    it wants a string), a repository name (`@name`, which Helm resolves to its URL first), a
    float in import-values (Go prints floats its own way)."""
    encoded = [_entries(dependencies, requirements=True), _entries(locked, requirements=False)]
    if any(entries is None for entries in encoded):
        return None
    text = json.dumps(encoded, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _entries(items: Sequence[Any], requirements: bool) -> list[dict[str, Any]] | None:
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            return None
        entry = _entry(item)
        if entry is None:
            return None
        if requirements and str(entry["repository"]).startswith(("@", "alias:")):
            return None
        out.append(entry)
    return out


def _entry(item: Mapping[str, Any]) -> dict[str, Any] | None:
    entry: dict[str, Any] = {}
    for name, omit_empty in _FIELDS:
        value = item.get(name)
        if value is None and not omit_empty:
            value = ""  # name and repository: always written
        if value is None or (omit_empty and not value):
            continue
        if not isinstance(value, _TYPES.get(name, str)) or not _plain(value):
            return None
        entry[name] = _sorted_maps(value)
    return entry


def _plain(value: object) -> bool:
    """Only what Go re-encodes exactly as Python does (no floats)."""
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, bool, int))


def _sorted_maps(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted_maps(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_maps(v) for v in value]
    return value
