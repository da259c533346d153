"""Schema validation (KV): two checks, two rules each.

- `kubernetes-schema`: objects whose apiVersion/kind has a schema in kubernetes-validate for the
  config's `kubernetesVersion`: violations (KV001, `report: invalid`) and unknown fields (KV004,
  `report: unknown-field`);
- `custom-resource-schema`: custom resources against the bundled schemas/crds/: KV002 and KV003.

The validation pass runs once per run and check, shared by its two rules (`views.memo`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ... import __version__
from ...model import Location, Resource, ResourceId, Violation, YamlPath, get_path
from ...views import Views
from ..base import AnyCheck, Check
from . import lifecycle
from .describe import Issue, field_path, issues, issues_as_json, issues_from_json, show
from .validators import (
    DEFAULT_KUBERNETES_VERSION,
    custom_schemas,
    kubernetes_schema,
    kubernetes_validator,
    schema_version,
    schemas_version,
)


@dataclass(frozen=True)
class Subject:
    """One object to validate: its id, data, and how to find the line to edit for a path."""

    rid: ResourceId
    data: Any
    where: Callable[[YamlPath], Location]


def _resource_subjects(views: Views) -> Iterator[Subject]:
    inventory = views.inventory
    for resources in inventory.by_kind.values():  # what Argo CD syncs: a file nothing deploys may be a patch
        for resource in resources:
            if inventory.may_keep(resource.id):  # --changed: its schema findings depend only on its own files
                yield Subject(resource.id, resource.data, _locator(views, resource))


def _locator(views: Views, resource: Resource) -> Callable[[YamlPath], Location]:
    return lambda path: views.locate(resource, path)


def _application_subjects(views: Views) -> Iterator[Subject]:
    """Argo CD Applications that are synced or staged (they are not in model.resources)."""
    inventory = views.inventory
    for app in inventory.model.applications:
        if not (app.enabled or app.staged) or (inventory.focus is not None and app.doc.path not in inventory.focus):
            continue
        data = app.doc.data
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        rid = ResourceId(str(data.get("apiVersion")), "Application", metadata.get("namespace"), app.name)
        yield Subject(rid, data, app.doc.location)


# Where each kind keeps secret values: a Secret's data, a SealedSecret's template data (written
# in clear by mistake) and its ciphertext.
SECRET_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Secret": (("data",), ("stringData",)),
    "SealedSecret": (("spec", "template", "data"), ("spec", "template", "stringData"), ("spec", "encryptedData")),
}


def _redacted(subject: Subject, found: list[Issue]) -> list[Issue]:
    """Never print a secret value: messages about it keep the field, hide the value."""
    fields = SECRET_FIELDS.get(subject.rid.kind)
    if fields is None:
        return found
    out = []
    for issue in found:
        if any(issue.path[: len(prefix)] == prefix for prefix in fields):
            shown = show(get_path(subject.data, issue.path))
            issue = replace(
                issue,
                problem=issue.problem.replace(shown, "`(value hidden)`"),
                fix=issue.fix.replace(shown, "`(value hidden)`"),
            )
        out.append(issue)
    return out


Validated = tuple[tuple[Subject, str, tuple[Issue, ...]], ...]


def _kubernetes_issues(views: Views) -> Validated:
    version = schema_version(views.inventory.config.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
    if version is None:
        return ()
    out = []
    for subject in _resource_subjects(views):
        if kubernetes_schema(version, subject.rid.api_version, subject.rid.kind) is None:
            continue  # no schema for this kind (a custom resource): see unvalidated_kinds()
        key = _kept_key(f"kubernetes-{version}", subject)
        # redacted before it is kept: no Secret's value goes into the cache either
        validate = functools.partial(_validated, version, subject)
        found = views.kept(key, validate, issues_as_json, issues_from_json)
        if found:
            label = f"the Kubernetes {version} schema of {subject.rid.api_version} {subject.rid.kind}"
            out.append((subject, label, tuple(found)))
    return tuple(out)


def _validated(version: str, subject: Subject) -> list[Issue]:
    """Validated against its Kubernetes schema; the validator is built only here, on a miss of
    the kept results (building one inlines thousands of `$ref`s)."""
    validator = kubernetes_validator(version, subject.rid.api_version, subject.rid.kind)
    return _redacted(subject, issues(validator, subject.data))


def _kept_key(schema: str, subject: Subject) -> str | None:
    """What a validation depends on: the linter and kubernetes-validate versions, the schema, the
    object; None for data JSON cannot say exactly (then it is validated every run)."""
    try:
        text = json.dumps([subject.rid.api_version, subject.rid.kind, subject.data], sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"schema-{__version__}-{schemas_version()}-{schema}-{digest}"


def _custom_issues(views: Views) -> Validated:
    schemas = custom_schemas()
    out = []
    for subject in (*_resource_subjects(views), *_application_subjects(views)):
        schema = schemas.get((subject.rid.api_version, subject.rid.kind))
        if schema is None:
            continue
        found = _redacted(subject, issues(schema.validator, subject.data))
        if found:
            out.append((subject, f"the bundled {schema.api_version} {schema.kind} schema", tuple(found)))
    return tuple(out)


# --- the checks -------------------------------------------------------------------------------


def _violation(subject: Subject, issue: Issue, schema_label: str) -> Violation:
    fields = {
        "kind": subject.rid.kind,
        "name": subject.rid.name or "(unnamed)",
        "api_version": subject.rid.api_version,
        "field": field_path(issue.path) or "(top level)",
        "problem": issue.problem,
        "fix": issue.fix,
        "schema": schema_label,
    }
    return Violation(subject.where(issue.at), fields, subject.rid, issue.suggestions)


@dataclass(frozen=True)
class SchemaParams:
    report: Literal["invalid", "unknown-field"] = field(
        default="invalid", metadata={"doc": "Report schema violations, or fields the schema does not know."}
    )


def _wanted(params: SchemaParams) -> bool:
    """True: report unknown fields; False: report violations."""
    return params.report == "unknown-field"


def _reported(issue: Issue, unknown: bool) -> bool:
    return issue.unknown == unknown


def _report(found: Validated, params: SchemaParams) -> Iterator[Violation]:
    unknown = _wanted(params)
    for subject, label, subject_issues in found:
        for issue in subject_issues:
            if _reported(issue, unknown):
                yield _violation(subject, issue, label)


def check_kubernetes(views: Views, params: SchemaParams) -> Iterator[Violation]:
    """Core Kubernetes objects against kubernetes-validate's schemas for the configured version."""
    return _report(views.memo("schema:kubernetes", lambda: _kubernetes_issues(views)), params)


def check_custom_resources(views: Views, params: SchemaParams) -> Iterator[Violation]:
    """Custom resources (and Argo CD Applications) against the bundled schemas/crds/ schemas."""
    return _report(views.memo("schema:custom", lambda: _custom_issues(views)), params)


def unvalidated_kinds(views: Views) -> dict[str, int]:
    """ "apiVersion Kind" → how many objects no KV schema covers (skipped silently; for `-v`).

    Pure apart from the cached, read-only schema loaders; cheap (one lookup per object)."""
    version = schema_version(views.inventory.config.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
    custom = custom_schemas()
    counts: Counter[str] = Counter()
    for resource in (r for group in views.inventory.by_kind.values() for r in group):
        key = (resource.id.api_version, resource.id.kind)
        if key in custom or (version is not None and kubernetes_schema(version, *key) is not None):
            continue
        counts[f"{resource.id.api_version} {resource.id.kind}"] += 1
    return dict(sorted(counts.items()))


FIELDS = frozenset({"kind", "name", "api_version", "field", "problem", "fix", "schema"})

CHECKS: list[AnyCheck] = [
    *lifecycle.CHECKS,
    Check(
        "kubernetes-schema",
        check_kubernetes,
        SchemaParams,
        FIELDS,
        "Built-in objects against the Kubernetes API schema of `kubernetesVersion`.",
    ),
    Check(
        "custom-resource-schema",
        check_custom_resources,
        SchemaParams,
        FIELDS,
        "Custom resources against the bundled CRD schemas.",
    ),
]
