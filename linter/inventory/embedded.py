"""Objects an operator creates from YAML that another object holds (rules/objects/*.yaml).

Longhorn's chart does not template StorageClass `longhorn`: it puts the class's YAML into
ConfigMap `longhorn-storageclass`, and longhorn-manager creates the class from it. The specs
say which object holds which kinds at which path; this module turns each into the Resources
the cluster will contain, deployed (or not) as the object that holds them, at the line of the
field that holds them. Pure: it reads the resources and the specs, never the filesystem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..loaders.yaml import parse_documents
from ..model import CLUSTER_SCOPED_KINDS, Resource, ResourceId, YamlDoc
from ..model.objpath import condition_holds, kind_matches, parse_path, value_at
from ..model.yamldoc import KnownPositions, pack

# An embedded text is parsed with the same bounds as any file; a ConfigMap holds at most 1 MiB.
MAX_EMBEDDED_CHARS = 1 << 20


def embedded_objects(resources: Iterable[Resource], specs: Sequence[Mapping[str, Any]]) -> list[Resource]:
    """Every object a spec finds inside a matching resource, in resource then document order."""
    out: list[Resource] = []
    for host in resources:
        for spec in specs:
            if not any(kind_matches(selector, host.id) for selector in spec["match"]):
                continue
            if spec.get("when") and not condition_holds(host.data, spec["when"]):
                continue
            out.extend(_inside(host, spec))
    return out


def _inside(host: Resource, spec: Mapping[str, Any]) -> list[Resource]:
    text = value_at(host.data, spec["at"])
    if not isinstance(text, str) or len(text) > MAX_EMBEDDED_CHARS:
        return []
    docs, _problems = parse_documents(text, host.doc.path)  # broken text: the operator makes nothing either
    where = host.doc.location(tuple(parse_path(spec["at"])))
    position = KnownPositions({(): pack(where.line, where.column)}, where.line)
    found = []
    for doc in docs:
        rid = _identity(doc.data, host)
        if rid is None or not any(kind_matches(selector, rid) for selector in spec["kinds"]):
            continue
        inner = YamlDoc(host.doc.path, host.doc.index, doc.data, position)
        found.append(replace(host, id=rid, doc=inner))
    return found


def _identity(data: Any, host: Resource) -> ResourceId | None:
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        return None
    api_version, kind, name = data.get("apiVersion"), data.get("kind"), data["metadata"].get("name")
    if not all(isinstance(v, str) and v for v in (api_version, kind, name)):
        return None
    namespace = None if kind in CLUSTER_SCOPED_KINDS else data["metadata"].get("namespace") or host.id.namespace
    return ResourceId(str(api_version), str(kind), namespace, str(name))
