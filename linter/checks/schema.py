"""Schema validation (KV): core objects with kubernetes-validate, custom resources with schemas/crds/.

Two checks, two rules each (one check, several rules, as in storage_classes.py):

- `kubernetes-schema`: objects whose apiVersion/kind has a schema in the `kubernetes-validate`
  package for the config's `kubernetesVersion`. The package's *strict* schemas are used: they are
  its non-strict schemas plus `additionalProperties: false` on every object (the only `oneOf`s are
  the scalar IntOrString and Quantity), so one validation gives both the type/enum/required errors
  (KV001, `report: invalid`) and the unknown fields (KV004, `report: unknown-field`).
- `custom-resource-schema`: CloudNativePG, Barman Cloud, SealedSecret and Argo CD objects against
  the JSON Schemas in schemas/crds/ (`<group>_<version>_<Kind>.json`; files starting with `_` hold
  shared definitions). KV002 reports violations, KV003 unknown fields (`additionalProperties:
  false`, set only where the full field list is known).

Caching, and why it is safe:

- Schemas are read lazily, once per process, by `functools.lru_cache`d loaders keyed on immutable
  strings (schema version, apiVersion, kind). What they cache is a pure function of files shipped
  read-only inside installed packages (kubernetes-validate's JSON schemas, our schemas/crds/);
  jsonschema validators keep no state between validations. So no run can see another run's
  data; the caches only spare later runs in the same process (the test suite) the re-reading.
  This is the exception `linter.resources.schema()` makes; checks do no I/O per object.
- Each validator is built once with its `$ref`s inlined (`_inline_refs`): resolving references
  through the `referencing` registry on every validation cost a third of the time.
- The validation pass itself runs once per run and check (`_per_run`), shared by the check's two
  rules, and is released with the run's inventory.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import urljoin

import jsonschema
from referencing import Registry
from referencing import Resource as SchemaResource
from referencing.jsonschema import DRAFT202012

from ..findings import Violation
from ..inventory import Inventory
from ..model import Location, Resource, ResourceId, SourceKind, YamlPath, get_path
from ..provenance import locate
from ..resources import schemas_dir
from .base import Check

DEFAULT_KUBERNETES_VERSION = "1.34"
_VERSION_DIR = re.compile(r"^v1\.(\d+)\.0-local-strict$")
_GROUP_PREFIX = re.compile(r"^([^./]*)(?:\.[^/]*)?/")  # rbac.authorization.k8s.io/v1 -> rbac-v1
_MAX_SHOWN = 60  # characters of a value quoted in a message


# --- schema loading (cached: see the module docstring) ---------------------------------------


@lru_cache(maxsize=1)
def _kubernetes_schema_root() -> Path | None:
    """kubernetes_validate/kubernetes-json-schema, found without importing the package (~55 ms)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    return root if root.is_dir() else None


@lru_cache(maxsize=1)
def kubernetes_versions() -> tuple[str, ...]:
    """Kubernetes minor versions ("1.25", ...) that kubernetes-validate ships schemas for, oldest first."""
    root = _kubernetes_schema_root()
    if root is None:
        return ()
    minors = sorted(int(m.group(1)) for p in root.iterdir() if (m := _VERSION_DIR.match(p.name)))
    return tuple(f"1.{minor}" for minor in minors)


def schema_version(desired: str) -> str | None:
    """The shipped schema version used for `desired`: the newest one not newer than it; the
    oldest when `desired` predates them all, the newest when it is newer than all. None when
    kubernetes-validate is not installed."""
    versions = kubernetes_versions()
    if not versions:
        return None
    match = re.match(r"^v?1\.(\d+)", desired.strip())
    minor = int(match.group(1)) if match else int(DEFAULT_KUBERNETES_VERSION.split(".")[1])
    older = [v for v in versions if int(v.split(".")[1]) <= minor]
    return older[-1] if older else versions[0]


def _validator(schema: dict[str, Any], registry: Registry) -> Any:
    """A validator for `schema` with its `$ref`s inlined (see _inline_refs), of the draft the
    schema declares (2020-12 for both kubernetes-validate and schemas/crds/)."""
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    resolver = registry.resolver(str(schema.get("$id", "")))
    return cls(_inline_refs(schema, resolver, (), {}), registry=registry)


_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})


def _inline_refs(node: Any, resolver: Any, stack: tuple[int, ...], memo: dict[int, Any]) -> Any:
    """`node` with each `$ref` replaced by the schema it points to, once per target (shared, not
    copied; targets are keyed by identity). Resolving `$ref`s through the registry on every
    validation was a third of the validation time. A recursive reference (JSONSchemaProps) stays
    a `$ref`, which the validator resolves through the registry it keeps."""
    if isinstance(node, list):
        return [_inline_refs(item, resolver, stack, memo) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        resolved = resolver.lookup(ref)
        key = id(resolved.contents)
        if key in stack:  # keep the recursion, made absolute: its base changes once inlined
            return {**node, "$ref": urljoin(getattr(resolver, "_base_uri", ""), ref)}
        if key not in memo:
            memo[key] = _inline_refs(resolved.contents, resolved.resolver, stack + (key,), memo)
        extra = {k: _inline_refs(v, resolver, stack, memo) for k, v in node.items() if k not in ("$ref", "description")}
        return {"allOf": [memo[key]], **extra} if extra else memo[key]
    return {k: v if k in _DATA_KEYWORDS else _inline_refs(v, resolver, stack, memo) for k, v in node.items()}


@lru_cache(maxsize=2)  # the definitions of one version are ~1.5 MB of JSON: keep few
def _kubernetes_registry(version: str) -> Registry:
    root = _kubernetes_schema_root()
    assert root is not None
    definitions = json.loads((root / f"v{version}.0-local-strict" / "_definitions.json").read_text(encoding="utf-8"))
    registry: Registry = SchemaResource.from_contents(definitions) @ Registry()
    return registry


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,99}")


@lru_cache(maxsize=1024)
def kubernetes_validator(version: str, api_version: str, kind: str) -> Any | None:
    """The validator for one apiVersion/kind in one Kubernetes version; None without a schema."""
    root = _kubernetes_schema_root()
    if root is None or not _SAFE_NAME.fullmatch(kind) or not _SAFE_NAME.fullmatch(api_version):
        return None  # a kind like `../../x` must not become a path, nor a 300-character one a crash
    group_version = _GROUP_PREFIX.sub(r"\1-", api_version)
    path = root / f"v{version}.0-local-strict" / f"{kind.lower()}-{group_version}.json"
    try:
        if not path.is_file():
            return None
    except OSError:
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    group, _, gv_version = api_version.rpartition("/")
    gvks = schema.get("x-kubernetes-group-version-kind") or []
    if not any(g.get("group", "") == group and g.get("version") == gv_version and g.get("kind") == kind for g in gvks):
        return None  # e.g. apps.example.com/v1 Deployment would map to the file of apps/v1 Deployment
    return _validator(schema, _kubernetes_registry(version))


@dataclass(frozen=True)
class CustomSchema:
    api_version: str
    kind: str
    file: str  # repo-relative name, e.g. schemas/crds/postgresql.cnpg.io_v1_Cluster.json
    validator: Any


@lru_cache(maxsize=1)
def custom_schemas() -> Mapping[tuple[str, str], CustomSchema]:
    """(apiVersion, kind) → the bundled custom-resource schema (schemas/crds/<group>_<version>_<Kind>.json)."""
    directory = schemas_dir() / "crds"
    if not directory.is_dir():
        return MappingProxyType({})
    loaded: dict[str, tuple[Path, dict[str, Any]]] = {}
    registry: Registry = Registry()
    for path in sorted(directory.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        registry = SchemaResource.from_contents(contents, default_specification=DRAFT202012) @ registry
        loaded[path.name] = (path, contents)
    out: dict[tuple[str, str], CustomSchema] = {}
    for name, (path, contents) in loaded.items():
        parts = path.stem.split("_")
        if name.startswith("_") or len(parts) != 3:
            continue
        group, version, kind = parts
        out[(f"{group}/{version}", kind)] = CustomSchema(
            f"{group}/{version}", kind, f"schemas/crds/{name}", _validator(contents, registry)
        )
    return MappingProxyType(out)


# --- what the checks validate -----------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """One object to validate: its id, data, and how to find the line to edit for a path."""

    rid: ResourceId
    data: Any
    where: Callable[[YamlPath], Location]
    partial: bool = False  # a file no Application or kustomization includes: maybe a patch


def _partial(resource: Resource) -> bool:
    """A plain file that no build includes (a kustomize patch, a snippet) may be a partial object:
    its values are checked, its missing required fields and `$patch` directives are not."""
    return resource.source is SourceKind.MANIFEST and not resource.deployed and resource.app is None


def _resource_subjects(inventory: Inventory) -> Iterator[Subject]:
    for resource in inventory.model.resources:
        if not inventory.in_focus(resource):
            continue  # --changed: an object's schema findings depend only on its own files
        yield Subject(resource.id, resource.data, lambda path, r=resource: locate(r, path).location, _partial(resource))


def _application_subjects(inventory: Inventory) -> Iterator[Subject]:
    """Argo CD Applications the loader read from argocd/ (they are not in model.resources)."""
    for app in inventory.model.applications:
        if inventory.focus is not None and app.doc.path not in inventory.focus:
            continue
        data = app.doc.data
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        rid = ResourceId(str(data.get("apiVersion")), "Application", metadata.get("namespace"), app.name)
        yield Subject(rid, data, app.doc.location)


# --- errors → issues ------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    path: YamlPath  # the field the message names
    at: YamlPath  # an existing node to point at (the parent of a missing field)
    problem: str  # "`spec.replicas` is a string (`"two"`), expected an integer"
    fix: str  # imperative, no final period: "Make `spec.replicas` an integer"
    unknown: bool = False  # an unknown field (KV003/KV004) rather than a violation
    missing: bool = False  # a required field that is absent
    suggestions: tuple[str, ...] = ()


_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "a boolean", "null": "null",
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


def _show(value: Any) -> str:
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
    return kind if isinstance(value, (dict, list)) or value is None else f"{kind} ({_show(value)})"


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
    value, keyword, expected, schema = error.instance, error.validator, error.validator_value, error.schema
    field = _field(path)
    if value is None and keyword not in ("required", "additionalProperties"):
        return  # Kubernetes treats an explicit null as an omitted field (CRDs prune it)
    if keyword == "additionalProperties" and expected is False and isinstance(value, dict):
        allowed = sorted(str(k) for k in (schema.get("properties") or {}))
        patterns = list((schema.get("patternProperties") or {}))
        for key in value:
            if key in allowed or any(re.search(p, str(key)) for p in patterns):
                continue
            child = path + (key,)
            close = tuple(difflib.get_close_matches(str(key), allowed, n=3, cutoff=0.6))
            yield Issue(child, child, f"unknown field {_field(child)}",
                        f"Remove {_field(child)}, or correct its name or indentation", unknown=True, suggestions=close)
        return
    if keyword == "required" and isinstance(value, dict):
        for name in expected:
            if name not in value:
                child = path + (name,)
                yield Issue(child, path, f"required field {_field(child)} is missing", f"Add {_field(child)}", missing=True)
        return
    if keyword == "type":
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in _types(expected))
        yield Issue(path, path, f"{field} is {_is_a(value)}, expected {wanted}",
                    f"Make {field} {_expected(schema, wanted)}")
        return
    if keyword == "enum":
        options = ", ".join(f"`{o}`" if o != "" else '`""`' for o in expected)
        close = tuple(difflib.get_close_matches(str(value), [str(o) for o in expected], n=1, cutoff=0.5))
        yield Issue(path, path, f"{field} is {_show(value)}, expected one of {options}",
                    f"Use one of {options} for {field}", suggestions=close)
        return
    if keyword in ("oneOf", "anyOf"):
        types = _scalar_types(expected)
        if types:
            wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
            yield Issue(path, path, f"{field} is {_is_a(value)}, expected {wanted}", f"Make {field} {wanted}")
            return
    if keyword == "pattern":
        yield Issue(path, path, f"{field} is {_show(value)}, which does not match `{expected}`",
                    f"Make {field} {_expected(schema, f'match `{expected}`')}")
        return
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words, bound = {
            "minimum": ("below the minimum", "at least"), "exclusiveMinimum": ("not above", "above"),
            "maximum": ("above the maximum", "at most"), "exclusiveMaximum": ("not below", "below"),
        }[keyword]
        yield Issue(path, path, f"{field} is {_show(value)}, {words} {expected}", f"Make {field} {bound} {expected}")
        return
    if keyword in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        unit = {"Length": "character", "Items": "item", "Properties": "entry"}[re.sub(r"^(min|max)", "", keyword)]
        bound = "at least" if keyword.startswith("min") else "at most"
        size = len(value) if isinstance(value, (str, list, dict)) else "?"
        if size == 0 and keyword.startswith("min"):
            yield Issue(path, path, f"{field} is empty", f"Give {field} a value")
            return
        yield Issue(path, path, f"{field} has {size} {unit}(s), expected {bound} {expected}",
                    f"Give {field} {bound} {expected} {unit}(s)")
        return
    if keyword is None or (keyword == "not" and expected == {}):  # `false` / `not: {}`: a forbidden field
        reason = schema.get("x-reason") if isinstance(schema, dict) else None
        yield Issue(path, path, f"{field} is not allowed here" + (f" ({reason})" if reason else ""), f"Remove {field}")
        return
    if keyword == "not":
        yield Issue(path, path, f"{field} is {_show(value)}, which is not allowed",
                    f"Make {field} {_expected(schema, 'a different value')}")
        return
    if keyword == "const":
        yield Issue(path, path, f"{field} is {_show(value)}, expected {_show(expected)}", f"Set {field} to {_show(expected)}")
        return
    yield Issue(path, path, f"{field}: {error.message}", f"Fix {field}")


# --- one validation pass per run, shared by the two rules of a check --------------------------


def _per_run(inventory: Inventory, key: str, compute: Callable[[], Any]) -> Any:
    """KV001/KV004 (and KV002/KV003) share one validation pass: keep it in the run's memo."""
    return inventory.memo(f"schema:{key}", compute)


SECRET_FIELDS = ("data", "stringData")


def _redacted(subject: Subject, found: list[Issue]) -> list[Issue]:
    """Never print a Secret's value: messages about its data keep the field, hide the value."""
    if subject.rid.kind != "Secret":
        return found
    out = []
    for issue in found:
        if issue.path and issue.path[0] in SECRET_FIELDS:
            shown = _show(get_path(subject.data, issue.path))
            issue = replace(issue, problem=issue.problem.replace(shown, "`(value hidden)`"), fix=issue.fix.replace(shown, "`(value hidden)`"))
        out.append(issue)
    return out


Validated = tuple[tuple[Subject, str, tuple[Issue, ...]], ...]


def _kubernetes_issues(inventory: Inventory) -> Validated:
    version = schema_version(inventory.config.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
    if version is None:
        return ()
    out = []
    for subject in _resource_subjects(inventory):
        validator = kubernetes_validator(version, subject.rid.api_version, subject.rid.kind)
        if validator is None:
            continue  # no schema for this kind (a custom resource): see unvalidated_kinds()
        found = _redacted(subject, issues(validator, subject.data))
        if found:
            label = f"the Kubernetes {version} schema of {subject.rid.api_version} {subject.rid.kind}"
            out.append((subject, label, tuple(found)))
    return tuple(out)


def _custom_issues(inventory: Inventory) -> Validated:
    schemas = custom_schemas()
    out = []
    for subject in (*_resource_subjects(inventory), *_application_subjects(inventory)):
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


def _wanted(params: Mapping[str, Any]) -> bool:
    """True: report unknown fields; False: report violations."""
    return params.get("report", "invalid") == "unknown-field"


def _reported(subject: Subject, issue: Issue, unknown: bool) -> bool:
    if issue.unknown != unknown:
        return False
    if subject.partial and (issue.missing or str(issue.path[-1] if issue.path else "").startswith("$")):
        return False
    return True


def _report(found: Validated, params: Mapping[str, Any]) -> Iterator[Violation]:
    unknown = _wanted(params)
    for subject, label, subject_issues in found:
        for issue in subject_issues:
            if _reported(subject, issue, unknown):
                yield _violation(subject, issue, label)


def check_kubernetes(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """Core Kubernetes objects against kubernetes-validate's schemas for the configured version."""
    return _report(_per_run(inventory, "kubernetes", lambda: _kubernetes_issues(inventory)), params)


def check_custom_resources(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """Custom resources (and Argo CD Applications) against the bundled schemas/crds/ schemas."""
    return _report(_per_run(inventory, "custom", lambda: _custom_issues(inventory)), params)


def unvalidated_kinds(inventory: Inventory) -> dict[str, int]:
    """"apiVersion Kind" → how many objects no KV schema covers (skipped silently; for `-v`).

    Pure apart from the cached, read-only schema loaders; cheap (one lookup per object)."""
    version = schema_version(inventory.config.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
    custom = custom_schemas()
    counts: Counter[str] = Counter()
    for resource in inventory.model.resources:
        key = (resource.id.api_version, resource.id.kind)
        if key in custom or (version is not None and kubernetes_validator(version, *key) is not None):
            continue
        counts[f"{resource.id.api_version} {resource.id.kind}"] += 1
    return dict(sorted(counts.items()))


PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"report": {"enum": ["invalid", "unknown-field"]}},
}
FIELDS = frozenset({"kind", "name", "api_version", "field", "problem", "fix", "schema"})

CHECKS: list[Check] = [
    Check("kubernetes-schema", check_kubernetes, PARAMS, FIELDS),
    Check("custom-resource-schema", check_custom_resources, PARAMS, FIELDS),
]
