"""Where the bundled rules/ and schemas/ live: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = _PACKAGE.parent


def _data_dir(installed_name: str, checkout_name: str) -> Path:
    """linter/_rules in an installed wheel; rules/ at the top of a checkout (editable install)."""
    inside = _PACKAGE / installed_name
    return inside if inside.is_dir() else _CHECKOUT / checkout_name


def rules_dir() -> Path:
    return _data_dir("_rules", "rules")


def schemas_dir() -> Path:
    return _data_dir("_schemas", "schemas")


@cache
def schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by file name (e.g. "rule.schema.json")."""
    loaded: dict[str, Any] = json.loads((schemas_dir() / name).read_text(encoding="utf-8"))
    return loaded
