"""The explicit registry of checks and templates: name → Check. Rules (rules/) name one here."""

from __future__ import annotations

from collections.abc import Iterable

from . import charts, cnpg, loading, meta, placement, schema, secrets, storage, unread_values
from .base import AnyCheck
from .templates import field, reference


def _registry(checks: Iterable[AnyCheck]) -> dict[str, AnyCheck]:
    out: dict[str, AnyCheck] = {}
    for check in checks:
        if check.name in out:
            raise ValueError(f"two checks are named `{check.name}`")
        out[check.name] = check
    return out


TEMPLATES: tuple[AnyCheck, ...] = (field.CHECK, reference.CHECK)
REGISTRY: dict[str, AnyCheck] = _registry(
    [
        *TEMPLATES,
        *loading.CHECKS,
        *meta.CHECKS,
        *storage.CHECKS,
        *secrets.CHECKS,
        *charts.CHECKS,
        *unread_values.CHECKS,
        *cnpg.CHECKS,
        *schema.CHECKS,
        *placement.CHECKS,
    ]
)
