"""`.Capabilities.APIVersions` as Argo CD gives it to Helm: the cluster's built-in API groups (Helm's
own default set for its Kubernetes version) plus what the custom resource definitions the
repository installs add, as `group/version` and `group/version/Kind` (Argo CD passes both forms),
so `.Capabilities.APIVersions.Has "monitoring.coreos.com/v1"` is true when the repository deploys
the Prometheus operator's CRDs, and false otherwise.

The CRDs are read before anything renders: CRD manifests anywhere in the repository, the `crds/`
files of its charts and of the charts they fetch. Those only rendering shows (templates, the
`crds/` of an Application-level chart) make loaders/repo.py walk the graph again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...model.shapes import as_dict, as_list

CRD_GROUP = "apiextensions.k8s.io/"


def crd_api_versions(objects: Iterable[Any]) -> tuple[str, ...]:
    """`group/version` and `group/version/Kind` of every served version of the CRDs among `objects`."""
    found: set[str] = set()
    for data in objects:
        if not isinstance(data, dict) or data.get("kind") != "CustomResourceDefinition":
            continue
        if not str(data.get("apiVersion", "")).startswith(CRD_GROUP):
            continue
        spec = as_dict(data.get("spec"))
        group = spec.get("group")
        kind = as_dict(spec.get("names")).get("kind")
        if not isinstance(group, str) or not group:
            continue
        versions = [
            v.get("name") for v in as_list(spec.get("versions")) if isinstance(v, dict) and v.get("served", True)
        ]
        if isinstance(spec.get("version"), str):  # apiextensions v1beta1
            versions.append(spec["version"])
        for version in versions:
            if isinstance(version, str) and version:
                found.add(f"{group}/{version}")
                if isinstance(kind, str) and kind:
                    found.add(f"{group}/{version}/{kind}")
    return tuple(sorted(found))
