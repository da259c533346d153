"""Schema validation (KV): core objects with kubernetes-validate, custom resources with schemas/crds/."""

from __future__ import annotations

from .base import Check

CHECKS: list[Check] = []
