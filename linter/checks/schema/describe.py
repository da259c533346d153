"""jsonschema errors turned into findings' words: what is wrong with which field, and the fix."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema

from ...core.suggest import close_matches
from ...model import YamlPath
from ..wording import plural

_MAX_SHOWN = 60  # characters of a value quoted in a message


@dataclass(frozen=True)
class Issue:
    path: YamlPath  # the field the message names
    at: YamlPath  # an existing node to point at (the parent of a missing field)
    problem: str  # "`spec.replicas` is a string (`"two"`), expected an integer"
    fix: str  # imperative, no final period: "Make `spec.replicas` an integer"
    unknown: bool = False  # an unknown field (KV003/KV004) rather than a violation
    missing: bool = False  # a required field that is absent
    suggestions: tuple[str, ...] = ()


def issues_as_json(found: list[Issue]) -> list[list[Any]]:
    """Issues as JSON, for the chart cache to keep between runs (a fetched chart renders the same
    objects every run, and validating a thousand of them is a large part of a warm run)."""
    return [[list(i.path), list(i.at), i.problem, i.fix, i.unknown, i.missing, list(i.suggestions)] for i in found]


def issues_from_json(data: Any) -> list[Issue] | None:
    """Issues issues_as_json kept; None when `data` is not that (a damaged cache entry)."""
    if not isinstance(data, list):
        return None
    out = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 7):
            return None
        path, at, problem, fix, unknown, missing, suggestions = item
        if not (_ypath(path) and _ypath(at) and isinstance(problem, str) and isinstance(fix, str)):
            return None
        if not (isinstance(unknown, bool) and isinstance(missing, bool) and isinstance(suggestions, list)):
            return None
        if not all(isinstance(s, str) for s in suggestions):
            return None
        out.append(Issue(tuple(path), tuple(at), problem, fix, unknown, missing, tuple(suggestions)))
    return out


def _ypath(data: Any) -> bool:
    return isinstance(data, list) and all(
        isinstance(p, str) or (isinstance(p, int) and not isinstance(p, bool)) for p in data
    )


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def show(value: Any) -> str:
    """A scalar as it reads in JSON, in backticks: `"two"`, `3`, `true`."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return f"`{text}`"


def _is_a(value: Any) -> str:
    """`a string (`"two"`)`, `a mapping`: what the value is, with the scalar itself."""
    kind = _TYPE_NAMES.get(_type_of(value), _type_of(value))
    return kind if isinstance(value, (dict, list)) or value is None else f"{kind} ({show(value)})"


def _types(value: Any) -> list[str]:
    types = value if isinstance(value, list) else [value]
    return [str(t) for t in types if t != "null"]


def _expected(schema: Any, fallback: str) -> str:
    """What a field should be: the schema's `x-expected` text, else `fallback`."""
    if isinstance(schema, dict) and isinstance(schema.get("x-expected"), str):
        return str(schema["x-expected"])
    return fallback


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def field_path(path: YamlPath) -> str:
    """Like model.format_path, but keys with dots or slashes (labels, annotations, parameters)
    are bracketed so the path stays unambiguous: metadata.labels["app.kubernetes.io/name"]."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif _PLAIN_KEY.match(str(step)):
            out += f".{step}" if out else str(step)
        else:
            out += f"[{json.dumps(str(step))}]"
    return out


def _field(path: YamlPath) -> str:
    return f"`{field_path(path)}`" if path else "the object"


def _scalar_types(subschemas: Iterable[Any]) -> list[str] | None:
    """["string", "integer"] when every alternative is a bare type (IntOrString, Quantity)."""
    found: list[str] = []
    for sub in subschemas:
        if not isinstance(sub, dict) or set(sub) - {"type", "description"} or "type" not in sub:
            return None
        found += [t for t in _types(sub["type"]) if t not in found]
    return found


def issues(validator: Any, data: Any) -> list[Issue]:
    """Every problem `validator` finds in `data`, as issues, in a stable order without repeats."""
    out: dict[tuple[YamlPath, str, bool], Issue] = {}
    for error in validator.iter_errors(data):
        for issue in _describe(error):
            out.setdefault((issue.path, issue.problem, issue.unknown), issue)
    return sorted(out.values(), key=lambda i: (tuple(str(p) for p in i.path), i.problem))


def _describe(error: jsonschema.ValidationError) -> Iterator[Issue]:
    path: YamlPath = tuple(error.absolute_path)
    value: Any = error.instance
    keyword: Any = error.validator
    expected: Any = error.validator_value
    schema: Any = error.schema
    field = _field(path)
    if value is None and keyword not in ("required", "additionalProperties"):
        return  # Kubernetes treats an explicit null as an omitted field (CRDs prune it)
    if keyword == "additionalProperties" and expected is False and isinstance(value, dict):
        allowed = sorted(str(k) for k in (schema.get("properties") or {}))
        patterns = list(schema.get("patternProperties") or {})
        for key in value:
            if key in allowed or any(re.search(p, str(key)) for p in patterns):
                continue
            child = (*path, key)
            close = close_matches(str(key), allowed)
            yield Issue(
                child,
                child,
                f"unknown field {_field(child)}",
                f"Remove {_field(child)}, or correct its name or indentation",
                unknown=True,
                suggestions=close,
            )
        return
    if keyword == "required" and isinstance(value, dict):
        for name in expected:
            if name not in value:
                child = (*path, name)
                yield Issue(
                    child, path, f"required field {_field(child)} is missing", f"Add {_field(child)}", missing=True
                )
        return
    if keyword == "type":
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in _types(expected))
        yield Issue(
            path, path, f"{field} is {_is_a(value)}, expected {wanted}", f"Make {field} {_expected(schema, wanted)}"
        )
        return
    if keyword == "enum":
        options = ", ".join(f"`{o}`" if o != "" else '`""`' for o in expected)
        close = close_matches(str(value), [str(o) for o in expected], limit=1)
        yield Issue(
            path,
            path,
            f"{field} is {show(value)}, expected one of {options}",
            f"Use one of {options} for {field}",
            suggestions=close,
        )
        return
    if keyword in ("oneOf", "anyOf"):
        types = _scalar_types(expected)
        if types:
            wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
            yield Issue(path, path, f"{field} is {_is_a(value)}, expected {wanted}", f"Make {field} {wanted}")
            return
    if keyword == "pattern":
        yield Issue(
            path,
            path,
            f"{field} is {show(value)}, which does not match `{expected}`",
            f"Make {field} {_expected(schema, f'match `{expected}`')}",
        )
        return
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words, bound = {
            "minimum": ("below the minimum", "at least"),
            "exclusiveMinimum": ("not above", "above"),
            "maximum": ("above the maximum", "at most"),
            "exclusiveMaximum": ("not below", "below"),
        }[keyword]
        yield Issue(path, path, f"{field} is {show(value)}, {words} {expected}", f"Make {field} {bound} {expected}")
        return
    if keyword in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        unit = {"Length": "character", "Items": "item", "Properties": "entry"}[re.sub(r"^(min|max)", "", keyword)]
        bound = "at least" if keyword.startswith("min") else "at most"
        size = len(value) if isinstance(value, (str, list, dict)) else "?"
        if size == 0 and keyword.startswith("min"):
            yield Issue(path, path, f"{field} is empty", f"Give {field} a value")
            return
        yield Issue(
            path,
            path,
            f"{field} has {size} {plural(unit, 1 if size == 1 else 2)}, expected {bound} {expected}",
            f"Give {field} {bound} {expected} {plural(unit, 1 if expected == 1 else 2)}",
        )
        return
    if keyword is None or (keyword == "not" and expected == {}):  # `false` / `not: {}`: a forbidden field
        reason = schema.get("x-reason") if isinstance(schema, dict) else None
        yield Issue(path, path, f"{field} is not allowed here" + (f" ({reason})" if reason else ""), f"Remove {field}")
        return
    if keyword == "not":
        yield Issue(
            path,
            path,
            f"{field} is {show(value)}, which is not allowed",
            f"Make {field} {_expected(schema, 'a different value')}",
        )
        return
    if keyword == "const":
        yield Issue(
            path, path, f"{field} is {show(value)}, expected {show(expected)}", f"Set {field} to {show(expected)}"
        )
        return
    yield Issue(path, path, f"{field}: {error.message}", f"Fix {field}")
