"""StorageClasses that Kubernetes distributions install themselves, outside any git repository.

A claim on one of these is not reported as naming a missing class unless the config lists the
cluster's classes (`cluster.storageClasses`): then that list is the truth. Sources are in
docs/reference/kubernetes.md §4 (k3s from its `manifests/local-storage.yaml`; the others from
each distribution's documentation of its default class).
"""

from __future__ import annotations

DISTRIBUTION_STORAGE_CLASSES: dict[str, str] = {
    "local-path": "k3s (and rancher's local-path-provisioner)",
    "microk8s-hostpath": "MicroK8s (its hostpath-storage addon)",
    "hostpath": "Docker Desktop",
}
