"""Where the bundled rules/ and schemas/ live: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

_CHECKOUT = Path(__file__).resolve().parent.parent


def _data_dir(package: str, checkout_name: str) -> Path:
    try:
        found = Path(str(resources.files(package)))
        if found.is_dir():
            return found
    except (ModuleNotFoundError, TypeError):
        pass
    return _CHECKOUT / checkout_name


def rules_dir() -> Path:
    return _data_dir("linter._rules", "rules")


def schemas_dir() -> Path:
    return _data_dir("linter._schemas", "schemas")


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by file name (e.g. "rule.schema.json")."""
    loaded: dict[str, Any] = json.loads((schemas_dir() / name).read_text(encoding="utf-8"))
    return loaded
