"""Schemas for KV: core objects with kubernetes-validate, custom resources with schemas/crds/.

- Core objects: the kubernetes-validate package's *strict* schemas for the config's
  `kubernetesVersion` (its non-strict schemas plus `additionalProperties: false` on every
  object; the only `oneOf`s are the scalar IntOrString and Quantity), so one validation gives
  both the type/enum/required errors and the unknown fields.
- Custom resources: CloudNativePG, Barman Cloud, SealedSecret and Argo CD objects against the
  JSON Schemas in schemas/crds/ (`<group>_<version>_<Kind>.json`; files starting with `_` hold
  shared definitions).

Caching, and why it is safe: schemas are read lazily, once per process, by `lru_cache`d loaders
keyed on immutable strings (schema version, apiVersion, kind). What they cache is a pure
function of files shipped read-only inside installed packages; jsonschema validators keep no
state between validations. So no run can see another run's data; the caches only spare later
runs in the same process (the test suite) the re-reading.

Each validator is built once with its `$ref`s inlined (`_inline_refs`): resolving references
through the `referencing` registry on every validation cost a third of the time.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin

import jsonschema
from referencing import Registry
from referencing import Resource as SchemaResource
from referencing.jsonschema import DRAFT202012

from ...core.resources import schemas_dir

DEFAULT_KUBERNETES_VERSION = "1.34"
_VERSION_DIR = re.compile(r"^v1\.(\d+)\.0-local-strict$")
_GROUP_PREFIX = re.compile(r"^([^./]*)(?:\.[^/]*)?/")  # rbac.authorization.k8s.io/v1 -> rbac-v1


@lru_cache(maxsize=1)
def _kubernetes_schema_root() -> Path | None:
    """kubernetes_validate/kubernetes-json-schema, found without importing the package (~55 ms)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    return root if root.is_dir() else None


@lru_cache(maxsize=1)
def schemas_version() -> str:
    """The kubernetes-validate release whose schemas validate (part of kept results' keys), from
    its dist-info directory's name, as engine.helm_version() does (importlib.metadata is slow)."""
    root = _kubernetes_schema_root()
    for entry in sorted(root.parent.parent.glob("kubernetes_validate-*.dist-info")) if root is not None else ():
        return entry.name.removeprefix("kubernetes_validate-").removesuffix(".dist-info")
    return "unknown"


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


# Keywords whose value is data (not a schema), and keywords whose value maps names to schemas:
# a property called `default` (LimitRange `spec.limits[].default`) is a schema, not the keyword.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})


def _inline_refs(node: Any, resolver: Any, stack: tuple[int, ...], memo: dict[int, Any]) -> Any:
    """`node` (a schema) with each `$ref` replaced by the schema it points to, once per target
    (shared, not copied; targets are keyed by identity). A recursive reference (JSONSchemaProps)
    stays a `$ref`, which the validator resolves through the registry it keeps."""
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
            memo[key] = _inline_refs(resolved.contents, resolved.resolver, (*stack, key), memo)
        extra = {k: _keyword(k, v, resolver, stack, memo) for k, v in node.items() if k not in ("$ref", "description")}
        return {"allOf": [memo[key]], **extra} if extra else memo[key]
    return {k: _keyword(k, v, resolver, stack, memo) for k, v in node.items()}


def _keyword(key: str, value: Any, resolver: Any, stack: tuple[int, ...], memo: dict[int, Any]) -> Any:
    if key in _DATA_KEYWORDS:
        return value
    if key in _SCHEMA_MAPS and isinstance(value, dict):
        return {name: _inline_refs(sub, resolver, stack, memo) for name, sub in value.items()}
    return _inline_refs(value, resolver, stack, memo)


@lru_cache(maxsize=2)  # the definitions of one version are ~1.5 MB of JSON: keep few
def _kubernetes_registry(version: str) -> Registry:
    root = _kubernetes_schema_root()
    assert root is not None
    definitions = json.loads((root / f"v{version}.0-local-strict" / "_definitions.json").read_text(encoding="utf-8"))
    registry: Registry = SchemaResource.from_contents(definitions) @ Registry()
    return registry


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,99}")


@lru_cache(maxsize=1024)
def kubernetes_schema(version: str, api_version: str, kind: str) -> dict[str, Any] | None:
    """The schema of one apiVersion/kind in one Kubernetes version (its `$ref`s not inlined);
    None without one. Cheap: whether a kind is validated is known without building a validator."""
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
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    group, _, gv_version = api_version.rpartition("/")
    gvks = schema.get("x-kubernetes-group-version-kind") or []
    if not any(g.get("group", "") == group and g.get("version") == gv_version and g.get("kind") == kind for g in gvks):
        return None  # e.g. apps.example.com/v1 Deployment would map to the file of apps/v1 Deployment
    return schema


@lru_cache(maxsize=1024)
def kubernetes_validator(version: str, api_version: str, kind: str) -> Any | None:
    """The validator for one apiVersion/kind in one Kubernetes version; None without a schema.
    Built only when an object is validated: a warm run finds its results kept (views.kept)."""
    schema = kubernetes_schema(version, api_version, kind)
    return None if schema is None else _validator(schema, _kubernetes_registry(version))


@dataclass(frozen=True)
class CustomSchema:
    api_version: str
    kind: str
    file: str  # repo-relative name, e.g. schemas/crds/postgresql.cnpg.io_v1_Cluster.json
    contents: dict[str, Any]
    registry: Registry  # every bundled schema: the shared definitions its `$ref`s point to

    @cached_property
    def validator(self) -> Any:
        """Built the first time an object of this kind is validated (most repos use few kinds)."""
        return _validator(self.contents, self.registry)


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
            f"{group}/{version}", kind, f"schemas/crds/{name}", contents, registry
        )
    return MappingProxyType(out)
