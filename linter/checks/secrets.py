"""Secrets (SS, and PG009 for CloudNativePG's references): existence, keys, plaintext, scope."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.sensitive import holds_credential
from ..core.suggest import close_matches
from ..inventory import Inventory, ProducedSecret
from ..loaders.kustomize import GENERATED_CREDENTIALS
from ..model import Location, Resource, SourceKind, Violation
from ..model.shapes import annotations_of, as_dict
from ..views import SecretRef, Views
from .base import AnyCheck, Check, NoParams
from .wording import keys as key_list
from .wording import plural

SCOPE_PREFIX = "sealedsecrets.bitnami.com/"
CLUSTER_WIDE, NAMESPACE_WIDE = SCOPE_PREFIX + "cluster-wide", SCOPE_PREFIX + "namespace-wide"
LEAKY_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "kubecfg.ksonnet.io/last-applied-configuration",
)


def _referrer(ref: SecretRef, *others: SecretRef) -> str:
    """What refers: "env secretKeyRef of Deployment `a`", naming every object that refers from
    the same line (one values line a chart's templates read several times), sorted: a chart
    may render them in any order (sprig's `keys` iterates a map at random)."""
    if ref.resource is None:
        return ref.what
    referrers = sorted({(r.resource.id.kind, r.resource.id.name) for r in (ref, *others) if r.resource})
    objects = [f"{kind} `{name}`" for kind, name in referrers]
    listed = objects[0] if len(objects) == 1 else ", ".join(objects[:-1]) + f" and {objects[-1]}"
    return f"{ref.what} of {listed}"


def _producer_files(inventory: Inventory, name: str) -> tuple[str, ...]:
    """Files that produce (or could produce) a Secret of this name, in any namespace."""
    return tuple(
        sorted({s.resource.doc.path for s in inventory.secrets_by_name.get(name, ()) if s.resource is not None})
    )


def _deployed_names(views: Views) -> Mapping[str | None, list[str]]:
    """Namespace → names of the Secrets deployed there (did-you-mean candidates), built once."""

    def compute() -> dict[str | None, list[str]]:
        out: dict[str | None, set[str]] = {}
        for (namespace, name), found in views.inventory.secrets.items():
            if any(s.deployed for s in found):
                out.setdefault(namespace, set()).add(name)
        return {ns: sorted(names) for ns, names in out.items()}

    return views.memo("secrets:deployed-names", compute)


def _missing(views: Views, ref: SecretRef, *same_line: SecretRef) -> Violation:
    """A reference to a Secret nothing deploys (from one line, by one or more objects): say why,
    and what to do."""
    inventory = views.inventory
    fields: dict[str, object] = {
        "ref": _referrer(ref, *same_line),
        "secret": ref.name,
        "namespace": ref.namespace or "?",
    }
    undeployed = [s for s in inventory.secrets.get((ref.namespace, ref.name), ()) if not s.deployed]
    elsewhere = sorted(
        {
            s.namespace or "?"
            for s in inventory.secrets_by_name.get(ref.name, ())
            if s.namespace != ref.namespace and s.deployed
        }
    )
    source = undeployed[0].resource if undeployed else None
    if source is not None:
        note = source.note or "no enabled Application deploys it"
        fields["why"] = f"is committed in `{source.doc.path}` but not deployed: {note}"
        kfile = note.split("`")[1] if note.startswith("`") and "kustomization" in note else None
        fields["fix"] = (
            f"Add `{source.doc.path.rsplit('/', 1)[-1]}` to `resources` in `{kfile}`"
            if kfile
            else f"Deploy `{source.doc.path}` from an enabled Application"
        )
    elif elsewhere:
        fields["why"] = f"exists only in {plural('namespace', len(elsewhere))} {key_list(elsewhere)}"
        fields["fix"] = (
            f"Seal a copy for namespace `{ref.namespace}` (a strict-scope SealedSecret cannot be moved), "
            "or mirror it there"
        )
    else:
        fields["why"] = "no deployed object produces"
        fields["fix"] = (
            f"Seal the Secret for namespace `{ref.namespace}` (kubeseal --namespace {ref.namespace}) and commit it "
            "where an enabled Application deploys it, or list it under cluster.secrets if it is made outside git"
        )
    fields["problem"] = f"which {fields['why']}"
    # When the Secret exists but is not deployed, or only in other namespaces, the cause is
    # known: no guessing at names.
    known = undeployed or elsewhere
    suggestions = () if known else close_matches(ref.name, _deployed_names(views).get(ref.namespace, []))
    return Violation(
        ref.location,
        fields,
        ref.resource.id if ref.resource else None,
        suggestions,
        related=_producer_files(inventory, ref.name) + inventory.model.kustomizations,
    )


def _missing_keys(ref: SecretRef, found: list[ProducedSecret], related: tuple[str, ...]) -> Violation | None:
    if any(s.keys is None for s in found):
        return None  # keys cannot be known (ExternalSecret dataFrom, config without keys)
    have: set[str] = set().union(*(s.keys or frozenset() for s in found))
    missing = [k for k in dict.fromkeys(ref.keys) if k not in have]
    if not missing:
        return None
    fields = {
        "ref": _referrer(ref),
        "secret": ref.name,
        "namespace": ref.namespace or "?",
        "missing": key_list(missing),
        "have": key_list(have),
        "producer": found[0].where,
        "problem": f"which lacks {plural('key', len(missing))} {key_list(missing)} (it has {key_list(have)})",
        "fix": _add_key(found[0]),
    }
    suggestions = tuple(dict.fromkeys(m for key in missing for m in close_matches(key, sorted(have), limit=1)))
    return Violation(ref.location, fields, ref.resource.id if ref.resource else None, suggestions, related=related)


def _add_key(secret: ProducedSecret) -> str:
    """How to give a Secret a key, by what makes it (a SealedSecret is sealed again)."""
    if secret.resource is not None and secret.resource.id.kind == "SealedSecret":
        return f"Add the key when sealing the Secret (kubeseal; defined in {secret.where})"
    return f"Add the key where the Secret is made ({secret.where})"


@dataclass(frozen=True)
class ReferenceParams:
    groups: tuple[str, ...] = field(
        default=("kubernetes", "values"),
        metadata={
            "doc": "Reference groups to check (the `group` of rules/secrets/references/*.yaml).",
            "schema": {"minItems": 1},
        },
    )
    problems: tuple[Literal["missing", "missing-keys"], ...] = field(
        default=("missing",),
        metadata={"doc": "What to report: Secrets nothing produces, and/or keys they lack.", "schema": {"minItems": 1}},
    )


def check_references(views: Views, params: ReferenceParams) -> Iterator[Violation]:
    """References (in the given groups) to Secrets that are missing or lack keys."""
    inventory = views.inventory
    missing: dict[tuple[Location, str, str | None, str], list[SecretRef]] = {}
    for ref in _refs_that_may_be_kept(views):
        if ref.group not in params.groups or ref.optional:
            continue
        found = views.visibility.secrets(ref.namespace, ref.name, ref.viewer)
        if not found:
            # a chart that could not be rendered may create what its release's objects read; a
            # values key (`existingSecret`) names a Secret the chart does not create
            maybe = ref.resource is not None and views.unrendered.secret(ref.namespace, ref.name) is not None
            if "missing" in params.problems and not maybe:
                missing.setdefault((ref.location, ref.what, ref.namespace, ref.name), []).append(ref)
        elif "missing-keys" in params.problems and ref.keys:
            violation = _missing_keys(ref, found, _producer_files(inventory, ref.name))
            if violation is not None:
                yield violation
    for first, *others in missing.values():  # one finding per line that names the missing Secret
        yield _missing(views, first, *others)


def _refs_that_may_be_kept(views: Views) -> tuple[SecretRef, ...]:
    """Every reference; under --changed, when no file that makes Secrets changed, only those of
    the objects whose files did (a reference's findings point into its object's files, and
    are related to the files that make Secrets: see _missing)."""
    inventory = views.inventory
    if inventory.focus is None:
        return views.secret_refs
    makers = {s.resource.doc.path for group in inventory.secrets_by_name.values() for s in group if s.resource}
    if not inventory.focus.isdisjoint(makers | set(inventory.model.kustomizations)):
        return views.secret_refs
    return views.secret_refs_of(lambda resource: inventory.may_keep(resource.id))


# --- SS003: plaintext committed --------------------------------------------------------------


_PLACEHOLDER = re.compile(  # what example files put where a credential goes
    r"(?i)^(<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|change[-_ ]?me\S*|replace[-_ ]?me\S*|todo|x{3,}|\*{3,}"
    r"|your[-_]\S+|example\S*)$"
)


def _credential(data_field: str, key: object, value: object) -> bool:
    """Does this entry hold a credential that is not an obvious placeholder (`CHANGE-ME`)?"""
    if data_field == "data" and isinstance(value, str):
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return True  # binary or not base64: a keystore, a key; treat it as secret
    if isinstance(value, str) and _PLACEHOLDER.match(value.strip()):
        return False
    return holds_credential(key, value)


def _plaintext_keys(resource: Resource) -> list[tuple[str, str]]:
    """(field, key) pairs of a Secret whose values sit in the repo as written and hold
    credentials (a Secret of configuration only, such as an Argo CD cluster's name and server,
    exposes nothing)."""
    out = []
    for data_field in ("data", "stringData"):
        values = as_dict(resource.data).get(data_field)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if not _credential(data_field, key, value):
                continue
            if resource.render is None:
                out.append((data_field, str(key)))
                continue
            if resource.render.trace is not None or resource.render.upstream is not None:
                continue  # a fetched chart's template: nothing of it is committed here
            line = resource.doc.location((data_field, key)).line
            source_lines = resource.render.template.source.splitlines()
            text = source_lines[line - 1] if 0 < line <= len(source_lines) else "{{"
            if "{{" not in text:  # a literal in the template, not a value passed in
                out.append((data_field, str(key)))
    return out


def check_plaintext(views: Views, params: NoParams) -> Iterator[Violation]:
    inventory = views.inventory
    for resource in inventory.of_kind("Secret"):
        if resource.id.api_version != "v1" or not inventory.may_keep(resource.id):
            continue
        if resource.source is SourceKind.GENERATED:
            held = str(annotations_of(resource.data).get(GENERATED_CREDENTIALS) or "")
            if held:  # a generator of configuration only (`MODE=prod`) exposes nothing
                what = (
                    "a kustomize secretGenerator builds it from literals or files committed in plaintext, "
                    f"with credentials under keys {key_list(set(held.split(',')))}"
                )
                yield Violation(resource.doc.location(), {"secret": resource.id.name, "what": what}, resource.id)
            continue
        plain = _plaintext_keys(resource)
        if plain:
            data_field, first = plain[0]
            listed = key_list({k for _, k in plain})
            what = (
                f"its `{data_field}` holds credentials in plaintext (base64 is not encryption) under keys {listed}"
                if all(f == data_field for f, _ in plain)
                else f"its `data`/`stringData` hold credentials in plaintext (base64 is not encryption) "
                f"under keys {listed}"
            )
            yield Violation(
                resource.doc.location((data_field, first)), {"secret": resource.id.name, "what": what}, resource.id
            )
    for kind in ("Secret", "SealedSecret"):
        for resource in inventory.of_kind(kind):
            for where in (("metadata", "annotations"), ("spec", "template", "metadata", "annotations")):
                annotations = resource.get(where) or {}
                for leaky in LEAKY_ANNOTATIONS:
                    if isinstance(annotations, dict) and leaky in annotations:
                        fields = {
                            "secret": resource.id.name,
                            "what": f"annotation `{leaky}` copies the unsealed values into the manifest",
                        }
                        yield Violation(resource.doc.location((*where, leaky)), fields, resource.id)


# --- SS004: SealedSecret scope ---------------------------------------------------------------


def _scope(annotations: Mapping[str, Any]) -> str:
    if str(annotations.get(CLUSTER_WIDE, "")).lower() == "true":
        return "cluster-wide"
    if str(annotations.get(NAMESPACE_WIDE, "")).lower() == "true":
        return "namespace-wide"
    return "strict"


def _scope_problems(resource: Resource) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(path, problem, fix) for one SealedSecret."""
    metadata = as_dict(resource.get(("metadata",)))
    template_meta = as_dict(resource.get(("spec", "template", "metadata")))
    annotations = as_dict(metadata.get("annotations"))
    scope = _scope(annotations)
    misplaced = [
        k
        for k in as_dict(template_meta.get("annotations"))
        if str(k) in (CLUSTER_WIDE, NAMESPACE_WIDE) and k not in annotations
    ]
    if misplaced:
        yield (
            ("spec", "template", "metadata", "annotations", misplaced[0]),
            f"scope annotation `{misplaced[0]}` is only in spec.template.metadata.annotations, so the "
            "controller treats the SealedSecret as strict",
            "Move the scope annotation to metadata.annotations (where kubeseal writes it)",
        )
    sealed_ns = metadata.get("namespace")
    if scope != "cluster-wide" and not sealed_ns:
        yield (
            ("metadata",),
            f"{scope}-scope SealedSecret has no metadata.namespace; it decrypts only in the namespace it "
            f"was sealed for, and will be created in `{resource.id.namespace or '?'}`",
            "Reseal with kubeseal --namespace (which always writes metadata.namespace), or set the namespace it was "
            "sealed for",
        )
    if scope == "cluster-wide":
        return
    if sealed_ns and resource.id.namespace and str(sealed_ns) != resource.id.namespace:
        yield (
            ("metadata", "namespace"),
            f"sealed for namespace `{sealed_ns}`, but a kustomization deploys it into `{resource.id.namespace}`",
            "Reseal it for the target namespace, or drop the kustomize namespace override for it",
        )
    if scope == "strict" and resource.id.name != str(metadata.get("name")):
        yield (
            ("metadata", "name"),
            f"strict-scope SealedSecret `{metadata.get('name')}` is renamed to "
            f"`{resource.id.name}` by a kustomize name prefix/suffix",
            "Reseal it under the final name, or use namespace-wide scope",
        )
    for name_field, value in (("name", metadata.get("name")), ("namespace", sealed_ns)):
        template_value = template_meta.get(name_field)
        if scope == "strict" and template_value and value and str(template_value) != str(value):
            yield (
                ("spec", "template", "metadata", name_field),
                f"spec.template.metadata.{name_field} `{template_value}` differs from metadata.{name_field} `{value}`; "
                f"the Secret always takes metadata.{name_field}",
                f"Make spec.template.metadata.{name_field} match metadata.{name_field}, or remove it",
            )


def check_scope(views: Views, params: NoParams) -> Iterator[Violation]:
    for resource in views.inventory.of_kind("bitnami.com/SealedSecret"):
        for path, problem, fix in _scope_problems(resource):
            fields = {"secret": resource.id.name, "problem": problem, "fix": fix}
            yield Violation(resource.doc.location(path), fields, resource.id)


# --- SS005: two producers; SS006: unused ---------------------------------------------------


def check_duplicates(views: Views, params: NoParams) -> Iterator[Violation]:
    for (namespace, name), found in sorted(
        views.inventory.secrets.items(), key=lambda item: (str(item[0][0]), item[0][1])
    ):
        by_cluster: dict[str, dict[tuple[str, int], Resource]] = {}  # the same Secret in two clusters is fine
        for secret in found:
            if secret.deployed and secret.mirrored_from is None and secret.resource is not None and not secret.shared:
                resource = secret.resource
                by_cluster.setdefault(resource.cluster, {}).setdefault(
                    (resource.doc.path, resource.doc.index), resource
                )
        for producers in by_cluster.values():
            if len(producers) > 1:
                yield from _duplicate_violations(views, namespace, name, list(producers.values()))


def _duplicate_violations(
    views: Views, namespace: str | None, name: str, producers: list[Resource]
) -> Iterator[Violation]:
    ordered = sorted(producers, key=lambda r: (r.doc.path, r.doc.start_line))
    for resource in ordered:
        others = [o for o in ordered if o is not resource]
        fields = {
            "secret": name,
            "namespace": namespace or "?",
            "this": f"{resource.id.kind} in `{resource.doc.path}`",
            "other": ", ".join(f"{o.id.kind} in `{o.doc.path}`" for o in others),
        }
        yield Violation(views.locate(resource, ("metadata", "name")), fields, resource.id)


@dataclass(frozen=True)
class UnusedParams:
    kinds: tuple[str, ...] = field(
        default=("bitnami.com/SealedSecret",), metadata={"doc": "Kinds of committed secrets that should be referenced."}
    )


def check_unused(views: Views, params: UnusedParams) -> Iterator[Violation]:
    inventory = views.inventory
    judged = [
        resource
        for kind in params.kinds
        for resource in inventory.of_kind(kind)
        if resource.deployed and inventory.may_keep(resource.id)  # --changed: the finding is at its file
    ]
    referenced = {(ref.namespace, ref.name) for ref in views.secret_refs} if judged else set()
    for resource in judged:
        if (resource.id.namespace, resource.id.name) not in referenced:
            fields = {"secret": resource.id.name, "namespace": resource.id.namespace or "?", "kind": resource.id.kind}
            yield Violation(resource.doc.location(("metadata", "name")), fields, resource.id)


CHECKS: list[AnyCheck] = [
    Check(
        "secret-reference",
        check_references,
        ReferenceParams,
        frozenset({"ref", "secret", "namespace", "why", "fix", "missing", "have", "producer", "problem"}),
        "References to Secrets checked against every Secret the cluster will contain (the producers in "
        "rules/secrets/producers/).",
    ),
    Check(
        "secret-plaintext",
        check_plaintext,
        NoParams,
        frozenset({"secret", "what"}),
        "Secrets whose values are committed in plaintext.",
    ),
    Check(
        "sealed-secret-scope",
        check_scope,
        NoParams,
        frozenset({"secret", "problem", "fix"}),
        "SealedSecrets whose scope does not match where they are deployed.",
    ),
    Check(
        "secret-duplicate-producer",
        check_duplicates,
        NoParams,
        frozenset({"secret", "namespace", "this", "other"}),
        "Secrets that two deployed objects produce.",
    ),
    Check(
        "secret-unused",
        check_unused,
        UnusedParams,
        frozenset({"secret", "namespace", "kind"}),
        "Committed secrets that nothing references.",
    ),
]
