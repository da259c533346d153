"""Secrets (SS, and PG009 for CloudNativePG's references): existence, keys, plaintext, scope."""

from __future__ import annotations

import difflib
from typing import Any, Iterator, Mapping

from ..findings import Violation
from ..inventory import Inventory
from ..model import Resource, SourceKind
from ..objpath import kind_matches
from ..provenance import locate
from ..secrets import ProducedSecret, SecretRef
from ..shapes import as_dict
from .base import Check

SCOPE_PREFIX = "sealedsecrets.bitnami.com/"
CLUSTER_WIDE, NAMESPACE_WIDE = SCOPE_PREFIX + "cluster-wide", SCOPE_PREFIX + "namespace-wide"
LEAKY_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", "kubecfg.ksonnet.io/last-applied-configuration")


def _referrer(ref: SecretRef) -> str:
    if ref.resource is None:
        return f"{ref.what}"
    return f"{ref.what} of {ref.resource.id.kind} `{ref.resource.id.name}`"


def _keys(names: Any) -> str:
    return ", ".join(f"`{k}`" for k in sorted(names)) or "none"


def _missing(inventory: Inventory, ref: SecretRef) -> Violation:
    """A reference to a Secret nothing deploys: say why, and what to do."""
    fields: dict[str, Any] = {"ref": _referrer(ref), "secret": ref.name, "namespace": ref.namespace or "?"}
    undeployed = [s for s in inventory.secrets.get((ref.namespace, ref.name), ()) if not s.deployed]
    elsewhere = sorted({s.namespace or "?" for (ns, name), found in inventory.secrets.items()
                        if name == ref.name and ns != ref.namespace for s in found if s.deployed})
    if undeployed and undeployed[0].resource is not None:
        source = undeployed[0].resource
        note = source.note or "no enabled Application deploys it"
        fields["why"] = f"is committed in `{source.doc.path}` but not deployed: {note}"
        kfile = note.split("`")[1] if note.startswith("`") and "kustomization" in note else None
        fields["fix"] = (f"Add `{source.doc.path.rsplit('/', 1)[-1]}` to `resources` in `{kfile}`" if kfile
                         else f"Deploy `{source.doc.path}` from an enabled Application")
    elif elsewhere:
        fields["why"] = f"exists only in namespace {_keys(elsewhere)}"
        fields["fix"] = (f"Seal a copy for namespace `{ref.namespace}` (a strict-scope SealedSecret cannot be moved), "
                         "or mirror it there")
    else:
        fields["why"] = "no deployed object produces"
        fields["fix"] = (f"Seal the Secret for namespace `{ref.namespace}` (kubeseal --namespace {ref.namespace}) and commit it "
                         "where an enabled Application deploys it, or list it under cluster.secrets if it is made outside git")
    fields["problem"] = f"which {fields['why']}"
    names = sorted({name for (ns, name), found in inventory.secrets.items() if ns == ref.namespace and any(s.deployed for s in found)})
    # When the Secret exists but is not deployed, the cause is known: no guessing at names.
    suggestions = () if undeployed else tuple(difflib.get_close_matches(ref.name, names, n=3, cutoff=0.6))
    return Violation(ref.location, fields, ref.resource.id if ref.resource else None, suggestions,
                     related=_producer_files(inventory, ref.name) + inventory.model.kustomizations)


def _producer_files(inventory: Inventory, name: str) -> tuple[str, ...]:
    """Files that produce (or could produce) a Secret of this name, in any namespace."""
    return tuple(sorted({s.resource.doc.path for (_, n), found in inventory.secrets.items() if n == name
                         for s in found if s.resource is not None}))


def _missing_keys(ref: SecretRef, found: list[ProducedSecret], related: tuple[str, ...] = ()) -> Violation | None:
    if any(s.keys is None for s in found):
        return None  # keys cannot be known (ExternalSecret dataFrom, config without keys)
    have = set().union(*(s.keys or frozenset() for s in found))
    missing = [k for k in dict.fromkeys(ref.keys) if k not in have]
    if not missing:
        return None
    fields = {"ref": _referrer(ref), "secret": ref.name, "namespace": ref.namespace or "?", "missing": _keys(missing),
              "have": _keys(have), "producer": found[0].where,
              "problem": f"which lacks key {_keys(missing)} (it has {_keys(have)})", "fix": f"Reseal it (defined in {found[0].where}) with the missing key"}
    suggestions = tuple(m for key in missing for m in difflib.get_close_matches(key, sorted(have), n=1, cutoff=0.6))
    return Violation(ref.location, fields, ref.resource.id if ref.resource else None, suggestions, related=related)


def check_references(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """References (in the given groups) to Secrets that are missing or lack keys."""
    groups = set(params.get("groups", ["kubernetes", "values"]))
    problems = set(params.get("problems", ["missing"]))
    for ref in inventory.secret_refs:
        if ref.group not in groups or ref.optional:
            continue
        found = inventory.secrets_for(ref.namespace, ref.name, None if ref.deployed else ref.app)
        if not found:
            if "missing" in problems:
                yield _missing(inventory, ref)
        elif "missing-keys" in problems and ref.keys:
            violation = _missing_keys(ref, found, _producer_files(inventory, ref.name))
            if violation is not None:
                yield violation


# --- SS003: plaintext committed --------------------------------------------------------------


def _plaintext_keys(resource: Resource) -> list[tuple[str, str]]:
    """(field, key) pairs of a Secret whose values sit in the repo as written."""
    out = []
    for field in ("data", "stringData"):
        values = resource.data.get(field)
        if not isinstance(values, dict):
            continue
        for key in values:
            if resource.render is None:
                out.append((field, str(key)))
                continue
            line = resource.doc.location((field, key)).line
            source_lines = resource.render.template.source.splitlines()
            text = source_lines[line - 1] if 0 < line <= len(source_lines) else "{{"
            if "{{" not in text:  # a literal in the template, not a value passed in
                out.append((field, str(key)))
    return out


def check_plaintext(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    for resource in inventory.by_kind.get("Secret", ()):
        if resource.id.api_version != "v1":
            continue
        if resource.source is SourceKind.GENERATED:
            fields = {"secret": resource.id.name, "what": "a kustomize secretGenerator builds it from literals or files committed in plaintext"}
            yield Violation(resource.doc.location(), fields, resource.id)
            continue
        plain = _plaintext_keys(resource)
        if plain:
            field, first = plain[0]
            keys = _keys({k for _, k in plain})
            fields = {"secret": resource.id.name, "what": f"its `{field}` holds plaintext values (base64 is not encryption) for keys {keys}"
                      if all(f == field for f, _ in plain) else f"its `data`/`stringData` hold plaintext values (base64 is not encryption) for keys {keys}"}
            yield Violation(resource.doc.location((field, first)), fields, resource.id)
    for kind in ("Secret", "SealedSecret"):
        for resource in inventory.by_kind.get(kind, ()):
            for where in (("metadata", "annotations"), ("spec", "template", "metadata", "annotations")):
                annotations = resource.get(where) or {}
                for leaky in LEAKY_ANNOTATIONS:
                    if isinstance(annotations, dict) and leaky in annotations:
                        fields = {"secret": resource.id.name, "what": f"annotation `{leaky}` copies the unsealed values into the manifest"}
                        yield Violation(resource.doc.location(where + (leaky,)), fields, resource.id)


# --- SS004: SealedSecret scope ---------------------------------------------------------------


def _scope(annotations: Mapping[str, Any]) -> str:
    if str(annotations.get(CLUSTER_WIDE, "")).lower() == "true":
        return "cluster-wide"
    if str(annotations.get(NAMESPACE_WIDE, "")).lower() == "true":
        return "namespace-wide"
    return "strict"


def _scope_problems(resource: Resource) -> Iterator[tuple[tuple, str, str]]:
    """(path, problem, fix) for one SealedSecret."""
    metadata = as_dict(resource.get(("metadata",)))
    template_meta = as_dict(resource.get(("spec", "template", "metadata")))
    annotations = as_dict(metadata.get("annotations"))
    scope = _scope(annotations)
    misplaced = [k for k in as_dict(template_meta.get("annotations")) if str(k) in (CLUSTER_WIDE, NAMESPACE_WIDE) and k not in annotations]
    if misplaced:
        yield (("spec", "template", "metadata", "annotations", misplaced[0]),
               f"scope annotation `{misplaced[0]}` is only in spec.template.metadata.annotations, so the controller treats the SealedSecret as strict",
               "Move the scope annotation to metadata.annotations (where kubeseal writes it)")
    sealed_ns = metadata.get("namespace")
    if scope != "cluster-wide" and not sealed_ns:
        yield (("metadata",), f"{scope}-scope SealedSecret has no metadata.namespace; it decrypts only in the namespace it was sealed for, "
               f"and will be created in `{resource.id.namespace or '?'}`",
               "Reseal with kubeseal --namespace (which always writes metadata.namespace), or set the namespace it was sealed for")
    if scope == "cluster-wide":
        return
    if sealed_ns and resource.id.namespace and str(sealed_ns) != resource.id.namespace:
        yield (("metadata", "namespace"), f"sealed for namespace `{sealed_ns}`, but a kustomization deploys it into `{resource.id.namespace}`",
               "Reseal it for the target namespace, or drop the kustomize namespace override for it")
    if scope == "strict" and resource.id.name != str(metadata.get("name")):
        yield (("metadata", "name"), f"strict-scope SealedSecret `{metadata.get('name')}` is renamed to `{resource.id.name}` by a kustomize name prefix/suffix",
               "Reseal it under the final name, or use namespace-wide scope")
    for field, value in (("name", metadata.get("name")), ("namespace", sealed_ns)):
        template_value = template_meta.get(field)
        if scope == "strict" and template_value and value and str(template_value) != str(value):
            yield (("spec", "template", "metadata", field),
                   f"spec.template.metadata.{field} `{template_value}` differs from metadata.{field} `{value}`; the Secret always takes metadata.{field}",
                   f"Make spec.template.metadata.{field} match metadata.{field}, or remove it")


def check_scope(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    for resource in inventory.by_kind.get("SealedSecret", ()):
        if not kind_matches("bitnami.com/SealedSecret", resource.id):
            continue
        for path, problem, fix in _scope_problems(resource):
            fields = {"secret": resource.id.name, "problem": problem, "fix": fix}
            yield Violation(resource.doc.location(path), fields, resource.id)


# --- SS005: two producers; SS006: unused ---------------------------------------------------


def check_duplicates(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    for (namespace, name), found in sorted(inventory.secrets.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        producers = {}
        for secret in found:
            if secret.deployed and secret.mirrored_from is None and secret.resource is not None:
                producers.setdefault((secret.resource.doc.path, secret.resource.doc.index), secret)
        if len(producers) < 2:
            continue
        ordered = sorted(producers.values(), key=lambda s: (s.resource.doc.path, s.resource.doc.start_line))  # type: ignore[union-attr]
        for secret in ordered:
            others = [o for o in ordered if o is not secret]
            assert secret.resource is not None
            fields = {"secret": name, "namespace": namespace or "?",
                      "this": f"{secret.resource.id.kind} in `{secret.resource.doc.path}`",
                      "other": ", ".join(f"{o.resource.id.kind} in `{o.resource.doc.path}`" for o in others if o.resource)}
            yield Violation(locate(secret.resource, ("metadata", "name")).location, fields, secret.resource.id)


def check_unused(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    referenced = {(ref.namespace, ref.name) for ref in inventory.secret_refs}
    kinds = params.get("kinds", ["bitnami.com/SealedSecret"])
    for resource in inventory.model.resources:
        if not resource.deployed or not any(kind_matches(k, resource.id) for k in kinds):
            continue
        if (resource.id.namespace, resource.id.name) in referenced:
            continue
        fields = {"secret": resource.id.name, "namespace": resource.id.namespace or "?", "kind": resource.id.kind}
        yield Violation(resource.doc.location(("metadata", "name")), fields, resource.id)


REFERENCE_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "groups": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "problems": {"type": "array", "items": {"enum": ["missing", "missing-keys"]}, "minItems": 1},
    },
}
NO_PARAMS = {"type": "object", "additionalProperties": False, "properties": {}}
UNUSED_PARAMS = {"type": "object", "additionalProperties": False, "properties": {"kinds": {"type": "array", "items": {"type": "string"}}}}

CHECKS = [
    Check("secret-reference", check_references, REFERENCE_PARAMS,
          frozenset({"ref", "secret", "namespace", "why", "fix", "missing", "have", "producer", "problem"})),
    Check("secret-plaintext", check_plaintext, NO_PARAMS, frozenset({"secret", "what"})),
    Check("sealed-secret-scope", check_scope, NO_PARAMS, frozenset({"secret", "problem", "fix"})),
    Check("secret-duplicate-producer", check_duplicates, NO_PARAMS, frozenset({"secret", "namespace", "this", "other"})),
    Check("secret-unused", check_unused, UNUSED_PARAMS, frozenset({"secret", "namespace", "kind"})),
]
