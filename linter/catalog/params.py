"""Check parameters are dataclasses: one definition gives the JSON Schema rule files are
validated against, the typed object the check receives, and the documentation.

Rule files spell parameters in camelCase (`ignoreFiles`); the dataclass fields are snake_case
(`ignore_files`). Supported field types: str, int, float, bool, Literal[...], tuple[T, ...],
T | None, Mapping[str, str], and nested parameter dataclasses. A field's `metadata` may carry
`doc` (a description) and `schema` (extra JSON Schema keywords such as `pattern`).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_HINTS: dict[type, dict[str, Any]] = {}  # schema_of and parse each ask for every rule's class


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _is_optional(hint: Any) -> tuple[bool, Any]:
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(get_args(hint)) == 2:
            return True, args[0]
    return False, hint


def _type_schema(hint: Any) -> dict[str, Any]:
    optional, inner = _is_optional(hint)
    if optional:
        return _type_schema(inner)
    origin = get_origin(inner)
    if inner is str:
        return {"type": "string"}
    if inner is bool:
        return {"type": "boolean"}
    if inner is int:
        return {"type": "integer"}
    if inner is float:
        return {"type": "number"}
    if origin is Literal:
        return {"enum": list(get_args(inner))}
    if origin is tuple:
        args = get_args(inner)
        return {"type": "array", "items": _type_schema(args[0])}
    if origin in (Mapping, dict):
        return {"type": "object", "additionalProperties": _type_schema(get_args(inner)[1])}
    if dataclasses.is_dataclass(inner):
        return schema_of(inner)  # type: ignore[arg-type]
    raise TypeError(f"unsupported parameter type {inner!r}")


def schema_of(cls: type) -> dict[str, Any]:
    """The JSON Schema of a parameter dataclass (additionalProperties: false, camelCase keys)."""
    hints = _hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for spec in dataclasses.fields(cls):
        prop = {**_type_schema(hints[spec.name]), **spec.metadata.get("schema", {})}
        if spec.metadata.get("doc"):
            prop["description"] = spec.metadata["doc"]
        properties[camel(spec.name)] = prop
        if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            required.append(camel(spec.name))
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _convert(hint: Any, value: Any) -> Any:
    optional, inner = _is_optional(hint)
    if value is None and optional:
        return None
    origin = get_origin(inner)
    if origin is tuple:
        item = get_args(inner)[0]
        return tuple(_convert(item, v) for v in value)
    if origin in (Mapping, dict):
        return {str(k): _convert(get_args(inner)[1], v) for k, v in value.items()}
    if dataclasses.is_dataclass(inner):
        return parse(inner, value)  # type: ignore[arg-type]
    if inner is float and isinstance(value, int):
        return float(value)
    return value


def parse(cls: type[T], raw: Mapping[str, Any]) -> T:
    """A parameter dataclass from already schema-validated rule-file data."""
    hints = _hints(cls)
    names = {camel(f.name): f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {names[key]: _convert(hints[names[key]], value) for key, value in raw.items()}
    return cls(**values)


def describe(cls: type) -> list[tuple[str, str, str, str]]:
    """(name, type, default, description) rows for the documentation of a parameter dataclass."""
    hints = _hints(cls)
    rows = []
    for spec in dataclasses.fields(cls):
        if spec.default is not dataclasses.MISSING:
            default = _shown(spec.default)
        elif spec.default_factory is not dataclasses.MISSING:
            default = _shown(spec.default_factory())
        else:
            default = "required"
        rows.append((camel(spec.name), _type_name(hints[spec.name]), default, str(spec.metadata.get("doc", ""))))
    return rows


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]" if value else "`[]`"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f'`"{value}"`' if value == "" else f"`{value}`"


def _type_name(hint: Any) -> str:
    optional, inner = _is_optional(hint)
    origin = get_origin(inner)
    if origin is Literal:
        text = "one of " + ", ".join(_shown(a) for a in get_args(inner))
    elif origin is tuple:
        text = f"list of {_type_name(get_args(inner)[0])}"
    elif origin in (Mapping, dict):
        text = f"map of {_type_name(get_args(inner)[1])}"
    elif dataclasses.is_dataclass(inner):
        text = "object: " + ", ".join(f"`{camel(f.name)}`" for f in dataclasses.fields(inner))
    else:
        text = getattr(inner, "__name__", str(inner))
    return text + (" (optional)" if optional else "")
