"""The `field` template: a field at a path, over selected objects (or their pod specs or
containers), must exist, be absent, match a pattern or an enum, lie in a range, or come with
other fields.

A rule lists one or more `fields` entries; each entry names its selection (`kinds`, `scope`),
the path (`at`, relative to the selected node; `[*]` expands lists) and at least one assertion
(`required`, `forbidden`, `pattern`, `enum`, `minimum`/`maximum`, `requiredWith`).
A value of the wrong type (a mapping where a string belongs) is left to schema validation (KV).

Message fields: `kind`, `name`, `namespace` (the object), `field` (the path in the object),
`value` (as written; empty when missing), `expected` and `detail` (the entry's own texts),
`problem` (what is wrong, in words: "is missing", "is set", "does not match ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ...core.numbers import as_int
from ...core.suggest import close_matches
from ...model import Resource, Violation, YamlPath, format_path, get_path
from ...model.objpath import expand_steps, parse_path
from ...views import Views
from ..base import Check
from ..wording import scalar
from .selection import SCOPES, Scope, nodes, split_path

_WINDOW = re.compile(r"^\s*([0-9]{1,9})\s*(d|days?|w|weeks?|m|months?|y|years?)\s*$", re.I)  # no repair for more


@dataclass(frozen=True)
class FieldAssertion:
    """One field and what must hold for it."""

    at: str = field(metadata={"doc": "Path relative to the selected node; `[*]` expands lists."})
    kinds: tuple[str, ...] = field(default=(), metadata={"doc": "Kinds (`Kind` or `group/Kind`) to read."})
    scope: Scope = field(
        default="objects",
        metadata={"doc": "`objects` (the objects of `kinds`), `PodSpecs` or `Containers` (of every workload kind)."},
    )
    required: bool = field(default=False, metadata={"doc": "Report when the field is missing."})
    forbidden: bool = field(default=False, metadata={"doc": "Report when the field is set."})
    pattern: str | None = field(
        default=None, metadata={"doc": "Regex a set value must match.", "schema": {"format": "regex"}}
    )
    enum: tuple[str, ...] | None = field(default=None, metadata={"doc": "The values a set field may take."})
    minimum: float | None = field(default=None, metadata={"doc": "Smallest allowed number."})
    maximum: float | None = field(default=None, metadata={"doc": "Largest allowed number."})
    required_with: tuple[str, ...] = field(
        default=(), metadata={"doc": "Paths (relative to the same node) that must be set whenever this field is."}
    )
    expected: str = field(default="", metadata={"doc": "What a valid value looks like, for the texts."})
    detail: str = field(default="", metadata={"doc": "More text for the message or hint (e.g. how to migrate)."})
    suggest: Literal["none", "enum", "retention"] = field(
        default="none",
        metadata={"doc": "Did-you-mean for a bad value: the closest `enum` value, or the `retention` window meant."},
    )

    def invalid(self) -> str | None:
        """Why the entry cannot work, checked once when the rule loads."""
        assertions = (
            self.required,
            self.forbidden,
            self.pattern,
            self.enum,
            self.minimum,
            self.maximum,
            self.required_with,
        )
        if not any(a not in (None, False, ()) for a in assertions):
            names = "required, forbidden, pattern, enum, minimum, maximum, requiredWith"
            return f"field `{self.at}` has no assertion ({names})"
        if self.scope == "objects" and not self.kinds:
            return f"field `{self.at}` selects no objects: give `kinds`, or a `scope`"
        return None


@dataclass(frozen=True)
class FieldParams:
    fields: tuple[FieldAssertion, ...] = field(metadata={"doc": "The checked fields.", "schema": {"minItems": 1}})

    def invalid(self) -> str | None:
        return next((problem for entry in self.fields if (problem := entry.invalid()) is not None), None)


def _repair_retention(value: str) -> tuple[str, ...]:
    """`30 days` → `30d`, `30D` → `30d`, `1y` → `12m`: the window the user most likely meant."""
    match = _WINDOW.match(value)
    if not match or int(match.group(1)) == 0:
        return ()
    number, unit = int(match.group(1)), match.group(2)[0].lower()
    return (f"{number * 12}m",) if unit == "y" else (f"{number}{unit}",)


def _suggestions(entry: FieldAssertion, text: str) -> tuple[str, ...]:
    if entry.suggest == "retention":
        return _repair_retention(text)
    if entry.suggest == "enum" and entry.enum:
        return close_matches(text.lower(), entry.enum)
    return ()


def _number(value: Any) -> float | None:
    if isinstance(value, float):
        return value
    number = as_int(value)
    return None if number is None else float(number)


def _value_problem(entry: FieldAssertion, value: Any) -> str | None:
    """Why a set value breaks the assertion; None when it holds."""
    if entry.forbidden:
        return "is set"
    if isinstance(value, (dict, list)):
        return None  # a type error, which schema validation (KV) reports
    text = scalar(value)
    if entry.pattern is not None and not (isinstance(value, str) and re.search(entry.pattern, value)):
        return f"does not match `{entry.pattern}`"
    if entry.enum is not None and text not in entry.enum:
        return "is not one of " + ", ".join(f"`{e}`" for e in entry.enum)
    if entry.minimum is not None or entry.maximum is not None:
        number = _number(value)
        if number is None:
            return "is not a number"
        if entry.minimum is not None and number < entry.minimum:
            return f"is below {scalar(entry.minimum)}"
        if entry.maximum is not None and number > entry.maximum:
            return f"is above {scalar(entry.maximum)}"
    return None


def _violation(
    views: Views,
    resource: Resource,
    path: YamlPath,
    entry: FieldAssertion,
    value: Any,
    problem: str,
    suggestions: tuple[str, ...] = (),
) -> Violation:
    fields = {
        "kind": resource.id.kind,
        "name": resource.id.name,
        "namespace": resource.id.namespace or "",
        "field": format_path(path),
        "value": "" if value is None else scalar(value),
        "expected": entry.expected,
        "detail": entry.detail,
        "problem": problem,
    }
    return Violation(views.locate(resource, path), fields, resource.id, suggestions)


def _check_entry(views: Views, entry: FieldAssertion) -> Iterator[Violation]:
    expanding, rest = split_path(entry.at)
    for resource, node in nodes(views, entry.kinds, entry.scope):
        base = get_path(resource.data, node)
        for holder in expand_steps(base, expanding, node):
            target = holder + tuple(rest)
            value = get_path(resource.data, target)
            if value is None:
                if entry.required:
                    yield _violation(views, resource, target, entry, None, "is missing")
                continue
            problem = _value_problem(entry, value)
            if problem is not None:
                yield _violation(views, resource, target, entry, value, problem, _suggestions(entry, scalar(value)))
            for other in entry.required_with:
                other_path = holder + tuple(parse_path(other))
                if get_path(resource.data, other_path) is None:
                    yield _violation(
                        views, resource, other_path, entry, None, f"is missing, though `{format_path(target)}` is set"
                    )


def check_field(views: Views, params: FieldParams) -> Iterator[Violation]:
    for entry in params.fields:
        yield from _check_entry(views, entry)


CHECK: Check[FieldParams] = Check(
    "field",
    check_field,
    FieldParams,
    frozenset({"kind", "name", "namespace", "field", "value", "expected", "detail", "problem"}),
    "A field at a path must exist, be absent, match a pattern or enum, lie in a range, or come with other fields.",
    template=True,
)

assert set(SCOPES) == {"objects", "PodSpecs", "Containers"}
