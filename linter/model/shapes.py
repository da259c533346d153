"""Defensive views of YAML data: a field of the wrong type reads as empty instead of crashing.

YAML from the repo can hold anything (`metadata: foo`, `resources: 5`); loaders and checks use
these where they expect a mapping or a list, and the schema rules (KV) report the wrong type.
"""

from __future__ import annotations

from typing import Any


def as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def metadata(data: Any) -> dict[Any, Any]:
    return as_dict(as_dict(data).get("metadata"))


def annotations_of(data: Any) -> dict[Any, Any]:
    return as_dict(metadata(data).get("annotations"))


def templated(data: Any) -> bool:
    """Does the data hold a Go template (`{{ ... }}`) that a chart passes through `tpl`: values
    that are not checkable as written, and that can read any other value."""
    return "{{" in repr(data)
