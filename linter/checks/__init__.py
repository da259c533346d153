"""The explicit registry of checks: name → Check. Rules (data under rules/) name a check here."""

from __future__ import annotations

from . import charts, cnpg, loading, meta, placement, schema, secrets, storage_classes
from .base import Check

REGISTRY: dict[str, Check] = {check.name: check for module in (loading, meta, storage_classes, secrets, charts, cnpg, schema, placement) for check in module.CHECKS}

__all__ = ["Check", "REGISTRY"]
