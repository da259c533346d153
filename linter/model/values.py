"""The algebra of Helm values, on plain mappings: how several values documents combine.

Helm merges the files given with `-f` (and Argo CD's inline values and parameters) with
`mergeMaps`: later documents win, nested mappings merge key by key, anything else is replaced.
The result is then coalesced with the chart's own values.yaml, where a `null` removes the key.
Which documents a release gets, in which order, and what a subchart sees, is views/values.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .yamldoc import YamlPath


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`, as Helm merges value files (a later `-f` wins)."""
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = merge(current, value)
        else:
            out[key] = value
    return out


def merge_all(documents: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Several values documents, lowest precedence first, merged into one."""
    merged: dict[str, Any] = {}
    for document in documents:
        merged = merge(merged, document)
    return merged


def without_nulls(values: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing with chart defaults: a key set to null is removed."""
    return {
        key: without_nulls(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
        if value is not None
    }


def read_covers(ref: tuple[str, ...], vpath: YamlPath) -> bool:
    """Does a template's read of `ref` (`*` for any key or index) reach `vpath`: the path itself
    or one of its parents (`toYaml .Values.backup` reads all of `backup`)?"""
    return len(ref) <= len(vpath) and all(r == "*" or r == str(v) for r, v in zip(ref, vpath, strict=False))
