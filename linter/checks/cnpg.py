"""CloudNativePG rules (PG): backups, plugin wiring, scheduled backups, parameters, recovery."""

from __future__ import annotations

from .base import Check

CHECKS: list[Check] = []
