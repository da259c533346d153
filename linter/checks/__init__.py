"""The explicit registry of checks: name → Check. Rules (data under rules/) name a check here."""

from __future__ import annotations

from . import charts, cnpg, loading, schema, secrets, storage_classes
from .base import Check

REGISTRY: dict[str, Check] = {check.name: check for module in (loading, storage_classes, secrets, charts, cnpg, schema) for check in module.CHECKS}

__all__ = ["Check", "REGISTRY"]
