"""Turn jsonschema errors into one-line messages that name the field and the closest valid name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jsonschema

from .suggest import closest


def _field(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def describe(error: jsonschema.ValidationError) -> str:
    """`field: problem (did you mean `x`?)` for the most useful error."""
    if error.validator == "additionalProperties" and isinstance(error.schema, dict):
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extra = re.findall(r"'([^']+)'", error.message.split("(")[-1]) or ["?"]
        unknown = [e for e in extra if e not in allowed] or extra
        where = _field(error)
        parts = []
        for name in unknown:
            close = closest(name, allowed)
            tip = f" (did you mean `{close}`?)" if close else f" (valid: {', '.join(allowed)})"
            parts.append(f"unknown key `{name}` in {where}{tip}")
        return "; ".join(parts)
    if error.validator == "enum":
        values: Any = error.validator_value
        options = ", ".join(f"`{o}`" for o in values)
        close = closest(str(error.instance), [str(o) for o in values])
        tip = f" (did you mean `{close}`?)" if close else ""
        return f"{_field(error)}: `{error.instance}` is not one of {options}{tip}"
    return f"{_field(error)}: {error.message}"


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    """One compiled validator per distinct schema: rule files share theirs (57 files, one build)."""
    return jsonschema.Draft202012Validator(
        json.loads(schema_json), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def first_error(schema: dict[str, Any], instance: Any) -> str | None:
    """The message of the most relevant validation error, or None when valid."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    if validator.is_valid(instance):
        return None
    errors: Iterable[jsonschema.ValidationError] = validator.iter_errors(instance)
    best = jsonschema.exceptions.best_match(errors)
    return None if best is None else describe(best)
