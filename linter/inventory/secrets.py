"""The Secrets the cluster will contain: what each producer (a SealedSecret, a Certificate, a
CloudNativePG Cluster, ...) makes, with its keys.

Producers are declared as data (rules/secrets/producers/*.yaml, plus the user's ruleDirs), so
supporting another operator needs YAML, not Python. The references to Secrets are a view
(views/secret_refs.py). Pure: it reads the RepoModel and the specs, never the filesystem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import DeclaredSecret, Resource, get_path
from ..model.objpath import condition_holds, expand_path, kind_matches, value_at

REFLECTOR = "reflector.v1.k8s.emberstack.com/"
REPLICATOR = "replicator.v1.mittwald.de/"
_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")
MAX_SCRIPT_CHARS = 64 * 1024  # of a command line searched with `script` (a repository is untrusted)


@dataclass(frozen=True)
class ProducedSecret:
    namespace: str | None
    name: str
    keys: frozenset[str] | None  # None: any key (cannot be known, e.g. ExternalSecret dataFrom)
    resource: Resource | None  # None for secrets made outside Argo CD (`declared`)
    producer: str  # producer spec name, "config" or "terraform"
    deployed: bool
    mirrored_from: str | None = None  # namespace of the original, for Reflector copies
    shared: bool = False  # several objects may name it and share it (the producer spec says so)
    declared: DeclaredSecret | None = None

    @property
    def where(self) -> str:
        if self.resource is not None:
            return self.resource.doc.path
        if self.declared is not None and self.declared.location is not None:
            return f"{self.declared.location.path} ({self.declared.origin})"
        return "the config's cluster.secrets"


# --- small path helpers shared by producers and references -----------------------------------


def _text(data: Any, path: str) -> str | None:
    value = value_at(data, path) if path not in ("", ".") else data
    return str(value) if isinstance(value, (str, int)) and value != "" else None


def render_template(template: str, data: Any) -> str | None:
    """ "{metadata.name}-app" → "harbor-postgres-app"; None when a field is missing."""
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        for alternative in match.group(1).split("|"):
            value = _text(data, alternative.strip())
            if value is not None:
                return value
        missing = True
        return ""

    out = _TEMPLATE_FIELD.sub(substitute, template)
    return None if missing else out


# --- producers -------------------------------------------------------------------------------


def _items(spec: Mapping[str, Any], data: Any) -> list[Any]:
    """What a produce entry's templates read: the object, or each node `each` names (one Secret
    per Ingress `tls` entry), or the object once per key of the map `eachKey` names, with the
    key as `@key` and as `@dnsKey` (underscores made dashes, as Secret names need). With
    `command`, only the `each` containers whose command line holds that word, with its flags
    as `@flags`; with `script`, each match of that expression in the command line, with its
    named groups as `@match`. `itemWhen` keeps only the `each` items its conditions hold for."""
    if spec.get("eachKey"):
        found = value_at(data, spec["eachKey"])
        keys = [str(k) for k in found] if isinstance(found, dict) else []
        return [{**data, "@key": key, "@dnsKey": key.replace("_", "-")} for key in keys]
    if not spec.get("each"):
        return [data]
    items = [get_path(data, path) for path in expand_path(data, spec["each"])]
    if spec.get("itemWhen"):
        items = [item for item in items if condition_holds(item, spec["itemWhen"])]
    if spec.get("command"):
        return [{**item, "@flags": _flags(words)} for item in items if spec["command"] in (words := _words(item))]
    if spec.get("script"):
        pattern = re.compile(spec["script"])
        return [
            {**item, "@match": {k: v for k, v in found.groupdict().items() if v}}
            for item in items
            for found in pattern.finditer(" ".join(_words(item))[:MAX_SCRIPT_CHARS])
        ]
    return items


def _words(container: Any) -> list[str]:
    """A container's command line: its command, then its args (strings only)."""
    if not isinstance(container, dict):
        return []
    parts = [container.get("command"), container.get("args")]
    return [str(w) for part in parts if isinstance(part, list) for w in part if isinstance(w, (str, int))]


def _flags(words: list[str]) -> dict[str, str]:
    """`--secret-name=x` and `--secret-name x` (one or two dashes) as {"secret-name": "x"}. A value
    the kubelet expands from the environment (`$(POD_NAMESPACE)`) is left out: it is not known here."""
    flags: dict[str, str] = {}
    for index, word in enumerate(words):
        if not word.startswith("-") or word in ("-", "--"):
            continue
        name, equals, value = word.lstrip("-").partition("=")
        if not equals:
            following = words[index + 1] if index + 1 < len(words) else ""
            value = "" if following.startswith("-") else following
        if name and value and "$(" not in value:
            flags.setdefault(name, value)
    return flags


def _target_namespaces(
    spec: Mapping[str, Any], item: Any, resource: Resource, namespaces: set[str]
) -> Sequence[str | None]:
    """Where the Secret is made: the `namespace` template, else the object's namespace; with
    `namespacesAt`, each namespace those paths list; with `allNamespacesIf` present (a label
    selector over namespaces), every namespace the repository deploys into."""
    if any(value_at(item, path) is not None for path in spec.get("allNamespacesIf", ())):
        return sorted(namespaces)
    listed = sorted(
        {str(get_path(item, ypath)) for path in spec.get("namespacesAt", ()) for ypath in expand_path(item, path)}
    )
    if listed:
        return listed
    templated = render_template(spec["namespace"], item) if spec.get("namespace") else None
    return [templated or resource.id.namespace]


def _keys(spec: Mapping[str, Any], data: Any) -> frozenset[str] | None:
    if any(value_at(data, p) is not None for p in spec.get("anyKeysIf", ())):
        return None
    keys: set[str] = set()
    for entry in spec.get("keys", ()):
        if isinstance(entry, str):
            keys.add(entry)
            continue
        if entry.get("unlessFalse") and value_at(data, entry["unlessFalse"]) is False:
            continue
        renamed = _text(data, entry["from"]) if entry.get("from") else None
        keys.add(renamed or str(entry["name"]))
    for path in spec.get("keysFrom", ()):
        value = value_at(data, path)
        if isinstance(value, dict):
            keys.update(str(k) for k in value)
    for path in spec.get("keysAt", ()):
        for ypath in expand_path(data, path):
            value = get_path(data, ypath)
            if isinstance(value, str):
                keys.add(value)
    return frozenset(keys)


def _annotations(spec: Mapping[str, Any], data: Any) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in spec.get("annotations", ()):
        value = value_at(data, path)
        if isinstance(value, dict):
            merged.update({str(k): str(v) for k, v in value.items()})
    return merged


def _mirror_namespaces(annotations: Mapping[str, str], namespaces: set[str]) -> set[str]:
    """The namespaces a Secret is copied into: Reflector's auto-mirrors (the listed namespaces,
    regexes allowed, or all when unlisted) and mittwald replicator's `replicate-to` (listed)."""
    patterns: list[str] = []
    if str(annotations.get(REFLECTOR + "reflection-auto-enabled", "")).lower() == "true":
        listed = (
            annotations.get(REFLECTOR + "reflection-auto-namespaces")
            or annotations.get(REFLECTOR + "reflection-allowed-namespaces")
            or ""
        )
        patterns = _patterns(listed) or [".*"]
    patterns += _patterns(annotations.get(REPLICATOR + "replicate-to", ""))
    out = set()
    for pattern in patterns:
        for namespace in namespaces:
            try:
                if namespace == pattern or re.fullmatch(pattern, namespace):
                    out.add(namespace)
            except re.error:
                continue
    return out


def _patterns(listed: str) -> list[str]:
    return [p.strip() for p in str(listed).split(",") if p.strip()]


def produced_secrets(
    resources: tuple[Resource, ...], producers: list[Mapping[str, Any]], declared: Iterable[DeclaredSecret]
) -> list[ProducedSecret]:
    namespaces = {r.id.namespace for r in resources if r.id.namespace}
    by_kind: dict[str, list[int]] = {}
    for index, resource in enumerate(resources):
        by_kind.setdefault(resource.id.kind, []).append(index)
    out: list[ProducedSecret] = []
    for producer in producers:
        sources = set(producer.get("sources") or ("rendered", "manifest", "generated"))
        for resource in _matching(resources, by_kind, producer["match"]):
            if resource.source.value not in sources:
                continue
            data = resource.data
            for spec in producer["produces"]:
                if spec.get("when") and not condition_holds(data, spec["when"]):
                    continue
                if spec.get("unless") and condition_holds(data, spec["unless"]):
                    continue
                for item in _items(spec, data):  # the object, or each item `each` / `eachKey` names
                    name = render_template(spec["name"], item)
                    if not name:
                        continue
                    keys = _keys(spec, item)
                    shared = bool(producer.get("shared"))
                    for namespace in _target_namespaces(spec, item, resource, namespaces):
                        out.append(
                            ProducedSecret(
                                namespace, name, keys, resource, producer["name"], resource.deployed, shared=shared
                            )
                        )
                        for mirror in sorted(_mirror_namespaces(_annotations(spec, item), namespaces) - {namespace}):
                            out.append(
                                ProducedSecret(
                                    mirror, name, keys, resource, producer["name"], resource.deployed, namespace
                                )
                            )
    for secret in declared:
        maker = "config" if secret.location is None else "terraform"
        out.append(ProducedSecret(secret.namespace, secret.name, secret.keys, None, maker, True, declared=secret))
    return out


def _matching(resources: tuple[Resource, ...], by_kind: Mapping[str, list[int]], match: list[str]) -> list[Resource]:
    """The resources one of the `match` selectors names, in inventory order."""
    if "*" in match:
        return [r for r in resources if any(kind_matches(k, r.id) for k in match)]
    candidates = sorted({i for selector in match for i in by_kind.get(selector.rpartition("/")[2], ())})
    return [resources[i] for i in candidates if any(kind_matches(k, resources[i].id) for k in match)]


def config_secrets(entries: Iterable[Mapping[str, Any]]) -> list[DeclaredSecret]:
    """The config's `cluster.secrets`: Secrets made by hand or by tools outside the repo."""
    out = []
    for entry in entries:
        keys = frozenset(entry["keys"]) if entry.get("keys") is not None else None
        out.append(DeclaredSecret(entry["namespace"], entry["name"], keys, "the config's cluster.secrets"))
    return out
